// Safety on every page, when JavaScript is on (the quick exit link works without it):
// - the quick exit, and Shift pressed three times within 2 seconds (a deliberate gesture, as
//   GOV.UK's "Exit this page"; Esc is not one: she presses it to close a list), clear the
//   page and replace it with the neutral /exit page (location.replace);
// - links within the site replace the page too instead of adding to the history, so her whole
//   visit is one history entry, which the exit replaces: Back does not return to the site.
//   The browsing history itself is NOT erased, and the page says so;
// - after a while without activity (body data-idle, in seconds; 600 by default) every form is
//   cleared and the page leaves for /exit. The attribute is read at each tick, so a test can
//   shorten it without waiting. A report being sent is activity: while the page script marks
//   the body data-busy, the timeout never fires (it would destroy a report being sent, and the
//   codename with it), and the full idle time starts again when the sending ends.
(() => {
  "use strict";
  const EXIT = "/exit";
  document.documentElement.dataset.safety = "on"; // shows "or press Shift three times"
  let leaving = false;
  const leave = () => {
    // Once: a further Shift (or the idle tick) while /exit loads must not start it again.
    if (leaving) return;
    leaving = true;
    for (const f of document.forms) f.reset();
    for (const el of document.querySelectorAll("textarea, input[type=text], input[type=tel], input[type=password]")) el.value = "";
    for (const el of document.querySelectorAll("#codename, #codename-digits, #messages")) el.textContent = "";
    location.replace(EXIT);
  };
  // A page the browser brings back from its cache may leave again.
  window.addEventListener("pageshow", () => {
    leaving = false;
  });
  const link = document.getElementById("quick-exit");
  if (link) {
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      leave();
    });
  }
  let shifts = [];
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Shift") {
      shifts = [];
      return;
    }
    if (ev.repeat) return;
    const now = Date.now();
    shifts = shifts.filter((t) => now - t < 2000);
    shifts.push(now);
    if (shifts.length >= 3) leave();
  }, true);
  document.addEventListener("click", (ev) => {
    const a = ev.target instanceof Element ? ev.target.closest("a[href]") : null;
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // a place on this page
    ev.preventDefault();
    location.replace(url.href);
  });
  let last = Date.now();
  const touch = () => {
    last = Date.now();
  };
  for (const ev of ["keydown", "input", "pointerdown", "scroll", "change"]) {
    document.addEventListener(ev, touch, { capture: true, passive: true });
  }
  const idleSeconds = () => {
    const s = Number.parseInt(document.body && document.body.dataset.idle, 10);
    return Number.isFinite(s) && s > 0 ? s : 600;
  };
  setInterval(() => {
    if (document.body && document.body.dataset.busy) touch();
    else if (Date.now() - last > idleSeconds() * 1000) leave();
  }, 500);
})();
