// Browser sealing benchmark: a report with one 100 MiB attachment submitted through the real
// page (seal with typage + chunked upload to a local server), in headless Chromium and in
// Firefox ESR at Tor Browser "Safer" settings (no JIT, no WebAssembly). Prints MB/s, the JS
// heap growth (Chromium, via the DevTools protocol) and the page weight (gzip -9 of all JS+CSS).
//
//   node ops/bench-browser.mjs            # after cargo build; uses target/debug/approdo
//   APPRODO_BIN=target/release/approdo MIB=100 node ops/bench-browser.mjs
//   MIB=1 node ops/bench-browser.mjs          # issue 16: a 1 MiB report at Safer, Send → receipt
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { launchChromium, reportForm, startServer, stepToSelenium } = await import("../tests/browser/server.mjs");
const MIB = Number(process.env.MIB || 100);
const server = await startServer(["--submissions-per-second", "1000"]);
const work = mkdtempSync(join(tmpdir(), "approdo-bench-browser-"));
const file = join(work, "big.bin");
const big = Buffer.alloc(MIB * 1024 * 1024);
for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
writeFileSync(file, big);
const results = [];

try {
  // Page weight.
  let weight = 0;
  for (const path of ["/assets/app.js", "/assets/style.css"]) {
    const body = Buffer.from(await (await fetch(server.url + path)).arrayBuffer());
    weight += gzipSync(body, { level: 9 }).length;
  }
  results.push(`page weight (app.js + style.css, gzip -9): ${(weight / 1000).toFixed(1)} KB (goal <= 80 KB)`);

  // Chromium.
  {
    const browser = await launchChromium();
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const heap = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "JSHeapUsedSize").value;
    await page.goto(`${server.url}/report`);
    await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted"));
    // Through the form's steps, as she would (tests/browser/server.mjs `reportForm`).
    const form = reportForm(page);
    await form.check("input[name=partner][value=cav-milano]");
    await form.fill("#description", "I need help.");
    await form.check("#consent_read");
    await form.setInputFiles("#attachments", file);
    const before = await heap();
    let peak = before;
    const sampler = setInterval(async () => {
      try { peak = Math.max(peak, await heap()); } catch { /* page busy */ }
    }, 250);
    const t0 = Date.now();
    await form.click("#report-form button[type=submit]");
    await page.waitForSelector("#done:not([hidden])", { timeout: 900000 });
    const s = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    results.push(`chromium: ${MIB} MiB sealed+sent in ${s.toFixed(1)} s = ${((MIB * 1.048576) / s).toFixed(1)} MB/s; JS heap ${(before / 2 ** 20).toFixed(1)} MiB -> peak ${(peak / 2 ** 20).toFixed(1)} MiB (+${((peak - before) / 2 ** 20).toFixed(1)} MiB)`);
    await browser.close();
  }

  // Firefox at Safer.
  {
    process.env.SE_OFFLINE = "true";
    const { Builder, By, until } = require("selenium-webdriver");
    const firefox = require("selenium-webdriver/firefox");
    const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
    for (const p of ["javascript.options.baselinejit", "javascript.options.ion", "javascript.options.wasm", "javascript.options.native_regexp"]) options.setPreference(p, false);
    const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver")).build();
    try {
      await driver.get(`${server.url}/report`);
      await driver.wait(async () => (await driver.executeScript("return document.querySelector('#seal-mode').textContent")).includes("encrypted in this browser"), 30000);
      const at = async (css) => (await stepToSelenium(driver, css), driver.findElement(By.css(css)));
      await (await at("input[name=partner][value=cav-milano]")).click();
      await (await at("#description")).sendKeys("I need help.");
      // She writes for minutes; the codename's KDF and the proof of work run meanwhile
      // (WRITE_S seconds here, default 10).
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.WRITE_S ?? 10) * 1000));
      await (await at("#consent_read")).click();
      await (await at("#attachments")).sendKeys(file);
      const t0 = Date.now();
      await (await at("#report-form button[type=submit]")).click();
      await driver.wait(until.elementLocated(By.css("#receipts li")), 1800000);
      const s = (Date.now() - t0) / 1000;
      results.push(`firefox-esr, Safer (no JIT, no wasm): ${MIB} MiB sealed+sent in ${s.toFixed(1)} s = ${((MIB * 1.048576) / s).toFixed(2)} MB/s`);
    } finally {
      await driver.quit();
    }
  }
} finally {
  server.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(results.join("\n"));
