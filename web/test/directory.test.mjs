// Directory verification against the pinned network key: the demo directory verifies; a
// swapped key, another network key or a damaged signature do not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { verifyDirectory, x25519Only } from "../src/directory.js";

const root = new URL("../../keys/demo/", import.meta.url);
const key = readFileSync(new URL("network.pub", root), "utf8").split("\n").find((l) => l && !l.startsWith("#")).trim();
const bytes = new Uint8Array(readFileSync(new URL("directory.json", root)));
const sig = new Uint8Array(readFileSync(new URL("directory.sig", root)));

test("the demo directory verifies", () => {
  const dir = verifyDirectory(key, bytes, sig);
  assert.ok(dir.partners.length >= 2);
});

test("a swapped recipient breaks the signature", () => {
  const text = new TextDecoder().decode(bytes).replace("age1g7ufh0vga4ufwck43e6k6s3yy8scd6hkpa5x8qhck0j8casaz9hq8z8fax", "age1tnf5lyrqn9v2f4sv56xm4xy27fwkamfyl9qdk5ry6kfydkxtyu0sz4jl6d");
  assert.throws(() => verifyDirectory(key, new TextEncoder().encode(text), sig), /does not verify/);
});

test("another network key is refused", () => {
  assert.throws(() => verifyDirectory("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", bytes, sig), /not signed by this network/);
});

test("only classic X25519 recipients are sealed to", () => {
  assert.deepEqual(x25519Only(["age1tnf5lyrqn9v2f4sv56xm4xy27fwkamfyl9qdk5ry6kfydkxtyu0sz4jl6d"]).length, 1);
  assert.throws(() => x25519Only(["age1pq1" + "q".repeat(100)]));
  assert.throws(() => x25519Only(["age1tag1" + "q".repeat(60)]));
  assert.throws(() => x25519Only([]));
});

test("directory versions only go forward", () => {
  const dir = verifyDirectory(key, bytes, sig);
  assert.throws(() => verifyDirectory(key, bytes, sig, dir.version + 1), /older/);
  assert.equal(verifyDirectory(key, bytes, sig, dir.version).version, dir.version);
});

test("an older directory is refused once this page has seen a newer one", () => {
  // The demo network's key is published (keys/demo/secret): sign its directory as version 1.
  const line = readFileSync(new URL("secret/network.key", root), "utf8").split("\n").find((l) => l.startsWith("APPRODO-NETWORK-KEY-1 "));
  const seed = Uint8Array.from(Buffer.from(line.split(" ")[1].trim(), "base64"));
  const dir = JSON.parse(new TextDecoder().decode(bytes));
  const older = new TextEncoder().encode(JSON.stringify({ ...dir, version: dir.version - 1 }, null, 2) + "\n");
  const domain = new TextEncoder().encode("approdo.directory/v1\n");
  const signature = ed25519.sign(new Uint8Array([...domain, ...older]), seed);
  const olderSig = new TextEncoder().encode(JSON.stringify({ schema: "approdo.directory-signature/v1", key, signature: Buffer.from(signature).toString("base64") }));
  assert.equal(verifyDirectory(key, older, olderSig, 0).version, dir.version - 1, "it verifies on its own");
  verifyDirectory(key, bytes, sig); // this page sees the current version…
  const expected = new RegExp(`older \\(version ${dir.version - 1}\\) than one this page already knows \\(version ${dir.version}\\)`);
  assert.throws(() => verifyDirectory(key, older, olderSig), expected);
});
