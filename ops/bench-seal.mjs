// Sealing alone in Firefox ESR at Tor Browser "Safer" (no JIT, no WebAssembly): the page's
// sealing worker (/assets/seal-worker.js, web/src/sealer.js's protocol) seals MIB MiB of zeros
// to the DEMO partner cav-milano (two X25519 officers) with no upload, and the time from the
// job to its last chunk is printed: the floor of a send at "Safer" on this machine (issue 16).
//
//   cargo build && MIB=20 node ops/bench-seal.mjs
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { startServer } = await import("../tests/browser/server.mjs");
const MIB = Number(process.env.MIB || 20);
process.env.SE_OFFLINE = "true";
const { Builder } = require("selenium-webdriver");
const firefox = require("selenium-webdriver/firefox");
const server = await startServer();
const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
for (const p of ["javascript.options.baselinejit", "javascript.options.ion", "javascript.options.wasm", "javascript.options.native_regexp"]) options.setPreference(p, false);
const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver")).build();
try {
  await driver.get(`${server.url}/report`);
  driver.manage().setTimeouts({ script: 1800000 });
  const r = await driver.executeAsyncScript(async (mib, done) => {
    const dir = await (await fetch("/api/v1/directory")).json();
    const recipients = dir.partners.find((p) => p.id === "cav-milano").recipients;
    const report = new TextEncoder().encode(JSON.stringify({ schema: "approdo.report/v1", description: "bench" }));
    const files = [{ name: "zeros.bin", blob: new Blob([new Uint8Array(mib * 1024 * 1024)]) }];
    const w = new Worker("/assets/seal-worker.js");
    let bytes = 0;
    const t0 = performance.now();
    w.onmessage = ({ data }) => {
      if (data.chunk) bytes += data.chunk.byteLength;
      else done({ ms: performance.now() - t0, bytes, error: data.error || null });
    };
    w.postMessage({ id: 0, seal: { recipients, report, files, credit: 1e9 } });
  }, MIB);
  if (r.error) throw new Error(r.error);
  console.log(`firefox-esr, Safer: ${MIB} MiB sealed in the worker in ${(r.ms / 1000).toFixed(1)} s = ${((r.ms / 1000) / MIB).toFixed(2)} s/MiB (${r.bytes} bytes of age file)`);
} finally {
  await driver.quit();
  server.stop();
}
