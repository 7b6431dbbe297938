// The officer's desk (`approdo desk`) in real Chromium and Firefox ESR: open the address it
// prints, see the inbox (most urgent first), open a report; a request without the per-run
// token is refused; every request the page makes stays on the desk's own origin; the vault
// holds nothing readable. Then two officers of one partner, one victim (issue 17): officer 1
// takes the report and proposes a time; officer 2's desk shows it taken, with the appointment,
// before she can propose another. Her side: Maria shares "read", and her mailbox page (JS on,
// in Italian) says so in plain words; then the reply shows there instead, she accepts the
// appointment from her page, and both desks show her answer (Maria's page, with desktop
// notifications on, is notified). In Firefox ESR (Tor Browser's engine), Anna shares
// "received" for another report of hers and her page says so. Screenshots of the desk and of her mailbox go to
// docs/screenshots/ only with APPRODO_BLESS=1 (`APPRODO_BLESS=1 node --test
// tests/browser/desk.test.mjs`): a test run never rewrites tracked files otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, until } from "selenium-webdriver";
import { bin, launchChromium, launchFirefox, scan, screenshotDir, serverOnly } from "./server.mjs";
import { deriveReplyKeys, generate, parseWordlist } from "../../web/src/codename.js";

const SHOTS = screenshotDir(); // docs/screenshots/ only with APPRODO_BLESS=1
/** A screenshot for the docs (a temporary folder unless blessing). */
async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

const MARKER = "MARKER-desk-5c1e";
const fixture = serverOnly();
let desk;
let work;
const ids = {};
// The second officer's desk and the report two officers shared, for the Firefox check.
let shared;

/** Starts `approdo desk`; resolves with its printed address once its first sync is done. */
async function startDesk(vault, identity = fixture.server.identity("cav-milano"), extra = []) {
  const child = spawn(bin, ["desk", "--identity", identity, "--server", fixture.server.url, "--vault", vault, ...extra],
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

/** Opens her mailbox page (Italian, JavaScript on) with her codename. */
async function openMailbox(page, codename) {
  await page.goto(`${fixture.server.url}/mailbox?lang=it`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on");
  await page.fill("#codename", codename);
  await page.click("#mailbox-form button[type=submit]");
}

// What every report the page sends carries, so the desk (and its screenshots in the officer's
// guide) shows a report that is valid against the schema, not a list of what is missing.
const REQUIRED = {
  schema: "approdo.report/v1", kind: "report", sealed: "browser", reporter_role: "about_me",
  help_wanted: ["talk"], contact_method: "mailbox", consent_read: true, consent_share: "ask_first",
  consent_police: "no_police",
};

function submit(report) {
  const file = join(work, `r-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...REQUIRED, ...report }));
  const out = execFileSync(bin, ["envelope", "submit", "--report", file, "--server", fixture.server.url, "--partner", "cav-milano"],
    { encoding: "utf8", env: { ...process.env, APPRODO_STATE_DIR: join(work, "state") } });
  return JSON.parse(out).id;
}

before(async () => {
  await fixture.ready();
  work = mkdtempSync(join(tmpdir(), "approdo-desk-"));
  ids.calm = submit({ language: "ar", urgency: "not_urgent", description: `${MARKER} calm` });
  ids.urgent = submit({ language: "it", urgency: "today", safe_now: "not_safe", description: `${MARKER} urgent` });
  desk = await startDesk(join(work, "vault"));
});
after(() => {
  desk?.stop();
  shared?.anna.stop();
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
    // Labelled as the report's page labels them: Italian and English.
    assert.match(await page.textContent(`tr[data-id="${ids.urgent}"]`), /Oggi[^/]*\/ today.*\/ not safe/s);
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
  const driver = await launchFirefox();
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
  const codename = generate(words);
  const keys = await deriveReplyKeys(codename);
  const id = submit({ kind: "report", language: "it", urgency: "this_week", safe_now: "not_sure",
    description: `${MARKER} two officers`, reply: { recipient: keys.recipient, mailbox: keys.mailbox } });
  const second = new URL("../../keys/demo/secret/cav-milano-2.key", import.meta.url).pathname;
  const maria = await startDesk(join(work, "maria"), fixture.server.identity("cav-milano"), ["--name", "Maria", "--notify-poll-seconds", "1", "--needs-hours", "0"]);
  const anna = await startDesk(join(work, "anna"), second, ["--name", "Anna"]);
  // Handed to the Firefox check below; `after` stops it even if this test fails first.
  shared = { anna, id };
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    // Officer 1 takes it and proposes a time.
    await page.goto(maria.url);
    assert.ok(await page.$(`tr[data-id="${id}"]`), "the new report is in her inbox");
    // With --needs-hours 0, every report nobody took is listed above the inbox.
    assert.match(await page.textContent("#needs-untaken"), new RegExp(id.slice(0, 8)));
    await shot(page, "desk-inbox.png");
    await page.click(`tr[data-id="${id}"] a`);
    await page.selectOption("#case select[name=status]", "taken");
    await page.fill("#case input[name=note]", "I call her back");
    await page.click("#case button[type=submit]");
    await page.waitForSelector("#case-status");
    assert.match(await page.textContent("#case-status"), /taken — Maria/);
    // She is told her report was read, in her mailbox, sealed for her.
    await page.selectOption("#share select[name=status]", "read");
    await page.click("#share button[type=submit]");
    await page.waitForSelector("#shared");
    assert.match(await page.textContent("#shared"), /letta \/ read/);
    const victim = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const her = await victim.newPage();
    await openMailbox(her, codename);
    await her.waitForSelector(".shared-status", { timeout: 120000 });
    assert.match(await her.textContent(".shared-status"), /ha letto la tua segnalazione/);
    assert.equal(await her.getAttribute(".shared-status", "data-status"), "read");
    await shot(her, "mailbox-status-360x740.png");
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
    // The guide shows this report: a complete one, as the page sends it.
    assert.doesNotMatch(await page.textContent("#report"), /NOT VALID|Sealed: \?/);
    await shot(page, "desk-report.png");
    // Anna's note leaves Maria's case as it stands: the form preselects "note only" once a
    // colleague moved the case on (it preselected "taken (by me)", which took it from Maria).
    assert.equal(await page.$eval("#case select[name=status]", (s) => s.value), "");
    await page.fill("#case input[name=note]", "I speak Tigrinya if she needs it");
    await page.click("#case button[type=submit]");
    await page.waitForSelector("#case-status");
    assert.match(await page.textContent("#case-status"), /appointment set — Maria/);
    assert.match(await page.textContent("#case-records"), /Anna · nota \/ note: I speak Tigrinya/);
    // The share form offers what she was told ("answered"), never less.
    assert.equal(await page.$eval("#share select[name=status]", (s) => s.value), "answered");
    await page.fill("#reply textarea[name=message]", "Or on Friday?");
    await page.fill("#reply input[name=desk]", "via Po 2");
    await page.fill("#reply input[name=time]", "Friday 15:00");
    await page.fill("#reply input[name=phrase]", "red kite");
    await page.click("#reply button[type=submit]");
    await page.waitForSelector("#message");
    assert.match(await page.textContent("#message"), /Maria already proposed Tuesday 10:00/);

    // Her page now shows Maria's reply (which says "read and answered" itself), no status line;
    // she accepts the appointment from it.
    await openMailbox(her, codename);
    await her.waitForSelector("article.message", { timeout: 120000 });
    assert.equal(await her.$(".shared-status"), null);
    assert.match(await her.textContent("article.message"), /Tuesday 10:00/);
    // Maria turns notifications on (the browser's prompt is stubbed; it is asked on the click).
    const notified = await browser.newPage();
    await notified.addInitScript(() => {
      window.shown = [];
      window.Notification = class {
        constructor(title, opts) {
          window.shown.push(`${title}: ${opts.body}`);
        }
        static permission = "default";
        static requestPermission() {
          window.Notification.permission = "granted";
          return Promise.resolve("granted");
        }
      };
    });
    await notified.goto(maria.url);
    await notified.click("#notify");
    await notified.waitForFunction(() => Number(document.body.dataset.polled) > 0);
    await her.click("article.message .actions button.primary");
    await her.waitForFunction(() => /inviat|sent/i.test(document.querySelector("article.message .hint[role=status]")?.textContent || ""), null, { timeout: 120000 });
    // Both desks show her answer after a sync.
    for (const d of [maria, anna]) {
      const deadline = Date.now() + 60000;
      for (;;) {
        await fetch(`${d.url}sync`, { method: "POST", redirect: "manual" });
        await page.goto(d.url);
        if (await page.$("#needs-answers a")) break;
        assert.ok(Date.now() < deadline, "her answer did not reach the desk");
      }
      await page.click("#needs-answers a");
      await page.waitForSelector("#report");
      assert.match(await page.textContent("#report"), /accept/);
      // … and which appointment: Maria's, the one her page showed (Anna proposed none).
      assert.match(await page.textContent("#report"), /For the appointment: Tuesday 10:00 — /);
      assert.match(await page.textContent("#report"), new RegExp(id));
    }
    // Maria's open inbox noticed it: a notification with a count, no words of hers.
    await notified.waitForFunction(() => window.shown.length > 0, null, { timeout: 60000 });
    const shown = await notified.evaluate(() => window.shown);
    assert.match(shown[0], /^approdo desk: \d+ /);
    assert.ok(!shown.join().includes(MARKER));
    await victim.close();
  } finally {
    await browser.close();
    maria.stop();
  }
  // Her mailbox holds the reply and the status.
  const box = await (await fetch(`${fixture.server.url}/api/v1/mailbox`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mailbox: keys.mailbox }) })).json();
  assert.equal(box.messages.length, 2);
  for (const dir of [join(work, "maria"), join(work, "anna"), fixture.server.data]) {
    assert.equal(scan(dir, MARKER), 0, dir);
    assert.equal(scan(dir, "I call her back"), 0, dir);
    assert.equal(scan(dir, "yellow scarf"), 0, dir);
  }
});

test("Firefox ESR (Tor Browser's engine): officer 2's desk shows the case; her page shows a shared status", async () => {
  assert.ok(shared, "runs after the Chromium two-officer test");
  // Another report of hers asking for replies; Anna tells her it was received.
  const words = parseWordlist(readFileSync(new URL("../../web/wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
  const codename = generate(words);
  const keys = await deriveReplyKeys(codename);
  const other = submit({ kind: "report", language: "it", description: `${MARKER} firefox`, reply: { recipient: keys.recipient, mailbox: keys.mailbox } });
  await fetch(`${shared.anna.url}sync`, { method: "POST", redirect: "manual" });
  const r = await fetch(`${shared.anna.url}r/${other}/share`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "status=received" });
  assert.equal(r.status, 303);
  const driver = await launchFirefox();
  try {
    await driver.get(`${shared.anna.url}r/${shared.id}`);
    assert.match(await driver.findElement(By.id("case-status")).getText(), /appointment set — Maria/);
    assert.match(await driver.findElement(By.id("conflict")).getText(), /Maria.*Tuesday 10:00/s);
    await driver.get(shared.anna.url);
    const row = await driver.findElement(By.css(`tr[data-id="${shared.id}"] td.case`));
    assert.match(await row.getText(), /appointment set — Maria/);
    // Her mailbox page in Firefox, JavaScript on: the status in plain Italian.
    await driver.get(`${fixture.server.url}/mailbox?lang=it`);
    await driver.wait(async () => (await driver.executeScript("return document.documentElement.dataset.js")) === "on", 30000);
    await driver.findElement(By.id("codename")).sendKeys(codename);
    await driver.findElement(By.css("#mailbox-form button[type=submit]")).click();
    const line = await driver.wait(until.elementLocated(By.css(".shared-status")), 120000);
    assert.match(await line.getText(), /ha ricevuto la tua segnalazione/);
    assert.equal(await line.getAttribute("data-status"), "received");
    // She can delete it, like a reply.
    await driver.findElement(By.css(".shared .delete-box summary")).click();
    await driver.findElement(By.css(".shared button.delete")).click();
    await driver.wait(until.elementLocated(By.css(".shared .deleted")), 30000);
  } finally {
    await driver.quit();
  }
});
