// No locale string calls what she sends a complaint or a police report (docs/glossary.md), and
// the glossary covers every language.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { DIR, allStrings, flatten, forbiddenIn, glossary, poLangs } from "../../ops/locales.mjs";

/** The strings of every language: from the PO files, or the JSON files while they remain. */
function strings() {
  if (poLangs().length) return allStrings();
  const out = {};
  for (const f of readdirSync(DIR).filter((f) => f.endsWith(".json"))) {
    out[f.slice(0, -5)] = flatten(JSON.parse(readFileSync(`${DIR}/${f}`, "utf8")));
  }
  return out;
}

test("the glossary has a row for every language", () => {
  const g = glossary();
  for (const lang of Object.keys(strings())) {
    assert.ok(g[lang]?.never.length && g[lang].use.length, `docs/glossary.md: no row for ${lang}`);
  }
});

test("no locale string uses a word the glossary forbids", () => {
  const g = glossary();
  const bad = [];
  for (const [lang, list] of Object.entries(strings())) {
    for (const [path, text] of list) {
      const words = forbiddenIn(lang, path, text, g);
      if (words.length) bad.push(`${lang} ${path}: ${words.join(", ")} in ${JSON.stringify(text)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the check finds a forbidden word (it would fail on the old Spanish heading)", () => {
  assert.deepEqual(forbiddenIn("es", "pages.report_heading", "Enviar una denuncia"), ["denunc"]);
  assert.deepEqual(forbiddenIn("ar", "pages.report_heading", "إرسال بلاغ"), ["بلاغ"]);
  assert.deepEqual(forbiddenIn("es", "form.o.consent_police.wants_help_to_report", "Quiero ayuda para denunciar"), []);
});

test("Arabic addresses her in the feminine (no masculine imperative)", () => {
  // Masculine imperatives the old Arabic used; each has a feminine form (اختاري, أرسلي, …).
  const masculine = /(^|[\s«(])(اختر|أرسل|اكتب|حاول|انتظر|تأكد|ضع|افتح|أدخل|استخدم|عد|تحقق|أعط|خذ|غادر|اتصل|تابع|اذهب|أغلق|احتفظ|احفظ|اقرأ|قل|دع|أظهر|اضغط|راجع|ارجع|انتقل|صحح|أرفق)(?=[\s.،؛:!؟»)]|$)/u;
  const bad = (strings().ar ?? [])
    .filter(([path, text]) => path !== "form.q.assisted_consent" && masculine.test(text))
    .map(([path, text]) => `${path}: ${text}`);
  assert.deepEqual(bad, []);
});
