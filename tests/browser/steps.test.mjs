// Issue 16, the form screen by screen, in real Chromium with JavaScript on and off:
// 16.6 the organisation asked first, in her language, in plain words, with the languages each
// partner speaks and "I don't know — let the network choose" (routed to the partner the signed
// directory marks for it).
// 16.7 steps: with JavaScript one part per screen, "Step n of 6", Back and Next, the focus on
// the step's heading, "Skip the rest and go to Send" one tap from any step; without it the
// same parts on one page with a step list on top whose last link brings Send into view.
// 16.10 no jargon in the main flow: one plain sentence of who can read it (the how behind "Who
// can read this?"), photo metadata in her words, no "/mailbox" path, the receipt folded away.
// 16.12 touch targets of 44 px, the mailbox from the first screen, a Bengali font served only
// because this device has none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerRequired, approdo, reportForm, serverAndChromium } from "./server.mjs";
import { jpegWithGps } from "../../web/test/fixtures.mjs";
import { poToJson } from "../../ops/locales.mjs";

const root = new URL("../../", import.meta.url).pathname;
const DIRECTORY = JSON.parse(readFileSync(join(root, "keys/demo/directory.json"), "utf8"));
const locale = (lang) => poToJson(lang); // web/locales/<lang>.po, as build.rs reads it

const fixture = serverAndChromium();

/** The report.json files `partner` pulls whose description holds `marker`. */
function pulledBy(partner, marker) {
  const out = mkdtempSync(join(tmpdir(), "approdo-steps-"));
  approdo(["pull", "--server", fixture.server.url, "--identity", fixture.server.identity(partner), "--out", out]);
  return readdirSync(out)
    .filter((n) => /^[0-9a-f]{32}$/.test(n))
    .map((id) => JSON.parse(readFileSync(join(out, id, "report.json"), "utf8")))
    .filter((r) => (r.description || "").includes(marker));
}

test("16.6 the organisation comes first, in plain words in her language, with the languages it speaks", async () => {
  const unsure = DIRECTORY.partners.find((p) => p.default_for_unsure === true);
  assert.ok(unsure, "the DEMO directory marks a partner for 'I don't know'");
  const context = await fixture.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  for (const lang of ["ar", "it", "en", "bn", "zh-Hans"]) {
    const words = locale(lang);
    await page.goto(`${fixture.server.url}/report?lang=${lang}`);
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
  await page.goto(`${fixture.server.url}/report?lang=it`);
  await page.check("input[name=partner][value=let_network_choose]");
  await page.fill("#description", "MARKER-unsure-nojs");
  await page.check("#consent_read");
  await Promise.all([page.waitForNavigation(), page.click("#report-form button[type=submit]")]);
  assert.ok((await page.textContent("#receipts")).includes(unsure.name));
  const nojs = pulledBy(unsure.id, "MARKER-unsure-nojs");
  assert.equal(nojs.length, 1, "the marked partner has it");
  assert.equal(nojs[0].partner_chosen_by, "network", "and knows the network chose it for her");
  await context.close();
});

test("16.6 with JavaScript, 'I don't know' is sealed to the partner the signed directory marks", async () => {
  const unsure = DIRECTORY.partners.find((p) => p.default_for_unsure === true);
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${fixture.server.url}/report?lang=en`);
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
  assert.equal(got[0].partner_chosen_by, undefined, "she also named it herself: her choice");
  // "I don't know" alone: the report says the network chose.
  await page.goto(`${fixture.server.url}/report?lang=en`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  await answerRequired(page, "MARKER-only-network-js", "let_network_choose");
  await form.click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  const only = pulledBy(unsure.id, "MARKER-only-network-js");
  assert.equal(only.length, 1);
  assert.equal(only[0].partner_chosen_by, "network");
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
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${fixture.server.url}/report?lang=en`);
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
  await page.goto(`${fixture.server.url}/report?lang=en`);
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
  const context = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${fixture.server.url}/report?lang=it`);
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
    const context = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: js });
    const page = await context.newPage();
    for (const lang of ["it", "en", "ar", "ur"]) {
      const words = locale(lang);
      await page.goto(`${fixture.server.url}/report?lang=${lang}`);
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
    await page.goto(`${fixture.server.url}/report?lang=it`);
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

/** Controls she taps that are smaller than 44 px high (a choice's target is its whole label,
 * its box at least 24 px); links inside a sentence are text and exempt (WCAG 2.5.8). */
function smallTargets(page) {
  return page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    const small = [];
    const sel = "a.button, #quick-exit, .langs a, footer a, nav.steps a, .to-send a, button, summary, select, textarea, input";
    for (const el of document.querySelectorAll(sel)) {
      if (!visible(el) || el.type === "hidden") continue;
      const box = el.getBoundingClientRect();
      if (el.type === "radio" || el.type === "checkbox") {
        const label = el.closest("label") || document.querySelector(`label[for="${el.id}"]`);
        const h = label ? label.getBoundingClientRect().height : 0;
        if (h < 44 || box.height < 24 || box.width < 24) small.push(`${el.name || el.id}=${el.value}: label ${h}, box ${box.width}×${box.height}`);
      } else if (box.height < 44) {
        small.push(`${el.tagName.toLowerCase()}#${el.id || ""}.${el.className} "${(el.textContent || el.value || "").trim().slice(0, 20)}": ${box.height}`);
      }
    }
    return small;
  });
}

test("16.12 touch targets of 44 px on every screen; the mailbox from the first screen", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  const found = [];
  for (const lang of ["it", "ar", "bn"]) {
    for (const path of ["/", "/help", "/who-can-read", "/what-happens-next", "/mailbox"]) {
      await page.goto(`${fixture.server.url}${path}?lang=${lang}`);
      for (const s of await smallTargets(page)) found.push(`${lang} ${path}: ${s}`);
    }
    await page.goto(`${fixture.server.url}/report?lang=${lang}`);
    await page.waitForSelector("#report-form.stepped");
    await page.click("details.who-reads summary");
    for (let step = 1; ; step++) {
      for (const s of await smallTargets(page)) found.push(`${lang} /report step ${step}: ${s}`);
      const next = page.locator("#report-form .part.current button[data-step=next]");
      if ((await next.count()) === 0) break;
      await next.click();
    }
    // The first screen leads to her messages, as a button.
    await page.goto(`${fixture.server.url}/?lang=${lang}`);
    const entry = page.locator("#mailbox-entry");
    assert.ok(await entry.isVisible(), `${lang}: the way into the mailbox on the first screen`);
    assert.match(await entry.getAttribute("href"), /^\/mailbox\?lang=/);
    assert.equal((await entry.textContent()).trim(), locale(lang).pages.mailbox_link);
    const box = await entry.boundingBox();
    console.log(`# ${lang}: the mailbox button on the first screen at y ${Math.round(box.y)}–${Math.round(box.y + box.height)} of a 740 px phone`);
    assert.ok(box.y + box.height <= 740, `${lang}: in view without scrolling`);
  }
  assert.deepEqual(found, []);
  await context.close();
});

test("16.12 Bengali: this device has no Bengali font, so the site serves its subset — only where needed", async () => {
  let system = "";
  try {
    system = execFileSync("fc-list", [":lang=bn", "family"], { encoding: "utf8" }).trim();
  } catch {
    system = "";
  }
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  const faces = () =>
    page.evaluate(async () => {
      await document.fonts.ready;
      return Object.fromEntries([...document.fonts].map((f) => [f.family.replace(/"/g, ""), f.status]));
    });
  await page.goto(`${fixture.server.url}/?lang=bn`);
  const bn = await faces();
  await page.goto(`${fixture.server.url}/report?lang=en`);
  const en = await faces();
  if (system === "") {
    assert.equal(bn["Approdo Bengali"], "loaded", "a Bengali page gets the subset");
    assert.equal(en["Approdo Bengali Name"], "loaded", "'বাংলা' in the picker gets its few glyphs");
    assert.notEqual(en["Approdo Bengali"], "loaded", "an English page does not download the whole Bengali font");
  } else {
    assert.notEqual(bn["Approdo Bengali"], "loaded", `the device's own Bengali font (${system}) is used`);
  }
  // Drawn with a Bengali font, not boxes: the heading, and the bold buttons and links (with
  // system-ui first, Chromium drew those in DejaVu Sans Bold: boxes).
  await page.goto(`${fixture.server.url}/?lang=bn`);
  await page.evaluate(() => document.fonts.ready);
  const cdp = await context.newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument");
  for (const sel of ["h1", "#quick-exit", "#mailbox-entry", "#safe-yes", ".langs a[lang=bn]"]) {
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: sel });
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    assert.ok(fonts.some((f) => f.isCustomFont || /Bengali|Bangla|Vrinda|Lohit/i.test(f.familyName)), `${sel}: ${JSON.stringify(fonts)}`);
  }
  await context.close();
});
