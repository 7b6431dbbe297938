// The sealing worker (served as /assets/seal-worker.js, in the site manifest like app.js):
// builds the report envelope from report.json and her (metadata-stripped) files — Blobs,
// handed over by reference, never copied — and seals it with typage off the page's thread, so
// a 100 MiB video at Tor Browser "Safer" does not freeze her page for a minute (issue 16).
// The ciphertext goes back as typage's 64 KiB STREAM chunks, each one's buffer transferred
// (moved, not copied), under a credit the page grants (web/src/sealer.js): the worker seals at
// most that many chunks ahead of what the page has taken. It fetches nothing (its own CSP is
// the site's: default-src 'none').
import { envelopeStream } from "./envelope.js";
import { seal } from "./seal.js";

/** The jobs being sealed, by id: the ciphertext reader, the chunks the page still takes, the
 * buffers it gave back. */
const jobs = new Map();
/** Most buffers kept for one job (the page's credit, ~1 MiB). */
const SPARES = 16;

/** A chunk that owns its whole buffer (transferring a view's buffer would move more). */
const own = (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

/** Sends chunks while the page's credit lasts; one pump per job at a time. */
async function pump(id, job) {
  if (job.pumping) return;
  job.pumping = true;
  try {
    while (job.credit > 0 && jobs.has(id)) {
      const { value, done } = await job.reader.read();
      if (done) {
        jobs.delete(id);
        // The page checks that it received this many bytes (sealer.js).
        self.postMessage({ id, done: true, sent: job.sent });
        return;
      }
      job.credit--;
      const length = value.length;
      job.sent += length;
      // Into a buffer the page gave back (its copy done), so that buffers go round instead
      // of piling up on the page until its collector runs (lend.js); this chunk, made here,
      // is then freed at once.
      let spare = job.spares.pop();
      while (spare && spare.byteLength < length) spare = job.spares.pop();
      if (spare) {
        new Uint8Array(spare, 0, length).set(value);
        if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) value.buffer.transfer?.(0);
        self.postMessage({ id, chunk: spare, length }, [spare]);
      } else {
        const chunk = own(value);
        self.postMessage({ id, chunk: chunk.buffer, length }, [chunk.buffer]);
      }
    }
  } catch (e) {
    jobs.delete(id);
    self.postMessage({ id, error: String((e && e.message) || e) });
  } finally {
    job.pumping = false;
  }
}

self.onmessage = async ({ data: message }) => {
  const data = message || {};
  const job = jobs.get(data.id);
  const id = data.id;
  if (data.spare instanceof ArrayBuffer) {
    if (job && job.spares.length < SPARES) job.spares.push(data.spare);
  } else if (data.credit && job) {
    job.credit += data.credit;
    pump(id, job);
  } else if (data.cancel && job) {
    jobs.delete(id);
    job.reader.cancel().catch(() => {});
  } else if (data.seal) {
    try {
      const { recipients, report, files, credit } = data.seal;
      // typage copies each piece before it asks for the next: file slices are freed at once.
      const { stream, length } = envelopeStream(report, files, { copied: true });
      const sealed = await seal(recipients, stream, length);
      const started = { reader: sealed.getReader(), credit, pumping: false, spares: [], sent: 0 };
      jobs.set(id, started);
      pump(id, started);
    } catch (e) {
      self.postMessage({ id, error: String((e && e.message) || e) });
    }
  }
};
