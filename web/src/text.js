// The page's words: the server renders the messages of the page's language into an inert
// <template id="js-text"> (web/locales: form.js for the report page, mailbox.js for the
// mailbox); no inline script, so the CSP holds.

/** A message of the page's language, `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}, fallback = key) {
  const tpl = document.querySelector("#js-text");
  const el = tpl && tpl.content.querySelector(`[data-k="${key}"]`);
  const text = el ? el.textContent : fallback;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}
