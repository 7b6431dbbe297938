//! The mailbox page. With JavaScript on, the page script derives her keys in the browser and
//! uses the JSON API. With it off, she posts her codename here: the server derives her keys
//! for this one request, opens her replies in memory, renders them and forgets both; the page
//! says so before she logs in. Follow-ups go to the no-JavaScript report form, sealed by the
//! server to the partner who replied. A reply is shown under the name of the partner whose
//! officer key signed it, from the verified directory ([`super::verify`]); one that does not
//! verify is hidden, with a line saying so.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use super::super::pages::{framed, page, respond, PageLang};
use super::super::{ApiError, AppState};
use super::{day_string, fetch, message_id};
use crate::codename::Codename;
use crate::html::{self, Html};
use crate::model::MailboxId;
use crate::reply::{Reply, SharedStatus};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(login).service(remove);
}

/// Text that must not outlive the request: zeroised on drop, redacted in `Debug`.
struct Secret(Zeroizing<String>);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(Zeroizing::new(s)))
    }
}

fn login_page(state: &AppState, l: &PageLang, status: u16, notice: &Html) -> HttpResponse {
    let t = |key: &str| l.t(&format!("mailbox.{key}"));
    let body = html::MAILBOX.fill(&[
        ("intro", t("intro")),
        ("checking", t("checking")),
        ("nojs_mode", t("nojs_mode")),
        ("codename_label", t("codename_label")),
        ("codename_hint", t("codename_hint")),
        ("show_typed", t("show_typed")),
        ("open", t("open")),
        ("lang", Html::text(l.lang.code)),
        ("notice", notice.clone()),
        ("form_token", Html::text(&state.form_tokens.issue())),
        (
            "js_text",
            l.js_text("mailbox") + &l.js_text("mailbox.js") + &l.js_text_full("form.refusal"),
        ),
    ]);
    match body {
        Ok(body) => framed(
            l,
            status,
            l.lang.text("pages.mailbox_heading"),
            &body,
            &Html::markup("<script src=\"/assets/app.js\" defer></script>\n"),
        ),
        Err(e) => respond(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, Err(e)),
    }
}

/// The login page again, with an error (`mailbox.<key>`) announced on top.
fn refused(state: &AppState, l: &PageLang, status: u16, key: &str) -> HttpResponse {
    let notice = crate::html!(
        "<p id=\"error\" role=\"alert\">{}</p>",
        l.t(&format!("mailbox.{key}"))
    );
    login_page(state, l, status, &notice)
}

/// A page that says the server failed (`mailbox.<key>`).
fn failed(l: &PageLang, key: &str) -> HttpResponse {
    page(
        l,
        500,
        l.lang.text("pages.mailbox_heading"),
        &crate::html!("<p>{}</p>", l.t(&format!("mailbox.{key}"))),
    )
}

#[get("/mailbox")]
async fn show(state: web::Data<AppState>, l: PageLang) -> HttpResponse {
    login_page(&state, &l, 200, &Html::default())
}

#[derive(Deserialize)]
struct LoginForm {
    form_token: String,
    #[serde(default)]
    codename: Option<Secret>,
    /// The same field shown in clear ("show what I type", mailbox.html).
    #[serde(default)]
    codename_shown: Option<Secret>,
}

/// She logs in without JavaScript.
#[post("/mailbox")]
async fn login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    l: PageLang,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    // A double tap on "open" posts the same token twice, and the browser shows the second
    // answer: it opens her mailbox too (once, within seconds), instead of "expired".
    if !state.form_tokens.redeem_or_repeat(&form.form_token) {
        return refused(&state, &l, 403, "expired");
    }
    let typed = [&form.codename, &form.codename_shown]
        .into_iter()
        .flatten()
        .find(|s| !s.0.trim().is_empty());
    let Some(Ok(codename)) = typed.map(|s| Codename::parse(&s.0)) else {
        // Digits typed: say what a digit spelling is (a check digit caught a slip).
        let digits = typed.is_some_and(|s| {
            s.0.chars()
                .any(|c| crate::codename::spelling::digit(c).is_some())
        });
        return refused(
            &state,
            &l,
            400,
            if digits { "bad_digits" } else { "bad_codename" },
        );
    };
    drop(form);
    // The budget before the 8 MiB KDF, then the KDF's own bounded pool.
    if state.mailbox_limiter.check().is_err() || state.admit_circuit(&req).is_err() {
        return refused(&state, &l, 429, "busy");
    }
    let keys = match state.kdf.derive(codename).await {
        Ok(keys) => keys,
        Err(super::kdf::KdfError::Busy) => {
            let mut answer = refused(&state, &l, 503, "busy");
            answer.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(super::kdf::RETRY_AFTER_SECS),
            );
            return answer;
        }
        Err(_) => return failed(&l, "failed"),
    };
    let Ok(mailbox) = keys.mailbox.parse::<MailboxId>() else {
        return failed(&l, "failed");
    };
    let messages = match fetch(&state, mailbox).await {
        Ok(m) => m,
        Err(ApiError::RateLimited) => return refused(&state, &l, 429, "busy"),
        Err(_) => return failed(&l, "failed"),
    };
    let mut html = crate::html!("<p class=\"mode\">{}</p>\n", l.t("mailbox.server_opened"));
    let mut shown = 0;
    let mut body = Html::default();
    let mut shared = Shared::default();
    for m in &messages {
        // A message her codename cannot open is not hers to see (nor to know of).
        let Some(opened) = super::verify::show(&state, &keys, m) else {
            continue;
        };
        shown += 1;
        let day = day_string(m.day);
        body.push(&match opened {
            super::verify::Shown::Verified { reply, name } => {
                if shared.note(&reply, &name, &day, m.id) {
                    continue;
                }
                render(&state, &l, &keys, &reply, &name, &day, m.id)
            }
            super::verify::Shown::Hidden => super::verify::hidden(&l, &day),
        });
    }
    html.push(&shared.html(&state, &l, &keys.mailbox));
    html.push(&body);
    if shown == 0 {
        html.push(&crate::html!(
            "<p id=\"empty\">{}</p>\n",
            l.t("mailbox.empty")
        ));
    }
    html.push(&crate::html!(
        "<p><a href=\"{}\">{}</a>. {}</p>\n",
        l.link("/mailbox"),
        l.t("mailbox.close"),
        l.t("mailbox.done")
    ));
    // Her messages (an appointment, a meeting phrase) leave the screen by themselves.
    framed(
        &l,
        200,
        l.lang.text("pages.mailbox_heading"),
        &html,
        &l.leaves_when_idle(),
    )
}

/// The statuses partners shared with her (a reply with a status and no message): the furthest
/// one per report, shown as one plain sentence unless a reply to that report is shown anyway
/// (a reply says "read and answered" itself).
#[derive(Default)]
struct Shared {
    /// Report → (furthest status, partner name, day, every status message's id).
    furthest: std::collections::BTreeMap<String, (SharedStatus, String, String, Vec<u128>)>,
    answered: std::collections::BTreeSet<String>,
}

impl Shared {
    /// Notes `reply` (message `id`); true when it is a status only (not shown as a message).
    fn note(&mut self, reply: &Reply, name: &str, day: &str, id: u128) -> bool {
        match reply.status {
            Some(status) if reply.message.trim().is_empty() => {
                let e = self.furthest.entry(reply.in_reply_to.clone()).or_insert((
                    status,
                    name.to_owned(),
                    day.to_owned(),
                    Vec::new(),
                ));
                if status > e.0 {
                    (e.0, e.1, e.2) = (status, name.to_owned(), day.to_owned());
                }
                e.3.push(id);
                true
            }
            _ => {
                self.answered.insert(reply.in_reply_to.clone());
                false
            }
        }
    }

    /// One sentence per report with no reply shown, and a folded "delete" for its status
    /// messages (one form each: the delete route takes one id).
    fn html(&self, state: &AppState, l: &PageLang, mailbox: &str) -> Html {
        let mut out = Html::default();
        for (report, (status, name, day, ids)) in &self.furthest {
            if self.answered.contains(report) {
                continue;
            }
            out.push(&crate::html!(
                "<p class=\"shared-status\" data-status=\"{}\" role=\"status\">{}</p>\n",
                Html::text(status.name()),
                l.fill(
                    &format!("mailbox.shared_{}", status.name()),
                    &[("name", name), ("day", day)]
                )
            ));
            out.push(&crate::html!(
                "<details class=\"delete-box\"><summary>{}</summary>\n",
                l.t("mailbox.delete")
            ));
            for id in ids {
                out.push(&crate::html!(
                    "<form method=\"post\" action=\"/mailbox/delete?lang={lang}\" class=\"delete\">\n\
<input type=\"hidden\" name=\"form_token\" value=\"{token}\">\n\
<input type=\"hidden\" name=\"mailbox\" value=\"{mailbox}\">\n\
<input type=\"hidden\" name=\"id\" value=\"{id}\">\n\
<p><button type=\"submit\" class=\"delete\">{delete}</button></p>\n</form>\n",
                    lang = Html::text(l.lang.code),
                    token = Html::text(&state.form_tokens.issue()),
                    mailbox = Html::text(mailbox),
                    id = Html::text(&format!("{id:032x}")),
                    delete = l.t("mailbox.delete"),
                ));
            }
            out.push(&Html::markup("</details>\n"));
        }
        out
    }
}

fn render(
    state: &AppState,
    l: &PageLang,
    keys: &crate::codename::ReplyKeys,
    reply: &Reply,
    name: &str,
    day: &str,
    id: u128,
) -> Html {
    let lines: Vec<Html> = reply.message.split('\n').map(Html::text).collect();
    let text = Html::join(&lines, &Html::markup("<br>\n"));
    // A plain status, then one obvious next action (the primary button); deleting is folded
    // away at the end, so it is never pressed for "send".
    let mut out = crate::html!(
        "<article class=\"message\">\n<h2>{from}</h2>\n<p class=\"reply-status\">{status}</p>\n<p class=\"text\">{text}</p>\n",
        from = l.fill("mailbox.from", &[("name", name), ("day", day)]),
        status = l.fill("mailbox.status_answered", &[("name", name), ("day", day)]),
        text = text,
    );
    let mut buttons = Html::default();
    let (next, send_class) = if reply.appointment.is_some() {
        ("mailbox.next_appointment", "secondary")
    } else {
        ("mailbox.next_answer", "primary")
    };
    if let Some(a) = &reply.appointment {
        out.push(&crate::html!(
            "<dl class=\"appointment\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>\n",
            l.t("mailbox.where"),
            Html::text(&a.desk),
            l.t("mailbox.when"),
            Html::text(&a.time),
            l.t("mailbox.desk"),
            Html::text(&a.phrase)
        ));
        // Which appointment her answer is about (issue 17: two officers may propose two).
        buttons.push(&crate::html!(
            "<input type=\"hidden\" name=\"appointment_time\" value=\"{}\">\n<input type=\"hidden\" name=\"appointment_desk\" value=\"{}\">\n",
            Html::text(&a.time),
            Html::text(&a.desk)
        ));
        buttons.push(&crate::html!(
            "<p class=\"actions\"><button type=\"submit\" name=\"appointment\" value=\"accept\" class=\"primary\">{}</button> <button type=\"submit\" name=\"appointment\" value=\"another\" class=\"secondary\">{}</button></p>\n",
            l.t("mailbox.accept"),
            l.t("mailbox.another")
        ));
    }
    out.push(&crate::html!(
        "<p class=\"next\"><strong>{}</strong></p>\n",
        l.t(next)
    ));
    out.push(&crate::html!(
        "<form method=\"post\" action=\"/report/nojs?lang={lang}\" enctype=\"multipart/form-data\" autocomplete=\"off\" class=\"follow-up\">\n\
<input type=\"hidden\" name=\"form_token\" value=\"{token}\">\n\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
<input type=\"hidden\" name=\"partner\" value=\"{partner}\">\n\
<input type=\"hidden\" name=\"in_reply_to\" value=\"{report}\">\n\
<input type=\"hidden\" name=\"reply_recipient\" value=\"{recipient}\">\n\
<input type=\"hidden\" name=\"reply_mailbox\" value=\"{mailbox}\">\n\
{buttons}<p><label for=\"answer-{id}\">{answer}</label>\n<textarea id=\"answer-{id}\" name=\"description\" rows=\"4\"></textarea></p>\n\
<p><button type=\"submit\" class=\"{send_class}\">{send}</button></p>\n</form>\n\
<details class=\"delete-box\"><summary>{delete}</summary>\n<p>{delete_note}</p>\n\
<form method=\"post\" action=\"/mailbox/delete?lang={lang}\" class=\"delete\">\n\
<input type=\"hidden\" name=\"form_token\" value=\"{token2}\">\n\
<input type=\"hidden\" name=\"mailbox\" value=\"{mailbox}\">\n\
<input type=\"hidden\" name=\"id\" value=\"{id}\">\n\
<p><button type=\"submit\" class=\"delete\">{delete}</button></p>\n</form>\n</details>\n</article>\n",
        delete_note = l.t("mailbox.delete_note"),
        token = Html::text(&state.form_tokens.issue()),
        token2 = Html::text(&state.form_tokens.issue()),
        partner = Html::text(&reply.partner),
        report = Html::text(&reply.in_reply_to),
        recipient = Html::text(&keys.recipient().to_string()),
        mailbox = Html::text(&keys.mailbox),
        buttons = buttons,
        id = Html::text(&format!("{id:032x}")),
        send_class = Html::markup(send_class),
        answer = l.fill("mailbox.answer", &[("name", name)]),
        send = l.t("mailbox.send"),
        delete = l.t("mailbox.delete"),
        lang = Html::text(l.lang.code),
    ));
    out
}

#[derive(Deserialize)]
struct DeleteForm {
    form_token: String,
    mailbox: String,
    id: String,
}

/// She deletes a message she has read (without JavaScript).
#[post("/mailbox/delete")]
async fn remove(
    state: web::Data<AppState>,
    l: PageLang,
    form: web::Form<DeleteForm>,
) -> HttpResponse {
    // Deleting again does nothing more: a double tap says "deleted" too, not "expired".
    if !state.form_tokens.redeem_or_repeat(&form.form_token) {
        return refused(&state, &l, 403, "expired");
    }
    let (Ok(mailbox), Ok(id)) = (form.mailbox.parse::<MailboxId>(), message_id(&form.id)) else {
        return refused(&state, &l, 400, "not_yours");
    };
    match state.store.delete_reply(mailbox, id).await {
        Ok(()) => {
            let notice = crate::html!(
                "<p id=\"deleted\" role=\"status\">{}</p>",
                l.t("mailbox.deleted")
            );
            login_page(&state, &l, 200, &notice)
        }
        Err(_) => failed(&l, "not_deleted"),
    }
}
