// The intake answers in the browser, read from the server-rendered form: each question is a
// [data-q] element (data-kind one | many | text | consent, data-required); a question inside an
// `if-<group>` element counts only when an answer with class `shows-<group>` is checked (the
// same rule the server applies without JavaScript, src/intake/answers.rs). Skipped required
// questions become "prefer_not_to_say"; the consent to read must be ticked.
export const PREFER_NOT = "prefer_not_to_say";
const MAX_LINE = 200;

function opened(form, q) {
  const m = q.className.match(/\bif-([a-z]+)\b/);
  return !m || form.querySelector(`.shows-${m[1]}:checked`) !== null;
}

/** Her answers (without description), and whether she reports for someone else. */
export function readIntake(form) {
  const data = new FormData(form);
  const answers = {};
  for (const q of form.querySelectorAll("[data-q]")) {
    const name = q.dataset.q;
    if (name === "description" || !opened(form, q)) continue;
    const required = q.dataset.required !== undefined;
    const values = data.getAll(name).filter((v) => typeof v === "string").map((v) => v.trim()).filter(Boolean);
    switch (q.dataset.kind) {
      case "many": {
        const unique = [...new Set(values)];
        if (unique.length) answers[name] = unique;
        else if (required) answers[name] = [PREFER_NOT];
        break;
      }
      case "one":
        if (values.length) answers[name] = values[0];
        else if (required) answers[name] = PREFER_NOT;
        break;
      case "text":
        if (values.length) answers[name] = [...values[0]].slice(0, MAX_LINE).join("");
        break;
      case "consent":
        if (values.length) answers[name] = true;
        break;
    }
  }
  const assisted = answers.reporter_role === "for_someone_else";
  let missing = null;
  if (answers.consent_read !== true) missing = { key: "consent", field: "consent_read" };
  else if (assisted && answers.assisted_consent !== true) missing = { key: "assisted", field: "assisted_consent" };
  return { answers, assisted, missing };
}
