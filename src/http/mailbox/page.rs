//! The mailbox page. With JavaScript on, the page script derives her keys in the browser and
//! uses the JSON API. With it off, she posts her codename here: the server derives her keys
//! for this one request, opens her replies in memory, renders them and forgets both; the page
//! says so before she logs in. Follow-ups go to the no-JavaScript report form, sealed by the
//! server to the partner who replied.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use super::super::pages::{escape, framed, page, PageLang};
use super::super::{ApiError, AppState};
use super::{day_string, fetch, message_id};
use crate::codename::Codename;
use crate::reply::Reply;
use crate::store::MailboxId;

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

pub(in crate::http) const LOGIN_FORM: &str = include_str!("../../../web/templates/mailbox.html");

fn login_page(state: &AppState, l: &PageLang, status: u16, notice: &str) -> HttpResponse {
    let body = LOGIN_FORM
        .replace("{{lang}}", l.lang.code)
        .replace("{{notice}}", notice)
        .replace("{{form_token}}", &state.form_tokens.issue());
    framed(
        l,
        status,
        l.lang.text("pages.mailbox_heading"),
        &body,
        "<script src=\"/assets/app.js\" defer></script>\n",
    )
}

#[get("/mailbox")]
async fn show(state: web::Data<AppState>, l: PageLang) -> HttpResponse {
    login_page(&state, &l, 200, "")
}

#[derive(Deserialize)]
struct LoginForm {
    form_token: String,
    codename: Secret,
}

const EXPIRED: &str =
    "<p id=\"error\" role=\"alert\">This form has expired or was not sent from this site. Enter your codename again.</p>";

/// She logs in without JavaScript.
#[post("/mailbox")]
async fn login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    l: PageLang,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    if !state.form_tokens.redeem(&form.form_token) {
        return login_page(&state, &l, 403, EXPIRED);
    }
    let Ok(codename) = Codename::parse(&form.codename.0) else {
        return login_page(
            &state,
            &l,
            400,
            "<p id=\"error\" role=\"alert\">A codename is 7 words from our list. Check the spelling and try again.</p>",
        );
    };
    drop(form);
    let keys = match web::block(move || codename.derive()).await {
        Ok(Ok(keys)) => keys,
        _ => {
            return page(
                &l,
                500,
                "Your messages",
                "<p>The server could not open your mailbox. Try again later.</p>",
            )
        }
    };
    let Ok(mailbox) = keys.mailbox.parse::<MailboxId>() else {
        return page(
            &l,
            500,
            "Your messages",
            "<p>The server could not open your mailbox. Try again later.</p>",
        );
    };
    let messages = match fetch(&state, &req, mailbox).await {
        Ok(m) => m,
        Err(ApiError::RateLimited) => {
            return login_page(
                &state,
                &l,
                429,
                "<p id=\"error\" role=\"alert\">Many people are opening their mailbox right now. Wait a minute and try again.</p>",
            )
        }
        Err(_) => return page(&l, 500, "Your messages", "<p>The server could not open your mailbox. Try again later.</p>"),
    };
    let mut html = String::from(
        "<p class=\"mode\">JavaScript is off: the server worked out your mailbox from your codename for this page only, opened your messages in its memory, and has already forgotten both.</p>\n",
    );
    let mut shown = 0;
    for m in &messages {
        // A message her codename cannot open is not hers to see (nor to know of).
        let Ok(reply) = Reply::open(&m.sealed, keys.identity()) else {
            continue;
        };
        shown += 1;
        html.push_str(&render(&state, &l, &keys, &reply, &day_string(m.day), m.id));
    }
    if shown == 0 {
        html.push_str("<p id=\"empty\">There are no messages for this codename. Organisations usually answer within a few working days; come back later. If you expected a message, check that every word of your codename is right.</p>\n");
    }
    html.push_str("<p><a href=\"/mailbox\">Close the mailbox</a>. When you are done, close this window; in Tor Browser use \"New Identity\".</p>\n");
    page(&l, 200, "Your messages", &html)
}

fn render(
    state: &AppState,
    l: &PageLang,
    keys: &crate::codename::ReplyKeys,
    reply: &Reply,
    day: &str,
    id: u128,
) -> String {
    let text = escape(&reply.message).replace('\n', "<br>\n");
    let mut out = format!(
        "<article class=\"message\">\n<h2>From {from}, {day}</h2>\n<p class=\"text\">{text}</p>\n",
        from = escape(&reply.partner_name),
    );
    let mut buttons = String::new();
    if let Some(a) = &reply.appointment {
        out.push_str(&format!(
            "<dl class=\"appointment\"><dt>Where</dt><dd>{}</dd><dt>When</dt><dd>{}</dd><dt>Say at the desk</dt><dd>{}</dd></dl>\n",
            escape(&a.desk),
            escape(&a.time),
            escape(&a.phrase)
        ));
        buttons.push_str("<button type=\"submit\" name=\"appointment\" value=\"accept\">I accept this appointment</button> <button type=\"submit\" name=\"appointment\" value=\"another\">Please propose another time</button> ");
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"/report/nojs?lang={lang}\" enctype=\"multipart/form-data\" autocomplete=\"off\" class=\"follow-up\">\n\
<input type=\"hidden\" name=\"form_token\" value=\"{token}\">\n\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
<input type=\"hidden\" name=\"partner\" value=\"{partner}\">\n\
<input type=\"hidden\" name=\"in_reply_to\" value=\"{report}\">\n\
<input type=\"hidden\" name=\"reply_recipient\" value=\"{recipient}\">\n\
<input type=\"hidden\" name=\"reply_mailbox\" value=\"{mailbox}\">\n\
<p><label for=\"answer-{id:032x}\">Answer {from}</label>\n<textarea id=\"answer-{id:032x}\" name=\"description\" rows=\"4\"></textarea></p>\n\
<p>{buttons}<button type=\"submit\">Send answer</button></p>\n</form>\n\
<form method=\"post\" action=\"/mailbox/delete?lang={lang}\" class=\"delete\">\n\
<input type=\"hidden\" name=\"form_token\" value=\"{token2}\">\n\
<input type=\"hidden\" name=\"mailbox\" value=\"{mailbox}\">\n\
<input type=\"hidden\" name=\"id\" value=\"{id:032x}\">\n\
<p><button type=\"submit\">Delete this message</button></p>\n</form>\n</article>\n",
        token = state.form_tokens.issue(),
        token2 = state.form_tokens.issue(),
        partner = escape(&reply.partner),
        report = escape(&reply.in_reply_to),
        recipient = escape(&keys.recipient().to_string()),
        mailbox = escape(&keys.mailbox),
        from = escape(&reply.partner_name),
        lang = l.lang.code,
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
    if !state.form_tokens.redeem(&form.form_token) {
        return login_page(&state, &l, 403, EXPIRED);
    }
    let (Ok(mailbox), Ok(id)) = (form.mailbox.parse::<MailboxId>(), message_id(&form.id)) else {
        return login_page(
            &state,
            &l,
            400,
            "<p id=\"error\" role=\"alert\">This is not a message of this mailbox.</p>",
        );
    };
    match state.store.delete_reply(mailbox, id).await {
        Ok(()) => login_page(
            &state,
            &l,
            200,
            "<p id=\"deleted\" role=\"status\">The message was deleted from the server. To read your other messages, enter your codename again.</p>",
        ),
        Err(_) => page(&l, 500, "Your messages", "<p>The message could not be deleted. Try again later.</p>"),
    }
}
