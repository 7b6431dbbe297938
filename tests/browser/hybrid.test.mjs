// A post-quantum partner in real Chromium: the page seals a report with typage to the DEMO
// network's sociali-milano (three age1pq1… officers, age's mlkem768x25519), the server takes
// exactly three hybrid stanzas, each officer pulls and reads it with the CLI, and
// `approdo audit store` passes on the store afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerRequired, approdo, reportForm, scan, serverAndChromium } from "./server.mjs";

const PQ = "sociali-milano";
const MARKER = "MARKER-browser-pq-41c7";
const fixture = serverAndChromium();

test("chromium seals to the post-quantum partner; every officer pulls it; audit store passes", async () => {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, `Help, please. ${MARKER}`, PQ);
  const file = Buffer.alloc(200 * 1024);
  for (let i = 0; i < file.length; i++) file[i] = (i * 31 + 5) % 256;
  await reportForm(page).setInputFiles("#attachments", [{ name: "scan.bin", mimeType: "application/octet-stream", buffer: file }]);
  await reportForm(page).click("button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  const id = await page.getAttribute("#receipts li", "data-id");
  assert.match(id, /^[0-9a-f]{32}$/);
  // The age file as the server holds it (the page sends chunks as Blobs, whose bodies the
  // browser does not show the test): an officer's vault keeps it exactly as served.
  const vault = mkdtempSync(join(tmpdir(), "approdo-pq-vault-"));
  approdo(["pull", "--server", fixture.server.url, "--identity", join(fixture.server.data, "demo", "officers", PQ, "1.key"), "--vault", vault]);
  const header = readFileSync(join(vault, "reports", `${id}.age`));
  const text = header.subarray(0, 8000).toString("latin1");
  assert.equal((text.match(/\n-> mlkem768x25519 /g) || []).length, 3, "three hybrid stanzas");
  assert.ok(!text.includes("-> X25519 "), "no X25519 stanza");
  await context.close();

  for (const n of [1, 2, 3]) {
    const out = mkdtempSync(join(tmpdir(), "approdo-pq-pulled-"));
    approdo(["pull", "--server", fixture.server.url, "--identity", join(fixture.server.data, "demo", "officers", PQ, `${n}.key`), "--out", out]);
    const report = JSON.parse(readFileSync(join(out, id, "report.json"), "utf8"));
    assert.ok(report.description.includes(MARKER), `officer ${n} reads it`);
    assert.equal(report.sealed, "browser");
    assert.ok(readFileSync(join(out, id, "attachments/scan.bin")).equals(file));
    assert.deepEqual(readdirSync(join(out, id, "attachments")), ["scan.bin"]);
  }
  assert.equal(scan(fixture.server.data, MARKER), 0, "the typed marker is not on the server's disk");

  await fixture.server.halt();
  const netKey = new URL("../../keys/demo/network.pub", import.meta.url).pathname;
  const audit = approdo(["audit", "store", "--data", fixture.server.data, "--network-key", netKey]);
  assert.match(audit, /PASS: 1 reports?/);
});
