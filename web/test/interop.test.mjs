// typage (the browser's age) ↔ approdo's Rust seal/open, both directions, at the STREAM
// chunk boundaries and at 5 MiB. The Rust side is examples/raw_age.rs (approdo::envelope).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Decrypter, Encrypter } from "age-encryption";

const root = new URL("../../", import.meta.url).pathname;
const bin = process.env.APPRODO_RAW_AGE || `${root}target/debug/examples/raw_age`;
const keyFile = `${root}keys/demo/secret/tratta-milano-1.key`;
const identity = readFileSync(keyFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"));
const recipient = readFileSync(keyFile, "utf8").match(/public key: (age1\w+)/)[1];
const sizes = [0, 1, 65535, 65536, 65537, 5 * 1024 * 1024];
const data = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256);

test("the Rust helper is built", () => {
  assert.ok(existsSync(bin), `${bin} missing: run cargo test (it builds examples) or cargo build --examples`);
});

for (const n of sizes) {
  test(`typage seals ${n} bytes, Rust opens them`, async () => {
    const e = new Encrypter();
    e.addRecipient(recipient);
    const sealed = await e.encrypt(data(n));
    const plain = execFileSync(bin, ["decrypt", keyFile], { input: sealed, maxBuffer: 64 << 20 });
    assert.equal(plain.length, n);
    assert.ok(Buffer.from(plain).equals(Buffer.from(data(n))));
  });
  test(`Rust seals ${n} bytes, typage opens them`, async () => {
    const sealed = execFileSync(bin, ["encrypt", recipient], { input: data(n), maxBuffer: 64 << 20 });
    const d = new Decrypter();
    d.addIdentity(identity);
    const plain = await d.decrypt(new Uint8Array(sealed));
    assert.equal(plain.length, n);
    assert.ok(Buffer.from(plain).equals(Buffer.from(data(n))));
  });
}
