// The page's codename derivation and spellings against the vectors the Rust code produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { damm, deriveReplyKeys, digit, drawnWords, freshWords, generate, group, normalise, parseWordlist, toDigits, WORDS } from "../src/codename.js";

const words = parseWordlist(readFileSync(new URL("../wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
const wordset = new Set(words);
const fresh = freshWords(words, readFileSync(new URL("../wordlist/withheld.txt", import.meta.url), "utf8"));
const lists = { set: wordset, fresh };
const vectors = JSON.parse(readFileSync(new URL("../../tests/vectors/codename.json", import.meta.url))).vectors;

test("the list has 7772 distinct words (the EFF list without its 4 hyphenated ones)", () => {
  assert.equal(words.length, 7772);
  assert.equal(wordset.size, 7772);
});

test("the fresh list is the one Rust pins, without distressing words", () => {
  assert.equal(fresh.length, 7459);
  assert.ok(WORDS * Math.log2(fresh.length) >= 90);
  const digest = createHash("sha256").update(fresh.join("\n")).digest("hex");
  assert.equal(digest, "d2dc5df5540644dcfbe9ba9559b07127656fe709a6041990f413c7563ae3ea8e", "the same digest as src/codename/mod.rs");
  for (const w of ["strangle", "battered", "choking", "deport", "police", "handcuff", "graveyard"]) {
    assert.ok(wordset.has(w) && !fresh.includes(w), w);
  }
});

test("new codenames are drawn from the list Rust draws from; the words left out keep their digits", () => {
  const notDrawn = readFileSync(new URL("../wordlist/not-drawn.txt", import.meta.url), "utf8");
  const drawn = drawnWords(fresh, notDrawn);
  assert.equal(drawn.length, 7160);
  assert.ok(WORDS * Math.log2(drawn.length) >= 89.5, "≈ 90 bits (DESIGN.md), as in src/codename/mod.rs");
  const digest = createHash("sha256").update(drawn.join("\n")).digest("hex");
  assert.equal(digest, "015a92fd1be8f85d988edccd66e70eba640c78ab95ab628eb93a3820c27fe8ae", "the same digest as src/codename/mod.rs");
  for (const w of ["splatter", "hangover", "bruising", "shame", "revolver", "precinct", "exhume", "underage"]) {
    assert.ok(fresh.includes(w) && !drawn.includes(w), w);
    const old = Array(WORDS).fill(w).join(" ");
    assert.equal(normalise(toDigits(old, fresh), lists), old, `${w}: an old codename still opens by its digits`);
  }
  for (let i = 0; i < 200; i++) assert.ok(generate(drawn).split(" ").every((w) => drawn.includes(w)));
});

test("every word of the list is typed back as itself", () => {
  for (const w of words) {
    const typed = Array(WORDS).fill(w).join(" ");
    assert.equal(normalise(typed, lists), typed, w);
  }
});

test("JS reads every spelling as Rust does and derives the same identity, recipient and mailbox", async () => {
  for (const v of vectors) {
    const n = normalise(v.typed, lists);
    assert.equal(n, v.normalised, v.typed);
    assert.equal(toDigits(n, fresh), v.digits);
    const keys = await deriveReplyKeys(n);
    assert.equal(keys.identity, v.identity);
    assert.equal(keys.recipient, v.recipient);
    assert.equal(keys.mailbox, v.mailbox);
  }
});

test("a digit group catches every single wrong digit and adjacent swap", () => {
  assert.equal(damm([5, 7, 2]), 4);
  assert.equal(digit("٧"), 7);
  assert.equal(digit("৭"), 7);
  assert.equal(digit("a"), null);
  for (let i = 0; i < 10000; i += 7) {
    const d = [...group(i)].map(Number);
    assert.equal(damm(d), 0);
    for (let p = 0; p < 5; p++) {
      for (let v = 0; v < 10; v++) {
        if (v === d[p]) continue;
        const e = d.slice();
        e[p] = v;
        assert.notEqual(damm(e), 0);
      }
    }
  }
});

test("generated codenames have 7 fresh words and read back from their digits; bad ones are refused", () => {
  for (let i = 0; i < 100; i++) {
    const c = generate(fresh);
    assert.equal(c.split(" ").length, WORDS);
    assert.equal(normalise(c, lists), c);
    const d = toDigits(c, fresh);
    assert.equal(normalise(d, lists), c);
    assert.equal(normalise(d.replaceAll(" ", ""), lists), c);
  }
  assert.equal(normalise("abacus abdomen", lists), null);
  assert.equal(normalise("abacus abdomen abdominal abide abiding ability notaword", lists), null);
  assert.equal(normalise("13149 13021 34601 74526 69537 10654 71636", lists), null, "a wrong check digit");
  assert.equal(normalise("13149 13021 34601 74526 69537 10654 7163", lists), null, "a digit short");
});
