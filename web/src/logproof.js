// Her report in the public record, checked in her browser when a reply names it: the server's
// inclusion proof (/api/v1/log/proof/<id>) must lead, by RFC 9162 §2.1.3.2, from the report's
// `stored` entry to the root of a checkpoint signed by the log's key, and that checkpoint must
// carry the cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1) of the quorum of
// witnesses the signed directory lists — so a log shown to her alone, without her report,
// cannot pass. The hashing and signatures are @noble's; this file only puts the spec's bytes
// in order (src/witness/cosign.rs and tlog_tiles do the same in Rust).
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64 } from "@scure/base";
import { openNote } from "./receipt.js";

const enc = new TextEncoder();
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 9162 §2.1.3.2: whether `path` proves leaf `index` of a tree of `size` under `root`. */
export function verifyInclusion(entry, index, size, path, root) {
  if (!(index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = sha256(concat(new Uint8Array([0]), entry));
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(concat(new Uint8Array([1]), p, r));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(concat(new Uint8Array([1]), r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** The directory's witnesses: [{name, id, pub}] from `name+id+base64(0x04 || key)`. */
export function witnessesOf(directory) {
  const out = [];
  for (const w of directory.witnesses || []) {
    const m = String(w.key).match(/^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/);
    if (!m) continue;
    const raw = base64.decode(m[3]);
    if (raw.length !== 33 || raw[0] !== 4) continue;
    const id = sha256(concat(enc.encode(`${m[1]}\n`), raw)).subarray(0, 4);
    if (hex(id) !== m[2]) continue;
    out.push({ name: m[1], id, pub: raw.subarray(1) });
  }
  return out;
}

/** The witnesses whose cosignature on `note` (a signed checkpoint) verifies. */
export function cosignedBy(note, witnesses) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return [];
  const text = enc.encode(note.slice(0, split + 1));
  const names = new Set();
  for (const line of note.slice(split + 2).split("\n")) {
    const m = line.match(/^\u2014 (\S+) (\S+)$/);
    if (!m) continue;
    const w = witnesses.find((x) => x.name === m[1]);
    if (!w) continue;
    let sig;
    try {
      sig = base64.decode(m[2]);
    } catch {
      continue;
    }
    if (sig.length !== 76 || !equal(sig.subarray(0, 4), w.id)) continue;
    let time = 0n;
    for (const b of sig.subarray(4, 12)) time = (time << 8n) | BigInt(b);
    const msg = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), text);
    if (ed25519.verify(sig.subarray(12), msg, w.pub)) names.add(w.name);
  }
  return [...names];
}

/**
 * Checks `answer` (the JSON of /api/v1/log/proof/<id>) for report `id` against `logKey` and
 * the directory's witnesses. Returns {witnessed, quorum}; throws if the proof is not one.
 */
export function checkRecord(answer, id, logKey, directory) {
  const text = openNote(answer.checkpoint, logKey);
  const [, size, rootB64] = text.split("\n");
  if (String(answer.tree_size) !== size) throw new Error("the proof is for another tree");
  const entry = enc.encode(answer.entry);
  const parsed = JSON.parse(answer.entry);
  if (parsed.type !== "stored" || parsed.id !== id) throw new Error("the record is of another report");
  const path = (answer.proof || []).map((h) => base64.decode(h));
  if (!verifyInclusion(entry, Number(answer.index), Number(size), path, base64.decode(rootB64))) {
    throw new Error("the inclusion proof does not verify");
  }
  const witnessed = cosignedBy(answer.checkpoint, witnessesOf(directory));
  return { witnessed, quorum: directory.witness_quorum || 0 };
}
