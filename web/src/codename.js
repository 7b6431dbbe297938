// Codenames, version approdo.codename/v1 — the same derivation as src/codename.rs (checked by
// the shared vectors in tests/vectors/codename.json): normalise, Argon2id (m = 8192 KiB,
// t = 1, p = 1, 64 bytes, salt "approdo.codename/v1"), reply identity = k[0..32] as an age
// X25519 identity, mailbox id = SHA-256("approdo.mailbox/v1" || k[32..64]).
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bech32 } from "@scure/base";
import { identityToRecipient } from "age-encryption";

export const VERSION = "approdo.codename/v1";
export const WORDS = 7;
const enc = new TextEncoder();

/** The word list from the EFF large wordlist file's text. */
export function parseWordlist(text) {
  // Without the 4 hyphenated words: a hyphen separates words when she types (see normalise),
  // so a codename with "t-shirt" could never be typed back (src/codename.rs, the same list).
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#") && !l.includes("-"));
}

/** Normalises what she typed; returns null when it is not a valid codename. */
export function normalise(typed, wordset) {
  const parts = typed.toLowerCase().split(/[\s-]+/).filter(Boolean);
  if (parts.length < WORDS || !parts.every((w) => wordset.has(w))) return null;
  return parts.join(" ");
}

/** A fresh codename: WORDS words drawn uniformly (rejection sampling) with crypto.getRandomValues. */
export function generate(words, n = WORDS) {
  const out = [];
  const limit = Math.floor(0x100000000 / words.length) * words.length;
  const buf = new Uint32Array(1);
  while (out.length < n) {
    crypto.getRandomValues(buf);
    if (buf[0] < limit) out.push(words[buf[0] % words.length]);
  }
  return out.join(" ");
}

/** Derives {identity, recipient, mailbox} from a normalised codename. */
export async function deriveReplyKeys(normalised) {
  const k = await argon2idAsync(enc.encode(normalised), enc.encode(VERSION), { m: 8192, t: 1, p: 1, dkLen: 64 });
  const identity = bech32.encode("age-secret-key-", bech32.toWords(k.subarray(0, 32)), false).toUpperCase();
  const recipient = await identityToRecipient(identity);
  const tag = enc.encode("approdo.mailbox/v1");
  const m = new Uint8Array(tag.length + 32);
  m.set(tag, 0);
  m.set(k.subarray(32, 64), tag.length);
  const mailbox = Array.from(sha256(m), (b) => b.toString(16).padStart(2, "0")).join("");
  k.fill(0);
  return { identity, recipient, mailbox };
}
