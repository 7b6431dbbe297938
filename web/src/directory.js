// Loads the partner directory and verifies its Ed25519 signature against the network key
// pinned in this bundle (never against anything the server sends). No verification, no sealing.
// Directory versions only go forward: a directory below the version this page was built with,
// or below the highest this page has seen since it was opened, is refused (an older, validly
// signed directory may still list a revoked key). Nothing is stored on the device.
import { ed25519 } from "@noble/curves/ed25519.js";
import { request } from "./upload.js";

const DOMAIN = new TextEncoder().encode("approdo.directory/v1\n");

/** The lowest directory version this build accepts (APPRODO_MIN_DIRECTORY_VERSION). */
export const MIN_VERSION = typeof __APPRODO_MIN_DIRECTORY_VERSION__ === "number" ? __APPRODO_MIN_DIRECTORY_VERSION__ : 0;
let highestSeen = 0;

function b64(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * Verifies directory bytes and signature-file bytes, and that the version is not below
 * `floor` (default: this build's floor and the highest version seen on this page); returns the
 * parsed directory or throws.
 */
export function verifyDirectory(networkKeyB64, bytes, sigBytes, floor = Math.max(MIN_VERSION, highestSeen)) {
  let sig;
  try {
    sig = JSON.parse(new TextDecoder().decode(sigBytes));
  } catch {
    throw new Error("the directory signature is unreadable");
  }
  if (sig.schema !== "approdo.directory-signature/v1" || sig.key !== networkKeyB64) {
    throw new Error("the directory is not signed by this network's key");
  }
  const message = new Uint8Array(DOMAIN.length + bytes.length);
  message.set(DOMAIN, 0);
  message.set(bytes, DOMAIN.length);
  let ok = false;
  try {
    ok = ed25519.verify(b64(sig.signature), message, b64(networkKeyB64));
  } catch {
    ok = false;
  }
  if (!ok) throw new Error("the directory signature does not verify: the partner keys may have been swapped");
  const dir = JSON.parse(new TextDecoder().decode(bytes));
  if (dir.schema !== "approdo.directory/v1" || !Array.isArray(dir.partners)) throw new Error("unknown directory format");
  if (!Number.isSafeInteger(dir.version) || dir.version < floor) {
    throw new Error(`the directory is older (version ${dir.version}) than one this page already knows (version ${floor}): it may list revoked keys`);
  }
  highestSeen = Math.max(highestSeen, dir.version);
  return dir;
}

/** Fetches and verifies the directory from this site. */
export async function loadDirectory(networkKeyB64) {
  const get = async (path) => {
    const r = await request(path, { credentials: "omit", cache: "no-store" });
    if (!r.ok) throw new Error(`could not load ${path} (${r.status})`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const [bytes, sig] = await Promise.all([get("/api/v1/directory"), get("/api/v1/directory/signature")]);
  return verifyDirectory(networkKeyB64, bytes, sig);
}

/**
 * What the page seals to: all classic X25519 recipients (age1 + 58 bech32 characters) or all
 * post-quantum hybrid mlkem768x25519 ones (age1pq1 + 1952 bech32 characters: 1216 bytes and
 * the checksum), never a mix (one X25519 stanza would undo the post-quantum protection, and
 * typage does not refuse it); no tags, no plugins. Typage checks the Bech32 itself.
 */
export function sealableRecipients(recipients) {
  if (!Array.isArray(recipients) || recipients.length === 0) throw new Error("this partner has no keys");
  const pq = (r) => typeof r === "string" && /^age1pq1[02-9ac-hj-np-z]{1952}$/.test(r);
  if (recipients.every(pq)) return recipients;
  if (recipients.some(pq)) throw new Error("this partner mixes post-quantum and X25519 keys, which this page refuses to seal to");
  return x25519Only(recipients);
}

/** True when every recipient is post-quantum (age1pq1…). */
export function isPostQuantum(recipients) {
  return Array.isArray(recipients) && recipients.length > 0 && recipients.every((r) => typeof r === "string" && r.startsWith("age1pq1"));
}

/** Only classic X25519 recipients (age1 + 58 bech32 characters): no post-quantum, no tags. */
export function x25519Only(recipients) {
  if (!Array.isArray(recipients) || recipients.length === 0) throw new Error("this partner has no keys");
  for (const r of recipients) {
    if (typeof r !== "string" || !/^age1[02-9ac-hj-np-z]{58}$/.test(r)) {
      throw new Error("this partner lists a key type this page does not seal to (X25519 only)");
    }
  }
  return recipients;
}
