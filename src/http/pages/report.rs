//! `GET /report`: the intake form in her language, partners listed from the verified directory,
//! a fresh form token, so it works the same with JavaScript off (and comes back filled when
//! the server refuses a no-JS form, [`report_body`]). The page script's messages
//! travel in an inert `<template>` (no inline script: the CSP).

use actix_web::{get, web, HttpResponse};

use super::{framed, PageLang};
use crate::http::assets::REPORT_PAGE;
use crate::http::AppState;
use crate::intake::form::Filled;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(report);
}

#[get("/report")]
async fn report(state: web::Data<AppState>, l: PageLang) -> HttpResponse {
    let body = report_body(&state, &l, &Filled::default());
    framed(
        &l,
        200,
        l.lang.text("pages.report_heading"),
        &body,
        "<script src=\"/assets/app.js\" defer></script>\n",
    )
}

/// The report page's body, filled with `f` (her answers to a refused no-JS form, or nothing).
pub(in crate::http) fn report_body(state: &AppState, l: &PageLang, f: &Filled) -> String {
    let partners = super::partners::choices(l, state.directory.directory(), f);
    let mut body = REPORT_PAGE.to_owned();
    for (key, path) in [
        ("intro", "form.intro"),
        ("who_link", "pages.who_link"),
        ("next_link", "pages.next_link"),
        ("seal_checking", "form.seal_checking"),
        ("nojs_mode", "form.nojs_mode"),
        ("short_js", "form.short_js"),
        ("short_nojs", "form.short_nojs"),
        ("who_police", "pages.who_2"),
        ("idle", "form.idle"),
        ("submit", "form.submit"),
        ("nojs_offer", "form.js.nojs_offer"),
        ("nojs_how", "form.js.nojs_how"),
        ("dont_close", "form.dont_close"),
        ("connection_lost", "form.connection_lost"),
    ] {
        body = body.replace(&format!("{{{{{key}}}}}"), &l.t(path));
    }
    let after = super::done::after_kept(l, "");
    let screen = super::done::Screen {
        words: "",
        digits: "",
        assisted: false,
        after: &after,
    };
    body = body.replace(
        "{{codename_screen}}",
        &super::done::codename_screen(l, &screen),
    );
    body.replace("{{lang}}", l.lang.code)
        .replace("{{form_token}}", &state.form_tokens.issue())
        .replace(
            "{{js_text}}",
            &(l.js_text("form.js") + &l.js_text_full("form.refusal")),
        )
        .replace(
            "{{questions}}",
            &crate::intake::form::questions_filled(l.lang, &partners, f),
        )
}
