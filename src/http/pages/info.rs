//! The pages around the form: the safety first screen (`/`), help numbers (`/help`), who can
//! read a report (`/who-can-read`), what happens next (`/what-happens-next`), and the neutral
//! page the quick exit leads to (`/exit`: no frame, no word about this site).

use actix_web::{get, web, HttpResponse};

use super::{page, PageLang};
use crate::html::Html;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(help)
        .service(who)
        .service(next)
        .service(exit);
}

/// The three numbers, with what each is for.
fn numbers(l: &PageLang) -> Html {
    crate::html!(
        "<ul class=\"numbers\">\n<li><a href=\"tel:112\" class=\"number\">112</a> <span>{}</span></li>\n<li><a href=\"tel:1522\" class=\"number\">1522</a> <span>{}</span></li>\n<li><a href=\"tel:800290290\" class=\"number\">800 290 290</a> <span>{}</span></li>\n</ul>\n",
        l.t("pages.help_112"),
        l.t("pages.help_1522"),
        l.t("pages.help_800"),
    )
}

/// "Are you safe to continue?" — the first screen.
#[get("/")]
async fn home(l: PageLang) -> HttpResponse {
    let body = crate::html!(
        "<p class=\"mailbox-entry\">{already} <a class=\"button secondary\" id=\"mailbox-entry\" href=\"{mailbox}\">{messages}</a></p>\n<p>{about}</p>\n<p>{intro}</p>\n<ul class=\"choices\" id=\"safety-choices\">\n<li><a class=\"button\" id=\"safe-yes\" href=\"{form}\">{yes}</a></li>\n<li><a class=\"button secondary\" id=\"safe-unsure\" href=\"{help}\">{unsure}</a></li>\n<li><a class=\"button secondary\" id=\"safe-no\" href=\"{help}\">{no}</a></li>\n</ul>\n<p class=\"hint\">{not_emergency}</p>\n",
        about = l.t("pages.home_about"),
        intro = l.t("pages.home_intro"),
        form = l.link("/report"),
        help = l.link("/help"),
        yes = l.t("pages.home_safe"),
        unsure = l.t("pages.home_not_sure"),
        no = l.t("pages.home_not_safe"),
        not_emergency = l.t("pages.not_emergency"),
        // The way back to her answers, on the first screen (issue 16.12).
        already = l.t("pages.home_mailbox_intro"),
        mailbox = l.link("/mailbox"),
        messages = l.t("pages.mailbox_link"),
    );
    page(&l, 200, l.lang.text("pages.home_heading"), &body)
}

/// The numbers to call now; this drop box is not an emergency service.
#[get("/help")]
async fn help(l: PageLang) -> HttpResponse {
    let body = crate::html!(
        "<p>{intro}</p>\n{numbers}<p class=\"mode\" id=\"not-emergency\">{not_emergency}</p>\n<p><a href=\"{form}\">{cont}</a></p>\n",
        intro = l.t("pages.help_intro"),
        numbers = numbers(&l),
        not_emergency = l.t("pages.not_emergency"),
        form = l.link("/report"),
        cont = l.t("pages.help_continue"),
    );
    page(&l, 200, l.lang.text("pages.help_heading"), &body)
}

/// Who can read a report, and who never can.
#[get("/who-can-read")]
async fn who(l: PageLang) -> HttpResponse {
    let body = crate::html!(
        "<p>{}</p>\n<p>{}</p>\n<p>{}</p>\n<p>{}</p>\n<p><a href=\"{}\">{}</a></p>\n",
        l.t("pages.who_1"),
        l.t("pages.who_2"),
        l.t("pages.who_3"),
        l.t("pages.who_4"),
        l.link("/report"),
        l.t("pages.to_form"),
    );
    page(&l, 200, l.lang.text("pages.who_heading"), &body)
}

/// What happens after she sends.
#[get("/what-happens-next")]
async fn next(l: PageLang) -> HttpResponse {
    let steps: Html = (1..=5)
        .map(|i| crate::html!("<li>{}</li>\n", l.t(&format!("pages.next_{i}"))))
        .collect();
    let body = crate::html!(
        "<ol class=\"steps\">\n{}</ol>\n<p><a href=\"{}\">{}</a></p>\n",
        steps,
        l.link("/report"),
        l.t("pages.to_form"),
    );
    page(&l, 200, l.lang.text("pages.next_heading"), &body)
}

/// Where the quick exit leads: an ordinary recipe page that says nothing about this site.
const EXIT: &str = r#"<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Ricette di casa</title>
<link rel="icon" href="/assets/icon.png" type="image/png"><link rel="stylesheet" href="/assets/style.css"></head>
<body><main>
<h1>Risotto alla milanese</h1>
<p>Per 4 persone: 320 g di riso Carnaroli, 1 cipolla piccola, 1 litro di brodo, 1 bustina di zafferano, 60 g di burro, 50 g di grana grattugiato, mezzo bicchiere di vino bianco.</p>
<ol>
<li>Scaldare il brodo. Tritare la cipolla e farla appassire con metà del burro.</li>
<li>Tostare il riso per due minuti, poi sfumare con il vino.</li>
<li>Aggiungere il brodo un mestolo alla volta, mescolando, per circa 18 minuti.</li>
<li>A metà cottura sciogliere lo zafferano in un po' di brodo e unirlo al riso.</li>
<li>Fuori dal fuoco mantecare con il burro rimasto e il grana. Riposare un minuto e servire.</li>
</ol>
</main></body></html>
"#;

#[get("/exit")]
async fn exit() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(EXIT)
}
