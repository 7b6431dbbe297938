//! The intake without JavaScript: a report in Italian with answers is sealed by the server,
//! its `report.json` holds the codes of the form (questions not asked dropped, skipped ones
//! recorded), is valid against schema v1, and `approdo show` puts urgency and safety first;
//! no consent, no report. Pages: language by `?lang=` and `Accept-Language`, `lang`/`dir` on
//! `<html>`, the picker, the quick exit first, a neutral exit page.

use actix_web::test::{self, TestRequest};

use crate::common::{self, TestServer};
use crate::inproc::{call, InProc};
use crate::nojs::{form_token, multipart, post};

/// A GET with an optional `Accept-Language`, for the in-process app.
fn get(path: &str, accept: Option<&str>) -> TestRequest {
    let req = TestRequest::get().uri(path);
    match accept {
        Some(a) => req.insert_header(("accept-language", a)),
        None => req,
    }
}

#[test]
fn an_italian_report_without_js_is_valid_and_shown_urgency_first() {
    let server = TestServer::start(&[]);
    let token = form_token(&server);
    let (ct, body) = multipart(
        &[
            ("form_token", &token),
            ("lang", "it"),
            ("safe_now", "not_sure"),
            ("reporter_role", "about_me"),
            ("help_wanted", "safe_place"),
            ("help_wanted", "papers_advice"),
            ("urgency", "this_week"),
            ("harm_types", "unpaid_or_very_low_pay"),
            ("harm_types", "threats"),
            ("work_sector", "agriculture"),
            ("perpetrator_relation", "employer"),
            ("age_band", "26_40"),
            ("country_of_origin", "MA"),
            ("contact_method", "mailbox"),
            ("safe_phone", "MARKER-phone-not-asked"),
            ("consent_read", "yes"),
            ("consent_share", "ask_first"),
            ("consent_police", "no_police"),
            ("partner", "lavoro-milano"),
            ("description", "Non mi pagano da tre mesi."),
        ],
        &[],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    assert!(
        page.contains("<html lang=\"it\" dir=\"ltr\">"),
        "the answer page is in Italian"
    );
    assert!(!page.contains("codename-assisted"));

    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("lavoro-milano", out.path());
    assert!(ok, "{err}");
    let id = server.officer("lavoro-milano").list().unwrap()[0]
        .id
        .to_string();
    let dir = out.path().join(&id);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        approdo::intake::problems(&json),
        Vec::<String>::new(),
        "{json}"
    );
    assert_eq!(json["language"], "it");
    assert_eq!(json["sealed"], "server");
    assert_eq!(json["work_sector"], "agriculture");
    assert_eq!(
        json["help_wanted"],
        serde_json::json!(["safe_place", "papers_advice"])
    );
    assert_eq!(json["consent_read"], true);
    assert!(
        json.get("safe_phone").is_none(),
        "phone details only with a call-back"
    );
    assert!(json["reply"]["mailbox"].is_string());

    let (ok, text, err) = common::approdo(&["show", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    let urgency = text
        .find("Urgenza / Urgency: Questa settimana / this week")
        .unwrap();
    let safe = text
        .find("Al sicuro adesso / Safe now: Non sono sicura / not sure")
        .unwrap();
    let harm = text.find("Cosa è successo / Harm:").unwrap();
    assert!(urgency < safe && safe < harm, "{text}");
    assert!(text.contains("Morocco (MA)") && text.contains("Non mi pagano da tre mesi."));
    assert!(!text.contains("NOT VALID"), "{text}");
}

#[test]
fn no_consent_no_report_and_assisted_reports_hand_the_codename_over() {
    let server = TestServer::start(&[]);
    let (ct, body) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", "cav-milano"),
            ("description", "MARKER-intake-noconsent"),
        ],
        &[],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("consent") && page.contains("role=\"alert\""),
        "{page}"
    );
    let (ct, body) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", "cav-milano"),
            ("reporter_role", "for_someone_else"),
            ("consent_read", "yes"),
        ],
        &[],
    );
    assert_eq!(post(&server, &ct, &body).0, 400);
    assert!(server.officer("cav-milano").list().unwrap().is_empty());
    assert_eq!(common::scan(&server.data, b"MARKER-intake-noconsent"), 0);

    let (ct, body) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", "cav-milano"),
            ("reporter_role", "for_someone_else"),
            ("assisted_consent", "yes"),
            ("consent_read", "yes"),
        ],
        &[],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    assert!(page.contains("id=\"codename-assisted\""), "{page}");
}

/// In process (`inproc`): the pages are the server's `App`'s.
#[actix_web::test]
async fn pages_follow_the_language_and_put_the_quick_exit_first() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    macro_rules! get {
        ($path:expr, $accept:expr) => {{
            let a = call!(&app, get(&$path, $accept));
            (a.status, a.text())
        }};
    }
    let (_, ar) = get!("/report?lang=ar", Some("it"));
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
    let (_, uk) = get!("/", Some("de-DE, uk;q=0.8, it;q=0.5"));
    assert!(uk.contains("<html lang=\"uk\" dir=\"ltr\">"));
    let (_, en) = get!("/report", None);
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(en.contains("name=\"lang\" value=\"en\""));
    for l in approdo::locale::Language::all().unwrap() {
        let link = format!("href=\"/report?lang={c}\" lang=\"{c}\"", c = l.code);
        assert!(en.contains(&link), "the picker offers {}", l.code);
        assert!(en.contains(&format!(">{}</a>", l.name)));
    }
    for path in [
        "/",
        "/help",
        "/who-can-read",
        "/what-happens-next",
        "/report",
        "/report/nojs",
        "/mailbox",
    ] {
        for lang in ["it", "en", "ar"] {
            let (status, html) = get!(&format!("{path}?lang={lang}"), None);
            assert_eq!(status, 200, "{path}");
            let body = &html[html.find("<body").unwrap()..];
            let first_link = body.find("<a ").unwrap();
            assert!(
                body[first_link..].starts_with("<a id=\"quick-exit\" href=\"/exit\">"),
                "{path}: the quick exit is the first link"
            );
            assert!(html.contains("href=\"/assets/icon.png\""));
            assert!(
                !html.contains("style=") && !html.contains("<style"),
                "{path}"
            );
        }
    }
    let (_, help) = get!("/help?lang=fr", None);
    for n in ["112", "1522", "800 290 290"] {
        assert!(help.contains(n), "{n}");
    }
    let (status, exit) = get!("/exit", None);
    assert_eq!(status, 200);
    let lower = exit.to_lowercase();
    for word in [
        "approdo", "report", "segnala", "quick", "/report", "/mailbox",
    ] {
        assert!(!lower.contains(word), "the exit page says {word}");
    }
}

/// The mailbox (page, its script's words, its errors) and the no-JS form's refusals are in the
/// page's language, every one of the 14: no English string of those sections is left on a page
/// in another language.
/// In process (`inproc`): pages and refusals are the server's `App`'s.
#[actix_web::test]
async fn the_mailbox_and_the_refusals_speak_every_language() {
    use approdo::html::escape;
    use approdo::locale::Language;
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let en = Language::get("en").unwrap();
    let english: Vec<String> = ["mailbox", "mailbox.js"]
        .iter()
        .flat_map(|s| en.keys(s).into_iter().map(move |k| format!("{s}.{k}")))
        .map(|p| escape(en.own(&p).unwrap()))
        .filter(|t| t.len() > 12) // short words may be the same in a language ("JavaScript")
        .collect();
    assert!(english.len() > 30, "{}", english.len());
    for l in Language::all().unwrap() {
        let own = |p: &str| escape(l.own(p).unwrap_or_else(|| panic!("{}: {p}", l.code)));
        let a = call!(&app, get(&format!("/mailbox?lang={}", l.code), None));
        let (status, page) = (a.status, a.text());
        assert_eq!(status, 200);
        for p in [
            "mailbox.intro",
            "mailbox.open",
            "mailbox.js.opening",
            "mailbox.empty",
        ] {
            assert!(page.contains(&own(p)), "{}: {p} not on the page", l.code);
        }
        if l.code != "en" {
            for t in &english {
                assert!(!page.contains(t.as_str()), "{}: English left: {t}", l.code);
            }
        }
        // A codename that is not one: the error is in her language, and nothing else changes.
        let start = page.find("name=\"form_token\" value=\"").unwrap() + 25;
        let token = &page[start..start + page[start..].find('"').unwrap()];
        let req = TestRequest::post()
            .uri(&format!("/mailbox?lang={}", l.code))
            .set_form([("form_token", token), ("codename", "not a codename")]);
        let a = call!(&app, req);
        let (status, html) = (a.status, a.text());
        assert_eq!(status, 400, "{}", l.code);
        assert!(html.contains(&own("mailbox.bad_codename")), "{}", l.code);
        // The form without JavaScript, posted without its token: refused in her language.
        let (ct, body) = multipart(&[("partner", "cav-milano")], &[]);
        let req = TestRequest::post()
            .uri(&format!("/report/nojs?lang={}", l.code))
            .insert_header(("content-type", ct))
            .set_payload(body);
        let a = call!(&app, req);
        let (status, html) = (a.status, a.text());
        assert_eq!(status, 403, "{}", l.code);
        assert!(html.contains(&own("form.refusal.expired")), "{}", l.code);
        assert!(html.contains(&format!("<html lang=\"{}\"", l.code)));
    }
}
