// The report form one step at a time (issue 16.7). The server renders every part of the form
// on one page (src/intake/form.rs): without JavaScript she scrolls, with a step list on top and
// "Skip to Send" after each part. Here each part is one screen: its counter ("Step 2 of 6"),
// Back and Next (rendered by the server, hidden without JavaScript); "Skip to Send" and any
// link to a step show that step; moving moves the focus to the step's heading. Nothing is
// sent or stored between steps: it is still one form, sent once.

const parts = (form) => [...form.querySelectorAll(".part")];

/** Shows step `i` (clamped) and focuses its heading unless `focus` is false. */
function show(form, i, focus = true) {
  const all = parts(form);
  const n = Math.max(0, Math.min(all.length - 1, i));
  all.forEach((p, j) => p.classList.toggle("current", j === n));
  // The page's introduction belongs to the first step; the later ones start at their heading.
  const intro = document.querySelector("#form-intro");
  if (intro) intro.classList.toggle("later-step", n > 0);
  if (focus) {
    window.scrollTo(0, 0);
    all[n].querySelector("h2")?.focus({ preventScroll: true });
  }
  return all[n];
}

/** Shows the step holding `el` (a question she must answer, the one a message is about). */
export function revealStep(el) {
  const form = el?.closest("form.stepped");
  if (!form) return;
  const part = el.closest(".part");
  const i = parts(form).indexOf(part);
  if (i >= 0 && !part.classList.contains("current")) show(form, i, false);
}

/** Turns the form into steps. */
export function startSteps(form) {
  if (!form || parts(form).length < 2) return;
  const all = parts(form);
  // Send goes with the last step, beside its Back.
  const send = form.querySelector("button[type=submit]");
  const row = all.at(-1).querySelector(".step-buttons");
  if (send && row && !row.contains(send)) {
    const was = send.parentElement;
    row.append(send);
    if (was && was !== form && was.children.length === 0) was.remove();
  }
  form.classList.add("stepped");
  const current = () => parts(form).findIndex((p) => p.classList.contains("current"));
  form.addEventListener("click", (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const button = target?.closest("button[data-step]");
    if (button) {
      ev.preventDefault();
      show(form, current() + (button.dataset.step === "next" ? 1 : -1));
      return;
    }
    const link = target?.closest("a[href^='#step-']");
    if (link) {
      const part = form.querySelector(link.getAttribute("href"));
      const i = parts(form).indexOf(part);
      if (i >= 0) {
        ev.preventDefault();
        show(form, i);
      }
    }
  });
  // The browser's own check (a required box) and the focus of a message land on a hidden
  // step: show it first.
  form.addEventListener("invalid", (ev) => revealStep(ev.target), true);
  const fromHash = location.hash && form.querySelector(location.hash);
  const start = fromHash ? parts(form).indexOf(fromHash.closest(".part")) : 0;
  show(form, Math.max(0, start), false);
}
