//! `GET /report`: the intake form in her language, partners listed from the verified directory,
//! a fresh form token, so it works the same with JavaScript off (and comes back filled when
//! the server refuses a no-JS form, [`report_body`]). The page script's messages
//! travel in an inert `<template>` (no inline script: the CSP).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};

use super::{framed, respond, PageLang};
use crate::html::{self, FillError, Html};
use crate::http::AppState;
use crate::intake::form::Filled;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(report);
}

#[get("/report")]
async fn report(state: web::Data<AppState>, l: PageLang) -> HttpResponse {
    match report_body(&state, &l, &Filled::default()) {
        Ok(body) => sealing(framed(
            &l,
            200,
            l.lang.text("pages.report_heading"),
            &body,
            &Html::markup("<script src=\"/assets/app.js\" defer></script>\n"),
        )),
        Err(e) => respond(StatusCode::INTERNAL_SERVER_ERROR, Err(e)),
    }
}

/// A page holding the report form's script, which seals in a worker: served with
/// [`crate::policy::SEALING_CSP`] (`worker-src 'self'` added), which the security-headers
/// middleware leaves in place.
pub(in crate::http) fn sealing(mut page: HttpResponse) -> HttpResponse {
    page.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(crate::policy::SEALING_CSP),
    );
    page
}

/// The report page's body, filled with `f` (her answers to a refused no-JS form, or nothing).
pub(in crate::http) fn report_body(
    state: &AppState,
    l: &PageLang,
    f: &Filled,
) -> Result<Html, FillError> {
    let partners = super::partners::choices(l, state.directory.directory(), f);
    let after = super::done::after_kept(l, &Html::default());
    let screen = super::done::Screen {
        words: "",
        digits: "",
        assisted: false,
        after: &after,
    };
    html::REPORT.fill(&[
        ("intro", l.t("form.intro")),
        ("who_link", l.t("pages.who_link")),
        ("next_link", l.t("pages.next_link")),
        ("seal_checking", l.t("form.seal_checking")),
        ("nojs_mode", l.t("form.nojs_mode")),
        ("short_js", l.t("form.short_js")),
        ("short_nojs", l.t("form.short_nojs")),
        ("who_police", l.t("pages.who_2")),
        ("idle", l.t("form.idle")),
        ("submit", l.t("form.submit")),
        ("nojs_offer", l.t("form.js.nojs_offer")),
        ("nojs_how", l.t("form.js.nojs_how")),
        ("dont_close", l.t("form.dont_close")),
        ("connection_lost", l.t("form.connection_lost")),
        ("codename_screen", super::done::codename_screen(l, &screen)),
        ("lang", Html::text(l.lang.code)),
        ("form_token", Html::text(&state.form_tokens.issue())),
        (
            "js_text",
            l.js_text("form.js") + &l.js_text_full("form.refusal"),
        ),
        (
            "questions",
            crate::intake::form::questions_filled(l.lang, &partners, f),
        ),
    ])
}
