// Issue 16 in Firefox ESR — the engine of Tor Browser — with JavaScript off, as Tor Browser
// "Safest" runs the site: the codename page and an opened mailbox leave for the neutral page by
// themselves after the idle time (a <noscript> meta refresh), and a refused form comes back
// filled (Firefox's "Back" used to bring back an empty one).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Builder, By, until } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import { startServer } from "./server.mjs";

process.env.SE_OFFLINE = "true"; // never let Selenium Manager try to download anything

let server;
before(async () => {
  server = await startServer(["--idle-timeout", "4"]);
});
after(() => server?.stop());

async function safest() {
  const options = new firefox.Options().setBinary(process.env.FIREFOX || "/usr/bin/firefox-esr").addArguments("-headless");
  options.setPreference("javascript.enabled", false);
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER || "geckodriver");
  return new Builder().forBrowser("firefox").setFirefoxOptions(options).setFirefoxService(service).build();
}

test("Firefox ESR, JavaScript off: a refused form comes back filled; the codename and the mailbox leave by themselves", async () => {
  const driver = await safest();
  try {
    await driver.get(`${server.url}/report`);
    assert.ok(await driver.findElement(By.id("short-nojs")).isDisplayed(), "JavaScript is really off");
    await driver.findElement(By.css("input[name=safe_now][value=not_sure]")).click();
    await driver.findElement(By.id("description")).sendKeys("MARKER-ff-refill");
    await driver.findElement(By.id("consent_read")).click();
    await driver.findElement(By.css("#report-form button[type=submit]")).click();
    // Refused (no organisation): her answers are back, the organisations marked.
    await driver.wait(until.elementLocated(By.id("error-partner")), 30000);
    assert.equal(await driver.findElement(By.id("description")).getAttribute("value"), "MARKER-ff-refill");
    assert.ok(await driver.findElement(By.css("input[name=safe_now][value=not_sure]")).isSelected());
    assert.ok(await driver.findElement(By.id("consent_read")).isSelected());
    assert.equal(await driver.findElement(By.css("input[name=partner]")).getAttribute("aria-invalid"), "true");
    await driver.findElement(By.css("input[name=partner][value=cav-milano]")).click();
    await driver.findElement(By.css("#report-form button[type=submit]")).click();
    const shown = await driver.wait(until.elementLocated(By.id("codename")), 60000);
    const codename = (await shown.getText()).trim();
    assert.equal(codename.split(" ").length, 7);
    await driver.wait(until.urlMatches(/\/exit\?lang=en$/), 30000);
    assert.ok(!(await driver.getPageSource()).includes(codename));

    await driver.get(`${server.url}/mailbox`);
    await driver.findElement(By.id("codename-show")).click();
    await driver.findElement(By.id("codename-shown")).sendKeys(codename);
    await driver.findElement(By.css("#mailbox-form button[type=submit]")).click();
    await driver.wait(until.elementLocated(By.id("empty")), 60000);
    await driver.wait(until.urlMatches(/\/exit\?lang=en$/), 30000);
  } finally {
    await driver.quit();
  }
});
