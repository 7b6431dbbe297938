// The page tells her why the server refused from the answer's machine `code` (docs/api.md),
// not only its status: a 404 is either an upload the server no longer has or an organisation
// it does not know, and those need different words (issue 19, the API errors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { answerRequired, reportForm, serverAndChromium } from "./server.mjs";

const fixture = serverAndChromium();

/** Sends a report while the server's answer to `POST /api/v1/uploads` is `answer`; the page's words. */
async function refusedWith(answer) {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  await page.route("**/api/v1/uploads?partner=*", (route) =>
    route.request().method() === "POST" ? route.fulfill({ status: answer.status, contentType: "application/json", body: JSON.stringify(answer.body) }) : route.continue(),
  );
  await page.goto(`${fixture.server.url}/report?lang=en`);
  await page.waitForFunction(() => document.documentElement.dataset.js === "on" && !document.querySelector("#report-form button[type=submit]").disabled);
  await answerRequired(page, "MARKER-errors");
  await reportForm(page).click("#report-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#status")?.dataset.kind === "error");
  const text = await page.textContent("#status");
  await context.close();
  return text;
}

test("a 404 that names an unknown organisation is not called an interrupted upload", async () => {
  const words = await refusedWith({ status: 404, body: { error: "no partner cav-milano in the directory", code: "unknown_partner" } });
  assert.match(words, /an organisation you chose is unknown/i);
  assert.doesNotMatch(words, /upload was interrupted/i);
});

test("a code the page does not know falls back on the status", async () => {
  const words = await refusedWith({ status: 404, body: { error: "gone", code: "some_future_code" } });
  assert.match(words, /upload was interrupted/i);
});
