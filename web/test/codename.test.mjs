// The page's codename derivation against the vectors the Rust code produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deriveReplyKeys, generate, normalise, parseWordlist, WORDS } from "../src/codename.js";

const words = parseWordlist(readFileSync(new URL("../wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
const wordset = new Set(words);
const vectors = JSON.parse(readFileSync(new URL("../../tests/vectors/codename.json", import.meta.url))).vectors;

test("the list has 7772 distinct words (the EFF list without its 4 hyphenated ones)", () => {
  assert.equal(words.length, 7772);
  assert.equal(wordset.size, 7772);
});

test("every word of the list is typed back as itself", () => {
  for (const w of words) {
    const typed = Array(WORDS).fill(w).join(" ");
    assert.equal(normalise(typed, wordset), typed, w);
  }
});

test("JS derives the same identity, recipient and mailbox as Rust", async () => {
  for (const v of vectors) {
    const n = normalise(v.typed, wordset);
    assert.equal(n, v.normalised);
    const keys = await deriveReplyKeys(n);
    assert.equal(keys.identity, v.identity);
    assert.equal(keys.recipient, v.recipient);
    assert.equal(keys.mailbox, v.mailbox);
  }
});

test("generated codenames have 7 list words; bad ones are refused", () => {
  const c = generate(words);
  assert.equal(c.split(" ").length, WORDS);
  assert.equal(normalise(c, wordset), c);
  assert.equal(normalise("abacus abdomen", wordset), null);
  assert.equal(normalise("abacus abdomen abdominal abide abiding ability notaword", wordset), null);
});
