// Where her report is sealed. In a worker (seal-worker.js; CSP `worker-src 'self'` on the
// report page, DESIGN.md), so her page stays responsive while typage seals, which at Tor
// Browser "Safer" (no JIT) takes about 0.6 s per MiB (issue 16). The worker is started at her
// first answer, so its script is fetched while she writes, and serves every partner of the
// page's reports. FALLBACK: where no worker can be started or used (no `Worker`, a CSP
// that refuses it, its script failing to load, no transferable streams, an error before the
// ciphertext starts), the report is sealed on this page's thread, exactly as before the
// worker existed. Either way the stream handed to the upload is checked to begin as an age
// file: nothing that is not age ciphertext is ever sent (DESIGN.md: "If browser encryption
// fails, the report is not sent in clear"). A failure after the ciphertext started errors the
// stream, and the upload stops and is deleted (upload.js).
import { envelopeStream } from "./envelope.js";
import { seal } from "./seal.js";

const SCRIPT = "/assets/seal-worker.js";
/** The first line of every age file (age-encryption.org/v1). */
const MAGIC = new TextEncoder().encode("age-encryption.org/v1\n");

/** The worker (null once it cannot be used), its pending jobs by id. */
let worker;
const jobs = new Map();
let nextJob = 0;

function broken() {
  worker = null;
  for (const job of jobs.values()) job.reject(new Error("the sealing worker failed"));
  jobs.clear();
}

/** Starts the sealing worker if this browser can (idempotent); null where it cannot. */
export function prepareSealer() {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(SCRIPT);
  } catch {
    worker = null; // no Worker, or refused by the CSP: the page seals itself
    return worker;
  }
  worker.onmessage = ({ data }) => {
    const job = jobs.get(data && data.id);
    if (!job) return;
    jobs.delete(data.id);
    if (data.sealed instanceof ReadableStream) job.resolve(data.sealed);
    else job.reject(new Error(data.error || "the sealing worker answered nothing"));
  };
  // Its script did not load (network, CSP) or it crashed: every later report is sealed here.
  worker.onerror = (ev) => {
    ev.preventDefault();
    broken();
  };
  worker.onmessageerror = broken;
  return worker;
}

function inWorker(w, recipients, report, files) {
  return new Promise((resolve, reject) => {
    const id = nextJob++;
    jobs.set(id, { resolve, reject });
    try {
      // The files are Blobs (slices of what she chose): cloned by reference, not copied.
      w.postMessage({ id, recipients, report, files });
    } catch (e) {
      jobs.delete(id);
      reject(e);
    }
  });
}

/** Errors the stream unless it begins with the age header line. */
function ageOnly() {
  let seen = 0;
  return new TransformStream({
    transform(chunk, ctl) {
      for (let i = 0; seen < MAGIC.length && i < chunk.length; i++, seen++) {
        if (chunk[i] !== MAGIC[seen]) throw new Error("the sealed report is not an age file: nothing was sent");
      }
      ctl.enqueue(chunk);
    },
    flush() {
      if (seen < MAGIC.length) throw new Error("the sealed report is not an age file: nothing was sent");
    },
  });
}

/**
 * Seals the envelope of `report` (report.json bytes) and `files` ({name, blob}[]) to
 * `recipients`.
 * @returns {Promise<{stream: ReadableStream<Uint8Array>, where: "worker" | "page"}>} the age file
 */
export async function sealReport(recipients, report, files) {
  const w = prepareSealer();
  if (w) {
    try {
      return { stream: (await inWorker(w, recipients, report, files)).pipeThrough(ageOnly()), where: "worker" };
    } catch {
      // Fall back to this page's thread (below): the same envelope, the same typage.
    }
  }
  const { stream } = envelopeStream(report, files);
  return { stream: (await seal(recipients, stream)).pipeThrough(ageOnly()), where: "page" };
}
