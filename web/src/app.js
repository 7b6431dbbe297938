// The report page: verify the directory, strip image metadata, make her codename (its reply
// recipient and mailbox id go inside the report), build the envelope, seal it in this browser
// to each chosen partner (in a worker off the page's thread where one can run, sealer.js), upload, show the receipt and the codename once. The mailbox page is
// in mailbox.js. If anything fails before
// the server confirms, nothing was sent in clear: the page says so and offers the form that
// works without JavaScript — it never falls back silently. Her answers to the intake
// questions (intake.js) go into report.json with her language; the page's words come from
// the server in <template id="js-text"> (web/locales, form.js).
import { loadDirectory } from "./directory.js";
import { envelopeStream, safeName, SCHEMA } from "./envelope.js";
import { stripMetadata } from "./exif.js";
import { checkCapabilities } from "./seal.js";
import { prepareSealer, sealReport } from "./sealer.js";
import { prepareProofOfWork, uploadSealed } from "./upload.js";
import { mailboxBinding } from "./binding.js";
import { deriveReplyKeys, generate, toDigits } from "./codename.js";
import { lists, loadLists } from "./wordlist.js";
import { mailboxMain } from "./mailbox.js";
import { checkReceipt } from "./receipt.js";
import { readIntake } from "./intake.js";
import { startProgress } from "./progress.js";
import { revealStep, startSteps } from "./steps.js";
import { reason, sentence, t } from "./text.js";

// eslint-disable-next-line no-undef
const NETWORK_KEY = __APPRODO_NETWORK_KEY__;

/** The form's "let the network choose" answer (src/keys/directory.rs, LET_NETWORK_CHOOSE). */
const LET_NETWORK_CHOOSE = "let_network_choose";

const $ = (sel) => document.querySelector(sel);

function say(text, kind = "info") {
  const box = $("#status");
  box.textContent = text;
  box.dataset.kind = kind;
}

function failClosed(reason) {
  say(t("not_sent", { reason }), "error");
  $("#nojs-offer").hidden = false;
}

async function main() {
  if ($("#mailbox-form")) return mailboxMain(NETWORK_KEY);
  const form = $("#report-form");
  if (!form) return;
  document.documentElement.dataset.js = "on";
  startSteps(form);
  let directory;
  try {
    checkCapabilities();
    directory = await loadDirectory(NETWORK_KEY);
    $("#seal-mode").textContent = t("ready");
  } catch (e) {
    form.querySelector("button[type=submit]").disabled = true;
    failClosed(t("cannot", { reason: reason(e, "went_wrong") }));
    return;
  }
  // The slow parts of sending start when she starts writing (the first answer), not at Send.
  const ahead = () => {
    prepareCodename();
    prepareProofOfWork();
    prepareSealer();
  };
  form.addEventListener("input", ahead, { once: true });
  form.addEventListener("change", ahead, { once: true });
  form.addEventListener("change", async (ev) => {
    if (ev.target.id !== "attachments") return;
    // In her words (camera, time, place), not EXIF/XMP (issue 16.10).
    const notes = [];
    for (const f of ev.target.files) {
      const { removed } = await stripMetadata(f);
      if (removed.length) notes.push(t("will_clean", { file: f.name }));
    }
    $("#metadata-note").textContent = notes.length ? notes.join(" · ") : "";
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    // A report being sent is activity: the idle timeout (safety.js) waits for it to end.
    document.body.dataset.busy = "sending";
    try {
      await submit(form, directory);
    } catch (e) {
      $("#progress").hidden = true;
      failClosed(`${sentence(reason(e, "went_wrong"))}.`);
      button.disabled = false;
    } finally {
      delete document.body.dataset.busy;
    }
  });
}

/** Her codename and its keys, made while she writes: the KDF took 3–4.6 s of a 1 MiB send at
 * Tor Browser "Safer" (issue 16). Used by one report, then made afresh. */
let codenameAhead = null;

function prepareCodename() {
  if (!codenameAhead) {
    codenameAhead = loadLists().then(async ({ drawn }) => {
      const codename = generate(drawn);
      return { codename, keys: await deriveReplyKeys(codename) };
    });
    codenameAhead.catch(() => {
      codenameAhead = null;
    });
  }
  return codenameAhead;
}

/** Focuses a question, on its step. */
function focusOn(el) {
  revealStep(el);
  el?.focus();
}

async function submit(form, directory) {
  const chosen = [...form.querySelectorAll("input[name=partner]:checked")].map((i) => i.value);
  if (chosen.length === 0) {
    focusOn(form.querySelector("input[name=partner]"));
    throw new Error(t("choose_partner"));
  }
  const { answers, assisted, missing } = readIntake(form);
  if (missing) {
    focusOn(form.querySelector(`[name=${missing.field}]`));
    throw new Error(t(missing.key));
  }
  // "I don't know: let the network choose" goes to the partner the signed directory marks
  // for it (the server does the same without JavaScript); each partner once. The copy for a
  // partner only the network chose says so (`partner_chosen_by`).
  const partners = [];
  const byNetwork = new Map();
  for (const id of chosen) {
    const network = id === LET_NETWORK_CHOOSE;
    const p = network ? directory.partners.find((x) => x.default_for_unsure === true) : directory.partners.find((x) => x.id === id);
    if (!p) throw new Error(t("unknown_partner"));
    if (!partners.includes(p)) partners.push(p);
    byNetwork.set(p, (byNetwork.get(p) ?? true) && network);
  }
  say(t("removing"));
  const taken = new Set();
  const files = [];
  const removedAll = [];
  for (const f of form.querySelector("#attachments").files) {
    const { blob, removed } = await stripMetadata(f);
    if (removed.length) removedAll.push(f.name);
    files.push({ name: safeName(f.name, taken), blob });
  }
  say(t("codename"));
  const { codename, keys } = await prepareCodename();
  codenameAhead = null;
  const report = {
    schema: SCHEMA,
    kind: "report",
    language: form.querySelector("input[name=lang]")?.value || document.documentElement.lang || "en",
    ...answers,
    description: form.querySelector("#description").value,
    attachments: files.map((f) => f.name),
    sealed: "browser",
    reply: { recipient: keys.recipient, mailbox: keys.mailbox },
  };
  const bytesFor = (p) => new TextEncoder().encode(JSON.stringify(byNetwork.get(p) ? { ...report, partner_chosen_by: "network" } : report));
  const receipts = [];
  const total = partners.reduce((sum, p) => sum + envelopeStream(bytesFor(p), files).length, 0);
  const progress = startProgress(total);
  for (const p of partners) {
    say(t("encrypting", { name: p.name }));
    const bytes = bytesFor(p);
    // The envelope is built where it is sealed: in the sealing worker where it can run, on
    // this page otherwise (sealer.js); here only its padded length.
    const { length } = envelopeStream(bytes, files);
    const { stream: sealed, where } = await sealReport(p.recipients, bytes, files);
    document.body.dataset.sealedIn = where;
    let percent = -1;
    const receipt = await uploadSealed(
      p.id,
      sealed,
      (sent) => {
        progress.update(sent);
        const now = Math.min(100, Math.round((sent / length) * 100));
        if (now !== percent) say(t("sending", { name: p.name, percent: (percent = now) }));
      },
      progress.connection,
      mailboxBinding(keys.mailbox),
    );
    progress.next(length);
    let text;
    try {
      text = t("receipt", { partner: p.name, code: checkReceipt(receipt) });
    } catch (e) {
      // It was sent (encrypted); only the server's promise to log it is in doubt (the code is
      // the server's word for the file's hash: the page hashes only its chunks).
      text = t("receipt_unchecked", { partner: p.name, code: String(receipt.sha256 || "").slice(0, 12), reason: e.message });
    }
    receipts.push({ text, id: receipt.id });
  }
  progress.end();
  form.reset();
  form.hidden = true;
  $("#form-intro").hidden = true;
  const list = $("#receipts");
  list.replaceChildren(...receipts.map((r) => {
    const li = document.createElement("li");
    li.textContent = r.text;
    li.dataset.id = r.id;
    return li;
  }));
  $("#codename").textContent = codename;
  $("#codename-digits").textContent = toDigits(codename, lists().fresh) || "";
  $("#codename-assisted").hidden = !assisted;
  if (removedAll.length) $("#removed").textContent = t("cleaned", { list: removedAll.join(", ") });
  say(t("sent"), "ok");
  // The codename screen takes the form's place and the focus, from the top of the page, so
  // the codename is in view on a phone without scrolling (tests/browser/journey.test.mjs).
  const done = $("#done");
  done.hidden = false;
  window.scrollTo(0, 0);
  done.focus({ preventScroll: true });
}

main();
