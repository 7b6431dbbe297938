// Sending a report over an emulated tor link (issue 16): real Chromium, the stock page, a
// local server; the DevTools protocol adds 600 ms to every round trip, caps the upload at
// 1 MB/s and slows the CPU 4×. A 20 MiB attachment is sent twice: with the server's window of
// chunks in flight (4), and one chunk at a time (the page is told `window: 1`, as before
// issue 16). Prints the send time (Send pressed → codename shown), the time its bytes need at
// 1 MB/s, and the ratio (goal ≤ 1.3). Then the renderer's memory for a 20 MB photo with GPS
// (chosen, stripped, sealed, sent; no emulation): peak RSS of the renderer processes above
// their RSS before the photo was chosen, against the photo's size (goal ≤ 3×).
//
//   cargo build && node ops/bench-link.mjs          # MIB=20 RTT_MS=600 UP_BPS=1000000 CPU=4
//   ONLY=photo PHOTOS=3 node ops/bench-link.mjs     # the photo's memory alone, 3 times
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launchChromium, reportForm } from "../tests/browser/server.mjs";
import { jpegWithGps } from "../web/test/fixtures.mjs";

const MIB = Number(process.env.MIB || 20);
const RTT = Number(process.env.RTT_MS || 600);
const UP = Number(process.env.UP_BPS || 1_000_000);
const CPU = Number(process.env.CPU || 4);
const ONLY = process.env.ONLY || "";
const PHOTOS = Number(process.env.PHOTOS || 1);

const server = await startServer(["--submissions-per-second", "1000"]);
const browser = await launchChromium();
const big = Buffer.alloc(MIB * 1024 * 1024);
for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;

/** One send; `window` overrides the server's announced window when set. */
async function send(window) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (window) {
    await page.addInitScript((w) => {
      const real = window.fetch.bind(window);
      window.fetch = async (path, init) => {
        const r = await real(path, init);
        if (init?.method !== "POST" || !String(path).startsWith("/api/v1/uploads?")) return r;
        const data = await r.json();
        return new Response(JSON.stringify({ ...data, window: w }), { status: r.status, headers: r.headers });
      };
    }, window);
  }
  await page.goto(`${server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await reportForm(page).check("input[name=partner][value=cav-milano]");
  await reportForm(page).fill("#description", "I need help.");
  await reportForm(page).check("#consent_read");
  await reportForm(page).setInputFiles("#attachments", { name: "video.bin", mimeType: "application/octet-stream", buffer: big });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: RTT, downloadThroughput: 2 * UP, uploadThroughput: UP });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU });
  const t0 = Date.now();
  await reportForm(page).click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 900000 });
  const s = (Date.now() - t0) / 1000;
  await context.close();
  return s;
}

/** RSS in bytes of the browser's renderer processes, summed. */
async function rendererRss(cdp) {
  const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
  let rss = 0;
  for (const p of processInfo.filter((p) => p.type === "renderer")) {
    try {
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"))[1]) * 1024;
    } catch {
      /* gone */
    }
  }
  return rss;
}

/** Peak renderer memory above its level before a 20 MB photo is chosen and sent. */
async function photo() {
  const jpeg = jpegWithGps();
  const photo = Buffer.concat([jpeg.subarray(0, -2), Buffer.alloc(20 * 1000 * 1000, 0x55), Buffer.from([0xff, 0xd9])]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await browser.newBrowserCDPSession();
  await page.goto(`${server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await reportForm(page).check("input[name=partner][value=cav-milano]");
  await reportForm(page).fill("#description", "I need help.");
  await reportForm(page).check("#consent_read");
  const before = await rendererRss(cdp);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rendererRss(cdp));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // From disk, as she would choose it (a file-backed Blob, not bytes handed to the page).
  const dir = mkdtempSync(join(tmpdir(), "approdo-bench-link-"));
  writeFileSync(join(dir, "photo.jpg"), photo);
  await reportForm(page).setInputFiles("#attachments", join(dir, "photo.jpg"));
  await reportForm(page).click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 900000 });
  sampling = false;
  await sampler;
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  return { size: photo.length, before, peak };
}

try {
  const floor = (MIB * 1024 * 1024) / UP;
  const lines = [`emulated link: ${RTT} ms RTT, ${UP / 1e6} MB/s up, CPU ${CPU}× slower; ${MIB} MiB needs ${floor.toFixed(1)} s at that rate`];
  for (const [label, w] of [["window 4 (as served)", null], ["one chunk at a time", 1]]) {
    if (ONLY === "photo") break;
    const s = await send(w);
    lines.push(`${label}: ${s.toFixed(1)} s = ${(s / floor).toFixed(2)}× the bytes' time`);
  }
  for (let i = 0; i < PHOTOS; i++) {
    const m = await photo();
    const mb = (b) => (b / 1e6).toFixed(0);
    lines.push(`20 MB photo: renderer RSS ${mb(m.before)} MB before choosing it, peak ${mb(m.peak)} MB = +${mb(m.peak - m.before)} MB = ${((m.peak - m.before) / m.size).toFixed(2)}× the photo`);
  }
  console.log(lines.join("\n"));
} finally {
  await browser.close();
  server.stop();
}
