// Codenames, version approdo.codename/v1 — the same derivation as src/codename/mod.rs (checked by
// the shared vectors in tests/vectors/codename.json): normalise, Argon2id (m = 8192 KiB,
// t = 1, p = 1, 64 bytes, salt "approdo.codename/v1"), reply identity = k[0..32] as an age
// X25519 identity, mailbox id = SHA-256("approdo.mailbox/v1" || k[32..64]).
// New codenames come from the fresh list (the EFF list without web/wordlist/withheld.txt);
// she may type them back as words or as digit groups (src/codename/spelling.rs): each word of
// the fresh list is its 4-digit position and a Damm check digit; ASCII, Arabic-Indic,
// Extended Arabic-Indic, Devanagari, Bengali and full-width digits read the same. Every
// spelling normalises to the same words, so it opens the same mailbox.
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
  // so a codename with "t-shirt" could never be typed back (src/codename/mod.rs, the same list).
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#") && !l.includes("-"));
}

/** The fresh list: the words new codenames are drawn from (list order; positions are digits). */
export function freshWords(words, withheldText) {
  const withheld = new Set(parseWordlist(withheldText));
  return words.filter((w) => !withheld.has(w));
}

/** The words new codenames are drawn from: the fresh list without web/wordlist/not-drawn.txt
 * (a second reading; those words keep their positions, so the digit spelling is unchanged). */
export function drawnWords(fresh, notDrawnText) {
  const skip = new Set(parseWordlist(notDrawnText));
  return fresh.filter((w) => !skip.has(w));
}

/** Digits per word in the digit spelling: 4 for the position, 1 for the check. */
export const GROUP = 5;
const ZEROS = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xff10];
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/** The value of a digit of any accepted script, or null. */
export function digit(ch) {
  const c = ch.codePointAt(0);
  for (const z of ZEROS) if (c >= z && c < z + 10) return c - z;
  return null;
}

/** The Damm check digit of an array of digit values (0 when it ends with its check digit). */
export function damm(digits) {
  return digits.reduce((i, d) => DAMM[i][d], 0);
}

/** The 5 ASCII digits of the fresh list's word at `index`. */
export function group(index) {
  const d = String(index).padStart(4, "0").split("").map(Number);
  return d.join("") + damm(d);
}

/**
 * Normalises what she typed (words or digit groups, mixed as she likes); returns null when it
 * is not a valid codename. `lists`: {set: every accepted word, fresh: the fresh list}.
 */
export function normalise(typed, lists) {
  const parts = typed.toLowerCase().split(/[\s-]+/).filter(Boolean);
  const out = [];
  for (const part of parts) {
    const chars = [...part];
    if (chars.every((c) => digit(c) !== null)) {
      const d = chars.map(digit);
      if (d.length % GROUP !== 0) return null;
      for (let i = 0; i < d.length; i += GROUP) {
        const g = d.slice(i, i + GROUP);
        if (damm(g) !== 0) return null;
        const word = lists.fresh[g.slice(0, 4).reduce((n, x) => n * 10 + x, 0)];
        if (!word) return null;
        out.push(word);
      }
    } else if (lists.set.has(part)) {
      out.push(part);
    } else {
      return null;
    }
  }
  return out.length < WORDS ? null : out.join(" ");
}

/** The same codename as digit groups, or null when it holds a withheld word. */
export function toDigits(normalised, fresh) {
  const groups = [];
  for (const w of normalised.split(" ")) {
    const i = fresh.indexOf(w);
    if (i < 0) return null;
    groups.push(group(i));
  }
  return groups.join(" ");
}

/** A new codename: WORDS words of `words` (the drawn list) drawn uniformly (rejection sampling) with crypto.getRandomValues. */
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
