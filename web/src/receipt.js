// Checks a submission receipt in the browser, as far as a page can: the server's signed
// promise (a C2SP signed note by the transparency log's Ed25519 key) must verify with the key
// it names, name the report, and bind the chunk root of the bytes this page sent
// (`chunks <size> <root>`, computed with WebCrypto as they left: upload.js). The whole file's
// SHA-256 is then taken from that verified promise — the page does not hash the whole file in
// JavaScript. The auditors' `approdo audit log` then checks that the promise was kept. The
// receipt code she can keep is the first 12 hex digits of that SHA-256.
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

/** Checks a submission answer against the bytes sent (`sent_chunks`: `{ size, root }`, the
 * chunk root this page computed); returns the receipt code. A receipt signed before chunk roots
 * (no `chunks` line) is checked against `sent_sha256` instead, when the caller has one. */
export function checkReceipt(answer) {
  const lines = openNote(answer.receipt, answer.log_key).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines[0] !== "approdo.receipt/v1" || lines[2] !== answer.id || !/^[0-9a-f]{64}$/.test(lines[3] || "")) {
    throw new Error("the receipt does not promise what this page sent");
  }
  const sha = lines[3];
  const sent = answer.sent_chunks;
  if (lines.length === 6) {
    if (!sent || lines[5] !== `chunks ${sent.size} ${sent.root}`) throw new Error("the receipt does not promise what this page sent");
  } else if (lines.length > 6 || !answer.sent_sha256 || answer.sent_sha256 !== sha) {
    throw new Error("the receipt does not promise what this page sent");
  }
  if (answer.sha256 !== sha) throw new Error("the server's answer does not match what this page sent");
  return sha.slice(0, 12);
}
