// The page's words: the server renders the messages of the page's language into an inert
// <template id="js-text"> (web/locales: form.js for the report page, mailbox.js for the
// mailbox); no inline script, so the CSP holds. The script carries no words of its own: every
// message is a key of those sections (web/test/text.test.mjs), the same strings the page
// without JavaScript shows, so both paths say the same thing in her language.

/** A message of the page's language, `{name}` placeholders filled from `vars` (a key the page
 * lacks shows as `fallback`, by default the key itself: visible, never an English copy). */
export function t(key, vars = {}, fallback = key) {
  const tpl = document.querySelector("#js-text");
  const el = tpl && tpl.content.querySelector(`[data-k="${key}"]`);
  const text = el ? el.textContent : fallback;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** The words for a failure: its `code` in the page's language if it has one (upload.js), else
 * its message, else the page's `fallback` key. */
export function reason(e, fallback) {
  if (e && e.code) return t(e.code, e.vars || {}, e.message);
  return e && e.message ? e.message : t(fallback);
}

/** A reason as the start of a sentence (refusal reasons start lower-case). */
export function sentence(text) {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
