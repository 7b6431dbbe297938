// Issue 16, the form screen by screen, in real Chromium with JavaScript on and off:
// 16.6 the organisation asked first, in her language, in plain words, with the languages each
// partner speaks and "I don't know — let the network choose" (routed to the partner the signed
// directory marks for it).
// 16.7 steps: with JavaScript one part per screen, "Step n of 6", Back and Next, the focus on
// the step's heading, "Skip the rest and go to Send" one tap from any step; without it the
// same parts on one page with a step list on top whose last link brings Send into view.
// 16.10 no jargon in the main flow: one plain sentence of who can read it (the how behind "Who
// can read this?"), photo metadata in her words, no "/mailbox" path, the receipt folded away.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approdo, launchChromium, reportForm, startServer } from "./server.mjs";
import { jpegWithGps } from "../../web/test/fixtures.mjs";

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
  const form = reportForm(page);
  await form.check("input[name=partner][value=let_network_choose]");
  await form.check(`input[name=partner][value=${unsure.id}]`); // the same partner twice: one report
  await form.fill("#description", "MARKER-unsure-js");
  await form.check("#consent_read");
  await form.click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  assert.equal(await page.locator("#receipts li").count(), 1);
  assert.ok((await page.textContent("#receipts li")).includes(unsure.name));
  const got = pulledBy(unsure.id, "MARKER-unsure-js");
  assert.equal(got.length, 1);
  assert.equal(got[0].sealed, "browser");
  await context.close();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/** What the phone shows now: the visible parts' ids, the counter, where Send is. */
function screen(page) {
  return page.evaluate(() => {
    const visible = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    const send = document.querySelector("#report-form button[type=submit]");
    return {
      parts: [...document.querySelectorAll("#report-form .part")].filter(visible).map((p) => p.id),
      count: [...document.querySelectorAll("#report-form .step-count")].filter(visible).map((c) => c.textContent),
      focus: document.activeElement?.id,
      send: visible(send) ? send.getBoundingClientRect().bottom : null,
      scrollY,
    };
  });
}

test("16.7 with JavaScript: one part per screen, Step n of 6, Back and Next, Send one tap away", async () => {
  const words = locale("en").form;
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${server.url}/report?lang=en`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  const order = ["step-partner", "step-safety", "step-happened", "step-about", "step-contact", "step-consent"];
  let now = await screen(page);
  assert.deepEqual(now.parts, ["step-partner"]);
  assert.deepEqual(now.count, ["Step 1 of 6"]);
  assert.equal(now.send, null, "Send is on the last step");
  for (let i = 1; i < order.length; i++) {
    await page.click("#report-form .part.current button[data-step=next]");
    now = await screen(page);
    assert.deepEqual(now.parts, [order[i]]);
    assert.deepEqual(now.count, [`Step ${i + 1} of 6`]);
    assert.equal(now.focus, order[i].replace("step-", "part-"), "the focus is on the step's heading");
    assert.equal(now.scrollY, 0, "each step starts at the top");
  }
  assert.ok(now.send !== null && now.send <= 2 * 740, `Send on the last step (bottom at ${now.send})`);
  await page.click("#report-form .part.current button[data-step=back]");
  assert.deepEqual((await screen(page)).parts, ["step-contact"]);
  assert.ok(!(await page.isVisible("nav.steps")), "the one-page step list is for JavaScript off");

  // From the first step, one tap to Send, past every optional part; a forgotten organisation
  // brings her back to it.
  await page.goto(`${server.url}/report?lang=en`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await page.click(`#report-form .part.current >> text=${words.to_send}`);
  now = await screen(page);
  assert.deepEqual(now.parts, ["step-consent"]);
  assert.ok(now.send !== null && now.send <= 2 * 740);
  await page.check("#consent_read");
  await page.click("#report-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#step-partner").classList.contains("current"));
  assert.equal(await page.evaluate(() => document.activeElement.name), "partner");
  assert.equal(await page.textContent("#status"), words.js.not_sent.replace("{reason}", `${words.js.choose_partner}.`));
  await page.check("input[name=partner][value=cav-milano]");
  await page.click(`#report-form .part.current >> text=${words.to_send}`);
  await page.click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  await context.close();
});

test("16.7 without JavaScript: every part on one page, a step list on top, Send one tap away", async () => {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.url}/report?lang=it`);
  let now = await screen(page);
  assert.equal(now.parts.length, 6, "all parts on the page");
  assert.deepEqual(now.count, [], "no counter without JavaScript");
  assert.equal(await page.locator("#report-form .step-buttons").first().isVisible(), false, "no Next without JavaScript");
  const links = await page.$$eval("nav.steps a", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links, ["#step-partner", "#step-safety", "#step-happened", "#step-about", "#step-contact", "#step-consent"]);
  assert.equal(await page.locator("#report-form .to-send a").count(), 5, "'go to Send' after every part but the last");
  await page.click("nav.steps li:last-child a");
  now = await screen(page);
  assert.ok(now.send !== null && now.send > 0 && now.send <= 740, `Send in view after one tap (bottom at ${now.send})`);
  await context.close();
});

/** The words a sighted reader sees (innerText skips closed <details> and hidden elements). */
const seen = (page) => page.evaluate(() => document.body.innerText);

test("16.10 one plain sentence, the details folded, photo metadata in her words, no path, no receipt to keep", async () => {
  for (const js of [true, false]) {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: js });
    const page = await context.newPage();
    for (const lang of ["it", "en", "ar", "ur"]) {
      const words = locale(lang);
      await page.goto(`${server.url}/report?lang=${lang}`);
      if (js) await page.waitForSelector("#report-form.stepped");
      const text = await seen(page);
      const short = js ? words.form.short_js : words.form.short_nojs;
      assert.ok(text.includes(short), `${lang} js=${js}: the one plain sentence`);
      for (const long of [words.form.js.ready, words.form.nojs_mode, words.form.seal_checking]) {
        assert.ok(!text.includes(long), `${lang} js=${js}: the details are folded`);
      }
      assert.equal((await page.textContent("details.who-reads summary")).trim(), words.pages.who_link);
      assert.doesNotMatch(text, /\/mailbox|EXIF|XMP/, `${lang} js=${js}`);
    }
    // The sent screen: the codename, no path, the receipt folded away.
    await page.goto(`${server.url}/report?lang=it`);
    const form = reportForm(page);
    await form.check("input[name=partner][value=cav-milano]");
    await form.fill("#description", "MARKER-jargon");
    if (js) {
      await form.setInputFiles("#attachments", [{ name: "foto.jpg", mimeType: "image/jpeg", buffer: Buffer.from(jpegWithGps()) }]);
      await page.waitForFunction(() => document.querySelector("#metadata-note").textContent !== "");
      const note = await page.textContent("#metadata-note");
      assert.equal(note, locale("it").form.js.will_clean.replace("{file}", "foto.jpg"), "in Italian, in plain words");
    }
    await form.check("#consent_read");
    await form.click("#report-form button[type=submit]");
    await page.waitForSelector("#codename", { state: "visible", timeout: 180000 });
    await page.check("#kept");
    const text = await seen(page);
    assert.doesNotMatch(text, /\/mailbox|EXIF|XMP|GPS/, `js=${js}: ${text}`);
    assert.doesNotMatch(text, /[0-9a-f]{12}/, `js=${js}: no hex receipt in the main flow`);
    assert.ok(!(await page.isVisible("#receipts")), "the receipt is folded");
    await page.click("details.receipt summary");
    assert.match(await page.textContent("#receipts"), /[0-9a-f]{12}/, "and there when she wants it");
    if (js) assert.ok((await page.textContent("#removed")).includes("foto.jpg"));
    await context.close();
  }
});
