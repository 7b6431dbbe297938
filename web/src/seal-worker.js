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

/** The jobs being sealed, by id: the ciphertext reader, the chunks the page still takes. */
const jobs = new Map();

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
        self.postMessage({ id, done: true });
        return;
      }
      const chunk = own(value);
      job.credit--;
      self.postMessage({ id, chunk: chunk.buffer }, [chunk.buffer]);
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
  if (data.credit && job) {
    job.credit += data.credit;
    pump(id, job);
  } else if (data.cancel && job) {
    jobs.delete(id);
    job.reader.cancel().catch(() => {});
  } else if (data.seal) {
    try {
      const { recipients, report, files, credit } = data.seal;
      const { stream } = envelopeStream(report, files);
      const sealed = await seal(recipients, stream);
      const started = { reader: sealed.getReader(), credit, pumping: false };
      jobs.set(id, started);
      pump(id, started);
    } catch (e) {
      self.postMessage({ id, error: String((e && e.message) || e) });
    }
  }
};
