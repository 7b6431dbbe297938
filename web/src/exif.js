// Removes metadata that can identify a person or a place (EXIF with GPS, XMP, IPTC, comments,
// text chunks) from JPEG, PNG and WebP before sealing. Pixels are not touched. Returns the
// cleaned Blob and a list of what was removed, in plain words.

const JPEG_DROP = new Map([
  [0xe1, "EXIF/XMP (camera, time, GPS location)"],
  [0xed, "IPTC (captions, names, places)"],
  [0xfe, "comment"],
]);
const PNG_DROP = new Map([
  ["eXIf", "EXIF (camera, time, GPS location)"],
  ["tEXt", "text notes"],
  ["zTXt", "text notes"],
  ["iTXt", "text notes / XMP"],
  ["tIME", "modification time"],
]);
const WEBP_DROP = new Map([
  ["EXIF", "EXIF (camera, time, GPS location)"],
  ["XMP ", "XMP (editing history, names, places)"],
]);

/** How much of a file is read at once to find its segments: the image data itself is never
 * read, only referenced (a slice of the file), so a 20 MB photo is not held twice (issue 16:
 * the renderer was at 369 MiB before Send). */
const READ = 64 * 1024;

/**
 * @param {Blob} file
 * @returns {Promise<{blob: Blob, removed: string[]}>} the cleaned file: slices of `file` (and
 *   a rewritten WebP header), never a copy of its image data
 */
export async function stripMetadata(file) {
  const read = reader(file);
  const head = await read(0, 16);
  const kind = head[0] === 0xff && head[1] === 0xd8 ? "jpeg"
    : head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 ? "png"
    : ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP" ? "webp" : null;
  if (!kind) return { blob: file, removed: [] };
  const out = await (kind === "jpeg" ? jpeg : kind === "png" ? png : webp)(file, read);
  return { blob: new Blob(out.parts, { type: file.type }), removed: [...new Set(out.removed)] };
}

/** Reads `n` ≤ [`READ`] bytes at `off` (fewer at the end), a window of the file at a time. */
function reader(file) {
  let at = 0;
  let window = new Uint8Array(0);
  return async (off, n) => {
    if (off < at || off + n > at + window.length) {
      at = off;
      window = new Uint8Array(await file.slice(off, Math.min(file.size, off + READ)).arrayBuffer());
    }
    return window.subarray(off - at, off - at + n);
  };
}

function ascii(b, off, n) {
  return String.fromCharCode(...b.subarray(off, off + n));
}

async function jpeg(file, read) {
  const parts = [file.slice(0, 2)];
  const removed = [];
  let i = 2;
  for (;;) {
    const h = await read(i, 4);
    if (h.length < 4 || h[0] !== 0xff) break;
    const marker = h[1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan: the rest is image data
    const len = (h[2] << 8) | h[3];
    const end = i + 2 + len;
    if (len < 2 || end > file.size) break;
    if (JPEG_DROP.has(marker)) removed.push(JPEG_DROP.get(marker));
    else parts.push(file.slice(i, end));
    i = end;
  }
  parts.push(file.slice(i));
  return { parts, removed };
}

async function png(file, read) {
  const parts = [file.slice(0, 8)];
  const removed = [];
  let i = 8;
  for (;;) {
    const h = await read(i, 8);
    if (h.length < 8 || i + 12 > file.size) break;
    const len = new DataView(h.buffer, h.byteOffset, 8).getUint32(0);
    const type = ascii(h, 4, 4);
    const end = i + 12 + len;
    if (end > file.size) break;
    if (PNG_DROP.has(type)) removed.push(PNG_DROP.get(type));
    else parts.push(file.slice(i, end));
    i = end;
  }
  if (i < file.size) parts.push(file.slice(i));
  return { parts, removed };
}

async function webp(file, read) {
  const kept = [];
  const removed = [];
  let size = 4;
  let i = 12;
  for (;;) {
    const h = await read(i, 8);
    if (h.length < 8) break;
    const type = ascii(h, 0, 4);
    const len = new DataView(h.buffer, h.byteOffset, 8).getUint32(4, true);
    const end = i + 8 + len + (len & 1);
    if (end > file.size) break;
    if (WEBP_DROP.has(type)) removed.push(WEBP_DROP.get(type));
    else if (type === "VP8X" && end - i <= 64) {
      const chunk = new Uint8Array(await file.slice(i, end).arrayBuffer());
      if (chunk.length >= 9) chunk[8] &= ~(0x08 | 0x04); // clear EXIF and XMP flags
      kept.push(chunk);
      size += chunk.length;
    } else {
      kept.push(file.slice(i, end));
      size += end - i;
    }
    i = end;
  }
  const header = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  new DataView(header.buffer).setUint32(4, size, true);
  return { parts: [header, ...kept], removed };
}
