// Post-quantum sealing benchmark (issue 20): typage (the page's age, bundled as the page bundles
// it) seals a 1 MiB report to 3 post-quantum (mlkem768x25519) recipients and to 3 X25519 ones,
// in headless Chromium and in Firefox ESR at Tor Browser "Safer" settings (no JIT, no
// WebAssembly); prints the median seal time of RUNS and the header bytes. The recipients are
// the DEMO network's: sociali-milano's three age1pq1… officers, and cav-milano's two plus
// tratta-milano's one X25519 officers. Officer decrypt time is measured by ops/bench-pq-decrypt.
// Then (PAGE=1, the default) the whole page in Chromium: the real form, from Send to the
// receipt, a 1 MiB attachment to sociali-milano (3 PQ officers) and to cav-milano (2 X25519),
// against `approdo serve --demo --pow-bits 0` (APPRODO_BIN, default target/debug/approdo).
//
//   node ops/bench-pq.mjs                 # RUNS=9 MIB=1 FIREFOX=1 PAGE=1 by default
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("../", import.meta.url).pathname;
const RUNS = Number(process.env.RUNS || 9);
const MIB = Number(process.env.MIB || 1);
const requireWeb = createRequire(`${root}web/package.json`);
const requireTests = createRequire(`${root}tests/browser/package.json`);
const esbuild = requireWeb("esbuild");

const directory = JSON.parse(readFileSync(`${root}keys/demo/directory.json`, "utf8"));
const of = (id) => directory.partners.find((p) => p.id === id).recipients;
const pq = of("sociali-milano");
const x25519 = [...of("cav-milano"), ...of("tratta-milano")];

const bundle = (
  await esbuild.build({
    stdin: {
      contents: `
        import { Encrypter } from "age-encryption";
        globalThis.sealBench = async (recipients, mib, runs) => {
          const data = new Uint8Array(mib * 1048576);
          for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
          const times = [];
          let header = 0, size = 0;
          for (let r = 0; r < runs; r++) {
            const e = new Encrypter();
            for (const x of recipients) e.addRecipient(x);
            const t0 = performance.now();
            const out = await e.encrypt(data);
            times.push(performance.now() - t0);
            size = out.length;
            const text = new TextDecoder("latin1").decode(out.subarray(0, 16384));
            header = text.indexOf("\\n--- ") + 1 + 4 + 43 + 1;
          }
          times.sort((a, b) => a - b);
          return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], header, size };
        };`,
      resolveDir: `${root}web`,
      loader: "js",
    },
    bundle: true,
    format: "iife",
    target: ["firefox115", "chrome115"],
    write: false,
  })
).outputFiles[0].text;

const server = createServer((req, res) => {
  if (req.url === "/bench.js") {
    res.writeHead(200, { "Content-Type": "text/javascript" });
    res.end(bundle);
  } else {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end('<!doctype html><meta charset="utf-8"><title>bench</title><script src="/bench.js"></script>');
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;
const { launchChromium, reportForm } = await import("../tests/browser/server.mjs");
const line = (browser, kind, r) =>
  `${browser}: ${MIB} MiB to 3 ${kind} recipients: median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)}, ${RUNS} runs); header ${r.header} bytes; file ${r.size} bytes`;

try {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => typeof globalThis.sealBench === "function");
  console.log(`chromium ${browser.version()}`);
  for (const [kind, recipients] of [["X25519", x25519], ["post-quantum mlkem768x25519", pq]]) {
    const r = await page.evaluate(([rs, m, n]) => globalThis.sealBench(rs, m, n), [recipients, MIB, RUNS]);
    console.log(line("chromium", kind, r));
  }
  await browser.close();

  if (process.env.FIREFOX !== "0") {
    process.env.SE_OFFLINE = "true";
    const { Builder } = requireTests("selenium-webdriver");
    const firefox = requireTests("selenium-webdriver/firefox");
    const options = new firefox.Options().setBinary(process.env.FIREFOX_BIN || "/usr/bin/firefox-esr").addArguments("-headless");
    for (const p of ["javascript.options.baselinejit", "javascript.options.ion", "javascript.options.wasm", "javascript.options.native_regexp"]) options.setPreference(p, false);
    const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver")).build();
    try {
      await driver.manage().setTimeouts({ script: 1800000 });
      await driver.get(url);
      const caps = await driver.getCapabilities();
      console.log(`firefox-esr ${caps.get("browserVersion")} at Safer (baseline JIT, Ion, WebAssembly, native regexp off)`);
      for (const [kind, recipients] of [["X25519", x25519], ["post-quantum mlkem768x25519", pq]]) {
        const r = await driver.executeAsyncScript(
          "const done = arguments[arguments.length - 1]; globalThis.sealBench(arguments[0], arguments[1], arguments[2]).then(done, (e) => done({ error: String(e) }));",
          recipients, MIB, Math.min(RUNS, 3),
        );
        if (r.error) throw new Error(r.error);
        console.log(line("firefox-esr Safer", kind, { ...r }).replace(`${RUNS} runs`, `${Math.min(RUNS, 3)} runs`));
      }
    } finally {
      await driver.quit();
    }
  }
  if (process.env.PAGE !== "0") {
    const { startServer } = await import("../tests/browser/server.mjs");
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const demo = await startServer(["--pow-bits", "0", "--submissions-per-second", "1000"]);
    const work = mkdtempSync(join(tmpdir(), "approdo-bench-pq-"));
    const file = join(work, "report.bin");
    const bytes = Buffer.alloc(MIB * 1048576 - 8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256;
    writeFileSync(file, bytes);
    const browser = await launchChromium();
    try {
      for (const partner of ["cav-milano", "sociali-milano"]) {
        const times = [];
        for (let r = 0; r < Math.min(RUNS, 5); r++) {
          const page = await browser.newPage();
          await page.goto(`${demo.url}/report`);
          await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
          // Through the form's steps, as she would (tests/browser/server.mjs `reportForm`).
          const form = reportForm(page);
          await form.check(`input[name=partner][value=${partner}]`);
          await form.fill("#description", "I need help.");
          await form.check("#consent_read");
          await form.setInputFiles("#attachments", file);
          const t0 = Date.now();
          await form.click("#report-form button[type=submit]");
          await page.waitForSelector("#done:not([hidden])", { timeout: 300000 });
          times.push(Date.now() - t0);
          await page.close();
        }
        times.sort((a, b) => a - b);
        console.log(`chromium, the real page: ${MIB} MiB report to ${partner}, Send to receipt: median ${times[Math.floor(times.length / 2)]} ms (min ${times[0]}, max ${times[times.length - 1]}, ${times.length} runs)`);
      }
    } finally {
      await browser.close();
      demo.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
} finally {
  server.close();
}
