// Buffers that are freed — or handed back to whoever filled them — the moment their one
// reader has copied them, instead of being left to the garbage collector. A 20 MB photo goes
// through the page as 1 MiB slices of the file (read in the sealing worker) and 64 KiB
// ciphertext chunks (on the page), each read once and copied at once; the engines collect such
// garbage only every few tens of MB, so a 20 MB photo put ~60 MB (3× the photo) on the
// renderer (issue 16, goal ≤ 3×).
// Freeing detaches the buffer (`ArrayBuffer.prototype.transfer(0)`): a view of it then has
// length 0, so a reader that had not copied it yet would see no bytes — never other bytes —
// and the sealed size check (seal.js) refuses the result. Only a buffer the script made itself
// is freed that way (one the browser made, from a file or a message, stays allocated until
// the collector runs): the sealing worker therefore gets its ciphertext buffers back
// (sealer.js) instead. Where `transfer` is missing a lent buffer is left to the collector.

const canFree = typeof ArrayBuffer.prototype.transfer === "function";
/** Lent chunks, with what releasing each does. */
const lent = new WeakMap();
const free = (chunk) => chunk.buffer.transfer(0);

/**
 * Marks `chunk` as released by its reader once copied: `giveBack(chunk)` then runs, or, when
 * none is given, its buffer is freed (only a view of a whole buffer can be).
 */
export function lend(chunk, giveBack) {
  if (giveBack) lent.set(chunk, giveBack);
  else if (canFree && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) lent.set(chunk, free);
  return chunk;
}

/** The reader has copied `chunk`: frees or hands back its buffer if it was lent. */
export function release(chunk) {
  const then = lent.get(chunk);
  if (!then) return;
  lent.delete(chunk);
  then(chunk);
}
