// The codename words (issue 16, page weight): not in the first page's script but served beside
// it (/assets/codename-words.txt) and fetched when she first answers — or when the mailbox
// opens — with their SHA-256 pinned in the script, so a server (or anything between) that
// changes them is refused: no codename is made from other words, and nothing is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { answerRequired, reportForm, serverAndChromium } from "./server.mjs";

const WORDS = "/assets/codename-words.txt";
const fixture = serverAndChromium();

test("the words come after the first page, at her first answer, and make her codename", async () => {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  const fetched = [];
  page.on("request", (r) => {
    if (r.url().endsWith(WORDS)) fetched.push(r.url());
  });
  await page.goto(`${fixture.server.url}/report?lang=en`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on" && !document.querySelector("#report-form button[type=submit]").disabled);
  assert.equal(fetched.length, 0, "the first page does not load the words");
  const form = reportForm(page);
  await form.check("input[name=partner][value=cav-milano]");
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/assets/codename-words.txt")));
  assert.equal(fetched.length, 1, "her first answer fetches them, once");
  await form.fill("#description", "MARKER-words");
  await form.check("#consent_read");
  await form.click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 120000 });
  const words = (await page.textContent("#codename")).trim().split(/\s+/);
  assert.equal(words.length, 7, `seven words: ${words.join(" ")}`);
  const served = await (await fetch(`${fixture.server.url}${WORDS}`)).text();
  for (const w of words) assert.ok(served.split("\n").includes(w), `${w} is one of the served words`);
  assert.equal(fetched.length, 1);
  await context.close();
});

test("words other than the pinned ones are refused: no codename, nothing sent", async () => {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  // A server that serves a short list (every codename guessable) instead of the real one.
  const real = await (await fetch(`${fixture.server.url}${WORDS}`)).text();
  const lines = real.split("\n");
  const few = lines.slice(0, 11).concat(lines.slice(lines.indexOf("# withheld from new codenames"))).join("\n");
  await page.route(`**${WORDS}`, (route) => route.fulfill({ status: 200, contentType: "text/plain", body: few }));
  const uploads = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/v1/uploads") || r.url().includes("/api/v1/submissions")) uploads.push(r.url());
  });
  await page.goto(`${fixture.server.url}/report?lang=en`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on" && !document.querySelector("#report-form button[type=submit]").disabled);
  await answerRequired(page, "MARKER-words-tampered");
  await reportForm(page).click("#report-form button[type=submit]");
  await page.waitForFunction(() => /not the ones this page was built with/.test(document.body.textContent));
  assert.ok(await page.isHidden("#done"), "no codename screen");
  assert.deepEqual(uploads, [], "nothing was sent");

  // The mailbox, served the same list, does not open: it offers the way without JavaScript.
  await page.goto(`${fixture.server.url}/mailbox?lang=en`);
  await page.waitForFunction(() => /not the ones this page was built with/.test(document.body.textContent));
  await context.close();
});
