// A send the server refuses stops the sealing too: uploadSealed cancels the ciphertext stream
// it was given (with the worker, the cancel drops the job and its buffers: sealer.js), and
// asks the server to forget the upload. The server is a stub `fetch`: this is the page's logic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { uploadSealed } from "../src/upload.js";

test("a refused chunk cancels the ciphertext stream and deletes the upload", async () => {
  const calls = [];
  globalThis.fetch = async (path, init = {}) => {
    calls.push(`${init.method || "GET"} ${path}`);
    const answer = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (path === "/api/v1/pow") return answer(200, { challenge: "c", bits: 0 });
    if (path.startsWith("/api/v1/uploads?")) return answer(201, { upload: "u1", chunk_size: 65536, window: 4 });
    if (path.includes("/chunks/")) return answer(413, { error: "too large", code: "too_large" });
    return answer(200, {});
  };
  let cancelled = null;
  const ciphertext = new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array(65536));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  await assert.rejects(uploadSealed("cav-milano", ciphertext), (e) => e.code === "form.refusal.too_large");
  assert.ok(cancelled, "the stream was cancelled with the refusal");
  assert.equal(cancelled.code, "form.refusal.too_large");
  assert.ok(calls.includes("DELETE /api/v1/uploads/u1"), calls.join(", "));
  delete globalThis.fetch;
});
