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
    postMessage({ id, seal }) {
      if (!seal) return; // credit
      const chunk = new TextEncoder().encode("{\"schema\":\"approdo.report/v1\",\"description\":\"help\"}").buffer;
      queueMicrotask(() => this.onmessage({ data: { id, chunk } }));
      queueMicrotask(() => this.onmessage({ data: { id, done: true } }));
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

test("seal-worker.js (run in this thread) seals under the page's credit; the age file opens", async () => {
  // The worker's global scope, joined to the page's Worker object by queued messages. Flow
  // control: the worker never has more chunks out than the 16 of its first credit plus the
  // credit the page has granted since (checked at every chunk it sends).
  let page;
  let chunks = 0;
  let granted = 0;
  let most = 0;
  globalThis.self = {
    postMessage(data) {
      if (data.chunk) most = Math.max(most, ++chunks - granted);
      queueMicrotask(() => page.onmessage({ data }));
    },
  };
  await import("../src/seal-worker.js?in-thread");
  const scope = globalThis.self;
  globalThis.Worker = class {
    constructor() {
      page = this;
    }
    postMessage(data) {
      queueMicrotask(() => {
        granted += data.credit || 0;
        scope.onmessage({ data });
      });
    }
  };
  try {
    const { sealReport } = await import("../src/sealer.js?in-thread-worker");
    const { identity, recipient } = await keys();
    const big = [{ name: "b.bin", blob: new Blob([new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251)]) }];
    const { stream, where } = await sealReport([recipient], report, big);
    assert.equal(where, "worker");
    const d = new Decrypter();
    d.addIdentity(identity);
    const plain = await d.decrypt(await collect(stream));
    assert.deepEqual(plain, await collect(envelopeStream(report, big).stream));
    assert.ok(chunks > 48, "3 MiB went as 64 KiB chunks");
    assert.ok(most <= 16, `${most} chunks ahead of the page's credit`);
  } finally {
    delete globalThis.Worker;
    delete globalThis.self;
  }
});

test("a sealed stream shorter than typage's size for the plaintext fails at its end", async () => {
  const { seal } = await import("../src/seal.js");
  const { recipient } = await keys();
  const { stream, length } = envelopeStream(report, files);
  // Told one byte more than the envelope holds: as if a piece had been lost before sealing.
  await assert.rejects(collect(await seal([recipient], stream, length + 1)), /nothing was sent/);
  const right = envelopeStream(report, files);
  assert.ok((await collect(await seal([recipient], right.stream, right.length))).length > right.length);
});
