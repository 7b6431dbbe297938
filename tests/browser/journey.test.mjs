// Issue 16, "losses and traps": the points of the victim's journey where she could lose her
// codename, her evidence or her answers, each tried in real Chromium (JavaScript on, or off
// as Tor Browser "Safest" runs the page), as she would meet them on a 360 px phone. While the
// report is being sent (idle timeout, speed, progress, connection lost):
// journey-sending.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PHONE, answerRequired, approdo, reportForm, scan, sendReport, serverAndChromium, startServer } from "./server.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it is now (the context must bypass the CSP to inject it). */
async function axe(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

const fixture = serverAndChromium();

/** The mailbox id the page asks the server for when she opens her mailbox with `typed`. */
async function mailboxAskedFor(page, typed, { show = false } = {}) {
  await page.goto(`${fixture.server.url}/mailbox`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on" && !document.querySelector("#mailbox-mode").textContent.includes("…"));
  if (show) await page.check("#codename-show");
  await page.fill(show ? "#codename-shown" : "#codename", typed);
  const asked = page.waitForRequest((r) => r.url().endsWith("/api/v1/mailbox"), { timeout: 60000 });
  await page.click("#mailbox-form button[type=submit]");
  return JSON.parse((await asked).postData()).mailbox;
}

const toArabicIndic = (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0x660 + Number(d)));

test("1. the codename: fresh words, shown also as digits; either spelling opens the same mailbox; 'show what I type'", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  await sendReport(page, fixture.server.url);
  const words = (await page.textContent("#codename")).trim();
  const digits = (await page.textContent("#codename-digits")).trim();
  assert.equal(words.split(" ").length, 7, words);
  assert.match(digits, /^[0-9]{5}( [0-9]{5}){6}$/, "seven groups of five digits");
  assert.ok(await page.isVisible("#codename-digits"));

  // "Show what I type": what she typed so far goes along into the plain field.
  await page.goto(`${fixture.server.url}/mailbox`);
  assert.equal(await page.getAttribute("#codename", "type"), "password");
  await page.fill("#codename", "typed blind");
  await page.check("#codename-show");
  assert.ok(await page.isVisible("#codename-shown"));
  assert.ok(await page.isHidden("#codename"));
  assert.equal(await page.inputValue("#codename-shown"), "typed blind");

  // Words, and her digits typed in Arabic-Indic, ask for the same mailbox.
  const byWords = await mailboxAskedFor(page, words);
  const byDigits = await mailboxAskedFor(page, toArabicIndic(digits), { show: true });
  assert.match(byWords, /^[0-9a-f]{64}$/);
  assert.equal(byDigits, byWords);
  // A slip in one digit is caught by its group's check digit, and said as such.
  const slip = (d) => d.replace(/^(\d)/, (x) => String((Number(x) + 1) % 10));
  await page.goto(`${fixture.server.url}/mailbox`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on");
  await page.fill("#codename", slip(digits));
  await page.click("#mailbox-form button[type=submit]");
  await page.waitForFunction(() => /These numbers do not open a mailbox/.test(document.querySelector("#mailbox-status").textContent));
  await context.close();

  // Without JavaScript: the same checkbox shows a plain field (CSS only), and the digits open
  // the mailbox the server derives for one request.
  const nojs = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const plain = await nojs.newPage();
  await plain.goto(`${fixture.server.url}/mailbox`);
  assert.ok(await plain.isHidden("#codename-shown"));
  await plain.check("#codename-show");
  assert.ok(await plain.isVisible("#codename-shown"));
  assert.ok(await plain.isHidden("#codename"));
  await plain.fill("#codename-shown", digits.replaceAll(" ", ""));
  await plain.click("#mailbox-form button[type=submit]");
  await plain.waitForLoadState();
  const text = await plain.textContent("main");
  assert.ok(!(await plain.isVisible("#error")), text);
  assert.match(text, /worked out your mailbox from your codename/);
  await plain.goto(`${fixture.server.url}/mailbox`);
  await plain.fill("#codename", slip(digits));
  await plain.click("#mailbox-form button[type=submit]");
  await plain.waitForLoadState();
  assert.match(await plain.textContent("#error"), /These numbers do not open a mailbox/);
  await nojs.close();
});

test("2. after Send the codename screen replaces the form, in view and focused on a 360×740 phone, and asks her to confirm she kept it", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  await sendReport(page, fixture.server.url);
  const box = await page.locator("#codename").boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 740, `codename at y=${box?.y}..${box && box.y + box.height}, the viewport is 740 high`);
  assert.equal(await page.evaluate(() => document.activeElement.id), "done", "the codename screen has the focus");
  assert.ok(await page.isHidden("#form-intro"), "the form's introduction is gone");
  assert.ok(await page.isHidden("#report-form"));
  const once = await page.textContent("#codename-once");
  assert.match(once, /only key to your mailbox/);
  assert.match(once, /shown only this once/);
  assert.equal(once.split(/[.!?](\s|$)/).filter((s) => s && s.trim()).length, 1, "one sentence");
  const shown = await page.evaluate(() => document.body.innerText);
  assert.equal(shown.match(/\bSent\b/g)?.length, 1, `"Sent" once, not twice:\n${shown}`);
  // The way on (the mailbox link, the receipt) waits until she says she has kept it; so do the
  // language links and the footer, which would lose it; the quick exit never waits.
  assert.ok(await page.isHidden("#after-kept a[href^='/mailbox']"));
  assert.ok(await page.isHidden("nav.langs"));
  assert.ok(await page.isHidden("footer"));
  assert.ok(await page.isVisible("#quick-exit"));
  await page.check("#kept");
  assert.ok(await page.isVisible("#after-kept a[href^='/mailbox']"));
  assert.ok(await page.isVisible("nav.langs"));
  assert.ok(await page.isVisible("footer"));
  assert.match(await page.textContent("#receipts li"), /receipt code [0-9a-f]{12}/);
  await context.close();
});

test("5. without JavaScript a refused form comes back filled with her answers, the question at fault marked", async () => {
  const context = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  const MARKER = "MARKER-refill-7c1e he took my passport";
  await page.goto(`${fixture.server.url}/report?lang=it`);
  await reportForm(page).check("input[name=safe_now][value=not_sure]");
  await reportForm(page).check("input[name=help_wanted][value=talk]");
  await reportForm(page).check("input[name=help_wanted][value=papers_advice]");
  await reportForm(page).check("input[name=harm_types][value=threats]");
  await reportForm(page).check("input[name=contact_method][value=phone]");
  await reportForm(page).fill("#safe_phone", "+39 333 1234567");
  await reportForm(page).selectOption("#country_of_origin", "NG");
  await reportForm(page).fill("#description", MARKER);
  await reportForm(page).check("input[name=consent_police][value=wants_help_to_report]");
  await reportForm(page).check("#consent_read");
  await reportForm(page).setInputFiles("#attachments", [{ name: "note.txt", mimeType: "text/plain", buffer: Buffer.from("evidence") }]);
  // She forgets the organisation.
  await Promise.all([page.waitForNavigation(), reportForm(page).click("#report-form button[type=submit]")]);
  assert.equal(await page.getAttribute("html", "lang"), "it");
  assert.ok(await page.isVisible("#error"));
  // Her answers are back, as she gave them.
  assert.equal(await page.inputValue("#description"), MARKER);
  assert.equal(await page.inputValue("#safe_phone"), "+39 333 1234567");
  assert.equal(await page.inputValue("#country_of_origin"), "NG");
  for (const sel of ["safe_now][value=not_sure", "help_wanted][value=talk", "help_wanted][value=papers_advice", "harm_types][value=threats", "contact_method][value=phone", "consent_police][value=wants_help_to_report"]) {
    assert.ok(await page.isChecked(`input[name=${sel}]`), sel);
  }
  assert.ok(!(await page.isChecked("input[name=consent_police][value=no_police]")), "her answer replaces the default");
  assert.ok(await page.isChecked("#consent_read"));
  // The question at fault is marked where it is asked, its reason beside it; files she must attach again.
  const partner = page.locator("input[name=partner]").first();
  assert.equal(await partner.getAttribute("aria-invalid"), "true");
  assert.match(await page.getAttribute("#partners", "aria-describedby"), /error-partner/);
  assert.match(await page.textContent("#error-partner"), /organizzazione/);
  assert.match(await page.textContent("#error"), /allegali di nuovo/);
  assert.equal(await page.getAttribute("#error a", "href"), "#partners");
  // Choosing it now sends it, with what she had written.
  await reportForm(page).check("input[name=partner][value=cav-milano]");
  await Promise.all([page.waitForNavigation(), reportForm(page).click("#report-form button[type=submit]")]);
  assert.match(await page.textContent("#receipts"), /[0-9a-f]{12}/);
  // The server's codename screen too: in view on the phone without scrolling, the way off
  // it (but the quick exit) waiting for her "kept".
  assert.ok(await page.isHidden("nav.langs"));
  await page.check("#kept");
  assert.ok(await page.isVisible("nav.langs"));
  const box = await page.locator("#codename").boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 740, `codename at y=${box?.y}`);
  assert.ok(await page.isVisible("#codename-digits"));
  // Her words travelled in the responses only: never on the server's disk or in its output.
  assert.equal(scan(fixture.server.data, "MARKER-refill-7c1e"), 0);
  assert.ok(!fixture.server.output().includes("MARKER-refill-7c1e"));
  await context.close();
});

test("5b. without JavaScript, Send pressed twice stores one report and she is told what happened", async () => {
  const context = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  const count = () => approdo(["report", "list", "--server", fixture.server.url, "--identity", fixture.server.identity("cav-milano")])
    .split("\n").filter((l) => /^[0-9a-f]{32} /.test(l)).length;
  const before = count();
  await page.goto(`${fixture.server.url}/report?lang=en`);
  await answerRequired(page, "MARKER-twice-3b7e please help");
  // A double tap: the browser drops the first post and sends the form again, same token.
  await page.dblclick("#report-form button[type=submit]");
  await page.waitForSelector("#codename, #already-sent");
  // Her codename (the first post was dropped before it arrived), or the honest page: it
  // arrived, nothing twice, and how to get a new codename. Never "expired" and an empty form.
  if (await page.$("#already-sent")) {
    assert.match(await page.textContent("#already-sent"), /nothing was sent twice.*new codename/s);
  } else {
    assert.equal((await page.textContent("#codename")).trim().split(/\s+/).length, 7);
  }
  assert.equal(count(), before + 1, "one report");
  await context.close();
});

test("9. without JavaScript the pages that show secrets leave by themselves after the idle time", async () => {
  const quick = await startServer(["--idle-timeout", "3"]);
  try {
    const context = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${quick.url}/report`);
    assert.equal(await page.getAttribute("body", "data-idle"), "3", "one idle time for the script and the refresh");
    await reportForm(page).check("input[name=partner][value=cav-milano]");
    await reportForm(page).fill("#description", "I need help.");
    await reportForm(page).check("#consent_read");
    await Promise.all([page.waitForNavigation(), reportForm(page).click("#report-form button[type=submit]")]);
    const codename = (await page.textContent("#codename")).trim();
    assert.equal(codename.split(" ").length, 7);
    // The codename page leaves for the neutral page by itself, in her language.
    await page.waitForURL(/\/exit\?lang=en$/, { timeout: 30000 });
    assert.ok(!(await page.content()).includes(codename));
    // So does an opened mailbox.
    await page.goto(`${quick.url}/mailbox`);
    await page.fill("#codename", codename);
    await Promise.all([page.waitForNavigation(), page.click("#mailbox-form button[type=submit]")]);
    assert.ok(await page.isVisible("#empty"), "the mailbox is open");
    await page.waitForURL(/\/exit\?lang=en$/, { timeout: 30000 });
    // The login page and the form itself do not jump away while she types.
    await page.goto(`${quick.url}/mailbox`);
    assert.equal(await page.locator("meta[http-equiv=refresh]").count(), 0);
    await context.close();
  } finally {
    quick.stop();
  }
});

test("8. quick exit: Shift three times (not Esc), and Back does not return to the site", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto("data:text/html,<title>before</title><p>before");
  await page.goto(`${fixture.server.url}/`);
  assert.ok(await page.isVisible("#quick-exit-keys"), "the page says how");
  // Through the site by its links: "I am safe" → the form.
  await Promise.all([page.waitForURL("**/report**"), page.click("a[href^='/report']")]);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on");
  await reportForm(page).fill("#description", "MARKER-exit-3b");
  // Esc, pressed to close a list, is not an exit.
  await page.focus("#country_of_origin");
  await page.keyboard.press("Escape");
  assert.match(page.url(), /\/report/);
  assert.equal(await page.inputValue("#description"), "MARKER-exit-3b");
  // Shift alone, or twice as when typing capitals (Shift, then a letter), is not either;
  // three presses in a row are (the letter starts the count again).
  await page.keyboard.press("Shift");
  assert.match(page.url(), /\/report/);
  await page.keyboard.press("Shift+A");
  assert.match(page.url(), /\/report/);
  for (let i = 0; i < 3; i++) await page.keyboard.press("Shift");
  await page.waitForURL("**/exit");
  // Back goes to what was before the site, not to "Are you safe to continue?" nor the form.
  await page.goBack();
  assert.ok(page.url().startsWith("data:"), `Back led to ${page.url()}`);
  await context.close();
});

test("axe-core finds no violation on the new screens: codename, sending, connection lost, show what I type, the refilled no-JS form", async () => {
  const found = [];
  for (const lang of ["en", "ar"]) {
    const context = await fixture.browser.newContext({ ...PHONE, bypassCSP: true });
    const page = await context.newPage();
    // Sending, then the connection lost (held until axe has looked).
    let cut = false;
    await page.route("**/api/v1/uploads/*/chunks/*", (route) => (cut ? route.abort("connectionrefused") : route.continue()));
    await page.goto(`${fixture.server.url}/report?lang=${lang}`);
    await page.waitForFunction(() => document.documentElement.dataset.js === "on" && !document.querySelector("#report-form button[type=submit]").disabled);
    await answerRequired(page, "x");
    cut = true;
    await reportForm(page).click("#report-form button[type=submit]");
    await page.waitForSelector("#progress-offline:not([hidden])", { timeout: 60000 });
    for (const v of await axe(page)) found.push(`${lang} sending, offline: ${v}`);
    cut = false;
    await page.waitForSelector("#done:not([hidden])", { timeout: 120000 });
    for (const v of await axe(page)) found.push(`${lang} codename screen: ${v}`);
    await page.check("#kept");
    for (const v of await axe(page)) found.push(`${lang} codename screen, kept: ${v}`);
    await page.goto(`${fixture.server.url}/mailbox?lang=${lang}`);
    await page.check("#codename-show");
    for (const v of await axe(page)) found.push(`${lang} mailbox, shown: ${v}`);
    await context.close();

    // The refilled no-JS form, looked at by axe in a page with scripts (the same HTML).
    const nojs = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const plain = await nojs.newPage();
    await plain.goto(`${fixture.server.url}/report?lang=${lang}`);
    await plain.fill("#description", "x");
    await plain.check("#consent_read");
    await Promise.all([plain.waitForNavigation(), plain.click("#report-form button[type=submit]")]);
    const html = await plain.content();
    await nojs.close();
    const look = await fixture.browser.newContext({ ...PHONE, bypassCSP: true });
    const again = await look.newPage();
    await again.route(`${fixture.server.url}/refused`, (route) => route.fulfill({ body: html, contentType: "text/html; charset=utf-8" }));
    await again.route("**/assets/app.js", (route) => route.fulfill({ body: "", contentType: "text/javascript" }));
    await again.goto(`${fixture.server.url}/refused`);
    assert.ok(await again.isVisible("#error-partner"));
    for (const v of await axe(again)) found.push(`${lang} refilled: ${v}`);
    await look.close();
  }
  assert.deepEqual(found, []);
});

test("13. the mailbox: a plain status, one obvious next action, deleting folded away; without JS a way back after answering", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  await sendReport(page, fixture.server.url);
  const codename = (await page.textContent("#codename")).trim();
  const id = await page.getAttribute("#receipts li", "data-id");
  const out = mkdtempSync(join(tmpdir(), "approdo-journey-"));
  const identity = fixture.server.identity("cav-milano");
  approdo(["pull", "--server", fixture.server.url, "--identity", identity, "--out", out]);
  approdo(["reply", "--server", fixture.server.url, "--identity", identity, "--reports", out, "--report", id,
    "--message", "We can meet you.", "--desk", "Sportello, via Padova 1", "--time", "Tuesday 10:00", "--phrase", "yellow scarf"]);

  for (const js of [true, false]) {
    const ctx = await fixture.browser.newContext({ ...PHONE, javaScriptEnabled: js, bypassCSP: js });
    const p = await ctx.newPage();
    await p.goto(`${fixture.server.url}/mailbox`);
    await p.fill("#codename", codename);
    await p.click("#mailbox-form button[type=submit]");
    await p.waitForSelector("article.message", { timeout: 60000 });
    const mode = js ? "JS" : "no JS";
    assert.match(await p.textContent("article.message .reply-status"), /has read your report and answered you/, mode);
    assert.match(await p.textContent("article.message .next"), /say whether this appointment suits you/, mode);
    // One primary action: accepting the appointment; the others are secondary.
    const primary = p.locator("article.message button.primary");
    assert.equal(await primary.count(), 1, mode);
    assert.match(await primary.textContent(), /I accept this appointment/, mode);
    // Deleting is folded away, not a button under "send".
    assert.ok(await p.isHidden("article.message button.delete"), mode);
    await p.click("article.message .delete-box summary");
    assert.ok(await p.isVisible("article.message button.delete"), mode);
    if (js) assert.deepEqual(await axe(p), [], "axe-core on the opened mailbox");
    if (!js) {
      // Her answer without JavaScript lands on a page with the way back to her mailbox.
      await p.fill("article.message textarea", "Tuesday is fine.");
      await Promise.all([p.waitForNavigation(), p.click("article.message button.primary")]);
      assert.match(await p.getAttribute("#back-to-mailbox", "href"), /^\/mailbox\?lang=en$/);
    }
    await ctx.close();
  }
  await context.close();
});
