// Screenshots of each step of her journey on a 360×740 phone, in it, ar, bn and zh-Hans, for
// review (issue 16): written to docs/screenshots/<lang>/ only on purpose —
//   APPRODO_BLESS=1 node --test tests/browser/screenshots.test.mjs
// (docs/README.md). A normal run takes them in memory and checks each is a real image of the
// phone's width, without writing anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reportForm, serverAndChromium } from "./server.mjs";

const root = new URL("../../", import.meta.url).pathname;
const BLESS = process.env.APPRODO_BLESS === "1";
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

const fixture = serverAndChromium();

test("each step at 360×740 in it, ar, bn, zh-Hans (written only with APPRODO_BLESS=1)", async () => {
  const written = [];
  for (const lang of ["it", "ar", "bn", "zh-Hans"]) {
    const context = await fixture.browser.newContext(PHONE);
    const page = await context.newPage();
    const dir = join(root, "docs/screenshots", lang);
    const shot = async (name) => {
      await page.evaluate(() => document.fonts.ready);
      const png = await page.screenshot();
      assert.equal(png.readUInt32BE(16), 360, `${lang} ${name}: 360 px wide`);
      if (BLESS) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${name}.png`), png);
        written.push(`${lang}/${name}.png`);
      }
    };
    await page.goto(`${fixture.server.url}/?lang=${lang}`);
    if (lang === "zh-Hans") await drawnInChinese(context, page);
    await shot("01-safe-to-continue");
    await page.goto(`${fixture.server.url}/help?lang=${lang}`);
    await shot("02-help-now");
    await page.goto(`${fixture.server.url}/report?lang=${lang}`);
    await page.waitForSelector("#report-form.stepped");
    await page.waitForFunction(() => !document.querySelector("#seal-mode").textContent.includes("…"));
    const steps = await page.locator("#report-form .part").count();
    for (let step = 1; step <= steps; step++) {
      await shot(`03-step-${step}-of-${steps}`);
      if (step < steps) await page.click("#report-form .part.current button[data-step=next]");
    }
    const form = reportForm(page);
    await form.check("input[name=partner][value=cav-milano]");
    await form.check("#consent_read");
    await form.click("#report-form button[type=submit]");
    await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
    await shot("04-codename");
    await page.check("#kept");
    await shot("05-codename-kept");
    await page.goto(`${fixture.server.url}/mailbox?lang=${lang}`);
    await shot("06-mailbox");
    await context.close();
  }
  if (BLESS) console.log(`# wrote ${written.length} screenshots under docs/screenshots/`);
});

/** The heading and the buttons are drawn with a Chinese font, not boxes (ops/setup installs
 * one, as a device that reads Chinese has; without it the zh-Hans pictures showed boxes). */
async function drawnInChinese(context, page) {
  await page.evaluate(() => document.fonts.ready);
  const cdp = await context.newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument");
  for (const sel of ["h1", "#quick-exit", "#safe-yes"]) {
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: sel });
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    assert.ok(
      fonts.some((f) => /WenQuanYi|Noto Sans (CJK|SC)|Source Han|PingFang|Microsoft YaHei|Hiragino/i.test(f.familyName)),
      `${sel} is drawn without a Chinese font (${JSON.stringify(fonts)}): ops/setup installs fonts-wqy-microhei`,
    );
  }
  await cdp.detach();
}
