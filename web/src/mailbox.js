// The mailbox page with JavaScript on: her codename is turned into her reply identity and
// mailbox id in this browser (Argon2id, codename.js), the sealed replies are fetched by
// mailbox id and opened here with typage; answers are sealed here to the partner who replied
// (from the signed directory) and sent like a report. Nothing is stored on the device.
// Each reply's officer signature is checked (reply.js): it is shown under the directory's name
// for the partner that signed it, and hidden, with a line saying so, when it does not verify.
// A reply with a status and no message is a status the partner chose to share ("received",
// "read", "answered"), signed like any reply: shown as one plain sentence per report.
// If this browser cannot do it, the page says so and offers, explicitly, to let the server
// open the mailbox (the form without JavaScript); it never falls back silently.
import { Decrypter } from "age-encryption";
import { deriveReplyKeys, digit, normalise } from "./codename.js";
import { loadDirectory } from "./directory.js";
import { envelopeStream, SCHEMA } from "./envelope.js";
import { verifyReply } from "./reply.js";
import { checkCapabilities, seal } from "./seal.js";
import { request, uploadSealed } from "./upload.js";
import { mailboxBinding } from "./binding.js";
import { checkRecord } from "./logproof.js";
import { lists, loadLists } from "./wordlist.js";
import { reason, t } from "./text.js";

const $ = (sel) => document.querySelector(sel);
// The statuses a partner may share with her, in the order a report goes through them.
const SHARED = ["received", "read", "answered"];

function say(text, kind = "info") {
  const box = $("#mailbox-status");
  box.textContent = text;
  box.dataset.kind = kind;
}

async function api(path, body) {
  const r = await request(path, {
    method: "POST",
    credentials: "omit",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  if (r.status === 429) throw Object.assign(new Error(t("busy")), { whole: true });
  if (!r.ok) throw new Error((data && data.error) || t("server_said", { status: r.status }));
  return data;
}

function offerServer(form, reason) {
  say(`${reason} ${t("stayed")}`, "error");
  const b = document.createElement("button");
  b.type = "button";
  b.id = "use-server";
  b.textContent = t("use_server");
  b.addEventListener("click", () => form.submit());
  $("#mailbox-status").append(" ", b);
}

const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export async function mailboxMain(networkKey) {
  const form = $("#mailbox-form");
  document.documentElement.dataset.js = "on";
  let directory;
  try {
    checkCapabilities();
    // The words her codename is typed in, fetched beside the directory (wordlist.js).
    [directory] = await Promise.all([loadDirectory(networkKey), loadLists()]);
    $("#mailbox-mode").textContent = t("browser_mode");
  } catch (e) {
    offerServer(form, t("cannot", { reason: reason(e, "went_wrong") }));
    return;
  }
  showTyped();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("#codename-show").checked ? $("#codename-shown") : $("#codename");
    const normalised = normalise(input.value, lists());
    if (!normalised) {
      // Digits typed: say what a digit spelling is (a check digit caught a slip).
      say(t([...input.value].some((c) => digit(c) !== null) ? "bad_digits" : "bad_codename"), "error");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      say(t("opening"));
      const keys = await deriveReplyKeys(normalised);
      $("#codename").value = "";
      $("#codename-shown").value = "";
      const { messages } = await api("/api/v1/mailbox", { mailbox: keys.mailbox });
      await show(messages, keys, directory);
      form.hidden = true;
    } catch (e) {
      const why = reason(e, "went_wrong");
      say(e && e.whole ? why : t("not_opened", { reason: why }), "error");
    } finally {
      button.disabled = false;
    }
  });
}

/** "Show what I type": CSS swaps the hidden field for the plain one (mailbox.html); here what
 * she already typed goes along, and the cursor with it. */
function showTyped() {
  const box = $("#codename-show");
  if (!box) return;
  box.addEventListener("change", () => {
    const [from, to] = box.checked ? [$("#codename"), $("#codename-shown")] : [$("#codename-shown"), $("#codename")];
    to.value = from.value;
    from.value = "";
    to.focus();
  });
}

async function show(messages, keys, directory) {
  const d = new Decrypter();
  d.addIdentity(keys.identity);
  const box = $("#messages");
  box.replaceChildren();
  let shown = 0;
  const shared = new Map();
  const answered = new Set();
  for (const m of messages) {
    let reply;
    let bytes;
    try {
      bytes = Uint8Array.from(atob(m.age), (c) => c.charCodeAt(0));
      reply = JSON.parse(await d.decrypt(bytes, "text"));
      if (reply.schema !== "approdo.reply/v1") continue;
    } catch {
      continue; // not openable with this codename: not hers to see
    }
    shown++;
    const signed = m.partner ? { partner: m.partner, officer_key: m.officer_key, signature: m.signature } : null;
    const partner = verifyReply(directory, keys.mailbox, reply.in_reply_to, signed, bytes);
    if (!partner || partner.id !== reply.partner) {
      const hidden = el("article", { className: "message hidden-reply" });
      hidden.append(el("p", { role: "alert", textContent: t("hidden", { day: m.day }) }));
      box.append(hidden);
      continue;
    }
    if (reply.status && !String(reply.message || "").trim()) {
      // A status the partner shared ("received", "read", "answered"): one sentence per report.
      const rank = SHARED.indexOf(reply.status);
      if (rank < 0) continue;
      const cur = shared.get(reply.in_reply_to) || { rank: -1, ids: [] };
      cur.ids.push(m.id);
      if (rank > cur.rank) Object.assign(cur, { rank, status: reply.status, name: partner.name, day: m.day });
      shared.set(reply.in_reply_to, cur);
      continue;
    }
    answered.add(reply.in_reply_to);
    box.append(article(m, reply, partner, keys, directory));
  }
  // A reply shown says "read and answered" itself; otherwise the furthest status, first.
  // Each line can be deleted, like a reply (all the status messages of that report).
  const lines = [...shared].filter(([report]) => !answered.has(report)).map(([, s]) => {
    const p = el("p", { className: "shared-status", role: "status", textContent: t(`shared_${s.status}`, { name: s.name, day: s.day }) });
    p.dataset.status = s.status;
    const del = el("button", { type: "button", textContent: t("delete"), className: "delete" });
    const line = el("div", { className: "shared" }, p, el("details", { className: "delete-box" }, el("summary", { textContent: t("delete") }), el("p", {}, del)));
    del.addEventListener("click", async () => {
      try {
        for (const id of s.ids) await api("/api/v1/mailbox/delete", { mailbox: keys.mailbox, id });
        line.replaceChildren(el("p", { className: "deleted", textContent: t("removed") }));
      } catch (e) {
        p.textContent = t("not_removed", { reason: reason(e, "went_wrong") });
      }
    });
    return line;
  });
  box.prepend(...lines);
  if (shown === 0) {
    box.append(el("p", { id: "empty", textContent: t("empty") }));
  }
  box.append(el("p", { textContent: t("done") }));
  box.hidden = false;
  say(shown ? t("count", { count: shown }) : t("none"), "ok");
}

/** One sentence on whether her report is in the public record (logproof.js). */
async function publicRecord(id, directory) {
  try {
    if (!/^[0-9a-f]{32}$/.test(String(id))) return t("record_bad");
    const get = (path) => request(path, { credentials: "omit", cache: "no-store" });
    const key = await (await get("/api/v1/log/key")).json();
    const r = await get(`/api/v1/log/proof/${id}`);
    if (r.status === 409) return t("record_pending");
    if (!r.ok) return t("record_bad");
    const { witnessed, quorum } = checkRecord(await r.json(), id, key.vkey, directory);
    if (witnessed.length < quorum) return t("record_bad");
    return witnessed.length ? t("record_ok", { count: witnessed.length }) : t("record_unwitnessed");
  } catch {
    return t("record_bad");
  }
}

function article(m, reply, partner, keys, directory) {
  const a = el("article", { className: "message" });
  a.dataset.id = m.id;
  a.append(el("h2", { textContent: t("from", { name: partner.name, day: m.day }) }));
  // A plain status, then one obvious next action (the primary button); deleting is folded away
  // at the end (the same as the server's page, src/http/mailbox/page.rs).
  a.append(el("p", { className: "reply-status", textContent: t("status_answered", { name: partner.name, day: m.day }) }));
  // Is the report this reply answers in the public record? Checked here, with the witnesses.
  const record = el("p", { className: "hint record" });
  record.setAttribute("aria-live", "polite");
  a.append(record);
  publicRecord(reply.in_reply_to, directory).then((text) => (record.textContent = text));
  const text = el("p", { className: "text" });
  text.textContent = reply.message;
  a.append(text);
  const answer = el("textarea", { rows: 4, id: `answer-${m.id}` });
  const status = el("p", { className: "hint", role: "status" });
  // One answer at a time: over tor an answer takes seconds, and a second tap (or a double tap)
  // while it goes would send the officer the same answer twice.
  let sending = false;
  const send = async (appointment) => {
    if (sending) return;
    sending = true;
    const actions = a.querySelectorAll("button.send-answer, p.actions button");
    for (const b of actions) b.disabled = true;
    status.textContent = t("sending");
    document.body.dataset.busy = "sending"; // an answer being sent is activity (safety.js)
    try {
      await followUp(reply, answer.value, appointment, keys, directory);
      answer.value = "";
      status.textContent = t("sent", { name: partner.name });
    } catch (e) {
      status.textContent = t("not_sent", { reason: reason(e, "went_wrong") });
    } finally {
      delete document.body.dataset.busy;
      for (const b of actions) b.disabled = false;
      sending = false;
    }
  };
  const buttons = el("p", { className: "actions" });
  if (reply.appointment) {
    const ap = reply.appointment;
    a.append(el("dl", { className: "appointment" },
      el("dt", { textContent: t("where") }), el("dd", { textContent: ap.desk }),
      el("dt", { textContent: t("when") }), el("dd", { textContent: ap.time }),
      el("dt", { textContent: t("desk") }), el("dd", { textContent: ap.phrase })));
    const accept = el("button", { type: "button", textContent: t("accept"), className: "primary" });
    accept.addEventListener("click", () => send("accept"));
    const other = el("button", { type: "button", textContent: t("another"), className: "secondary" });
    other.addEventListener("click", () => send("another"));
    buttons.append(accept, " ", other);
  }
  const next = el("p", { className: "next" }, el("strong", { textContent: t(reply.appointment ? "next_appointment" : "next_answer") }));
  const reply_ = el("button", { type: "button", textContent: t("send"), className: `send-answer ${reply.appointment ? "secondary" : "primary"}` });
  reply_.addEventListener("click", () => send(undefined));
  const del = el("button", { type: "button", textContent: t("delete"), className: "delete" });
  del.addEventListener("click", async () => {
    try {
      await api("/api/v1/mailbox/delete", { mailbox: keys.mailbox, id: m.id });
      a.replaceChildren(el("p", { className: "deleted", textContent: t("removed") }));
    } catch (e) {
      status.textContent = t("not_removed", { reason: reason(e, "went_wrong") });
    }
  });
  const fold = el("details", { className: "delete-box" }, el("summary", { textContent: t("delete") }), el("p", { textContent: t("delete_note") }), el("p", {}, del));
  if (reply.appointment) a.append(next, buttons);
  else a.append(next);
  a.append(el("label", { htmlFor: answer.id, textContent: t("answer", { name: partner.name }) }), answer, el("p", {}, reply_), status, fold);
  return a;
}

async function followUp(reply, text, appointment, keys, directory) {
  if (!text.trim() && !appointment) throw new Error(t("write_first"));
  const partner = directory.partners.find((p) => p.id === reply.partner);
  if (!partner) throw new Error(t("unknown_partner"));
  const report = {
    schema: SCHEMA,
    kind: "follow-up",
    in_reply_to: reply.in_reply_to,
    language: document.documentElement.lang || "en",
    description: text,
    attachments: [],
    sealed: "browser",
    reply: { recipient: keys.recipient, mailbox: keys.mailbox },
  };
  if (appointment) report.appointment = appointment;
  // Which appointment: officers of a partner may have proposed more than one (issue 17).
  if (appointment && reply.appointment) report.appointment_for = { time: String(reply.appointment.time), desk: String(reply.appointment.desk) };
  const { stream } = envelopeStream(new TextEncoder().encode(JSON.stringify(report)), []);
  const sealed = await seal(partner.recipients, stream);
  await uploadSealed(partner.id, sealed, undefined, undefined, mailboxBinding(keys.mailbox));
}
