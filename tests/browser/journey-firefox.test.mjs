// Issue 16 in Firefox ESR — the engine of Tor Browser — with JavaScript off, as Tor Browser
// "Safest" runs the site: the codename page and an opened mailbox leave for the neutral page by
// themselves after the idle time (a <noscript> meta refresh), and a refused form comes back
// filled (Firefox's "Back" used to bring back an empty one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { launchFirefox, serverOnly } from "./server.mjs";

const fixture = serverOnly(["--idle-timeout", "4"]);

test("Firefox ESR, JavaScript off: a refused form comes back filled; the codename and the mailbox leave by themselves", async () => {
  const driver = await launchFirefox({ "javascript.enabled": false }); // Tor Browser "Safest"
  try {
    await driver.get(`${fixture.server.url}/report`);
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

    await driver.get(`${fixture.server.url}/mailbox`);
    await driver.findElement(By.id("codename-show")).click();
    await driver.findElement(By.id("codename-shown")).sendKeys(codename);
    await driver.findElement(By.css("#mailbox-form button[type=submit]")).click();
    await driver.wait(until.elementLocated(By.id("empty")), 60000);
    await driver.wait(until.urlMatches(/\/exit\?lang=en$/), 30000);
  } finally {
    await driver.quit();
  }
});
