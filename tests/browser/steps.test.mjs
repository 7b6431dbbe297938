// Issue 16, the form screen by screen, in real Chromium with JavaScript on and off:
// 16.6 the organisation asked first, in her language, in plain words, with the languages each
// partner speaks and "I don't know — let the network choose" (routed to the partner the signed
// directory marks for it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approdo, launchChromium, startServer } from "./server.mjs";

const root = new URL("../../", import.meta.url).pathname;
const DIRECTORY = JSON.parse(readFileSync(join(root, "keys/demo/directory.json"), "utf8"));
const locale = (lang) => JSON.parse(readFileSync(join(root, `web/locales/${lang}.json`), "utf8"));

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

/** The report.json files `partner` pulls whose description holds `marker`. */
function pulledBy(partner, marker) {
  const out = mkdtempSync(join(tmpdir(), "approdo-steps-"));
  approdo(["pull", "--server", server.url, "--identity", server.identity(partner), "--out", out]);
  return readdirSync(out)
    .filter((n) => /^[0-9a-f]{32}$/.test(n))
    .map((id) => JSON.parse(readFileSync(join(out, id, "report.json"), "utf8")))
    .filter((r) => (r.description || "").includes(marker));
}

test("16.6 the organisation comes first, in plain words in her language, with the languages it speaks", async () => {
  const unsure = DIRECTORY.partners.find((p) => p.default_for_unsure === true);
  assert.ok(unsure, "the DEMO directory marks a partner for 'I don't know'");
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  for (const lang of ["ar", "it", "en", "bn", "zh-Hans"]) {
    const words = locale(lang);
    await page.goto(`${server.url}/report?lang=${lang}`);
    // First: the first part of the form, the first question.
    assert.ok(await page.evaluate(() => document.querySelector("#report-form .part").contains(document.querySelector("#partners"))), `${lang}: partners in the first part`);
    assert.equal(await page.evaluate(() => document.querySelector("#report-form [name=partner], #report-form [data-q]").name), "partner", `${lang}: the first question`);
    const text = await page.textContent("#partners");
    assert.doesNotMatch(text, /\bart\.|TUI|18-bis|18-ter|post-quantum/, `${lang}: no legal or technical terms`);
    for (const p of DIRECTORY.partners) {
      const label = page.locator(`label:has(input[name=partner][value=${p.id}])`);
      const shown = await label.textContent();
      const line = p.summary[lang] ?? p.summary.en;
      assert.ok(shown.includes(line), `${lang} ${p.id}: its plain line ${JSON.stringify(line)} in ${JSON.stringify(shown)}`);
      assert.ok(!shown.includes(p.description), `${lang} ${p.id}: not the officers' description`);
      for (const code of p.languages) assert.ok(shown.includes(locale(code).name), `${lang} ${p.id}: speaks ${code}`);
      assert.equal(shown.includes(words.form.partner_speaks_yours), p.languages.includes(lang), `${lang} ${p.id}: 'speaks your language'`);
      if (!p.summary[lang]) assert.equal(await label.locator(".hint[lang=en]").count(), 1, `${lang} ${p.id}: the English line is marked English`);
    }
    const choose = page.locator("label:has(input[name=partner][value=let_network_choose])");
    assert.ok((await choose.textContent()).includes(words.form.unsure), `${lang}: "I don't know" in her language`);
    assert.ok((await choose.textContent()).includes(unsure.name), `${lang}: and who it goes to`);
  }

  // Without JavaScript, "I don't know" goes to the partner the directory marks.
  await page.goto(`${server.url}/report?lang=it`);
  await page.check("input[name=partner][value=let_network_choose]");
  await page.fill("#description", "MARKER-unsure-nojs");
  await page.check("#consent_read");
  await Promise.all([page.waitForNavigation(), page.click("#report-form button[type=submit]")]);
  assert.ok((await page.textContent("#receipts")).includes(unsure.name));
  assert.equal(pulledBy(unsure.id, "MARKER-unsure-nojs").length, 1, "the marked partner has it");
  await context.close();
});

test("16.6 with JavaScript, 'I don't know' is sealed to the partner the signed directory marks", async () => {
  const unsure = DIRECTORY.partners.find((p) => p.default_for_unsure === true);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/report?lang=en`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await page.check("input[name=partner][value=let_network_choose]");
  await page.check(`input[name=partner][value=${unsure.id}]`); // the same partner twice: one report
  await page.fill("#description", "MARKER-unsure-js");
  await page.check("#consent_read");
  await page.click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  assert.equal(await page.locator("#receipts li").count(), 1);
  assert.ok((await page.textContent("#receipts li")).includes(unsure.name));
  const got = pulledBy(unsure.id, "MARKER-unsure-js");
  assert.equal(got.length, 1);
  assert.equal(got[0].sealed, "browser");
  await context.close();
});
