// Sends a ciphertext stream in chunks of the size the server announces (just under 1 MiB; the
// last shorter), a few at a time (the server's `window`, 4): over tor a round trip takes
// ~0.6 s, and one chunk at a time spent most of a send waiting (issue 16). Each chunk goes as
// a `Blob` (Chromium sends a `Uint8Array` body 5× slower); Firefox (Tor Browser) cannot
// stream a request body. A chunk that fails is retried after asking the server where to
// resume, so a dropped connection costs the chunks in flight, not the report.
// Memory: the chunks in flight plus one being filled plus what the encryption stream buffers.
// Starting an upload costs a small proof of work (a few thousand hashes) that slows floods,
// not her.
// What was sent is named by its chunk root (`approdo.chunks/v1`, docs/auditor.md): each chunk
// hashed by WebCrypto as it leaves, native code even at Tor Browser's "Safer" level, where a
// streaming SHA-256 of the whole file in JavaScript was half the cost of a send (issue 16).
// The signed receipt carries that root beside the whole file's SHA-256 (receipt.js).

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { release } from "./lend.js";

const enc = new TextEncoder();

/** SHA-256 of `bytes` (a Promise of 32 bytes): WebCrypto where the page has it (a secure
 * context: an onion site, or localhost), else the JavaScript one. WebCrypto copies `bytes` when
 * called, so the caller may refill them at once. */
export function digest(bytes) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (subtle) return subtle.digest("SHA-256", bytes).then((b) => new Uint8Array(b));
  return Promise.resolve(sha256(bytes));
}

/** The chunk root (hex) of chunks of `size` bytes, from their SHA-256s in order:
 * SHA-256("approdo.chunks/v1 " || size || "\n" || SHA-256(chunk 0) || SHA-256(chunk 1) || …). */
export async function chunkRoot(size, hashes) {
  const head = enc.encode(`approdo.chunks/v1 ${size}\n`);
  const all = new Uint8Array(head.length + 32 * hashes.length);
  all.set(head, 0);
  hashes.forEach((h, i) => all.set(h, head.length + 32 * i));
  return bytesToHex(await digest(all));
}

const ATTEMPTS = 8;

// Failures carry a `code` (and `vars`): the key of their words in the page's language
// (text.js); the message stays English for logs and tests.

/** The connection failed (no answer from the server): retried, then reported as such. */
export class Offline extends TypeError {
  constructor() {
    super("the connection failed");
    this.code = "offline";
  }
}

/** `fetch`, with a connection that failed (a TypeError) reported as [`Offline`]. */
export async function request(path, init) {
  try {
    return await fetch(path, init);
  } catch (e) {
    throw e instanceof TypeError ? new Offline() : e;
  }
}

const BY_STATUS = { 404: "form.refusal.interrupted", 413: "form.refusal.too_large", 429: "form.refusal.busy", 507: "form.refusal.full" };

/** The server refused: its own words (English) as the message, ours by status as the code. */
// The server's machine code (docs/api.md) says more than its status: a 404 is a vanished
// upload or an unknown partner, a 429 any of four limits. Codes this page does not know fall
// back on the status.
const BY_CODE = {
  interrupted: "form.refusal.interrupted",
  not_found: "form.refusal.interrupted",
  unknown_partner: "form.refusal.unknown_partner",
  too_large: "form.refusal.too_large",
  rate_limited: "form.refusal.busy",
  too_many_uploads: "form.refusal.busy",
  circuit_share: "form.refusal.busy",
  pending_full: "form.refusal.busy",
  busy: "form.refusal.busy",
  full: "form.refusal.full",
};

function refused(status, data) {
  const e = new Error((data && data.error) || `the server answered ${status}`);
  e.code = (data && Object.hasOwn(BY_CODE, data.code) && BY_CODE[data.code]) || BY_STATUS[status] || "server_said";
  e.vars = { status };
  return e;
}

async function json(method, path, body, extra = {}) {
  const headers = { ...(body ? { "Content-Type": "application/octet-stream" } : {}), ...extra };
  const r = await request(path, { method, body, credentials: "omit", cache: "no-store", headers });
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  return { status: r.status, data };
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function zeroBits(h) {
  let n = 0;
  for (const b of h) {
    if (b === 0) n += 8;
    else return n + Math.clz32(b) - 24;
  }
  return n;
}

/** The server's proof of work at its current price (src/http/pow.rs, docs/security.md): the header value, or null when it asks none. */
export async function proofOfWork() {
  const { status, data } = await json("GET", "/api/v1/pow");
  if (status !== 200 || !data) throw refused(status, data);
  if (!data.bits) return null;
  const enc = new TextEncoder();
  for (let n = 0; ; n++) {
    if (zeroBits(sha256(enc.encode(`approdo.pow/v1:${data.challenge}:${n}`))) >= data.bits) return `${data.challenge}:${n}`;
    if (n % 2048 === 2047) await pause(0); // let the page breathe
  }
}

/** A proof of work solved ahead, while she writes (used once; a stale or refused one is solved
 * again at send time). */
let ahead = null;

/** Starts solving the next upload's proof of work now, so Send does not wait for it (issue 16:
 * the proof of work and the codename's KDF were most of a 1 MiB send at "Safer"). */
export function prepareProofOfWork() {
  if (!ahead) {
    ahead = proofOfWork();
    ahead.catch(() => {
      ahead = null;
    });
  }
}

/** Tells the page whether the server can be reached (`online`: true/false), for "connection
 * lost — trying again". */
let reachable = () => {};

async function putChunk(upload, n, bytes) {
  let lastError = new Offline();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      await pause(Math.min(250 * 2 ** attempt, 8000));
      // Where does the server want to resume? Maybe this chunk arrived and the answer was lost.
      try {
        const s = await json("GET", `/api/v1/uploads/${upload}`);
        if (s.status === 200 && (s.data.next > n || (s.data.above || []).includes(n))) return;
        if (s.status === 404) throw refused(404, { error: "the server no longer has this upload" });
      } catch (e) {
        if (!(e instanceof Offline)) throw e;
      }
    }
    try {
      const r = await json("PUT", `/api/v1/uploads/${upload}/chunks/${n}`, bytes);
      reachable(true);
      if (r.status === 200) return;
      lastError = refused(r.status, r.data);
      if (r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429) throw lastError;
    } catch (e) {
      if (!(e instanceof TypeError)) throw e; // TypeError: network failure, retry
      reachable(false);
    }
  }
  throw lastError;
}

/**
 * Uploads an age file for a partner. Returns the server's answer (id, sha256, size, day, the
 * signed receipt, the log key) and `sent_chunks` (`{ size, root }`), the chunk root of the
 * bytes this page sent.
 * @param {string} partner
 * @param {ReadableStream<Uint8Array>} ciphertext
 * @param {(sent: number) => void} progress
 * @param {(online: boolean) => void} connection told when the server stops or starts answering
 * @param {string} [binding] her mailbox binding (binding.js), sent with finalize
 */
export async function uploadSealed(partner, ciphertext, progress = () => {}, connection = () => {}, binding) {
  reachable = connection;
  // The price follows the server's load: if it rose between asking and sending (428), solve again.
  let created;
  for (let attempt = 0; ; attempt++) {
    const early = attempt === 0 && ahead;
    ahead = null;
    const pow = early ? await early.catch(() => proofOfWork()) : await proofOfWork();
    created = await json("POST", `/api/v1/uploads?partner=${encodeURIComponent(partner)}`, undefined, pow ? { "X-Approdo-PoW": pow } : {});
    if (created.status !== 428 || attempt >= 3) break;
  }
  if (created.status !== 201) throw refused(created.status, created.data);
  const upload = created.data.upload;
  const CHUNK = created.data.chunk_size;
  if (!Number.isInteger(CHUNK) || CHUNK < 4096 || CHUNK > 1024 * 1024) throw new Error("the server announced an unusable chunk size");
  const depth = Math.max(1, Math.min(Number(created.data.window) || 1, 8));
  const reader = ciphertext.getReader();
  // One digest per chunk, started as it is sent and awaited only at the end: hashing never
  // holds up the chunks in flight.
  const hashes = [];
  const buf = new Uint8Array(CHUNK);
  let fill = 0;
  let n = 0;
  let sent = 0;
  const inflight = new Set();
  let failed = null;
  // Sends chunk `n` while at most `depth` (the server's window) are in flight; the first failure stops the send.
  const send = async (bytes) => {
    const hashed = digest(bytes);
    hashes.push(hashed);
    hashed.catch((e) => {
      failed = failed || e;
    });
    const size = bytes.length;
    const p = putChunk(upload, n++, new Blob([bytes])).then(
      () => {
        sent += size;
        // A chunk in flight that lands after the send failed must not replace her error.
        if (!failed) progress(sent);
      },
      (e) => {
        failed = failed || e;
      },
    );
    inflight.add(p);
    p.then(() => inflight.delete(p));
    while (inflight.size >= depth && !failed) await Promise.race(inflight);
    if (failed) throw failed;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let off = 0;
      while (off < value.length) {
        const take = Math.min(CHUNK - fill, value.length - off);
        buf.set(value.subarray(off, off + take), fill);
        fill += take;
        off += take;
        if (fill === CHUNK) {
          // The Blob made in `send` holds a copy: the buffer is filled again, not reallocated.
          await send(buf);
          fill = 0;
        }
      }
      release(value); // copied into `buf`: freed now if the sealer lent it (lend.js)
    }
    if (fill > 0) await send(buf.subarray(0, fill));
    await Promise.all(inflight);
    if (failed) throw failed;
    const root = await chunkRoot(CHUNK, await Promise.all(hashes));
    const done = await json("POST", `/api/v1/uploads/${upload}/finalize`, undefined, binding ? { "X-Approdo-Mailbox-Binding": binding } : {});
    if (done.status !== 201) throw refused(done.status, done.data);
    return { ...done.data, sent_chunks: { size: CHUNK, root } };
  } catch (e) {
    failed = failed || e;
    // Stop the sealing too (the worker drops the job and its buffers: sealer.js, seal-worker.js).
    reader.cancel(e).catch(() => {});
    fetch(`/api/v1/uploads/${upload}`, { method: "DELETE", credentials: "omit" }).catch(() => {});
    throw e;
  }
}
