// The PO files are the locales' source: they parse, agree with English, carry no JSON leftovers;
// `ops/locales import-json` is idempotent and keeps reviewed states; `ops/locales review` lists
// what a reviewer must check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIR, ROOT, importJson, poLangs, poToJson, potText, readPo, parsePo } from "../../ops/locales.mjs";

test("the locales are PO files only (no JSON source left after a merge)", () => {
  const json = readdirSync(DIR).filter((f) => f.endsWith(".json"));
  assert.deepEqual(json, [], "run: ops/locales import-json, then remove web/locales/*.json (docs/translations.md)");
  assert.equal(poLangs().length, 14);
});

test("every PO file uses the English text of en.po as msgid; reviewed = no fuzzy entry", () => {
  const en = new Map(readPo("en").entries.map((e) => [e.ctx, e]));
  for (const e of en.values()) assert.equal(e.str, e.id, `en ${e.ctx}`);
  for (const lang of poLangs()) {
    const po = readPo(lang);
    assert.equal(po.header.Language, lang);
    for (const e of po.entries) {
      if (en.has(e.ctx)) assert.equal(e.id, en.get(e.ctx).id, `${lang} ${e.ctx}: msgid is not the English text`);
    }
    const json = poToJson(lang, po);
    assert.equal(json.reviewed, !po.entries.some((e) => e.fuzzy), lang);
  }
  // Nothing has been reviewed by a native speaker yet (tests/it/outreach.rs: every card says so).
  for (const lang of poLangs()) assert.equal(poToJson(lang).reviewed, false, lang);
});

test("import-json is idempotent and keeps reviewed states", () => {
  const dir = mkdtempSync(join(tmpdir(), "approdo-locales-"));
  cpSync(DIR, dir, { recursive: true });
  // A reviewer approved one Spanish string.
  const esPo = join(dir, "es.po");
  writeFileSync(esPo, readFileSync(esPo, "utf8").replace('#, fuzzy\nmsgctxt "pages.title"', 'msgctxt "pages.title"'));
  // A branch adds a string in JSON (en, it, es) and still carries an old Spanish translation.
  const add = (lang, extra) => {
    const j = poToJson(lang, readPo(lang, dir));
    j.pages.new_string = extra;
    j.pages.title = `${j.pages.title} (old)`;
    writeFileSync(join(dir, `${lang}.json`), JSON.stringify(j));
  };
  add("en", "A new string");
  add("it", "Una nuova stringa");
  add("es", "Una cadena nueva");
  writeFileSync(join(dir, "en.json"), readFileSync(join(dir, "en.json"), "utf8").replace(" (old)", ""));
  importJson(dir);
  const es = new Map(readPo("es", dir).entries.map((e) => [e.ctx, e]));
  assert.equal(es.get("pages.new_string").str, "Una cadena nueva");
  assert.equal(es.get("pages.new_string").fuzzy, true);
  assert.equal(es.get("pages.new_string").id, "A new string");
  assert.equal(es.get("pages.title").str, "Información", "the PO entry wins while its English is unchanged");
  assert.equal(es.get("pages.title").fuzzy, false, "the reviewer's approval is kept");
  const it = new Map(readPo("it", dir).entries.map((e) => [e.ctx, e]));
  assert.equal(it.get("pages.new_string").fuzzy, false);
  const fr = new Map(readPo("fr", dir).entries.map((e) => [e.ctx, e]));
  assert.equal(fr.get("pages.new_string").str, "", "a language without it gets it untranslated");
  const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
  importJson(dir);
  for (const f of readdirSync(dir)) assert.equal(readFileSync(join(dir, f), "utf8"), before[f], `${f} changed on a second run`);
});

test("ops/locales review lists the fuzzy strings with English and the glossary", () => {
  const out = execFileSync(join(ROOT, "ops/locales"), ["review", "es"], { encoding: "utf8" });
  assert.match(out, /^# es: \d+ of \d+ strings to review/);
  assert.match(out, /never: denunc/);
  assert.match(out, /## pages\.report_heading\nen: Send a report\nes: Pide ayuda: cuéntanos qué pasó/);
  const ar = execFileSync(join(ROOT, "ops/locales"), ["review", "ar"], { encoding: "utf8" });
  assert.match(ar, /never: بلاغ/);
});

test("import-json keeps strings a branch's en.json lacks, unless --drop-missing", () => {
  const dir = mkdtempSync(join(tmpdir(), "approdo-locales-"));
  cpSync(DIR, dir, { recursive: true });
  const en = poToJson("en", readPo("en", dir));
  delete en.pages.title;
  writeFileSync(join(dir, "en.json"), JSON.stringify(en));
  importJson(dir);
  assert.ok(readPo("es", dir).entries.some((e) => e.ctx === "pages.title"), "kept by default");
  importJson(dir, { dropMissing: true });
  assert.ok(!readPo("es", dir).entries.some((e) => e.ctx === "pages.title"), "dropped");
  assert.ok(!readPo("en", dir).entries.some((e) => e.ctx === "pages.title"), "dropped from en too");
});

test("approdo.pot, the template for a new language, is what en.po gives (ops/locales pot)", () => {
  const pot = readFileSync(join(DIR, "approdo.pot"), "utf8");
  assert.equal(pot, potText(), "run: ops/locales pot");
  const entries = parsePo(pot, "approdo.pot").entries;
  assert.deepEqual(entries.map((e) => [e.ctx, e.id]), readPo("en").entries.map((e) => [e.ctx, e.id]));
  assert.ok(entries.every((e) => e.str === "" && !e.fuzzy), "empty translations, nothing fuzzy");
  // GNU gettext reads it (a PO tool's check, not only ours).
  execFileSync("msgfmt", ["--check-format", "-o", "/dev/null", join(DIR, "approdo.pot")]);
});
