// The page's codename derivation against the vectors the Rust code produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deriveReplyKeys, generate, normalise, parseWordlist, WORDS } from "../src/codename.js";

const words = parseWordlist(readFileSync(new URL("../wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
const wordset = new Set(words);
const vectors = JSON.parse(readFileSync(new URL("../../tests/vectors/codename.json", import.meta.url))).vectors;

test("the list has 7776 distinct words", () => {
  assert.equal(words.length, 7776);
  assert.equal(wordset.size, 7776);
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
