// Checks a submission receipt in the browser, as far as a page can: the server's signed
// promise (a C2SP signed note by the transparency log's Ed25519 key) must verify with the key
// it names, and must promise to log exactly the bytes this page sent (their SHA-256). The
// auditors' `approdo audit log` then checks that the promise was kept. The receipt code she
// can keep is the first 12 hex digits of that hash.
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64 } from "@scure/base";

const enc = new TextEncoder();

/** Parses a verifier key `name+hexid+base64(0x01 || pubkey)`. */
export function parseVerifierKey(vkey) {
  // The base64 part may itself hold "+": split at the first two only.
  const m = vkey.match(/^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/);
  if (!m) throw new Error("malformed log key");
  const [, name, id, b64] = m;
  const raw = base64.decode(b64);
  if (raw.length !== 33 || raw[0] !== 1 || !/^[0-9a-f]{8}$/.test(id)) throw new Error("malformed log key");
  // The key id is the first 4 bytes of SHA-256(name || "\n" || 0x01 || pubkey).
  const h = sha256(new Uint8Array([...enc.encode(`${name}\n`), ...raw]));
  const expect = Array.from(h.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  if (expect !== id) throw new Error("log key id does not match the key");
  return { name, id: h.subarray(0, 4), pub: raw.subarray(1) };
}

/** Verifies `note` (text, blank line, signature lines) with `vkey`; returns the text. */
export function openNote(note, vkey) {
  const key = parseVerifierKey(vkey);
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new Error("not a signed note");
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split("\n")) {
    const m = line.match(/^\u2014 (\S+) (\S+)$/);
    if (!m || m[1] !== key.name) continue;
    const sig = base64.decode(m[2]);
    if (sig.length !== 68 || !sig.subarray(0, 4).every((b, i) => b === key.id[i])) continue;
    if (ed25519.verify(sig.subarray(4), enc.encode(text), key.pub)) return text;
  }
  throw new Error("the receipt's signature does not verify");
}

/** Checks a submission answer against the bytes sent; returns the receipt code. */
export function checkReceipt(answer) {
  if (answer.sha256 !== answer.sent_sha256) throw new Error("the server's answer does not match what this page sent");
  const lines = openNote(answer.receipt, answer.log_key).split("\n");
  if (lines[0] !== "approdo.receipt/v1" || lines[2] !== answer.id || lines[3] !== answer.sent_sha256) {
    throw new Error("the receipt does not promise what this page sent");
  }
  return answer.sent_sha256.slice(0, 12);
}
