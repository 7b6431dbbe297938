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

/** @returns {Promise<{blob: Blob, removed: string[]}>} */
export async function stripMetadata(file) {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const kind = head[0] === 0xff && head[1] === 0xd8 ? "jpeg"
    : head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 ? "png"
    : ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP" ? "webp" : null;
  if (!kind) return { blob: file, removed: [] };
  const bytes = new Uint8Array(await file.arrayBuffer());
  const out = kind === "jpeg" ? jpeg(bytes) : kind === "png" ? png(bytes) : webp(bytes);
  return { blob: new Blob(out.parts, { type: file.type }), removed: [...new Set(out.removed)] };
}

function ascii(b, off, n) {
  return String.fromCharCode(...b.subarray(off, off + n));
}

function jpeg(b) {
  const parts = [b.subarray(0, 2)];
  const removed = [];
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan: the rest is image data
    const len = (b[i + 2] << 8) | b[i + 3];
    const end = i + 2 + len;
    if (len < 2 || end > b.length) break;
    if (JPEG_DROP.has(marker)) removed.push(JPEG_DROP.get(marker));
    else parts.push(b.subarray(i, end));
    i = end;
  }
  parts.push(b.subarray(i));
  return { parts, removed };
}

function png(b) {
  const parts = [b.subarray(0, 8)];
  const removed = [];
  let i = 8;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (i + 12 <= b.length) {
    const len = view.getUint32(i);
    const type = ascii(b, i + 4, 4);
    const end = i + 12 + len;
    if (end > b.length) break;
    if (PNG_DROP.has(type)) removed.push(PNG_DROP.get(type));
    else parts.push(b.subarray(i, end));
    i = end;
  }
  if (i < b.length) parts.push(b.subarray(i));
  return { parts, removed };
}

function webp(b) {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const kept = [];
  const removed = [];
  let i = 12;
  while (i + 8 <= b.length) {
    const type = ascii(b, i, 4);
    const len = view.getUint32(i + 4, true);
    const end = i + 8 + len + (len & 1);
    if (end > b.length) break;
    if (WEBP_DROP.has(type)) removed.push(WEBP_DROP.get(type));
    else {
      const chunk = b.slice(i, end);
      if (type === "VP8X" && chunk.length >= 9) chunk[8] &= ~(0x08 | 0x04); // clear EXIF and XMP flags
      kept.push(chunk);
    }
    i = end;
  }
  const size = 4 + kept.reduce((n, c) => n + c.length, 0);
  const header = new Uint8Array(12);
  header.set(b.subarray(0, 12));
  new DataView(header.buffer).setUint32(4, size, true);
  return { parts: [header, ...kept], removed };
}
