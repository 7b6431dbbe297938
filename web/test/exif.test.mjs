// Metadata stripping for JPEG, PNG and WebP; other files pass through unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stripMetadata } from "../src/exif.js";
import { jpegWithGps } from "./fixtures.mjs";

const bytes = async (blob) => new Uint8Array(await blob.arrayBuffer());
const has = (hay, needle) => Buffer.from(hay).includes(Buffer.from(needle));

test("JPEG: EXIF/GPS and comments removed, the rest byte-identical", async () => {
  const input = jpegWithGps();
  const { blob, removed } = await stripMetadata(new Blob([input]));
  const out = await bytes(blob);
  assert.ok(!has(out, "GPSLatitude") && !has(out, "taken at home"));
  assert.ok(has(out, "JFIF"));
  assert.deepEqual([...out.slice(-8)], [0, 0x3f, 0, 0x12, 0x34, 0x56, 0xff, 0xd9]);
  assert.equal(removed.length, 2);
});

test("PNG: eXIf and text chunks removed", async () => {
  const chunk = (type, data) => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, "latin1");
    Buffer.from(data).copy(b, 8);
    return b;
  };
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", Buffer.alloc(13)),
    chunk("eXIf", Buffer.from("MM GPS 45N 9E")),
    chunk("tEXt", Buffer.from("Author\0Someone")),
    chunk("IDAT", Buffer.from([1, 2, 3])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  const { blob, removed } = await stripMetadata(new Blob([png]));
  const out = await bytes(blob);
  assert.ok(!has(out, "GPS") && !has(out, "Someone"));
  assert.ok(has(out, "IDAT") && has(out, "IEND"));
  assert.equal(removed.length, 2);
});

test("WebP: EXIF and XMP chunks removed, sizes fixed", async () => {
  const chunk = (type, data) => {
    const pad = data.length & 1;
    const b = Buffer.alloc(8 + data.length + pad);
    b.write(type, 0, "latin1");
    b.writeUInt32LE(data.length, 4);
    Buffer.from(data).copy(b, 8);
    return b;
  };
  const body = Buffer.concat([chunk("VP8X", Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0])), chunk("VP8 ", Buffer.alloc(11, 7)), chunk("EXIF", Buffer.from("GPS here")), chunk("XMP ", Buffer.from("<x:xmp>Name</x:xmp>"))]);
  const head = Buffer.alloc(12);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(4 + body.length, 4);
  head.write("WEBP", 8, "latin1");
  const { blob, removed } = await stripMetadata(new Blob([Buffer.concat([head, body])]));
  const out = Buffer.from(await bytes(blob));
  assert.ok(!has(out, "GPS") && !has(out, "Name"));
  assert.equal(out.readUInt32LE(4), out.length - 8);
  assert.equal(out[20] & 0x0c, 0, "VP8X EXIF/XMP flags cleared");
  assert.equal(removed.length, 2);
});

test("other files pass through untouched", async () => {
  const input = new Uint8Array([1, 2, 3, 4, 5]);
  const { blob, removed } = await stripMetadata(new Blob([input]));
  assert.deepEqual(await bytes(blob), input);
  assert.equal(removed.length, 0);
});

test("a large photo is never read whole: only its segment headers, a window at a time", async () => {
  // 20 MB of image data after the metadata: the strip reads headers, the data is referenced.
  const input = Buffer.concat([jpegWithGps().subarray(0, -2), Buffer.alloc(20 * 1000 * 1000, 0x55), Buffer.from([0xff, 0xd9])]);
  let read = 0;
  let most = 0;
  // A slice that counts what is read of it.
  const counted = (part) => {
    const whole = part.arrayBuffer.bind(part);
    part.arrayBuffer = async () => {
      read += part.size;
      most = Math.max(most, part.size);
      return whole();
    };
    return part;
  };
  const real = new Blob([input]);
  const file = {
    size: real.size,
    type: "image/jpeg",
    slice: (a, b) => counted(real.slice(a, b)),
    arrayBuffer: async () => assert.fail("the whole file was read"),
  };
  const { blob, removed } = await stripMetadata(file);
  assert.ok(most <= 64 * 1024, `read ${most} bytes at once`);
  assert.ok(read <= 128 * 1024, `read ${read} bytes in all`);
  assert.equal(removed.length, 2);
  const out = Buffer.from(await blob.arrayBuffer());
  assert.ok(!has(out, "GPSLatitude") && !has(out, "taken at home"));
  assert.ok(out.length > 20 * 1000 * 1000 && out.length < input.length);
  assert.ok(out.subarray(-3).equals(Buffer.from([0x55, 0xff, 0xd9])));
});
