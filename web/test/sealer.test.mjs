// Where the report is sealed (web/src/sealer.js): with no `Worker` (Node has none, as an old
// browser) the page seals itself and the age file opens to the envelope; a worker that hands
// back anything but an age file makes the stream fail, so nothing that is not ciphertext is
// sent; a worker that cannot start leaves the sealing to the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Decrypter, generateIdentity, identityToRecipient } from "age-encryption";
import { collect, envelopeStream, SCHEMA } from "../src/envelope.js";

const report = new TextEncoder().encode(JSON.stringify({ schema: SCHEMA, description: "help" }));
const files = [{ name: "a.bin", blob: new Blob([new Uint8Array(70000).fill(7)]) }];

async function keys() {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
}

test("without Worker the page seals; the age file opens to the envelope", async () => {
  delete globalThis.Worker;
  const { prepareSealer, sealReport } = await import("../src/sealer.js?no-worker");
  assert.equal(prepareSealer(), null);
  const { identity, recipient } = await keys();
  const { stream, where } = await sealReport([recipient], report, files);
  assert.equal(where, "page");
  const d = new Decrypter();
  d.addIdentity(identity);
  const plain = await d.decrypt(await collect(stream));
  assert.deepEqual(plain, await collect(envelopeStream(report, files).stream));
});

test("a worker answering with plaintext: the stream fails, nothing else", async () => {
  globalThis.Worker = class {
    postMessage({ id }) {
      const sealed = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("{\"schema\":\"approdo.report/v1\",\"description\":\"help\"}"));
          c.close();
        },
      });
      queueMicrotask(() => this.onmessage({ data: { id, sealed } }));
    }
  };
  try {
    const { sealReport } = await import("../src/sealer.js?plaintext-worker");
    const { recipient } = await keys();
    const { stream, where } = await sealReport([recipient], report, files);
    assert.equal(where, "worker");
    await assert.rejects(collect(stream), /not an age file/);
  } finally {
    delete globalThis.Worker;
  }
});

test("a worker whose script fails to load: the page seals", async () => {
  globalThis.Worker = class {
    postMessage() {
      queueMicrotask(() => this.onerror({ preventDefault() {} }));
    }
  };
  try {
    const { prepareSealer, sealReport } = await import("../src/sealer.js?broken-worker");
    const { recipient } = await keys();
    const { stream, where } = await sealReport([recipient], report, files);
    assert.equal(where, "page");
    assert.ok((await collect(stream)).length > 70000);
    assert.equal(prepareSealer(), null, "not tried again");
  } finally {
    delete globalThis.Worker;
  }
});
