// The same submission in real Firefox ESR — the engine of Tor Browser — through geckodriver:
// once as it is, once with JIT and WebAssembly off as Tor Browser "Safer" runs it; both seal
// in the page's sealing worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { By, until } from "selenium-webdriver";
import { approdo, FIREFOX_SAFER, launchFirefox, scan, serverOnly, stepToSelenium } from "./server.mjs";
import { jpegWithGps } from "../../web/test/fixtures.mjs";

const fixture = serverOnly();

for (const safer of [false, true]) {
  test(`Firefox ESR${safer ? " at Safer settings (no JIT, no WebAssembly)" : ""}: sealed in the browser, pulled intact`, async () => {
    const marker = `MARKER-firefox-${safer ? "safer" : "std"}-81d2`;
    const work = mkdtempSync(join(tmpdir(), "approdo-ff-"));
    const text = Buffer.alloc(1024, "b");
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 17 + 3) % 256;
    writeFileSync(join(work, "note.txt"), text);
    writeFileSync(join(work, "video.bin"), big);
    writeFileSync(join(work, "photo.jpg"), Buffer.from(jpegWithGps()));
    const driver = await launchFirefox(safer ? FIREFOX_SAFER : {});
    try {
      if (safer) {
        // Check the preferences really took effect: a WebAssembly-less page.
        await driver.get(`${fixture.server.url}/report`);
        assert.equal(await driver.executeScript("return typeof WebAssembly"), "undefined");
      }
      await driver.get(`${fixture.server.url}/report`);
      await driver.wait(async () => (await driver.executeScript("return document.querySelector('#seal-mode').textContent")).includes("encrypted in this browser"), 30000);
      await driver.findElement(By.css("input[name=partner][value=tratta-milano]")).click();
      await stepToSelenium(driver, "#description");
      await driver.findElement(By.id("description")).sendKeys(`Need help. ${marker}`);
      await stepToSelenium(driver, "#consent_read");
      await driver.findElement(By.id("consent_read")).click();
      await stepToSelenium(driver, "#attachments");
      await driver.findElement(By.id("attachments")).sendKeys(["note.txt", "video.bin", "photo.jpg"].map((f) => join(work, f)).join("\n"));
      const started = Date.now();
      await stepToSelenium(driver, "button[type=submit]");
      await driver.findElement(By.css("button[type=submit]")).click();
      const done = await driver.wait(until.elementLocated(By.css("#receipts li")), 600000);
      const seconds = (Date.now() - started) / 1000;
      const id = await done.getAttribute("data-id");
      assert.match(id, /^[0-9a-f]{32}$/);
      // Sealed in the worker (web/src/seal-worker.js): Firefox ≥ 103 transfers streams, so the
      // page's thread is left free even with the JIT off.
      assert.equal(await driver.executeScript("return document.body.dataset.sealedIn"), "worker");
      const cookies = await driver.manage().getCookies();
      assert.deepEqual(cookies, []);
      assert.equal(await driver.executeScript("return localStorage.length + sessionStorage.length"), 0);
      console.log(`firefox${safer ? " safer" : ""}: 20 MiB report sealed and sent in ${seconds.toFixed(1)} s`);

      const out = mkdtempSync(join(tmpdir(), "approdo-ff-pulled-"));
      approdo(["pull", "--server", fixture.server.url, "--identity", fixture.server.identity("tratta-milano"), "--out", out]);
      const dir = join(out, id);
      assert.deepEqual(readdirSync(join(dir, "attachments")).sort(), ["note.txt", "photo.jpg", "video.bin"]);
      assert.ok(readFileSync(join(dir, "attachments/note.txt")).equals(text));
      assert.ok(readFileSync(join(dir, "attachments/video.bin")).equals(big));
      assert.ok(!readFileSync(join(dir, "attachments/photo.jpg")).includes("GPSLatitude"));
      assert.ok(JSON.parse(readFileSync(join(dir, "report.json"), "utf8")).description.includes(marker));
      assert.equal(scan(fixture.server.data, marker), 0);
    } finally {
      await driver.quit();
    }
  });
}
