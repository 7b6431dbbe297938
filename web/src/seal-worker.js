// The sealing worker (served as /assets/seal-worker.js, in the site manifest like app.js):
// builds the report envelope from report.json and her (metadata-stripped) files — Blobs,
// handed over by reference, never copied — and seals it with typage off the page's thread, so
// a 100 MiB video at Tor Browser "Safer" does not freeze her page for a minute (issue 16).
// It answers each job with the ciphertext as a transferred ReadableStream: the page pulls it
// chunk by chunk (backpressure across the threads), and the worker seals at most AHEAD
// 64 KiB STREAM chunks ahead of what the page has taken. It fetches nothing (the worker's own
// CSP is the site's: default-src 'none').
import { envelopeStream } from "./envelope.js";
import { seal } from "./seal.js";

/** STREAM chunks (64 KiB each) sealed ahead of the page: one upload chunk (~1 MiB). */
const AHEAD = 16;

/** A chunk that owns its whole buffer: a transferred stream clones the buffer of a view. */
const own = (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());

self.onmessage = async ({ data }) => {
  const { id, recipients, report, files } = data || {};
  try {
    const { stream } = envelopeStream(report, files);
    const ahead = new TransformStream({ transform: (c, ctl) => ctl.enqueue(own(c)) }, undefined, new CountQueuingStrategy({ highWaterMark: AHEAD }));
    const sealed = (await seal(recipients, stream)).pipeThrough(ahead);
    // Throws a DataCloneError where streams cannot be transferred: the page then seals itself.
    self.postMessage({ id, sealed }, [sealed]);
  } catch (e) {
    self.postMessage({ id, error: String((e && e.message) || e) });
  }
};
