// Receipts: signed notes made by the Rust log key (`approdo` serve) verify in the page's code,
// and every alteration is refused — a chunk root other than the one the page sent above all
// (issue 16). Fixtures come from a real server run by the test; receipts of the older forms
// (no chunk root) are signed here with that server's log key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { base64 } from "@scure/base";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkReceipt, openNote, parseVerifierKey } from "../src/receipt.js";

const bin = process.env.APPRODO_BIN || new URL("../../target/debug/approdo", import.meta.url).pathname;

async function withServer(fn) {
  const dir = mkdtempSync(join(tmpdir(), "approdo-receipt-"));
  const child = spawn(bin, ["serve", "--demo", "--data", join(dir, "data"), "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/approdo serving (http:\/\/\S+?)\//);
        if (m) resolve(m[1]);
      });
      child.on("exit", (c) => reject(new Error(`server exited ${c}`)));
    });
    await fn(url, join(dir, "data"));
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signs `text` as a C2SP signed note with the server's log key (`DATA/log.key`). */
function signAs(data, text) {
  const [skey] = readFileSync(join(data, "log.key"), "utf8").split("\n");
  // The base64 part may itself hold "+".
  const [, name, id, b64] = skey.match(/^PRIVATE\+KEY\+([^+]+)\+([0-9a-f]{8})\+(\S+)$/);
  const seed = base64.decode(b64).subarray(1);
  const sig = ed25519.sign(new TextEncoder().encode(text), seed);
  const keyId = Uint8Array.from(id.match(/../g), (h) => parseInt(h, 16));
  return `${text}\n\u2014 ${name} ${base64.encode(new Uint8Array([...keyId, ...sig]))}\n`;
}

test("a receipt from the server verifies, and alterations do not", async () => {
  await withServer(async (url, data) => {
    // A real sealed report, sent by the CLI; its answer carries the receipt.
    const { execFileSync } = await import("node:child_process");
    const work = mkdtempSync(join(tmpdir(), "approdo-receipt-w-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(work, "report.json"), JSON.stringify({ schema: "approdo.report/v1", language: "en", description: "receipt test" }));
    // Its own state directory: never the user's directory-version floors.
    const env = { ...process.env, APPRODO_STATE_DIR: join(work, "state") };
    const out = execFileSync(bin, ["envelope", "submit", "--server", url, "--partner", "tratta-milano", "--report", join(work, "report.json")], { encoding: "utf8", env });
    const answer = JSON.parse(out.slice(out.indexOf("{")));
    rmSync(work, { recursive: true, force: true });
    const { createHash } = await import("node:crypto");
    assert.ok(answer.receipt && answer.log_key, out);
    // The page sends the chunk root it computed; here the server's own (the CLI made the bytes).
    assert.match(answer.receipt, new RegExp(`\nchunks ${answer.chunks.size} ${answer.chunks.root}\n`));
    const good = { ...answer, sent_chunks: { ...answer.chunks } };
    assert.equal(checkReceipt(good), answer.sha256.slice(0, 12));
    assert.ok(parseVerifierKey(answer.log_key).name.startsWith("approdo.log/"));
    // A root other than the one sent, another chunk size, none at all: refused.
    const flip = (hex) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
    assert.throws(() => checkReceipt({ ...good, sent_chunks: { ...good.sent_chunks, root: flip(good.sent_chunks.root) } }), /does not promise/);
    assert.throws(() => checkReceipt({ ...good, sent_chunks: { ...good.sent_chunks, size: good.sent_chunks.size - 1 } }), /does not promise/);
    assert.throws(() => checkReceipt({ ...good, sent_chunks: undefined }), /does not promise/);
    assert.throws(() => checkReceipt({ ...good, sent_chunks: undefined, sent_sha256: answer.sha256 }), /does not promise/, "a whole-file hash cannot stand in for the signed root");
    assert.throws(() => checkReceipt({ ...good, id: "0".repeat(32) }), /does not promise/);
    assert.throws(() => checkReceipt({ ...good, sha256: createHash("sha256").update("other").digest("hex") }), /does not match/);
    // A receipt signed by the same key for another root (a server that stored other bytes).
    const text = openNote(answer.receipt, answer.log_key);
    const other = signAs(data, text.replace(answer.chunks.root, flip(answer.chunks.root)));
    assert.ok(openNote(other, answer.log_key));
    assert.throws(() => checkReceipt({ ...good, receipt: other }), /does not promise/);
    // Receipts of the forms signed before (no chunk line; no time either) still check, against
    // the whole file's hash when the caller has it.
    const [tag, origin, id, sha, by] = text.split("\n");
    for (const old of [`${tag}\n${origin}\n${id}\n${sha}\n${by}\n`, `${tag}\n${origin}\n${id}\n${sha}\n`]) {
      const receipt = signAs(data, old);
      assert.equal(checkReceipt({ ...answer, receipt, sent_sha256: answer.sha256 }), answer.sha256.slice(0, 12));
      assert.throws(() => checkReceipt({ ...answer, receipt, sent_sha256: flip(answer.sha256) }), /does not promise/);
      assert.throws(() => checkReceipt({ ...answer, receipt, sent_chunks: good.sent_chunks }), /does not promise/);
    }
    assert.throws(() => openNote(answer.receipt.replace(answer.id, "0".repeat(32)), answer.log_key), /does not verify/);
    const [, name, , key] = answer.log_key.match(/^([^+]+)\+([0-9a-f]{8})\+(.+)$/);
    assert.throws(() => openNote(answer.receipt, `${name}+00000000+${key}`), /key id/);
  });
});
