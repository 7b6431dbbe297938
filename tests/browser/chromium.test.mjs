// The victim's form in real Chromium: seal in the browser, strip GPS from a photo, resume a
// cut upload, pull with the officer CLI; nothing third-party, no cookie, no storage, and the
// text typed never reaches the server's disk.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerRequired, approdo, reportForm, scan, serverAndChromium } from "./server.mjs";
import { jpegWithGps } from "../../web/test/fixtures.mjs";

const fixture = serverAndChromium();

const MARKER = "MARKER-browser-5f3a9c";

test("a report with three attachments is sealed in the browser and pulled intact", async () => {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  const origins = new Set();
  page.on("request", (r) => origins.add(new URL(r.url()).origin));
  // Cut the connection once in the middle of the 20 MiB upload: the page must resume.
  let cut = 0;
  await page.route("**/api/v1/uploads/*/chunks/5", async (route) => {
    if (cut++ === 0) return route.abort("connectionreset");
    return route.continue();
  });
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, `I need help. ${MARKER}`);
  const text = Buffer.alloc(1024, "a");
  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) % 256;
  const jpeg = Buffer.from(jpegWithGps());
  await reportForm(page).setInputFiles("#attachments", [
    { name: "note.txt", mimeType: "text/plain", buffer: text },
    { name: "video.bin", mimeType: "application/octet-stream", buffer: big },
    { name: "photo.jpg", mimeType: "image/jpeg", buffer: jpeg },
  ]);
  await reportForm(page).click("button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  const id = await page.getAttribute("#receipts li", "data-id");
  assert.match(id, /^[0-9a-f]{32}$/);
  const receiptText = await page.textContent("#receipts li");
  assert.match(receiptText, /receipt code [0-9a-f]{12}$/, "the signed receipt verified in the page");
  assert.ok(cut >= 2, "the cut chunk was sent again");

  const out = mkdtempSync(join(tmpdir(), "approdo-pulled-"));
  approdo(["pull", "--server", fixture.server.url, "--identity", fixture.server.identity("cav-milano"), "--out", out]);
  const dir = join(out, id);
  assert.deepEqual(readdirSync(join(dir, "attachments")).sort(), ["note.txt", "photo.jpg", "video.bin"]);
  assert.ok(readFileSync(join(dir, "attachments/note.txt")).equals(text));
  assert.ok(readFileSync(join(dir, "attachments/video.bin")).equals(big));
  const photo = readFileSync(join(dir, "attachments/photo.jpg"));
  assert.ok(!photo.includes("GPSLatitude"), "GPS removed");
  assert.ok(photo.includes("JFIF") && photo.subarray(-2).equals(Buffer.from([0xff, 0xd9])));
  const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
  assert.equal(report.schema, "approdo.report/v1");
  assert.ok(report.description.includes(MARKER));
  assert.equal(report.sealed, "browser");

  assert.deepEqual([...origins], [fixture.server.url], "only same-origin requests");
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  assert.equal(scan(fixture.server.data, MARKER), 0, "the typed marker is not on the server's disk");
  assert.ok(!fixture.server.output().includes(MARKER));
  await context.close();
});

test("a receipt for other bytes than the page sent is not accepted (issue 16)", async () => {
  // A server that stores (and signs for) other bytes: here a byte of the ciphertext is changed
  // on the way, after the page hashed its chunk. The signed chunk root is not the page's.
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  let changed = 0;
  await page.route("**/api/v1/uploads/*/chunks/0", async (route) => {
    const body = Buffer.from(route.request().postDataBuffer());
    body[body.length - 1] ^= 1;
    changed++;
    return route.continue({ postData: body });
  });
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, "I need help.");
  await reportForm(page).click("button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  assert.equal(changed, 1);
  const text = await page.textContent("#receipts li");
  assert.match(text, /could not be checked \(the receipt does not promise what this page sent\)/, text);
  await context.close();
});

test("a directory whose key was swapped makes the page refuse to seal", async () => {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  let uploads = 0;
  page.on("request", (r) => r.url().includes("/api/v1/uploads") && uploads++);
  await page.route("**/api/v1/directory", async (route) => {
    const resp = await route.fetch();
    const body = (await resp.text()).replace("age1g7ufh0vga4ufwck43e6k6s3yy8scd6hkpa5x8qhck0j8casaz9hq8z8fax", "age1tnf5lyrqn9v2f4sv56xm4xy27fwkamfyl9qdk5ry6kfydkxtyu0sz4jl6d");
    await route.fulfill({ response: resp, body });
  });
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#status").dataset.kind === "error");
  const status = await page.textContent("#status");
  assert.match(status, /NOT sent/);
  assert.match(status, /does not verify/);
  assert.ok(await page.isDisabled("button[type=submit]"));
  assert.ok(await page.isVisible("#nojs-offer"));
  assert.equal(uploads, 0);
  await context.close();
});

test("without the features sealing needs, nothing is sent and the page says why", async () => {
  const context = await fixture.browser.newContext();
  await context.addInitScript(() => {
    delete globalThis.ReadableStream;
  });
  const page = await context.newPage();
  let uploads = 0;
  page.on("request", (r) => r.url().includes("/api/v1/uploads") && uploads++);
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#status").dataset.kind === "error");
  assert.match(await page.textContent("#status"), /cannot encrypt here/);
  assert.ok(await page.isDisabled("button[type=submit]"));
  assert.equal(uploads, 0);
  await context.close();
});

test("with JavaScript off, the same form is sealed by the server, labelled, and pulled intact", async () => {
  const context = await fixture.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const origins = new Set();
  page.on("request", (r) => origins.add(new URL(r.url()).origin));
  await page.goto(`${fixture.server.url}/report`);
  assert.match(await page.textContent("#nojs-mode"), /server encrypts your report in its memory/);
  assert.ok(!(await page.isVisible("#seal-mode")), "the JS-only notice is hidden");
  const marker = "MARKER-chromium-nojs-4d1e";
  await reportForm(page).check("input[name=partner][value=tratta-milano]");
  await reportForm(page).fill("#description", `Help. ${marker}`);
  await reportForm(page).check("#consent_read");
  const file = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < file.length; i++) file[i] = (i * 29 + 1) % 256;
  await reportForm(page).setInputFiles("#attachments", [{ name: "scan.pdf", mimeType: "application/pdf", buffer: file }]);
  await Promise.all([page.waitForNavigation(), reportForm(page).click("button[type=submit]")]);
  assert.match(await page.textContent("body"), /encrypted by the server in its memory/);
  assert.match(await page.textContent("#receipts"), /receipt code [0-9a-f]{12}/);

  const out = mkdtempSync(join(tmpdir(), "approdo-pulled-nojs-"));
  const before = new Set(readdirSync(out));
  approdo(["pull", "--server", fixture.server.url, "--identity", fixture.server.identity("tratta-milano"), "--out", out]);
  const ids = readdirSync(out).filter((n) => !before.has(n) && /^[0-9a-f]{32}$/.test(n));
  const found = ids.map((id) => join(out, id)).find((dir) => JSON.parse(readFileSync(join(dir, "report.json"), "utf8")).description.includes(marker));
  assert.ok(found, "the report pulls");
  assert.equal(JSON.parse(readFileSync(join(found, "report.json"), "utf8")).sealed, "server");
  assert.ok(readFileSync(join(found, "attachments/scan.pdf")).equals(file));
  assert.deepEqual([...origins], [fixture.server.url]);
  assert.deepEqual(await context.cookies(), []);
  assert.equal(scan(fixture.server.data, marker), 0, "the marker is not on the server's disk");
  await context.close();
});
