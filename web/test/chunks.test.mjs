// The page's chunk root (upload.js, by WebCrypto) against tests/vectors/chunks.json — the same
// vectors the Rust unit test in src/model/chunks.rs checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { chunkRoot, digest } from "../src/upload.js";

const v = JSON.parse(readFileSync(new URL("../../tests/vectors/chunks.json", import.meta.url)));

async function rootOf(bytes, size) {
  const hashes = [];
  for (let off = 0; off < bytes.length; off += size) hashes.push(await digest(bytes.subarray(off, off + size)));
  return { root: await chunkRoot(size, hashes), chunks: hashes.length };
}

test("chunk roots match the shared vectors", async () => {
  for (const c of v.cases) {
    const got = await rootOf(Buffer.from(c.input, "hex"), c.chunk_size);
    assert.deepEqual(got, { root: c.root, chunks: c.chunks }, JSON.stringify(c));
  }
  for (const c of v.filled) {
    const bytes = new Uint8Array(c.length).fill(parseInt(c.fill, 16));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), c.sha256);
    assert.deepEqual(await rootOf(bytes, c.chunk_size), { root: c.root, chunks: c.chunks });
  }
});

test("a digest is of the bytes when it was asked: the buffer may be refilled at once", async () => {
  const buf = new Uint8Array(64).fill(1);
  const first = digest(buf);
  buf.fill(2);
  assert.deepEqual(Buffer.from(await first).toString("hex"), createHash("sha256").update(new Uint8Array(64).fill(1)).digest("hex"));
});
