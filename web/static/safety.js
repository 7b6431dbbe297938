// Safety on every page, when JavaScript is on (the quick exit link works without it):
// - the quick exit and the Esc key replace this page with the neutral /exit page
//   (location.replace: this page leaves the back history where the browser allows; the
//   browsing history itself is NOT erased, and the page says so);
// - after a while without activity (body data-idle, in seconds; 600 by default) every form is
//   cleared and the page leaves for /exit. The attribute is read at each tick, so a test can
//   shorten it without waiting. A report being sent is activity: while the page script marks
//   the body data-busy, the timeout never fires (it would destroy a report being sent, and the
//   codename with it), and the full idle time starts again when the sending ends.
(() => {
  "use strict";
  const EXIT = "/exit";
  const leave = () => {
    for (const f of document.forms) f.reset();
    for (const el of document.querySelectorAll("textarea, input[type=text], input[type=tel], input[type=password]")) el.value = "";
    for (const el of document.querySelectorAll("#codename, #messages")) el.textContent = "";
    location.replace(EXIT);
  };
  const link = document.getElementById("quick-exit");
  if (link) {
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      leave();
    });
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") leave();
  }, true);
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
