// Hidden characters in attachment names: the page's table and safeName against the vectors
// src/envelope/names.rs checks too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { HIDDEN_RANGES, isHiddenChar, safeName } from "../src/envelope.js";

const v = JSON.parse(readFileSync(new URL("../../tests/vectors/names.json", import.meta.url)));

test("the page keeps the same table as the Rust predicate", () => {
  assert.deepEqual(HIDDEN_RANGES, v.hidden_ranges);
});

test("every code point is classified by the table", () => {
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const inTable = v.hidden_ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
    if (isHiddenChar(String.fromCodePoint(cp)) !== inTable) assert.fail(`U+${cp.toString(16)}`);
  }
});

for (const c of v.cases) {
  test(`safeName neutralises ${JSON.stringify(c.raw)}`, () => {
    assert.equal(safeName(c.raw, new Set()), c.neutralised);
  });
}
