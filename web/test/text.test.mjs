// The page script has no words of its own: every message it shows is a key of the locale
// sections the server renders into <template id="js-text"> (src/http/pages: form.js and
// form.refusal on the report page; mailbox, mailbox.js and form.refusal on the mailbox), so the
// pages with and without JavaScript say the same thing, in her language.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { poToJson } from "../../ops/locales.mjs";

const web = new URL("../", import.meta.url).pathname;
const en = poToJson("en"); // web/locales/en.po, as build.rs reads it
const strings = (o) => Object.keys(o).filter((k) => typeof o[k] === "string");
const rendered = new Set([
  ...strings(en.form.js),
  ...strings(en.mailbox),
  ...strings(en.mailbox.js),
  ...strings(en.form.refusal).map((k) => `form.refusal.${k}`),
]);
const sources = readdirSync(`${web}src`)
  .filter((f) => f.endsWith(".js"))
  .map((f) => [f, readFileSync(`${web}src/${f}`, "utf8")]);

test("every message key the script asks for is a string of en.json the server renders", () => {
  let seen = 0;
  for (const [file, text] of sources) {
    for (const [, key] of text.matchAll(/\bt\("([a-z_.]+)"/g)) {
      assert.ok(rendered.has(key), `${file}: t("${key}") is not in en.json form.js / mailbox / mailbox.js / form.refusal`);
      seen++;
    }
    for (const [, key] of text.matchAll(/reason\([^,()]+, "([a-z_]+)"\)/g)) {
      assert.ok(rendered.has(key), `${file}: reason(…, "${key}") is not in en.json`);
    }
    for (const [, key] of text.matchAll(/"(form\.refusal\.[a-z_]+)"/g)) {
      assert.ok(rendered.has(key), `${file}: ${key} is not in en.json`);
    }
  }
  assert.ok(seen > 30, `${seen} messages`);
});

/** The top-level arguments of the call whose "(" is at `open` in `text` (strings, braces and
 * parentheses balanced; enough for this code base's calls). */
function args(text, open) {
  const out = [];
  let depth = 0;
  let start = open + 1;
  let quote = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("({[".includes(c)) depth++;
    else if (")}]".includes(c)) {
      depth--;
      if (depth === 0) {
        out.push(text.slice(start, i).trim());
        return out;
      }
    } else if (c === "," && depth === 1) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error("unbalanced call");
}

test("no message carries an inline English copy", () => {
  let calls = 0;
  for (const [file, text] of sources) {
    for (const m of text.matchAll(/\bt\("[a-z_.]+"/g)) {
      const a = args(text, m.index + 1);
      // t(key, vars, "fallback"): a third argument was a second copy of en.json's words.
      assert.ok(a.length <= 2, `${file}: ${text.slice(m.index, m.index + 80)}…`);
      calls++;
    }
  }
  assert.ok(calls > 30, `${calls} calls`);
});
