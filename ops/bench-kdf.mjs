// Codename KDF benchmark (Argon2id, src/codename/mod.rs parameters): the time from "Open my
// messages" to the mailbox shown, on the real /mailbox page, which is the derivation plus one
// local request. In headless Chromium (JIT, and --jitless as a stand-in for a phone without a
// JIT), Firefox ESR (standard, and at Tor Browser "Safer": no baseline JIT, no Ion, no
// WebAssembly), and the server's own derivation for the no-JavaScript path. Median of RUNS.
//
//   cargo build && node ops/bench-kdf.mjs          # RUNS=5 by default
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { startServer } = await import("../tests/browser/server.mjs");
const { chromium } = require("playwright-core");
const RUNS = Number(process.env.RUNS || 5);
const vectors = JSON.parse(readFileSync(new URL("../tests/vectors/codename.json", import.meta.url), "utf8"));
const codename = vectors.vectors[0].normalised;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await startServer(["--mailbox-logins-per-second", "1000"]);
const results = [];

async function chromiumRuns(label, extra) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-gpu", ...extra],
  });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/mailbox`);
    await page.waitForFunction(() => document.querySelector("#mailbox-mode").textContent.includes("only in this browser"));
    await page.fill("#codename", codename);
    const t0 = Date.now();
    await page.click("#mailbox-form button[type=submit]");
    await page.waitForSelector("#messages:not([hidden])", { timeout: 300000 });
    times.push((Date.now() - t0) / 1000);
    await page.close();
  }
  await browser.close();
  results.push(`${label}: median ${median(times).toFixed(2)} s (${times.map((t) => t.toFixed(2)).join(", ")})`);
}

async function firefoxRuns(label, safer) {
  process.env.SE_OFFLINE = "true";
  const { Builder, By } = require("selenium-webdriver");
  const firefox = require("selenium-webdriver/firefox");
  const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
  if (safer) for (const p of ["javascript.options.baselinejit", "javascript.options.ion", "javascript.options.wasm", "javascript.options.native_regexp"]) options.setPreference(p, false);
  const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver")).build();
  const times = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      await driver.get(`${server.url}/mailbox`);
      await driver.wait(async () => (await driver.findElement(By.id("mailbox-mode")).getText()).includes("only in this browser"), 30000);
      await driver.findElement(By.id("codename")).sendKeys(codename);
      const t0 = Date.now();
      await driver.findElement(By.css("#mailbox-form button[type=submit]")).click();
      await driver.wait(async () => !(await driver.findElement(By.id("messages")).getAttribute("hidden")), 300000);
      times.push((Date.now() - t0) / 1000);
    }
  } finally {
    await driver.quit();
  }
  results.push(`${label}: median ${median(times).toFixed(2)} s (${times.map((t) => t.toFixed(2)).join(", ")})`);
}

async function serverRuns() {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const html = await (await fetch(`${server.url}/mailbox`)).text();
    const token = html.match(/name="form_token" value="([^"]+)"/)[1];
    const t0 = performance.now();
    const r = await fetch(`${server.url}/mailbox`, { method: "POST", body: new URLSearchParams({ form_token: token, codename }) });
    await r.text();
    times.push((performance.now() - t0) / 1000);
  }
  results.push(`server (no-JS path, ${process.env.APPRODO_BIN ? "given binary" : "debug build, deps at opt-level 2"}): median ${(median(times) * 1000).toFixed(0)} ms`);
}

try {
  await serverRuns();
  await chromiumRuns("chromium (JIT)", []);
  await chromiumRuns("chromium --jitless", ["--js-flags=--jitless"]);
  if (!process.env.NO_FIREFOX) {
    await firefoxRuns("firefox-esr (standard)", false);
    await firefoxRuns("firefox-esr, Safer (no JIT, no wasm)", true);
  }
} finally {
  server.stop();
}
console.log(results.join("\n"));
