// Signed replies (approdo.signed-reply/v1, see src/reply/signed.rs): after her browser opens a
// reply, it checks the officer's Ed25519 signature over the mailbox, the report answered (from
// inside the reply), the partner, the officer key and the SHA-256 of the sealed bytes, and that
// the verified directory lists that key under that partner. The name shown is the directory's;
// the name an officer typed is never shown. A reply that does not verify is hidden.
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

export const SIGNED_SCHEMA = "approdo.signed-reply/v1";

const hex = (s, len) => typeof s === "string" && s.length === len && /^[0-9a-f]+$/.test(s);
const partnerId = (s) => typeof s === "string" && /^[a-z0-9][a-z0-9-]{0,62}$/.test(s);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The exact signed text, or null when a field is outside its charset. */
export function signedMessage(mailbox, report, partner, officerKey, sealed) {
  if (!hex(mailbox, 64) || !hex(report, 32) || !partnerId(partner)) return null;
  if (typeof officerKey !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(officerKey)) return null;
  const hash = bytesToHex(sha256(sealed));
  return `${SIGNED_SCHEMA}\nmailbox ${mailbox}\nreport ${report}\npartner ${partner}\nofficer ${officerKey}\nsealed ${hash}\n`;
}

/**
 * The directory's partner that signed this reply, or null (hide it).
 * `signed` is {partner, officer_key, signature} as the mailbox API lists it; `sealed` the age
 * bytes; `report` the id the opened reply answers (`in_reply_to`).
 */
export function verifyReply(directory, mailbox, report, signed, sealed) {
  if (!signed || !directory || !Array.isArray(directory.partners)) return null;
  const { partner, officer_key: key, signature } = signed;
  const text = signedMessage(mailbox, report, partner, key, sealed);
  if (text === null || typeof signature !== "string") return null;
  const p = directory.partners.find((x) => x.id === partner);
  if (!p || !Array.isArray(p.officer_keys) || !p.officer_keys.includes(key)) return null;
  try {
    return ed25519.verify(b64(signature), new TextEncoder().encode(text), b64(key)) ? p : null;
  } catch {
    return null;
  }
}
