//! The served site in process: the manifest matches what is served, the pages carry no
//! inline script or style and list the partners, the no-JS form refuses with a page.

use actix_web::test::{self, TestRequest};

use super::{assert_security_headers, multipart, InProc};
use sha2::{Digest, Sha256};

/// Was `web::manifest_lists_the_sha256_of_every_served_asset` (a server process).
#[actix_web::test]
async fn manifest_lists_the_sha256_of_every_served_asset() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let a = call!(&app, TestRequest::get().uri("/api/v1/manifest"));
    assert_eq!(a.status, 200);
    let manifest = a.json();
    let assets = manifest["assets"].as_object().unwrap();
    assert!(assets.contains_key("/assets/app.js") && assets.contains_key("/assets/style.css"));
    for (path, hash) in assets {
        let a = call!(&app, TestRequest::get().uri(path));
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(
            hex::encode(Sha256::digest(&a.body)),
            hash.as_str().unwrap(),
            "{path}"
        );
    }
    // The bundle pins the network key the directory is signed with.
    let app_js = call!(&app, TestRequest::get().uri("/assets/app.js"));
    let key = approdo::keys::demo::network_public_key()
        .unwrap()
        .to_string();
    assert!(app_js.text().contains(&key));
    assert_eq!(
        call!(&app, TestRequest::get().uri("/assets/nope.js")).status,
        404
    );
}

/// Was `web::pages_have_no_inline_script_or_style_and_list_the_partners` (a server process).
#[actix_web::test]
async fn pages_have_no_inline_script_or_style_and_list_the_partners() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    for path in ["/", "/report", "/report/nojs"] {
        let a = call!(&app, TestRequest::get().uri(path));
        assert_eq!(a.status, 200, "{path}");
        let html = String::from_utf8(a.body).unwrap();
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/assets/"),
                "{path}: inline script {tag}"
            );
        }
        assert!(
            !html.contains("style=") && !html.contains("<style"),
            "{path}: inline style"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path}: absolute URL"
        );
        assert!(
            html.contains("<title>Information</title>"),
            "{path}: neutral title"
        );
    }
    let html = call!(&app, TestRequest::get().uri("/report")).text();
    for p in approdo::keys::demo::directory()
        .unwrap()
        .directory()
        .partners
        .iter()
    {
        assert!(html.contains(&format!("value=\"{}\"", p.id)), "{}", p.id);
    }
    assert!(html.contains("autocomplete=\"off\""));
}

/// The no-JavaScript form's refusals, each a page with its status and its words (the
/// `Refusal` enum's key in the locales) and its API twin's code, never a JSON error; her
/// answers come back in the form when there are some.
#[actix_web::test]
async fn the_nojs_form_refuses_with_a_page_in_her_words() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let en = approdo::locale::Language::get("en").unwrap();
    let words = |key: &str| approdo::html::escape(en.text(&format!("form.refusal.{key}")));
    let t1 = token!(&app);
    let t2 = token!(&app);
    let t3 = token!(&app);
    let t4 = token!(&app);
    // (fields, status, the reason's key, whether the form comes back filled)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str, bool);
    // The reason's API twin (docs/api.md), carried by the page as `data-code`.
    let twin = |key: &str| match key {
        "expired" => "forbidden",
        "unknown_partner" => "unknown_partner",
        _ => "bad_request",
    };
    let cases: Vec<Case> = vec![
        (vec![("partner", "cav-milano")], 403, "expired", false),
        (vec![("form_token", "forged")], 403, "expired", false),
        (vec![("form_token", &t1)], 400, "choose_partner", false),
        (
            vec![("form_token", &t2), ("partner", "nobody")],
            400,
            "unknown_partner",
            true,
        ),
        (
            vec![("form_token", &t3), ("partner", "cav-milano")],
            400,
            "consent",
            true,
        ),
        (
            vec![
                ("form_token", &t4),
                ("in_reply_to", "zz"),
                ("partner", "cav-milano"),
            ],
            400,
            "damaged_answer",
            false,
        ),
    ];
    for (fields, status, key, refilled) in cases {
        let (ctype, body) = multipart(&fields);
        let req = TestRequest::post()
            .uri("/report/nojs")
            .insert_header(("content-type", ctype))
            .set_payload(body);
        let a = call!(&app, req);
        let html = a.text();
        assert_eq!(a.status, status, "{key}: {html}");
        assert!(
            a.header("content-type").unwrap().starts_with("text/html"),
            "{key}"
        );
        assert!(html.contains(&words(key)), "{key}: {html}");
        assert!(html.contains("id=\"error\" role=\"alert\""), "{key}");
        let code = format!("data-code=\"{}\"", twin(key));
        assert!(html.contains(&code), "{key}: {code}");
        // Refilled: the form is there again, with a fresh token, the question at fault marked.
        assert_eq!(html.contains("id=\"report-form\""), refilled, "{key}");
        assert_security_headers(key, &a);
    }
}
