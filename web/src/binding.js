// The mailbox binding sent beside a report that asks for replies (src/reply/binding.rs):
// salt (16 random bytes) || SHA-256("approdo.mailbox-binding/v1" || salt || mailbox id), as 96
// hex digits. The server keeps it so that only a partner the report went to can file replies
// in her mailbox; it does not tell the server the mailbox. Vectors: tests/vectors/binding.json.
import { sha256 } from "@noble/hashes/sha2.js";

const DOMAIN = new TextEncoder().encode("approdo.mailbox-binding/v1");
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The binding of `mailbox` (64 hex digits) under `salt` (16 bytes; random when omitted). */
export function mailboxBinding(mailbox, salt = crypto.getRandomValues(new Uint8Array(16))) {
  if (!/^[0-9a-f]{64}$/.test(mailbox) || salt.length !== 16) throw new Error("bad mailbox binding input");
  const id = Uint8Array.from(mailbox.match(/../g), (h) => parseInt(h, 16));
  const input = new Uint8Array(DOMAIN.length + 16 + 32);
  input.set(DOMAIN, 0);
  input.set(salt, DOMAIN.length);
  input.set(id, DOMAIN.length + 16);
  return hex(salt) + hex(sha256(input));
}
