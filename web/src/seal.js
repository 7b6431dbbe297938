// Seals a plaintext stream with typage (age) to a partner's recipients — all X25519, or all
// post-quantum hybrid mlkem768x25519 (age1pq1…) — and refuses to run where sealing cannot be
// trusted to work.
import { Encrypter } from "age-encryption";
import { sealableRecipients } from "./directory.js";

/** Throws with a reason when this browser cannot seal (then nothing may be sent). */
export function checkCapabilities() {
  const missing = [];
  if (!globalThis.crypto || typeof crypto.getRandomValues !== "function") missing.push("a secure random generator");
  if (typeof ReadableStream !== "function") missing.push("streams");
  if (typeof TextEncoder !== "function") missing.push("text encoding");
  if (typeof Blob !== "function" || typeof Blob.prototype.arrayBuffer !== "function") missing.push("file reading");
  if (typeof fetch !== "function") missing.push("fetch");
  if (missing.length) throw new Error(`this browser lacks ${missing.join(", ")}`);
}

/**
 * @param {number} [length] - the plaintext's length, when known: the age file must then be
 *   exactly typage's size for it, or the stream errors at its end (a piece of plaintext the
 *   encryption did not see — lend.js — can never pass as a report)
 * @returns {Promise<ReadableStream<Uint8Array>>} the binary age file
 */
export async function seal(recipients, plaintext, length) {
  const e = new Encrypter();
  for (const r of sealableRecipients(recipients)) e.addRecipient(r);
  const sealed = await e.encrypt(plaintext);
  if (length === undefined) return sealed;
  const want = sealed.size(length);
  let seen = 0;
  return sealed.pipeThrough(
    new TransformStream({
      transform(chunk, ctl) {
        seen += chunk.length;
        ctl.enqueue(chunk);
      },
      flush() {
        if (seen !== want) throw new Error(`the sealed report is ${seen} bytes, not ${want}: nothing was sent`);
      },
    }),
  );
}
