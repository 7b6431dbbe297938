// Signed replies in real Chromium (issue 15, item 9). An officer answers with `approdo reply`;
// then the mailbox API's answer is rewritten on its way to the page, as a dishonest server
// could: a reply re-signed by the same officer but naming itself "Questura di Milano", a reply
// whose text was swapped under the officer's signature, and one signed by another partner's
// officer while claiming to be the first partner. The page shows the sender's name from the
// verified directory only, and hides, with a line saying so, every reply that does not verify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, serverAndChromium } from "./server.mjs";
import { deriveReplyKeys, generate, parseWordlist } from "../../web/src/codename.js";
import { signedMessage } from "../../web/src/reply.js";
import { Decrypter, Encrypter } from "../../web/node_modules/age-encryption/dist/index.js";
import { ed25519 } from "../../web/node_modules/@noble/curves/ed25519.js";
import { hkdf } from "../../web/node_modules/@noble/hashes/hkdf.js";
import { sha256 } from "../../web/node_modules/@noble/hashes/sha2.js";
import { bech32 } from "../../web/node_modules/@scure/base/index.js";

const CAV = "DEMO Centro antiviolenza Milano";
const state = mkdtempSync(join(tmpdir(), "approdo-replies-state-"));
const fixture = serverAndChromium();

/** The approdo CLI with its own state directory (directory version floors). */
function cli(args) {
  return execFileSync(bin, args, { encoding: "utf8", env: { ...process.env, APPRODO_STATE_DIR: state }, stdio: ["ignore", "pipe", "pipe"] });
}

/** An officer's Ed25519 signing key, derived from her identity file as src/keys/officer.rs does. */
function signingKey(partner) {
  const line = readFileSync(fixture.server.identity(partner), "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"));
  const secret = bech32.fromWords(bech32.decode(line.trim().toLowerCase(), 1023).words);
  const seed = hkdf(sha256, secret, new TextEncoder().encode("approdo.officer-signing/v1"), new TextEncoder().encode("ed25519"), 32);
  return { seed, key: Buffer.from(ed25519.getPublicKey(seed)).toString("base64") };
}

const b64 = (bytes) => Buffer.from(bytes).toString("base64");

test("her page names the sender from the directory and hides replies that do not verify", async () => {
  // Her codename and a report to cav-milano asking for replies.
  const words = parseWordlist(readFileSync(new URL("../../web/wordlist/eff_large_wordlist.txt", import.meta.url), "utf8"));
  const codename = generate(words);
  const keys = await deriveReplyKeys(codename);
  const dir = mkdtempSync(join(tmpdir(), "approdo-replies-"));
  const reportFile = join(dir, "report.json");
  writeFileSync(reportFile, JSON.stringify({
    schema: "approdo.report/v1", kind: "report", language: "it", description: "MARKER-replies-report",
    reply: { recipient: keys.recipient, mailbox: keys.mailbox },
  }));
  const id = JSON.parse(cli(["envelope", "submit", "--server", fixture.server.url, "--partner", "cav-milano", "--report", reportFile])).id;
  const out = join(dir, "pulled");
  const identity = fixture.server.identity("cav-milano");
  cli(["pull", "--server", fixture.server.url, "--identity", identity, "--out", out]);
  cli(["reply", "--server", fixture.server.url, "--identity", identity, "--reports", out, "--report", id, "--message", "MARKER-replies-honest"]);

  // The derivation matches the directory's officer keys (else the re-signing below proves nothing).
  const directory = JSON.parse(readFileSync(join(fixture.server.data, "demo", "directory.json"), "utf8"));
  const cav = signingKey("cav-milano");
  const tratta = signingKey("tratta-milano");
  assert.ok(directory.partners.find((p) => p.id === "cav-milano").officer_keys.includes(cav.key));
  assert.ok(directory.partners.find((p) => p.id === "tratta-milano").officer_keys.includes(tratta.key));

  const reseal = async (reply) => {
    const e = new Encrypter();
    e.addRecipient(keys.recipient);
    return e.encrypt(JSON.stringify(reply));
  };
  const sign = (signer, partner, report, sealed) => ({
    partner,
    officer_key: signer.key,
    signature: b64(ed25519.sign(new TextEncoder().encode(signedMessage(keys.mailbox, report, partner, signer.key, sealed)), signer.seed)),
  });

  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  await page.route("**/api/v1/mailbox", async (route) => {
    const response = await route.fetch();
    const { messages } = await response.json();
    assert.equal(messages.length, 1);
    const honest = messages[0];
    const d = new Decrypter();
    d.addIdentity(keys.identity);
    const reply = JSON.parse(await d.decrypt(Buffer.from(honest.age, "base64"), "text"));
    assert.equal(reply.partner_name, CAV);
    // Re-signed by the same officer, naming itself otherwise: shown, under the directory's name.
    const renamed = await reseal({ ...reply, partner_name: "Questura di Milano", message: "MARKER-replies-renamed" });
    // The text swapped under the officer's signature: hidden.
    const swapped = await reseal({ ...reply, message: "MARKER-replies-swapped" });
    // Signed by tratta-milano's officer, claiming to be cav-milano: hidden.
    const claimed = await reseal({ ...reply, message: "MARKER-replies-claimed" });
    const forged = [
      { id: "1".repeat(32), day: honest.day, age: b64(renamed), ...sign(cav, "cav-milano", id, renamed) },
      { id: "2".repeat(32), day: honest.day, age: b64(swapped), partner: honest.partner, officer_key: honest.officer_key, signature: honest.signature },
      { id: "3".repeat(32), day: honest.day, age: b64(claimed), ...sign(tratta, "tratta-milano", id, claimed) },
      { id: "4".repeat(32), day: honest.day, age: b64(swapped) },
    ];
    await route.fulfill({ response, json: { messages: [honest, ...forged] } });
  });
  await page.goto(`${fixture.server.url}/mailbox?lang=en`);
  await page.fill("#codename", codename);
  await page.click("#mailbox-form button[type=submit]");
  await page.waitForSelector("#messages:not([hidden])", { timeout: 60000 });

  const shown = await page.$$eval("article.message:not(.hidden-reply)", (as) => as.map((a) => a.textContent));
  assert.equal(shown.length, 2, shown.join("\n"));
  assert.match(shown[0], /MARKER-replies-honest/);
  assert.match(shown[1], /MARKER-replies-renamed/);
  for (const s of shown) assert.ok(s.startsWith(`From ${CAV}`), s);
  const hidden = await page.$$eval("article.hidden-reply", (as) => as.map((a) => a.textContent));
  assert.equal(hidden.length, 3, hidden.join("\n"));
  for (const h of hidden) assert.match(h, /is hidden: we could not check/);
  const body = await page.textContent("body");
  assert.ok(!body.includes("Questura"), "the name typed in a reply is never shown");
  assert.ok(!/MARKER-replies-(swapped|claimed)/.test(body), "a reply that does not verify is not shown");
  await context.close();
});
