// The post-quantum hybrid mlkem768x25519 recipient: typage (the page's age) ↔ approdo's Rust
// implementation (src/agekeys, through examples/raw_age.rs), both directions, and the
// known-answer identity → recipient check shared with tests/it/hybrid.rs. To regenerate
// tests/vectors/hybrid-kat.json (only on purpose): identityToRecipient(identity) with typage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decrypter, Encrypter, generateHybridIdentity, identityToRecipient } from "age-encryption";
import { sealableRecipients, isPostQuantum } from "../src/directory.js";

const root = new URL("../../", import.meta.url).pathname;
const bin = process.env.APPRODO_RAW_AGE || `${root}target/debug/examples/raw_age`;
const kat = JSON.parse(readFileSync(`${root}tests/vectors/hybrid-kat.json`, "utf8"));
const data = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256);
const dir = mkdtempSync(join(tmpdir(), "approdo-pq-"));

async function identityFile(name) {
  const identity = await generateHybridIdentity();
  const path = join(dir, name);
  writeFileSync(path, `# test\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient: await identityToRecipient(identity), path };
}

test("the Rust helper is built", () => {
  assert.ok(existsSync(bin), `${bin} missing: run cargo build --examples`);
});

test("known answer: typage derives the committed recipient (Rust checks the same file)", async () => {
  assert.equal(await identityToRecipient(kat.identity), kat.recipient);
  const path = join(dir, "kat.key");
  writeFileSync(path, `${kat.identity}\n`, { mode: 0o600 });
  assert.equal(execFileSync(bin, ["recipient", path]).toString().trim(), kat.recipient);
});

for (const n of [0, 65536, 65537, 1 << 20]) {
  test(`typage seals ${n} bytes to 3 post-quantum officers, Rust opens them with each`, async () => {
    const officers = [await identityFile(`a${n}`), await identityFile(`b${n}`), await identityFile(`c${n}`)];
    const e = new Encrypter();
    for (const o of officers) e.addRecipient(o.recipient);
    const sealed = await e.encrypt(data(n));
    assert.equal((new TextDecoder().decode(sealed.subarray(0, 8000)).match(/-> mlkem768x25519 /g) || []).length, 3);
    for (const o of officers) {
      const plain = execFileSync(bin, ["decrypt", o.path], { input: sealed, maxBuffer: 64 << 20 });
      assert.ok(Buffer.from(plain).equals(Buffer.from(data(n))));
    }
  });
  test(`Rust seals ${n} bytes to a post-quantum recipient, typage opens them`, async () => {
    const o = await identityFile(`r${n}`);
    const sealed = execFileSync(bin, ["encrypt", o.recipient], { input: data(n), maxBuffer: 64 << 20 });
    assert.match(new TextDecoder().decode(sealed.subarray(0, 100)), /-> mlkem768x25519 /);
    const d = new Decrypter();
    d.addIdentity(o.identity);
    const plain = await d.decrypt(new Uint8Array(sealed));
    assert.ok(Buffer.from(plain).equals(Buffer.from(data(n))));
  });
}

test("the page seals to all-X25519 or all-post-quantum partners, never a mix", async () => {
  const x = "age1tnf5lyrqn9v2f4sv56xm4xy27fwkamfyl9qdk5ry6kfydkxtyu0sz4jl6d";
  assert.deepEqual(sealableRecipients([kat.recipient]), [kat.recipient]);
  assert.ok(isPostQuantum([kat.recipient]) && !isPostQuantum([x]));
  assert.deepEqual(sealableRecipients([x]), [x]);
  assert.throws(() => sealableRecipients([kat.recipient, x]), /mixes/);
  assert.throws(() => sealableRecipients([kat.recipient.slice(0, -1)]));
  assert.throws(() => sealableRecipients(["age1tag1" + "q".repeat(60)]));
});
