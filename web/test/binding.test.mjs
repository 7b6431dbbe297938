// The page's mailbox binding against tests/vectors/binding.json (the Rust unit test in
// src/reply/binding.rs reads the same file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mailboxBinding } from "../src/binding.js";

const v = JSON.parse(readFileSync(new URL("../../tests/vectors/binding.json", import.meta.url)));

test("mailbox binding vectors", () => {
  assert.ok(v.cases.length >= 3);
  for (const c of v.cases) {
    const salt = Uint8Array.from(Buffer.from(c.salt, "hex"));
    assert.equal(mailboxBinding(c.mailbox, salt), c.binding);
  }
});

test("a fresh binding has a fresh salt and refuses a malformed mailbox", () => {
  const m = v.cases[0].mailbox;
  const a = mailboxBinding(m);
  assert.match(a, /^[0-9a-f]{96}$/);
  assert.notEqual(a, mailboxBinding(m));
  assert.throws(() => mailboxBinding(v.cases[1].mailbox.toUpperCase()));
  assert.throws(() => mailboxBinding("00"));
});
