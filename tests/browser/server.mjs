// Test helpers: a real `approdo serve --demo` on port 0 in a temporary data directory, the
// approdo CLI, byte scans of the data directory, Debian's chromium via playwright-core and
// Debian's firefox-esr via selenium-webdriver.
import { spawn, execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, after } from "node:test";
import { chromium } from "playwright-core";
import { Builder } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";

const root = new URL("../../", import.meta.url).pathname;
export const bin = process.env.APPRODO_BIN || join(root, "target/debug/approdo");
// The CLI's state (directory floors, the officer's view of the log) for this test process:
// never the user's own.
const stateDir = mkdtempSync(join(tmpdir(), "approdo-state-"));
process.env.APPRODO_STATE_DIR ||= stateDir;

export async function startServer(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "approdo-browser-"));
  const data = join(dir, "data");
  const child = spawn(bin, ["serve", "--demo", "--data", data, "--listen", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60000);
    child.stdout.on("data", (d) => {
      output += d;
      const m = output.match(/approdo serving (http:\/\/[^\s/]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return {
    url,
    dir,
    data,
    output: () => output,
    identity: (partner) => join(data, "demo", `${partner}.key`),
    /** Kills the server and waits until it is gone, keeping its data (for `audit store`). */
    async halt() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    },
    stop() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function approdo(args) {
  return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Occurrences of `needle` in every file under `dir`. */
export function scan(dir, needle) {
  let hits = 0;
  const n = Buffer.from(needle);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) hits += scan(p, needle);
    else if (st.isFile()) {
      const b = readFileSync(p);
      for (let i = b.indexOf(n); i !== -1; i = b.indexOf(n, i + 1)) hits++;
    }
  }
  return hits;
}

/**
 * Where the tests write their screenshots: `docs/screenshots/` (tracked, shown in the docs)
 * only when APPRODO_BLESS=1, a fresh temporary folder otherwise, so a test run never rewrites
 * a tracked file (`.ci/run` fails on a dirty tree). Refresh the docs' pictures on purpose:
 * `APPRODO_BLESS=1 node --test tests/browser/screenshots.test.mjs tests/browser/desk.test.mjs`.
 */
export function screenshotDir() {
  if (process.env.APPRODO_BLESS === "1") return join(root, "docs/screenshots");
  return mkdtempSync(join(tmpdir(), "approdo-shots-"));
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * The usual fixture of a test file: a DEMO server (`args` for `serve`) and headless Chromium,
 * started before its tests and stopped after them. Read `fixture.server` / `fixture.browser`
 * inside the tests (they exist once `before` has run; a file's own `before` that needs them
 * awaits `fixture.ready()` first). `start` starts another server instead
 * (`startRealNetwork`; it must have `stop()`); `chromium: false` leaves the browser out, for a
 * file that drives Firefox or launches its own browsers (see `serverOnly`).
 */
export function serverAndChromium(args = [], { start = () => startServer(args), chromium = true } = {}) {
  let started;
  const fixture = {
    server: null,
    browser: null,
    // Top-level `before` hooks start as they are declared, without waiting for each other: a
    // file's own hook that needs the server awaits `fixture.ready()` (the same start, once).
    ready: () =>
      (started ??= (async () => {
        fixture.server = await start();
        if (chromium) fixture.browser = await launchChromium();
      })()),
  };
  before(() => fixture.ready());
  after(async () => {
    await fixture.browser?.close();
    fixture.server?.stop();
  });
  return fixture;
}

/** `serverAndChromium` without the browser: read `fixture.server`. */
export function serverOnly(args = []) {
  return serverAndChromium(args, { chromium: false });
}

/** Firefox preferences for Tor Browser's "Safer" level: no JIT, no WebAssembly (for `launchFirefox`). */
export const FIREFOX_SAFER = Object.fromEntries(
  ["javascript.options.baselinejit", "javascript.options.ion", "javascript.options.wasm", "javascript.options.native_regexp"].map((pref) => [pref, false]),
);

/**
 * Debian's Firefox ESR, headless, through geckodriver (Selenium), with `prefs` set (e.g.
 * `FIREFOX_SAFER`, or JavaScript off as Tor Browser "Safest" runs). Selenium Manager is never
 * let try to download anything. The caller quits the driver.
 */
export function launchFirefox(prefs = {}) {
  process.env.SE_OFFLINE = "true";
  const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
  for (const [pref, value] of Object.entries(prefs)) options.setPreference(pref, value);
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver");
  return new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(service).build();
}

/**
 * A freshly initialised REAL network, served as installed: its own network key, two partners
 * (three officers, one identity sealed with a passphrase), `approdo init` with a unix socket
 * and tor's PROXY line, `approdo serve --config`. Browsers speak TCP, so a relay on
 * 127.0.0.1:0 stands in for tor: it writes a PROXY v1 line (a new circuit per connection),
 * then pipes the connection to the unix socket. `binary` is the release build by default.
 */
export async function startRealNetwork(binary = process.env.APPRODO_RELEASE_BIN || join(root, "target/release/approdo")) {
  const dir = mkdtempSync(join(tmpdir(), "approdo-real-"));
  const run = (args, env = {}) => execFileSync(binary, args, { encoding: "utf8", cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  run(["network", "keygen", "--out", "network.key", "--public-out", "network.pub"]);
  const passphrase = "correct horse battery staple";
  const officers = { "cav-real": ["cav-1.key", "cav-2.key"], "tratta-real": ["tratta-1.key"] };
  const lines = {};
  for (const [partner, files] of Object.entries(officers)) {
    lines[partner] = { recipients: [], officer_keys: [] };
    for (const f of files) {
      const sealed = f === "cav-2.key";
      run(["officer", "keygen", "--out", f, ...(sealed ? [] : ["--no-passphrase"])], sealed ? { APPRODO_PASSPHRASE: passphrase } : {});
      const shown = run(["officer", "show", "--identity", f], sealed ? { APPRODO_PASSPHRASE: passphrase } : {});
      lines[partner].recipients.push(shown.match(/recipient = "([^"]+)"/)[1]);
      lines[partner].officer_keys.push(shown.match(/officer_key = "([^"]+)"/)[1]);
    }
  }
  const toml = [`network = "Rete di prova"`, `version = 1`];
  for (const [partner, l] of Object.entries(lines)) {
    toml.push("", "[[partner]]", `id = "${partner}"`, `name = "Partner ${partner}"`, `recipients = ${JSON.stringify(l.recipients)}`, `officer_keys = ${JSON.stringify(l.officer_keys)}`);
  }
  writeFileSync(join(dir, "partners.toml"), toml.join("\n") + "\n");
  run(["directory", "sign", "--partners", "partners.toml", "--key", "network.key", "--out", "directory.json"]);
  const socket = join(dir, "approdo.sock");
  run(["init", "--data", "data", "--directory", "directory.json", "--network-key", "network.pub", "--unix-socket", socket]);
  const child = spawn(binary, ["serve", "--config", join(dir, "data", "approdo.toml")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60000);
    child.stdout.on("data", (d) => {
      output += d;
      if (output.includes("approdo serving unix:")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  let circuit = 1;
  const relay = createServer((c) => {
    const id = circuit++;
    const u = connect(socket, () => {
      u.write(`PROXY TCP6 fc00:dead:beef:4dad::${(id >> 16).toString(16)}:${(id & 0xffff).toString(16)} ::1 65535 80\r\n`);
      c.pipe(u);
      u.pipe(c);
    });
    u.on("error", () => c.destroy());
    c.on("error", () => u.destroy());
  });
  await new Promise((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${relay.address().port}`;
  return {
    url,
    dir,
    data: join(dir, "data"),
    socket,
    passphrase,
    networkKey: join(dir, "network.pub"),
    identity: (file) => join(dir, file),
    approdo: run,
    // Commands that reach the server go through the relay in this process: they must not
    // block its event loop (execFileSync would), so they run asynchronously.
    approdoAsync: (args, env = {}) =>
      new Promise((resolve, reject) => {
        execFile(binary, args, { encoding: "utf8", cwd: dir, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
          if (error) {
            error.stdout = stdout;
            error.stderr = stderr;
            reject(error);
          } else {
            resolve(stdout);
          }
        });
      }),
    output: () => output,
    stop() {
      child.kill("SIGKILL");
      relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * With JavaScript the report form shows one step at a time (web/src/steps.js): brings the step
 * holding `selector` into view as she would, with the steps' Back and Next buttons. Without
 * JavaScript (every step on the page) it does nothing.
 */
export async function stepTo(page, selector) {
  const where = () =>
    page.evaluate((s) => {
      const all = [...document.querySelectorAll("#report-form.stepped .part")];
      const el = document.querySelector(s);
      return { target: all.indexOf(el?.closest(".part")), current: all.findIndex((p) => p.classList.contains("current")) };
    }, selector);
  for (let guard = 0; guard < 20; guard++) {
    const { target, current } = await where();
    if (target < 0 || current < 0 || target === current) return;
    await page.click(`#report-form .part.current button[data-step=${target > current ? "next" : "back"}]`);
  }
  throw new Error(`never reached the step of ${selector}`);
}

/** The report form's fields, each reached through its step first (see `stepTo`). */
export function reportForm(page) {
  return {
    check: async (s) => (await stepTo(page, s), page.check(s)),
    fill: async (s, v) => (await stepTo(page, s), page.fill(s, v)),
    click: async (s) => (await stepTo(page, s), page.click(s)),
    selectOption: async (s, v) => (await stepTo(page, s), page.selectOption(s, v)),
    setInputFiles: async (s, f) => (await stepTo(page, s), page.setInputFiles(s, f)),
  };
}

/** The three answers every report needs, through the form's steps: the organisation, a
 * description, and that she read what happens next. */
export async function answerRequired(page, description, partner = "cav-milano") {
  const form = reportForm(page);
  await form.check(`input[name=partner][value=${partner}]`);
  await form.fill("#description", description);
  await form.check("#consent_read");
}

/** A 360×740 phone, as the journey's tests meet the pages. */
export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/** Fills the fewest answers the form needs on the server at `url` and sends it (JavaScript on);
 * returns when the codename screen is up, unless `wait` is false. */
export async function sendReport(page, url, { files = [], wait = true, idle = null } = {}) {
  await page.goto(`${url}/report`);
  // safety.js reads the idle time at each tick: a test shortens it here.
  if (idle) await page.evaluate((s) => (document.body.dataset.idle = String(s)), idle);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, "I need help.");
  if (files.length) await reportForm(page).setInputFiles("#attachments", files);
  await reportForm(page).click("#report-form button[type=submit]");
  if (wait) await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
}

/** `stepTo` for Selenium (Firefox ESR). */
export async function stepToSelenium(driver, selector) {
  for (let guard = 0; guard < 20; guard++) {
    const { target, current } = await driver.executeScript((s) => {
      const all = [...document.querySelectorAll("#report-form.stepped .part")];
      const el = document.querySelector(s);
      return { target: all.indexOf(el && el.closest(".part")), current: all.findIndex((p) => p.classList.contains("current")) };
    }, selector);
    if (target < 0 || current < 0 || target === current) return;
    await driver.findElement({ css: `#report-form .part.current button[data-step=${target > current ? "next" : "back"}]` }).click();
  }
  throw new Error(`never reached the step of ${selector}`);
}
