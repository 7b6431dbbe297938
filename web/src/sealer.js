// Where her report is sealed. In a worker (seal-worker.js; CSP `worker-src 'self'` on the
// report page, DESIGN.md), so her page stays responsive while typage seals, which at Tor
// Browser "Safer" (no JIT) takes about 0.6 s per MiB (issue 16). The worker is started at her
// first answer, so its script is fetched while she writes, and serves every partner of the
// page's reports. Its ciphertext arrives as transferred buffers (moved, not copied) under a
// credit of AHEAD chunks that this page renews as the upload takes them: backpressure across
// the threads, and at most ~1 MiB sealed ahead.
// FALLBACK: where no worker can be started or used (no `Worker`, a CSP that refuses it, its
// script failing to load, an error before the first chunk), the report is sealed on this
// page's thread, exactly as before the worker existed. Either way the stream handed to the
// upload is checked to begin as an age file: nothing that is not age ciphertext is ever sent
// (DESIGN.md: "If browser encryption fails, the report is not sent in clear"). A failure after
// the ciphertext started errors the stream, and the upload stops and is deleted (upload.js).
import { envelopeStream } from "./envelope.js";
import { lend } from "./lend.js";
import { seal } from "./seal.js";

const SCRIPT = "/assets/seal-worker.js";
/** STREAM chunks (64 KiB each) the worker may seal ahead of the upload: ~1 MiB, one chunk of it. */
const AHEAD = 16;
/** The first line of every age file (age-encryption.org/v1). */
const MAGIC = new TextEncoder().encode("age-encryption.org/v1\n");

/** The worker (null once it cannot be used), and what each job's messages go to, by id. */
let worker;
const jobs = new Map();
let nextJob = 0;

function broken() {
  worker = null;
  for (const job of jobs.values()) job({ error: "the sealing worker failed" });
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
  worker.onmessage = ({ data }) => jobs.get(data && data.id)?.(data);
  // Its script did not load (network, CSP) or it crashed: every later report is sealed here.
  worker.onerror = (ev) => {
    ev.preventDefault();
    broken();
  };
  worker.onmessageerror = broken;
  return worker;
}

/** The age file from the worker: resolves once its first chunk arrived (so a worker that
 * cannot seal is known before anything is sent), rejects if it fails before. */
function inWorker(w, recipients, report, files) {
  const id = nextJob++;
  const queue = [];
  let end = null; // { done } or { error }
  let wake = () => {};
  let received = 0;
  const giveBack = (chunk) => {
    if (jobs.has(id)) w.postMessage({ id, spare: chunk.buffer }, [chunk.buffer]);
  };
  return new Promise((resolve, reject) => {
    const stream = new ReadableStream(
      {
        async pull(ctl) {
          while (!queue.length && !end) await new Promise((r) => (wake = r));
          if (queue.length) {
            ctl.enqueue(queue.shift());
            w.postMessage({ id, credit: 1 });
          } else if (end.error) {
            ctl.error(new Error(end.error));
          } else {
            ctl.close();
          }
        },
        cancel() {
          jobs.delete(id);
          w.postMessage({ id, cancel: true });
        },
      },
      { highWaterMark: 0 },
    );
    jobs.set(id, (data) => {
      if (data.chunk instanceof ArrayBuffer) {
        // Ours alone: once upload.js has copied it into the chunk it sends, its buffer goes
        // back to the worker to be filled again (lend.js).
        const chunk = new Uint8Array(data.chunk, 0, Math.min(data.length ?? data.chunk.byteLength, data.chunk.byteLength));
        received += chunk.length;
        queue.push(lend(chunk, giveBack));
        resolve(stream);
      } else {
        jobs.delete(id);
        end = data.done ? { done: true } : { error: data.error || "the sealing worker answered nothing" };
        // Every byte the worker sealed arrived, none lost between the threads.
        if (data.done && data.sent !== received) end = { error: `the sealing worker sent ${data.sent} bytes, ${received} arrived: nothing was sent` };
        if (end.error) reject(new Error(end.error));
        else resolve(stream); // ended before any chunk: ageOnly() refuses it
      }
      wake();
    });
    try {
      // The files are Blobs (slices of what she chose): cloned by reference, not copied.
      w.postMessage({ id, seal: { recipients, report, files, credit: AHEAD } });
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
  const { stream, length } = envelopeStream(report, files, { copied: true });
  return { stream: (await seal(recipients, stream, length)).pipeThrough(ageOnly()), where: "page" };
}
