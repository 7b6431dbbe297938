//! The form that works without JavaScript (Tor Browser "Safest"): a plain multipart post,
//! sealed by the server as it arrives (see `spool`), recorded as `sealed: server`. The page says
//! so before she sends. Cross-site posts are refused with a per-form token (no cookies). Her
//! intake answers are checked field by field ([`crate::intake::Answers`]); her language comes
//! from the form's hidden `lang` field and goes into `report.json`.

mod handle;
mod refusal;
mod spool;
pub mod token;

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::pages::done::{codename_screen, Screen};
use super::pages::{framed, page, respond, PageLang};
use super::AppState;
use crate::html::Html;
use crate::intake::form::Filled;
use handle::{handle, Sent};
use refusal::Refusal;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(info).service(submit);
}

#[get("/report/nojs")]
async fn info(l: PageLang) -> HttpResponse {
    let body = crate::html!(
        "<p>{}</p><p><a href=\"{}\">{}</a></p>",
        l.t("pages.nojs_info"),
        l.link("/report"),
        l.t("pages.back")
    );
    page(&l, 200, l.lang.text("pages.nojs_heading"), &body)
}

#[post("/report/nojs")]
async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    l: PageLang,
    payload: web::Payload,
) -> HttpResponse {
    let mut filled = Filled::default();
    match handle(&state, &req, payload, l.lang.code, &mut filled).await {
        Ok(Sent {
            receipts,
            codename,
            assisted,
            language,
        }) => {
            let l = l.switch(language);
            let items: Html = receipts
                .iter()
                .map(|(name, code)| {
                    let text = l.fill("form.js.receipt", &[("partner", name), ("code", code)]);
                    crate::html!("<li>{}</li>", text)
                })
                .collect();
            let after = crate::http::pages::done::after_kept(&l, &items);
            let body = match codename {
                Some(c) => {
                    let digits = c.digits().unwrap_or_default();
                    let screen = Screen {
                        words: c.expose(),
                        digits: &digits,
                        assisted,
                        after: &after,
                    };
                    crate::html!(
                        "<p id=\"status\">{sent}</p><section id=\"done\" aria-labelledby=\"codename-heading\">{screen}</section>",
                        screen = codename_screen(&l, &screen),
                        sent = l.t("pages.nojs_sent"),
                    )
                }
                // Her answer from the mailbox: the way back to it.
                None => crate::html!(
                    "<p id=\"status\">{}</p>{}<p><a class=\"button\" id=\"back-to-mailbox\" href=\"{}\">{}</a></p>",
                    l.t("pages.nojs_sent"),
                    after,
                    l.link("/mailbox"),
                    l.t("mailbox.back"),
                ),
            };
            // The codename leaves the screen by itself, as with JavaScript.
            framed(
                &l,
                201,
                l.lang.text("pages.sent_heading"),
                &body,
                &l.leaves_when_idle(),
            )
        }
        // The same form again (Send pressed twice, a reload): what she sent had arrived.
        Err(why @ Refusal::AlreadySent) => page(
            &l,
            why.status(),
            l.lang.text("pages.sent_heading"),
            &crate::html!(
                "<p id=\"already-sent\" role=\"status\" data-code=\"{}\">{}</p><p><a href=\"{}\">{}</a></p>",
                Html::text(why.code().as_str()),
                Html::text(&sentence(l.lang.text("form.refusal.already_sent"))),
                l.link("/report"),
                l.t("pages.back")
            ),
        ),
        Err(why) if !filled.is_empty() && !filled.follow_up => refilled(&state, &l, why, filled),
        Err(why) => page(
            &l,
            why.status(),
            l.lang.text("pages.not_sent_heading"),
            &crate::html!(
                "<p id=\"error\" role=\"alert\" data-code=\"{}\">{} {}</p><p>{}</p><p><a href=\"{}\">{}</a></p>",
                Html::text(why.code().as_str()),
                l.t("pages.not_sent"),
                l.t(&format!("form.refusal.{}", why.key())),
                l.t("pages.back_hint"),
                l.link("/report"),
                l.t("pages.back")
            ),
        ),
    }
}

/// A reason as a sentence: its first letter capitalised.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A refused form comes back filled with what she sent, the question at fault marked
/// (`aria-invalid`, the reason beside it) and named on top with a link to it; files cannot be
/// given back to a browser, so she is told to attach them again. Her answers are in this
/// response only: nothing of it is written to disk or to a log.
fn refilled(state: &AppState, l: &PageLang, why: Refusal, mut filled: Filled) -> HttpResponse {
    let status = why.status();
    let key = format!("form.refusal.{}", why.key());
    let reason = l.lang.text(&key);
    let field = why.at_fault();
    if let Some(f) = field {
        filled.mark(f, &sentence(reason));
    }
    let go = field
        .map(|f| {
            let target = if f == "partner" { "partners" } else { f };
            crate::html!(
                " <a href=\"#{}\">{}</a>",
                Html::text(target),
                l.t("form.refill_go")
            )
        })
        .unwrap_or_default();
    let files = if filled.files {
        crate::html!("<p class=\"field-error\">{}</p>", l.t("form.refill_files"))
    } else {
        Html::default()
    };
    let notice = crate::html!(
        "<div id=\"error\" role=\"alert\" data-code=\"{}\"><p>{} {}{}</p><p>{}</p>{}</div>\n",
        Html::text(why.code().as_str()),
        l.t("pages.not_sent"),
        Html::text(reason),
        go,
        l.t("form.refill_kept"),
        files,
    );
    match super::pages::report::report_body(state, l, &filled) {
        Ok(form) => super::pages::report::sealing(framed(
            l,
            status,
            l.lang.text("pages.not_sent_heading"),
            &(notice + &form),
            &Html::markup("<script src=\"/assets/app.js\" defer></script>\n"),
        )),
        Err(e) => respond(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, Err(e)),
    }
}

/// The same rules as the page script (`web/src/envelope.js`): no `/`, `\`, control characters,
/// hidden (invisible or text-direction) characters, `.` or `..`; at most 100 bytes; unique.
pub(crate) fn safe_name(raw: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || crate::envelope::is_hidden_char(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        name = "file".into();
    }
    while name.len() > 100 {
        name.remove(0);
    }
    let mut candidate = name.clone();
    let mut i = 2;
    while taken.contains(&candidate) {
        candidate = format!("{i}-{name}");
        while candidate.len() > 100 {
            candidate.pop();
        }
        i += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_made_safe() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(
            super::safe_name("../../etc/passwd", &mut taken),
            ".._.._etc_passwd"
        );
        assert_eq!(super::safe_name("..", &mut taken), "file");
        assert_eq!(super::safe_name("a\u{0}b", &mut taken), "a_b");
        assert_eq!(super::safe_name("p.jpg", &mut taken), "p.jpg");
        assert_eq!(
            super::safe_name("photo\u{202e}gpj.exe", &mut taken),
            "photo_gpj.exe"
        );
        assert_eq!(super::safe_name("p.jpg", &mut taken), "2-p.jpg");
        assert!(super::safe_name(&"é".repeat(80), &mut taken).len() <= 100);
    }
}
