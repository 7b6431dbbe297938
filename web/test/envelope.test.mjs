// The JS envelope packer against the vectors shared with the Rust tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { envelopeStream, collect, padme, safeName } from "../src/envelope.js";

const vectors = JSON.parse(readFileSync(new URL("../../tests/vectors/envelope.json", import.meta.url)));
const pattern = (len, seed) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + seed) % 256);

test("padme matches the shared vectors", () => {
  for (const [l, p] of vectors.padme) assert.equal(padme(l), p, `padme(${l})`);
});

test("envelope bytes match the Rust packer", async () => {
  for (const c of vectors.cases) {
    const files = c.attachments.map((a) => ({ name: a.name, blob: new Blob([pattern(a.len, a.seed)]) }));
    const { stream, length } = envelopeStream(new TextEncoder().encode(c.report), files);
    const bytes = await collect(stream);
    assert.equal(bytes.length, c.length, c.name);
    assert.equal(length, c.length, c.name);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), c.sha256, c.name);
  }
});

test("a report without the schema is refused", () => {
  assert.throws(() => envelopeStream(new TextEncoder().encode('{"language":"it"}'), []));
});

test("attachment names are made safe and unique", () => {
  const taken = new Set();
  assert.equal(safeName("../../etc/passwd", taken), ".._.._etc_passwd");
  assert.equal(safeName("..", taken), "file");
  assert.equal(safeName("a\u0000b", taken), "a_b");
  assert.equal(safeName("photo.jpg", taken), "photo.jpg");
  assert.equal(safeName("photo.jpg", taken), "2-photo.jpg");
  assert.ok(new TextEncoder().encode(safeName("é".repeat(80), taken)).length <= 100);
});

test("read for a reader that copies (sealing): the same bytes, each file slice freed or left", async () => {
  const big = new Uint8Array(3 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 255;
  const report = new TextEncoder().encode('{"schema":"approdo.report/v1","description":"x"}');
  const files = [{ name: "a.bin", blob: new Blob([big]) }, { name: "empty.bin", blob: new Blob([]) }];
  const want = await collect(envelopeStream(report, files).stream);
  const { stream, length } = envelopeStream(report, files, { copied: true });
  const reader = stream.getReader();
  const got = new Uint8Array(length);
  let at = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    got.set(value, at); // copied before the next read, as typage does
    at += value.length;
  }
  assert.equal(at, want.length);
  assert.deepEqual(got, want);
});
