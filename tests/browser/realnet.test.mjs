// A freshly initialised REAL network (not the DEMO one), served as installed — `approdo init`
// with a unix socket and tor's PROXY line, `approdo serve --config`, the release binary —
// and the JavaScript form in Chromium and in Firefox ESR at "Safer": the page verifies the
// directory against this network's key, seals, sends; an officer (passphrase-protected
// identity) pulls it. The manifest an auditor computes from the release and the network key
// is what the site serves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, until } from "selenium-webdriver";
import { FIREFOX_SAFER, answerRequired, launchFirefox, reportForm, scan, serverAndChromium, startRealNetwork, stepToSelenium } from "./server.mjs";

const fixture = serverAndChromium([], { start: startRealNetwork });

async function pullAs(file, env = {}) {
  const out = mkdtempSync(join(tmpdir(), "approdo-real-pulled-"));
  await fixture.server.approdoAsync(["pull", "--server", fixture.server.url, "--identity", fixture.server.identity(file), "--out", out], env);
  return out;
}

test("real network: Chromium seals in the browser to this network's keys; the officer pulls it", async () => {
  const marker = "MARKER-realnet-chromium-7c1e";
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, `Help please. ${marker}`, "cav-real");
  await reportForm(page).click("button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 120000 });
  const id = await page.getAttribute("#receipts li", "data-id");
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.match(await page.textContent("#receipts li"), /receipt code [0-9a-f]{12}$/);
  assert.deepEqual(problems, []);
  await context.close();

  // The officer whose identity is sealed with a passphrase.
  const out = await pullAs("cav-2.key", { APPRODO_PASSPHRASE: fixture.server.passphrase });
  const report = JSON.parse(readFileSync(join(out, id, "report.json"), "utf8"));
  assert.ok(report.description.includes(marker));
  assert.equal(report.sealed, "browser");
  assert.equal(scan(fixture.server.data, marker), 0, "the typed marker is not on the server's disk");
});

test("real network: Firefox ESR at Safer settings seals and sends too", async () => {
  const marker = "MARKER-realnet-firefox-2b9d";
  const driver = await launchFirefox(FIREFOX_SAFER);
  let id;
  try {
    await driver.get(`${fixture.server.url}/report`);
    await driver.wait(async () => (await driver.executeScript("return document.querySelector('#seal-mode').textContent")).includes("encrypted in this browser"), 30000);
    await driver.findElement(By.css("input[name=partner][value=tratta-real]")).click();
    await stepToSelenium(driver, "#description");
    await driver.findElement(By.id("description")).sendKeys(`Need help. ${marker}`);
    await stepToSelenium(driver, "#consent_read");
    await driver.findElement(By.id("consent_read")).click();
    await stepToSelenium(driver, "button[type=submit]");
    await driver.findElement(By.css("button[type=submit]")).click();
    const done = await driver.wait(until.elementLocated(By.css("#receipts li")), 300000);
    id = await done.getAttribute("data-id");
  } finally {
    await driver.quit();
  }
  assert.match(id, /^[0-9a-f]{32}$/);
  const out = await pullAs("tratta-1.key");
  assert.ok(JSON.parse(readFileSync(join(out, id, "report.json"), "utf8")).description.includes(marker));
});

test("real network: the manifest an auditor computes from the release and the key is what is served", async () => {
  const local = JSON.parse(fixture.server.approdo(["manifest", "--network-key", fixture.server.networkKey]));
  const served = await (await fetch(`${fixture.server.url}/api/v1/manifest`)).json();
  assert.deepEqual(served, local);
  const demo = JSON.parse(fixture.server.approdo(["manifest"]));
  assert.notEqual(demo.assets["/assets/app.js"], local.assets["/assets/app.js"], "the page script holds the network key");
  const audit = await fixture.server.approdoAsync(["audit", "site", "--server", fixture.server.url, "--network-key", fixture.server.networkKey]);
  assert.match(audit, /^PASS: /m);
  // Without the key the audit cannot pass, and says which flag is missing.
  let failed;
  try {
    await fixture.server.approdoAsync(["audit", "site", "--server", fixture.server.url]);
  } catch (e) {
    failed = `${e.stdout}${e.stderr}`;
  }
  assert.ok(failed, "audit site without --network-key must not pass on a real network");
  assert.match(failed, /--network-key/);
});
