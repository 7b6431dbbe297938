//! `GET /outreach?lang=…`: the printable card page for partners, the same one `approdo
//! outreach` writes, naming the partners of the verified directory. Without a language it
//! lists the languages. The onion address comes from `approdo serve --onion`; without it the
//! page says so with a 503 (there is nothing right to print).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use super::AppState;
use crate::outreach::page::{self, Target};
use crate::outreach::{self as cards, CardText, Language, OnionAddress, OutreachError};

/// The site's own address, for the cards (`approdo serve --onion`).
#[derive(Clone, Debug, Default)]
pub struct OutreachSite {
    /// The onion address, when the operator gave it.
    pub onion: Option<OnionAddress>,
}

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(outreach);
}

#[derive(Deserialize)]
struct Query {
    lang: Option<String>,
}

fn html(status: StatusCode, lang: &str, dir: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page::document(Target::Site, lang, dir, body))
}

fn message(status: StatusCode, heading: &str, text: &str, list: &str) -> HttpResponse {
    html(
        status,
        "en",
        "ltr",
        &format!(
            "<section class=\"screen-only\">\n<h1>{heading}</h1>\n<p>{text}</p>\n{list}</section>\n"
        ),
    )
}

#[get("/outreach")]
async fn outreach(
    state: web::Data<AppState>,
    site: Option<web::Data<OutreachSite>>,
    query: web::Query<Query>,
) -> HttpResponse {
    let all: Vec<&Language> = match cards::languages() {
        Ok(all) => all.iter().collect(),
        Err(_) => return HttpResponse::InternalServerError().finish(),
    };
    let list = page::language_list(Target::Site, &all);
    let Some(onion) = site.as_ref().and_then(|s| s.onion.as_ref()) else {
        return message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Outreach cards",
            "The onion address of this site is not configured, so there is no card to print. \
             The operator starts the server with <code>approdo serve --onion ADDRESS</code>; \
             or make the cards on your computer with <code>approdo outreach</code>.",
            "",
        );
    };
    let Some(code) = query.lang.as_deref().filter(|c| !c.is_empty()) else {
        return message(
            StatusCode::OK,
            "Outreach cards",
            "Choose the language of the card to print (four A6 cards on an A4 sheet).",
            &list,
        );
    };
    let Ok(locale) = cards::language(code) else {
        return message(
            StatusCode::NOT_FOUND,
            "Outreach cards",
            "There is no card in that language yet. These are the languages:",
            &list,
        );
    };
    let names: Vec<&str> = state
        .directory
        .directory()
        .partners
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let card = CardText {
        locale,
        onion,
        partners: &names,
    };
    match page::card_page(&card, Target::Site, &all) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(OutreachError::TooMuchText(_)) => message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Outreach cards",
            "The partner names do not fit on one card; make the cards with approdo outreach.",
            "",
        ),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
