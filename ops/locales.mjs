// The locales as translators keep them: web/locales/<lang>.po (gettext, one entry per string:
// msgctxt = the key path, msgid = the English text, msgstr = the translation, `#, fuzzy` = not
// reviewed by a native speaker). build.rs turns them into the JSON the server reads (with the
// `polib` crate); this module is the same reading for node (tests, `ops/locales`), plus the
// one-way import from the old JSON files and the glossary of docs/glossary.md.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;
export const DIR = join(ROOT, "web/locales");
/** The languages whose text the project writes itself: their strings are reviewed as written. */
export const SOURCE_LANGS = ["it", "en"];
/** Keys that are no strings to translate: `language` is the PO header, `reviewed` is derived. */
const HEAD_KEYS = ["language", "reviewed"];
/** Entries that are facts about the language, never fuzzy. */
const HEAD_ENTRIES = ["name", "dir"];

/** PO string escaping (the subset gettext writes). */
function esc(s) {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}
function unesc(s) {
  return s.replace(/\\(.)/g, (_, c) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

/** Parses a PO file: { header: {Language, …}, entries: [{ ctx, id, str, fuzzy, comment }] }. */
export function parsePo(text, name = "PO") {
  const entries = [];
  const fresh = () => ({ ctx: undefined, id: undefined, str: "", fuzzy: false, comment: [] });
  let cur = fresh();
  let field = null;
  const next = () => {
    if (cur.id !== undefined) entries.push(cur);
    cur = fresh();
    field = null;
  };
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#~")) return line === "" ? next() : undefined;
    if (line.startsWith("#")) {
      if (cur.id !== undefined) next();
      if (line.startsWith("#,")) cur.fuzzy = line.slice(2).split(",").some((f) => f.trim() === "fuzzy");
      else cur.comment.push(line);
      return;
    }
    const m = /^(msgctxt|msgid|msgstr)\s+"(.*)"$/.exec(line);
    const cont = /^"(.*)"$/.exec(line);
    if (m) {
      if (m[1] !== "msgstr" && cur.id !== undefined) next();
      field = { msgctxt: "ctx", msgid: "id", msgstr: "str" }[m[1]];
      cur[field] = unesc(m[2]);
    } else if (cont && field) {
      cur[field] += unesc(cont[1]);
    } else {
      throw new Error(`${name}:${i + 1}: cannot read ${JSON.stringify(raw.slice(0, 40))}`);
    }
  });
  next();
  const headEntry = entries.find((e) => e.id === "" && e.ctx === undefined);
  const header = {};
  for (const l of (headEntry?.str ?? "").split("\n")) {
    const k = l.indexOf(":");
    if (k > 0) header[l.slice(0, k).trim()] = l.slice(k + 1).trim();
  }
  return { header, entries: entries.filter((e) => e !== headEntry) };
}

/** Writes a PO file (entries in the given order, no line wrapping). */
export function writePo(lang, entries) {
  const head = [
    `# approdo: the ${lang} words of the site. Edit here (or in Weblate/Pontoon); see docs/translations.md.`,
    `# "#, fuzzy" = not yet reviewed by a native speaker. The JSON the server reads is built from this file.`,
    'msgid ""',
    'msgstr ""',
    '"Project-Id-Version: approdo\\n"',
    `"Language: ${lang}\\n"`,
    '"MIME-Version: 1.0\\n"',
    '"Content-Type: text/plain; charset=UTF-8\\n"',
    '"Content-Transfer-Encoding: 8bit\\n"',
    '"Plural-Forms: nplurals=1; plural=0;\\n"',
    "",
  ];
  const body = entries.map((e) =>
    [
      ...e.comment,
      ...(e.fuzzy ? ["#, fuzzy"] : []),
      `msgctxt "${esc(e.ctx)}"`,
      `msgid "${esc(e.id)}"`,
      `msgstr "${esc(e.str)}"`,
      "",
    ].join("\n"),
  );
  return head.join("\n") + "\n" + body.join("\n");
}

/** The template translators' tools start a new language from (`web/locales/approdo.pot`):
 * every entry of en.po with its key, English text and notes, and an empty translation. The
 * language facts (`name`, `dir`) are entries too: a new language fills them in. */
export function potText(en = readPo("en")) {
  const head = [
    "# approdo: the template for a new language. Do not edit: `ops/locales pot` writes it from en.po.",
    "# A new language: copy it to web/locales/<lang>.po, set Language, translate; see docs/translations.md.",
    'msgid ""',
    'msgstr ""',
    '"Project-Id-Version: approdo\\n"',
    '"MIME-Version: 1.0\\n"',
    '"Content-Type: text/plain; charset=UTF-8\\n"',
    '"Content-Transfer-Encoding: 8bit\\n"',
    "",
  ];
  const body = en.entries.map((e) => [...e.comment, `msgctxt "${esc(e.ctx)}"`, `msgid "${esc(e.id)}"`, 'msgstr ""', ""].join("\n"));
  return head.join("\n") + "\n" + body.join("\n");
}

/** Every string of a nested JSON object as [path, text], in file order. */
export function flatten(obj, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object") out.push(...flatten(v, p));
    else if (typeof v === "string" && !(prefix === "" && HEAD_KEYS.includes(k))) out.push([p, v]);
  }
  return out;
}

/** The languages that have a PO file, sorted. */
export function poLangs(dir = DIR) {
  return readdirSync(dir).filter((f) => f.endsWith(".po")).map((f) => f.slice(0, -3)).sort();
}

export function readPo(lang, dir = DIR) {
  return parsePo(readFileSync(join(dir, `${lang}.po`), "utf8"), `web/locales/${lang}.po`);
}

/** A PO file as the JSON the server reads (build.rs does the same in Rust): untranslated
 * entries left out (English shows instead), `reviewed` = no entry is fuzzy. */
export function poToJson(lang, po = readPo(lang)) {
  const out = { language: po.header.Language || lang };
  let reviewed = true;
  for (const e of po.entries) {
    if (e.fuzzy) reviewed = false;
    if (e.str === "") continue;
    const ks = e.ctx.split(".");
    let o = out;
    for (const k of ks.slice(0, -1)) o = o[k] ??= {};
    o[ks.at(-1)] = e.str;
  }
  // `reviewed` right after the header keys, as the JSON files had it.
  const { language, name, dir, ...rest } = out;
  return { language, name, dir, reviewed, ...rest };
}

/** Every locale string as { lang: [[path, text, fuzzy]] } (from the PO files). */
export function allStrings() {
  const out = {};
  for (const lang of poLangs()) {
    out[lang] = readPo(lang).entries.filter((e) => e.str !== "").map((e) => [e.ctx, e.str, e.fuzzy]);
  }
  return out;
}

/**
 * Brings the strings of web/locales/<lang>.json into <lang>.po; idempotent. An entry already in
 * the PO file keeps its translation and its reviewed/fuzzy state, unless its English text changed
 * (then the JSON's translation comes in, fuzzy). New strings come in fuzzy, except in it/en (a
 * PO file first made from a JSON file marked `"reviewed": false` is all fuzzy, it/en too).
 * Strings English has and a language lacks come in untranslated (msgstr ""). Strings no longer
 * in en.json are kept (a branch's JSON may predate strings added since) unless `dropMissing`.
 * Returns a log.
 */
export function importJson(dir = DIR, { dropMissing = false } = {}) {
  const log = [];
  const jsonOf = (lang) => {
    const f = join(dir, `${lang}.json`);
    return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null;
  };
  const langs = [
    ...new Set([
      ...poLangs(dir),
      ...readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)),
    ]),
  ].sort((a, b) => (a === "en" ? -1 : b === "en" ? 1 : a.localeCompare(b)));
  let english = null; // [[path, text]] in order
  for (const lang of langs) {
    const json = jsonOf(lang);
    const old = existsSync(join(dir, `${lang}.po`)) ? readPo(lang, dir).entries : [];
    const byKey = new Map(old.map((e) => [e.ctx, e]));
    const fromJson = new Map(json ? flatten(json) : []);
    if (lang === "en") english = json ? flatten(json) : old.map((e) => [e.ctx, e.id]);
    if (!english) throw new Error("web/locales: no en.json or en.po to take the English text from");
    const reviewedAsWritten = SOURCE_LANGS.includes(lang);
    // The language's name and writing direction are facts, not translations to review.
    // A PO file made from a JSON file marked `"reviewed": false` starts all fuzzy, it/en too
    // (that is how they start: no native speaker has checked them either).
    const fresh = !existsSync(join(dir, `${lang}.po`)) && json?.reviewed === false;
    const fuzzyIf = (key, str) =>
      (fresh || !reviewedAsWritten) && str !== "" && !HEAD_ENTRIES.includes(key);
    const keys = [...english.map(([k]) => k), ...fromJson.keys(), ...byKey.keys()];
    const en = new Map(english);
    const entries = [];
    let added = 0;
    let changed = 0;
    const enFromJson = existsSync(join(dir, "en.json"));
    for (const key of new Set(keys)) {
      if (dropMissing && enFromJson && !en.has(key)) {
        log.push(`${lang}: ${key} dropped (not in en.json)`);
        continue;
      }
      const id = en.get(key) ?? byKey.get(key)?.id ?? fromJson.get(key);
      const was = byKey.get(key);
      const theirs = fromJson.get(key);
      const comment = key === "dir" ? ["#. Writing direction: ltr or rtl (not a translation)."] : [];
      if (was && was.id === id && (was.str !== "" || theirs === undefined)) {
        entries.push({ ...was, comment: was.comment.length ? was.comment : comment });
      } else if (was && was.id === id) {
        // Untranslated in the PO file, translated in the JSON.
        entries.push({ ...was, str: theirs, fuzzy: fuzzyIf(key, theirs) });
        added++;
      } else if (was) {
        // The English text changed: take the JSON's translation if it has one; review again.
        const str = lang === "en" ? id : (theirs ?? was.str);
        entries.push({ ...was, id, str, fuzzy: fuzzyIf(key, str) });
        changed++;
      } else {
        const str = lang === "en" ? id : (theirs ?? "");
        entries.push({ ctx: key, id, str, fuzzy: fuzzyIf(key, str), comment });
        if (str !== "") added++;
      }
      if (!en.has(key)) log.push(`${lang}: ${key} is not in en.json (kept; --drop-missing drops it)`);
    }
    const text = writePo(json?.language ?? lang, entries);
    const file = join(dir, `${lang}.po`);
    const before = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (before !== text) writeFileSync(file, text);
    log.push(`${lang}: ${entries.length} strings, ${added} new, ${changed} with new English text${before === text ? " (unchanged)" : ""}`);
  }
  return log;
}

/** The rows of docs/glossary.md: { lang: { never: [], use: [], allowed: [] } }. */
export function glossary() {
  const text = readFileSync(join(ROOT, "docs/glossary.md"), "utf8");
  const out = {};
  for (const line of text.split("\n")) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || cells[0] === "lang" || cells[0].startsWith("---")) continue;
    const list = (c) => c.split(",").map((s) => s.trim()).filter(Boolean);
    out[cells[0]] = { never: list(cells[1]), use: list(cells[2]), allowed: list(cells[3]) };
  }
  return out;
}

/** The glossary words a string breaks: [] when it is fine. */
export function forbiddenIn(lang, path, text, g = glossary()) {
  const row = g[lang];
  if (!row || row.allowed.includes(path)) return [];
  const low = text.toLocaleLowerCase(lang);
  return row.never.filter((w) => low.includes(w.toLocaleLowerCase(lang)));
}
