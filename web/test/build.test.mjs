// The bundles (the page script and the sealing worker) are reproducible: the same sources, lockfile and key give the same bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";

const web = new URL("../", import.meta.url).pathname;
const key = "Z5bPfFTy3ZuhSTvKscLyqW08XFTaO0rLKm1eBQwr2f0=";

test("two builds give identical bytes, with the network key pinned", () => {
  const hashes = [0, 1].map(() => {
    const out = mkdtempSync(join(tmpdir(), "approdo-bundle-"));
    execFileSync("node", ["build.mjs", out, key], { cwd: web });
    const bytes = readFileSync(join(out, "app.js"));
    assert.ok(bytes.includes(key));
    // The sealing worker: its own bundle, which needs no network key.
    const worker = readFileSync(join(out, "seal-worker.js"));
    assert.ok(!worker.includes(key));
    return [bytes, worker].map((b) => createHash("sha256").update(b).digest("hex")).join(" ");
  });
  assert.equal(hashes[0], hashes[1]);
});
