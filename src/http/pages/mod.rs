//! Server-rendered pages, in the visitor's language, all in one frame (`web/templates/page.html`):
//! a neutral title and icon, the quick exit first in tab order (a plain link to the neutral
//! `/exit` page; `safety.js` adds Shift pressed three times, `location.replace` for the exit and
//! for links within the site (one history entry), and the idle timeout), the language
//! picker (each name in its own script), `lang` and `dir` on `<html>`.
//!
//! The language: `?lang=` wins, then `Accept-Language`, then English ([`crate::locale`]); every
//! link and form of a page carries `?lang=` on, so it holds without cookies.
//!
//! Modules: `info` (the safety first screen, help numbers, who can read, what happens next,
//! the neutral exit page), `report` (the report form), `partners` (its organisations), `done` (the codename screen after sending).

pub(in crate::http) mod done;
mod info;
mod partners;
pub(in crate::http) mod report;

use std::future::{ready, Ready};

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use crate::html::{self, Html};
use crate::locale::{self, Language};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    info::routes(cfg);
    report::routes(cfg);
}

/// The page's language and path (for the picker's links).
pub(in crate::http) struct PageLang {
    /// The language.
    pub lang: &'static Language,
    path: String,
    /// Seconds a page may be left alone (`--idle-timeout`).
    idle: u64,
}

impl PageLang {
    fn build(code: &str, path: &str) -> Result<Self, super::ApiError> {
        let lang = Language::get(code)
            .or_else(|_| Language::get(locale::FALLBACK))
            .map_err(|e| super::ApiError::Internal(e.to_string()))?;
        Ok(PageLang {
            lang,
            path: path.to_owned(),
            idle: 600,
        })
    }

    /// The same page in the language `code` (a core language, else this one).
    pub fn switch(self, code: &str) -> Self {
        match Language::get(code) {
            Ok(lang) => PageLang { lang, ..self },
            Err(_) => self,
        }
    }

    /// `?lang=<code>`, to append to a site path.
    pub fn query(&self) -> String {
        format!("?lang={}", self.lang.code)
    }

    /// A site path with this language.
    pub fn href(&self, path: &str) -> String {
        format!("{path}{}", self.query())
    }

    /// [`Self::href`], for an attribute.
    pub fn link(&self, path: &str) -> Html {
        Html::text(&self.href(path))
    }

    /// A string of this language (escaped for HTML).
    pub fn t(&self, path: &str) -> Html {
        Html::text(self.lang.text(path))
    }

    /// A string of this language with its `{name}` placeholders filled (values escaped), in
    /// one pass: a value that itself looks like `{day}` stays as it is.
    pub fn fill(&self, path: &str, vars: &[(&str, &str)]) -> Html {
        let values: Vec<(&str, Html)> = vars.iter().map(|(k, v)| (*k, Html::text(v))).collect();
        let values: Vec<(&str, &Html)> = values.iter().map(|(k, v)| (*k, v)).collect();
        Html::words(self.lang.text(path), &values)
    }

    /// For the head of a page that shows secrets (a codename, her messages): without
    /// JavaScript it leaves for the neutral page after the idle time by itself, as `safety.js`
    /// makes every page do with it. In `<noscript>`, so with JavaScript the script's idle
    /// timeout (which knows about typing and uploads) stays the only one.
    pub fn leaves_when_idle(&self) -> Html {
        crate::html!(
            "<noscript><meta http-equiv=\"refresh\" content=\"{};url={}\"></noscript>\n",
            self.idle,
            self.link("/exit")
        )
    }

    /// The page script's messages (every string under `path`, e.g. `mailbox.js`), as the
    /// spans of an inert `<template id="js-text">` (no inline script: the CSP), keyed by their
    /// last name (`t("opening")`).
    pub fn js_text(&self, path: &str) -> Html {
        self.spans(path, false)
    }

    /// Like [`Self::js_text`], keyed by the whole path (`t("form.refusal.full")`): for strings
    /// a script shares with another page.
    pub fn js_text_full(&self, path: &str) -> Html {
        self.spans(path, true)
    }

    fn spans(&self, path: &str, full: bool) -> Html {
        let keys = Language::get(locale::FALLBACK)
            .map(|en| en.keys(path))
            .unwrap_or_default();
        keys.iter()
            .map(|k| {
                let whole = format!("{path}.{k}");
                let key = Html::text(if full { whole.as_str() } else { k });
                crate::html!("<span data-k=\"{}\">{}</span>", key, self.t(&whole))
            })
            .collect()
    }
}

/// `lang=` from a query string.
fn query_lang(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .filter(|v| v.len() <= 20)
}

impl FromRequest for PageLang {
    type Error = super::ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let accept = req
            .headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok());
        let code = locale::negotiate(query_lang(req.query_string()), accept);
        let idle = req
            .app_data::<web::Data<super::AppState>>()
            .map(|s| s.limits.page_idle.as_secs());
        ready(PageLang::build(code, req.path()).map(|mut l| {
            if let Some(idle) = idle {
                l.idle = idle;
            }
            l
        }))
    }
}

/// The language links: each language's name in its own script, the current one marked.
fn picker(l: &PageLang) -> Html {
    let Ok(all) = Language::all() else {
        return Html::default();
    };
    all.iter()
        .map(|other| {
            let current = Html::markup(if other.code == l.lang.code {
                " aria-current=\"true\""
            } else {
                ""
            });
            let code = Html::text(other.code);
            crate::html!(
                "<li><a href=\"{}?lang={}\" lang=\"{}\" dir=\"{}\" hreflang=\"{}\"{}>{}</a></li>",
                Html::text(&l.path),
                code,
                code,
                Html::text(other.dir.as_str()),
                code,
                current,
                Html::text(&other.name),
            )
        })
        .collect()
}

/// A page in the site's frame, with `scripts` (tags for `/assets/…` only) in its head.
pub(in crate::http) fn framed(
    l: &PageLang,
    status: u16,
    heading: &str,
    body: &Html,
    scripts: &Html,
) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let unreviewed = if l.lang.reviewed {
        Html::default()
    } else {
        crate::html!("<p class=\"hint\">{}</p>", l.t("pages.unreviewed"))
    };
    let footer = crate::html!(
        "<p><a href=\"{}\">{}</a> · <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p>{}",
        l.link("/who-can-read"),
        l.t("pages.who_link"),
        l.link("/what-happens-next"),
        l.t("pages.next_link"),
        l.link("/mailbox"),
        l.t("pages.mailbox_link"),
        unreviewed
    );
    let filled = html::PAGE.fill(&[
        ("lang", Html::text(l.lang.code)),
        ("dir", Html::text(l.lang.dir.as_str())),
        ("idle", crate::html!("{}", l.idle)),
        ("title", l.t("pages.title")),
        ("quick_exit", l.t("pages.quick_exit")),
        ("quick_exit_note", l.t("pages.quick_exit_note")),
        ("quick_exit_keys", l.t("pages.quick_exit_keys")),
        ("languages", l.t("pages.languages")),
        ("picker", picker(l)),
        ("scripts", scripts.clone()),
        ("footer", footer),
        ("heading", Html::text(heading)),
        ("body", body.clone()),
    ]);
    respond(status, filled)
}

/// A filled template as a page; a template that does not fill is a bug, answered with a
/// plain 500 (nothing of the request in it).
pub(in crate::http) fn respond(
    status: StatusCode,
    filled: Result<Html, html::FillError>,
) -> HttpResponse {
    match filled {
        Ok(page) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page.into_string()),
        Err(e) => {
            actix_web::ResponseError::error_response(&super::ApiError::Internal(e.to_string()))
        }
    }
}

/// A page in the site's frame without the page script.
pub(in crate::http) fn page(l: &PageLang, status: u16, heading: &str, body: &Html) -> HttpResponse {
    framed(l, status, heading, body, &Html::default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_placeholders_once() {
        let en = super::PageLang::build("en", "/mailbox").expect("English");
        assert_eq!(
            en.fill(
                "mailbox.from",
                &[("name", "{day} <b>"), ("day", "2026-11-28")]
            )
            .as_str(),
            "From {day} &lt;b&gt;, 2026-11-28"
        );
        assert_eq!(en.fill("mailbox.from", &[]).as_str(), "From {name}, {day}");
    }

    #[test]
    fn lang_from_query() {
        assert_eq!(super::query_lang("a=1&lang=ar"), Some("ar"));
        assert_eq!(super::query_lang("lang="), Some(""));
        assert_eq!(super::query_lang("x=lang=ar"), None);
    }
}
