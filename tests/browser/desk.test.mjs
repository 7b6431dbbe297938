// The officer's desk (`approdo desk`) in real Chromium and Firefox ESR: open the address it
// prints, see the inbox (most urgent first), open a report; a request without the per-run
// token is refused; every request the page makes stays on the desk's own origin; the vault
// holds nothing readable. Then two officers of one partner, one victim (issue 17): officer 1
// takes the report and proposes a time; officer 2's desk shows it taken, with the appointment,
// before she can propose another; her mailbox gets the reply. Screenshots of the desk go to
// docs/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Builder, By } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import { bin, launchChromium, scan, screenshotDir, startServer } from "./server.mjs";
import { deriveReplyKeys, generate, parseWordlist } from "../../web/src/codename.js";

const SHOTS = screenshotDir(); // docs/screenshots/ only with APPRODO_BLESS=1

process.env.SE_OFFLINE = "true"; // never let Selenium Manager try to download anything

const MARKER = "MARKER-desk-5c1e";
let server;
let desk;
let work;
const ids = {};
// The second officer's desk and the report two officers shared, for the Firefox check.
let shared;

/** Starts `approdo desk`; resolves with its printed address once its first sync is done. */
async function startDesk(vault, identity = server.identity("cav-milano"), extra = []) {
  const child = spawn(bin, ["desk", "--identity", identity, "--server", server.url, "--vault", vault, ...extra],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, APPRODO_STATE_DIR: join(work, "state") } });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`desk did not start: ${output}`)), 60000);
    child.stdout.on("data", (d) => {
      output += d;
      const m = output.match(/^(http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\/)\n/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`desk exited ${code}: ${output}`)));
  });
  // Wait on the condition (the first sync finished), not on time.
  const deadline = Date.now() + 60000;
  for (;;) {
    const page = await (await fetch(url)).text();
    if (page.includes("synced:")) break;
    assert.ok(Date.now() < deadline, `the desk's first sync did not finish: ${page}`);
    await new Promise((r) => setImmediate(r));
  }
  return { url, origin: new URL(url).origin, stop: () => child.kill("SIGKILL") };
}

function submit(report) {
  const file = join(work, `r-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ schema: "approdo.report/v1", ...report }));
  const out = execFileSync(bin, ["envelope", "submit", "--report", file, "--server", server.url, "--partner", "cav-milano"],
    { encoding: "utf8", env: { ...process.env, APPRODO_STATE_DIR: join(work, "state") } });
  return JSON.parse(out).id;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "approdo-desk-"));
  server = await startServer();
  ids.calm = submit({ language: "ar", urgency: "not_urgent", description: `${MARKER} calm` });
  ids.urgent = submit({ language: "it", urgency: "today", safe_now: "not_safe", description: `${MARKER} urgent` });
  desk = await startDesk(join(work, "vault"));
});
after(() => {
  desk?.stop();
  shared?.anna.stop();
  server?.stop();
});

test("Chromium: the desk's inbox, one report, and no request without the token", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const foreign = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(desk.origin)) foreign.push(r.url());
    });
    // CSP violations and failed loads; the browser's own /favicon.ico carries no token, so it
    // is refused like any other request without one.
    const problems = [];
    page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && problems.push(m.text()));
    page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && problems.push(`${r.status()} ${r.url()}`));
    const resp = await page.goto(desk.url);
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()["content-security-policy"], /default-src 'none'/);
    const rows = await page.$$eval("#inbox tr.report", (trs) => trs.map((tr) => tr.dataset.id));
    assert.deepEqual(rows, [ids.urgent, ids.calm], "most urgent first");
    await page.click(`tr[data-id="${ids.urgent}"] a`);
    await page.waitForSelector("#report");
    const text = await page.textContent("#report");
    assert.ok(text.includes(`${MARKER} urgent`), text);
    assert.ok(text.indexOf("Urgenza / Urgency") < text.indexOf("Descrizione / Description"), text);
    // The stylesheet loaded under the CSP (no violation, nothing else refused).
    assert.deepEqual(problems, []);
    page.removeAllListeners("response");
    // Without the token, or with a wrong one: refused.
    for (const url of [`${desk.origin}/`, `${desk.origin}/style.css`, `${desk.origin}/${"0".repeat(64)}/`, `${desk.origin}/r/${ids.urgent}`]) {
      const r = await page.goto(url);
      assert.equal(r.status(), 403, url);
    }
    assert.deepEqual(foreign, [], "no request leaves the desk's origin");
  } finally {
    await browser.close();
  }
  assert.equal(scan(join(work, "vault"), MARKER), 0, "the vault holds nothing readable");
});

test("Firefox ESR: the desk's inbox, one report, and no request without the token", async () => {
  const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver");
  const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(service).build();
  try {
    await driver.get(desk.url);
    const rows = await driver.findElements(By.css("#inbox tr.report"));
    assert.equal(await rows[0].getAttribute("data-id"), ids.urgent);
    await driver.findElement(By.css(`tr[data-id="${ids.urgent}"] a`)).click();
    const text = await driver.findElement(By.id("report")).getText();
    assert.ok(text.includes(`${MARKER} urgent`), text);
    await driver.get(`${desk.origin}/`);
    const body = await driver.findElement(By.css("body")).getText();
    assert.match(body, /forbidden/);
  } finally {
    await driver.quit();
  }
  assert.equal(scan(join(work, "vault"), MARKER), 0);
});

test("Chromium: two officers of one partner coordinate one victim's report through their desks", async () => {
  const words = parseWordlist(readFileSync(new URL("../../web/wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
  const keys = await deriveReplyKeys(generate(words));
  const id = submit({ kind: "report", language: "it", urgency: "this_week", safe_now: "not_sure",
    description: `${MARKER} two officers`, reply: { recipient: keys.recipient, mailbox: keys.mailbox } });
  const second = new URL("../../keys/demo/secret/cav-milano-2.key", import.meta.url).pathname;
  const maria = await startDesk(join(work, "maria"), server.identity("cav-milano"), ["--name", "Maria"]);
  const anna = await startDesk(join(work, "anna"), second, ["--name", "Anna"]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    // Officer 1 takes it and proposes a time.
    await page.goto(maria.url);
    assert.ok(await page.$(`tr[data-id="${id}"]`), "the new report is in her inbox");
    await page.screenshot({ path: join(SHOTS, "desk-inbox.png"), fullPage: true });
    await page.click(`tr[data-id="${id}"] a`);
    await page.selectOption("#case select[name=status]", "taken");
    await page.fill("#case input[name=note]", "I call her back");
    await page.click("#case button[type=submit]");
    await page.waitForSelector("#case-status");
    assert.match(await page.textContent("#case-status"), /taken — Maria/);
    await page.fill("#reply textarea[name=message]", "We can meet you.");
    await page.fill("#reply input[name=desk]", "Sportello Donna, via Roma 1");
    await page.fill("#reply input[name=time]", "Tuesday 10:00");
    await page.fill("#reply input[name=phrase]", "yellow scarf");
    await page.click("#reply button[type=submit]");
    await page.waitForSelector("#message");
    assert.match(await page.textContent("#message"), /waiting in her mailbox/);
    // Officer 2 sees it taken, with the appointment, before she can propose another.
    await page.goto(`${anna.url}r/${id}`);
    assert.match(await page.textContent("#case-status"), /appointment set — Maria/);
    assert.match(await page.textContent("#case-records"), /I call her back/);
    assert.match(await page.textContent("#conflict"), /Maria.*Tuesday 10:00/s);
    await page.screenshot({ path: join(SHOTS, "desk-report.png"), fullPage: true });
    await page.fill("#reply textarea[name=message]", "Or on Friday?");
    await page.fill("#reply input[name=desk]", "via Po 2");
    await page.fill("#reply input[name=time]", "Friday 15:00");
    await page.fill("#reply input[name=phrase]", "red kite");
    await page.click("#reply button[type=submit]");
    await page.waitForSelector("#message");
    assert.match(await page.textContent("#message"), /Maria already proposed Tuesday 10:00/);
  } finally {
    await browser.close();
    maria.stop();
  }
  shared = { anna, id };
  // Her mailbox holds the one reply.
  const box = await (await fetch(`${server.url}/api/v1/mailbox`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mailbox: keys.mailbox }) })).json();
  assert.equal(box.messages.length, 1);
  for (const dir of [join(work, "maria"), join(work, "anna"), server.data]) {
    assert.equal(scan(dir, MARKER), 0, dir);
    assert.equal(scan(dir, "I call her back"), 0, dir);
    assert.equal(scan(dir, "yellow scarf"), 0, dir);
  }
});

test("Firefox ESR: officer 2's desk shows the case and a colleague's appointment", async () => {
  assert.ok(shared, "runs after the Chromium two-officer test");
  const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver");
  const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(service).build();
  try {
    await driver.get(`${shared.anna.url}r/${shared.id}`);
    assert.match(await driver.findElement(By.id("case-status")).getText(), /appointment set — Maria/);
    assert.match(await driver.findElement(By.id("conflict")).getText(), /Maria.*Tuesday 10:00/s);
    await driver.get(shared.anna.url);
    const row = await driver.findElement(By.css(`tr[data-id="${shared.id}"] td.case`));
    assert.match(await row.getText(), /appointment set — Maria/);
  } finally {
    await driver.quit();
  }
});
