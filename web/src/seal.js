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

/** @returns {Promise<ReadableStream<Uint8Array>>} the binary age file */
export async function seal(recipients, plaintext) {
  const e = new Encrypter();
  for (const r of sealableRecipients(recipients)) e.addRecipient(r);
  return await e.encrypt(plaintext);
}
