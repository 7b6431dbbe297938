// Issue 16, the victim's journey while her report is being sent, in real Chromium on a 360 px
// phone: the idle timeout never fires mid-upload, chunks travel four at a time and the proof
// of work is solved while she writes, and the progress bar says what is happening, a lost
// connection included. The journey's other points: journey.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PHONE, reportForm, sendReport, serverAndChromium } from "./server.mjs";

const fixture = serverAndChromium();

/** Bytes that do not compress, as an attachment of `mib` MiB. */
function attachment(mib) {
  const big = Buffer.alloc(mib * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) % 251;
  return { name: "video.bin", mimeType: "application/octet-stream", buffer: big };
}

/** Holds every chunk upload `ms` before letting it through: a slow link. */
const throttle = (ms) => async (route) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await route.continue();
};

test("3. the idle timeout never fires while a report is being sent: a slow upload ends with the codename", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  const IDLE = 2;
  const times = [];
  await page.route("**/api/v1/uploads/*/chunks/*", async (route) => {
    times.push(Date.now());
    // Four chunks travel at once (the server's window): each held 2.5 s, 9 chunks take 3 rounds.
    await throttle(2500)(route);
  });
  await sendReport(page, fixture.server.url, { files: [attachment(8)], wait: false, idle: IDLE });
  // The codename, read the moment the screen is up (the idle time starts again after sending).
  const words = await (await page.waitForFunction(() => !document.querySelector("#done")?.hidden && document.querySelector("#codename").textContent, null, { timeout: 120000 })).jsonValue();
  assert.equal(words.trim().split(" ").length, 7);
  assert.ok(times.length >= 5, `${times.length} chunks`);
  assert.ok(times.at(-1) - times[0] > 2 * IDLE * 1000, `the upload (${times.at(-1) - times[0]} ms) outlasted the idle time (${IDLE} s) twice`);
  assert.equal(new URL(page.url()).pathname, "/report");
  // Once sent, the idle timeout is back: the codename screen leaves by itself.
  await page.waitForURL("**/exit", { timeout: 30000 });
  await context.close();
});

test("speed: chunks travel four at a time (the server's window), never more, each chunk once", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  let now = 0;
  let most = 0;
  const indexes = []; // the chunks sent, in the order they went
  await page.route("**/api/v1/uploads/*/chunks/*", async (route) => {
    now++;
    most = Math.max(most, now);
    indexes.push(Number(route.request().url().split("/chunks/")[1]));
    await throttle(300)(route);
    now--;
  });
  await sendReport(page, fixture.server.url, { files: [attachment(10)] });
  // One chunk at a time spent 92 % of a 20 MiB send over tor waiting (issue 16).
  assert.equal(most, 4, `at most ${most} chunks were in flight at once`);
  // 10 MiB in chunks just under 1 MiB: 11 of them, each sent once (no retry needed).
  assert.deepEqual(indexes.sort((a, b) => a - b), [...Array(11).keys()]);
  await context.close();
});

test("speed: the proof of work is solved while she writes, and Send uses it", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  let asked = 0;
  let first;
  const askedOnce = new Promise((resolve) => (first = resolve));
  page.on("request", (r) => {
    if (r.url().includes("/api/v1/pow")) {
      asked++;
      first();
    }
  });
  await page.goto(`${fixture.server.url}/report`);
  await page.waitForFunction(() => document.querySelector("#seal-mode").textContent.includes("encrypted in this browser"));
  assert.equal(asked, 0, "nothing is asked before she writes");
  await reportForm(page).fill("#description", "I need help.");
  await Promise.race([askedOnce, new Promise((_, fail) => setTimeout(() => fail(new Error("no proof of work was asked while she wrote")), 30000))]);
  await reportForm(page).check("input[name=partner][value=cav-milano]");
  await reportForm(page).check("#consent_read");
  await reportForm(page).click("#report-form button[type=submit]");
  await page.waitForSelector("#done:not([hidden])", { timeout: 180000 });
  assert.equal(asked, 1, "Send used the proof of work solved ahead");
  await context.close();
});

test("4. sending shows a real progress bar with bytes, time left and 'don't close', and 'connection lost — trying again' while the server is unreachable", async () => {
  const context = await fixture.browser.newContext(PHONE);
  const page = await context.newPage();
  let cut = false;
  let passed = 0;
  let refused = 0;
  await page.route("**/api/v1/uploads/*/chunks/*", async (route) => {
    if (cut) {
      refused++;
      return route.abort("connectionrefused");
    }
    passed++;
    // Four chunks travel at once (the server's window): held 1.5 s each, the 9 chunks take
    // three rounds, so the cut below comes while chunks are still to send.
    return throttle(1500)(route);
  });
  await sendReport(page, fixture.server.url, { files: [attachment(8)], wait: false });
  await page.waitForSelector("#progress:not([hidden])", { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.querySelector("#progress-bar").tagName), "PROGRESS");
  assert.ok(await page.isVisible("#progress-keep"));
  assert.match(await page.textContent("#progress-keep"), /Don't close this page/);
  // Bytes and a time estimate, while it moves.
  await page.waitForFunction(() => document.querySelector("#progress-bar").value > 0 && /left/.test(document.querySelector("#progress-text").textContent), null, { timeout: 60000 });
  assert.match(await page.textContent("#progress-text"), /^[0-9.]+ MB of [0-9.]+ MB sent, about \d+ (seconds?|minutes?) left$/);
  // The server becomes unreachable: she is told, plainly, and the bar stays where it was.
  cut = true;
  await page.waitForSelector("#progress-offline:not([hidden])", { timeout: 60000 });
  assert.match(await page.textContent("#progress-offline"), /Connection lost — trying again/);
  const before = await page.evaluate(() => document.querySelector("#progress-bar").value);
  assert.ok(before > 0);
  // It comes back: the state goes, the upload resumes and ends with the codename.
  const sinceCut = refused;
  cut = false;
  await page.waitForSelector("#progress-offline", { state: "hidden", timeout: 60000 });
  await page.waitForSelector("#done:not([hidden])", { timeout: 120000 });
  assert.ok(sinceCut >= 1 && passed > 2, `${sinceCut} refused, ${passed} passed`);
  assert.ok(await page.isHidden("#progress"), "the bar goes when the codename comes");
  assert.equal((await page.textContent("#codename")).trim().split(" ").length, 7);
  await context.close();
});
