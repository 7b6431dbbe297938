// The report envelope, byte for byte as src/envelope/pack.rs writes it: a ustar archive
// holding report.json then attachments/<name>, then zeros up to a Padmé-padded length.
// Built as a stream so an attachment of any size is read one slice at a time.

import { lend, release } from "./lend.js";

export const SCHEMA = "approdo.report/v1";
const BLOCK = 512;
const SLICE = 1024 * 1024;
const enc = new TextEncoder();

/** Padmé (Nikitin et al.): pads L so that at most ~12 % is added and few lengths exist. */
export function padme(len) {
  if (len < 2) return len;
  const e = Math.floor(Math.log2(len));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // (len + mask) & ~mask without 32-bit bitwise operators (lengths exceed 2^32).
  return Math.floor((len + mask) / 2 ** lastBits) * 2 ** lastBits;
}

const blockRound = (n) => Math.ceil(n / BLOCK) * BLOCK;

function octal(field, offset, width, value) {
  // width-1 octal digits, zero padded, then NUL (as the tar crate writes them).
  const digits = value.toString(8).padStart(width - 1, "0");
  if (digits.length > width - 1) throw new Error("tar field overflow");
  field.set(enc.encode(digits), offset);
}

/** A deterministic ustar header for a regular file (mode 0600, uid/gid 0, mtime 0). */
export function tarHeader(name, prefix, size) {
  const h = new Uint8Array(BLOCK);
  const n = enc.encode(name);
  const p = enc.encode(prefix);
  if (n.length > 100 || p.length > 155) throw new Error("name too long");
  h.set(n, 0);
  octal(h, 100, 8, 0o600);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0);
  h[156] = 0x30; // '0' regular file
  h.set(enc.encode("ustar\0"), 257);
  h.set(enc.encode("00"), 263);
  h.set(p, 345);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.fill(0, 148, 156);
  octal(h, 148, 8, sum);
  return h;
}

/**
 * Invisible and text-direction characters (a right-to-left override shows "photo\u202egpj.exe"
 * as "photoexe.jpg"): the table of src/envelope/names.rs, frozen in tests/vectors/names.json.
 */
export const HIDDEN_RANGES = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x0600, 0x0605], [0x061c, 0x061c], [0x06dd, 0x06dd],
  [0x070f, 0x070f], [0x0890, 0x0891], [0x08e2, 0x08e2], [0x115f, 0x1160], [0x17b4, 0x17b5],
  [0x180b, 0x180f], [0x200b, 0x200f], [0x2028, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164],
  [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb], [0x110bd, 0x110bd], [0x110cd, 0x110cd],
  [0x13430, 0x1343f], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe007f],
];

/** True for a character (one code point) that is invisible or changes the text direction. */
export function isHiddenChar(c) {
  const cp = c.codePointAt(0);
  return HIDDEN_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/**
 * Makes an attachment name safe and unique: the same rules as the Rust packer (no "/", "\\",
 * control characters, hidden characters, "." or ".."; at most 100 bytes), replacing what
 * breaks them with "_".
 */
export function safeName(raw, taken) {
  const bad = (c) => {
    const cp = c.codePointAt(0);
    return c === "/" || c === "\\" || cp < 32 || (cp >= 127 && cp < 160) || isHiddenChar(c);
  };
  let name = Array.from(raw || "", (c) => (bad(c) ? "_" : c)).join("");
  if (name === "" || name === "." || name === "..") name = "file";
  while (enc.encode(name).length > 100) name = Array.from(name).slice(1).join("");
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) {
    candidate = `${i}-${name}`;
    while (enc.encode(candidate).length > 100) candidate = candidate.slice(0, -1);
  }
  taken.add(candidate);
  return candidate;
}

/**
 * The envelope as a stream.
 * @param {Uint8Array} report - report.json bytes (must carry the schema).
 * @param {{name: string, blob: Blob}[]} attachments - names already made safe.
 * @param {{copied?: boolean}} [options] - `copied`: the reader copies each chunk before it
 *   asks for the next (typage's encryption does, seal.js): each slice read from a file is then
 *   freed when the next is asked for (lend.js), and nothing is read ahead of the reader.
 * @returns {{stream: ReadableStream<Uint8Array>, length: number}}
 */
export function envelopeStream(report, attachments, { copied = false } = {}) {
  const parsed = JSON.parse(new TextDecoder().decode(report));
  if (parsed === null || typeof parsed !== "object" || parsed.schema !== SCHEMA) throw new Error("report.json must carry the schema");
  let tarLen = BLOCK + blockRound(report.length);
  for (const a of attachments) tarLen += BLOCK + blockRound(a.blob.size);
  tarLen += 2 * BLOCK;
  const length = padme(tarLen);

  // A queue of pieces, produced lazily; blobs are read one slice at a time.
  function* pieces() {
    yield tarHeader("report.json", "", report.length);
    yield report;
    yield zeros(blockRound(report.length) - report.length);
    for (const a of attachments) {
      const full = `attachments/${a.name}`;
      yield enc.encode(full).length <= 100 ? tarHeader(full, "", a.blob.size) : tarHeader(a.name, "attachments", a.blob.size);
      yield a.blob; // read a slice at a time (fileSlices)
      yield zeros(blockRound(a.blob.size) - a.blob.size);
    }
    for (let left = length - (tarLen - 2 * BLOCK); left > 0; left -= SLICE) yield zeros(Math.min(left, SLICE));
  }
  const it = pieces();
  // The slice last read from a file, freed once the reader asks for the next (`copied`).
  let handed = null;
  let reading = null;
  const stream = new ReadableStream(
    {
      async pull(controller) {
        if (handed) release(handed);
        handed = null;
        for (;;) {
          if (reading) {
            const bytes = await reading();
            if (!bytes) {
              reading = null;
              continue;
            }
            if (copied) handed = bytes;
            controller.enqueue(bytes);
            return;
          }
          const { value, done } = it.next();
          if (done) return controller.close();
          if (value instanceof Blob) reading = fileSlices(value, copied);
          else if (value.length) {
            controller.enqueue(value);
            return;
          }
        }
      },
    },
    // Read ahead by one piece, except when a piece is freed at the next read: a pull then
    // comes only from a read, which the reader makes only once it has copied the last piece.
    { highWaterMark: copied ? 0 : 1 },
  );
  return { stream, length };
}

/**
 * Reads `blob` at most SLICE bytes at a time: returns a function that resolves to the next
 * slice, or null at its end. When `copied` and the browser can read a file into a buffer it is
 * given (a BYOB reader), every read goes into one buffer and each slice is a copy the reader may
 * free (lend.js): a buffer made by the browser itself (`arrayBuffer()`) cannot be freed early,
 * and 20 MB of them waited for the garbage collector (issue 16). Otherwise each slice is a new
 * buffer from `Blob.arrayBuffer()`.
 */
function fileSlices(blob, copied) {
  let byob = null;
  if (copied) {
    try {
      byob = blob.stream().getReader({ mode: "byob" });
    } catch {
      byob = null; // not a byte stream here: read slices
    }
  }
  let scratch = new ArrayBuffer(SLICE);
  let off = 0;
  return async () => {
    if (byob) {
      const { value, done } = await byob.read(new Uint8Array(scratch, 0, SLICE));
      if (value) scratch = value.buffer;
      if (done) return null;
      return lend(value.slice());
    }
    if (off >= blob.size) return null;
    const bytes = new Uint8Array(await blob.slice(off, Math.min(off + SLICE, blob.size)).arrayBuffer());
    off += bytes.length;
    return bytes;
  };
}

/** One buffer of zeros for all padding: never written, never freed. */
const ZEROS = new Uint8Array(SLICE);

function zeros(n) {
  return n <= SLICE ? ZEROS.subarray(0, n) : new Uint8Array(n);
}

/** Collects a stream into one Uint8Array (tests and small inputs only). */
export async function collect(stream) {
  const parts = [];
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
