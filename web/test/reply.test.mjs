// The page's signed-reply check against the vectors made by tests/vectors/reply.py (the Rust
// unit test in src/reply/signed.rs reads the same file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { signedMessage, verifyReply } from "../src/reply.js";

const v = JSON.parse(readFileSync(new URL("../../tests/vectors/reply.json", import.meta.url)));

for (const c of v.cases) {
  test(`reply vector: ${c.name}`, () => {
    const sealed = Uint8Array.from(Buffer.from(c.sealed, "base64"));
    if (c.message) {
      const s = c.signature;
      assert.equal(signedMessage(c.mailbox, c.report, s.partner, s.officer_key, sealed), c.message);
    }
    const p = verifyReply(v.directory, c.mailbox, c.report, c.signature, sealed);
    assert.equal(p ? p.name : null, c.valid_partner_name);
  });
}

test("a reply with no signature, or malformed fields, is hidden", () => {
  const c = v.cases[0];
  const sealed = Uint8Array.from(Buffer.from(c.sealed, "base64"));
  assert.equal(verifyReply(v.directory, c.mailbox, c.report, undefined, sealed), null);
  assert.equal(verifyReply(v.directory, c.mailbox.toUpperCase(), c.report, c.signature, sealed), null);
  assert.equal(verifyReply(v.directory, c.mailbox, c.report, { ...c.signature, signature: "!!" }, sealed), null);
});
