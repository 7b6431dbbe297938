// Receipts: signed notes made by the Rust log key (`approdo` serve) verify in the page's code,
// and every alteration is refused. Fixtures come from a real server run by the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
    await fn(url);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a receipt from the server verifies, and alterations do not", async () => {
  await withServer(async (url) => {
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
    const good = { ...answer, sent_sha256: answer.sha256 };
    assert.equal(checkReceipt(good), answer.sha256.slice(0, 12));
    assert.ok(parseVerifierKey(answer.log_key).name.startsWith("approdo.log/"));
    assert.throws(() => checkReceipt({ ...good, sent_sha256: createHash("sha256").update("other").digest("hex") }), /does not match/);
    assert.throws(() => openNote(answer.receipt.replace(answer.id, "0".repeat(32)), answer.log_key), /does not verify/);
    const [, name, , key] = answer.log_key.match(/^([^+]+)\+([0-9a-f]{8})\+(.+)$/);
    assert.throws(() => openNote(answer.receipt, `${name}+00000000+${key}`), /key id/);
  });
});
