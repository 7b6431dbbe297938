//! Every route as a client without a session or a proof of work meets it: its status, its
//! JSON error or its page, the security headers.

use actix_web::test::{self, TestRequest};

use super::{assert_security_headers, InProc};

const NO_REPORT: &str = "00000000000000000000000000000000";

/// Every route, as a client without a session or a proof of work meets it: the status, a JSON
/// `{"error": …, "code": …}` on every refused API call (a code of docs/api.md, at its
/// status), an HTML page on every refused page, the security headers on all of them.
#[actix_web::test]
async fn every_route_answers_with_its_status_its_error_and_the_headers() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let id = NO_REPORT;
    // (method, path, content type, body, status)
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, String, &str, &[u8], u16)> = vec![
        ("GET", "/".into(), "", b"", 200),
        ("GET", "/help".into(), "", b"", 200),
        ("GET", "/who-can-read".into(), "", b"", 200),
        ("GET", "/what-happens-next".into(), "", b"", 200),
        ("GET", "/exit".into(), "", b"", 200),
        ("GET", "/report".into(), "", b"", 200),
        ("GET", "/report/nojs".into(), "", b"", 200),
        ("GET", "/mailbox".into(), "", b"", 200),
        ("GET", "/outreach".into(), "", b"", 503),
        ("GET", "/healthz".into(), "", b"", 200),
        ("GET", "/api/v1/directory".into(), "", b"", 200),
        ("GET", "/api/v1/directory/signature".into(), "", b"", 200),
        ("GET", "/api/v1/manifest".into(), "", b"", 200),
        ("GET", "/api/v1/pow".into(), "", b"", 200),
        ("GET", "/api/v1/log/key".into(), "", b"", 200),
        ("GET", "/assets/app.js".into(), "", b"", 200),
        ("GET", "/assets/style.css".into(), "", b"", 200),
        ("GET", "/assets/nope.js".into(), "", b"", 404),
        ("GET", "/log/checkpoint".into(), "", b"", 404),
        ("GET", "/log/tile/0/000.p/1".into(), "", b"", 404),
        ("GET", "/log/tile/nonsense".into(), "", b"", 400),
        ("GET", format!("/api/v1/log/proof/{id}"), "", b"", 409),
        ("GET", "/api/v1/log/proof/x".into(), "", b"", 400),
        ("GET", "/api/v1/officer/reports".into(), "", b"", 401),
        ("GET", format!("/api/v1/officer/reports/{id}"), "", b"", 401),
        (
            "POST",
            format!("/api/v1/officer/reports/{id}/ack"),
            json,
            b"{}",
            401,
        ),
        (
            "DELETE",
            format!("/api/v1/officer/reports/{id}"),
            "",
            b"",
            401,
        ),
        (
            "GET",
            format!("/api/v1/officer/reports/{id}/cases"),
            "",
            b"",
            401,
        ),
        (
            "POST",
            format!("/api/v1/officer/reports/{id}/cases"),
            json,
            b"{}",
            401,
        ),
        ("GET", "/api/v1/officer/cases".into(), "", b"", 401),
        ("POST", "/api/v1/officer/challenge".into(), json, b"{}", 400),
        ("POST", "/api/v1/officer/session".into(), json, b"{}", 400),
        ("POST", "/api/v1/replies".into(), json, b"{}", 401),
        ("POST", "/api/v1/submissions".into(), "", b"x", 400),
        (
            "POST",
            "/api/v1/submissions?partner=cav-milano".into(),
            "",
            b"MARKER plaintext",
            428,
        ),
        (
            "POST",
            "/api/v1/submissions?partner=nobody".into(),
            "",
            b"x",
            404,
        ),
        (
            "POST",
            "/api/v1/uploads?partner=nobody".into(),
            "",
            b"",
            404,
        ),
        (
            "POST",
            "/api/v1/uploads?partner=cav-milano".into(),
            "",
            b"",
            428,
        ),
        ("GET", format!("/api/v1/uploads/{id}"), "", b"", 404),
        ("GET", "/api/v1/uploads/x".into(), "", b"", 400),
        (
            "PUT",
            format!("/api/v1/uploads/{id}/chunks/0"),
            "",
            b"x",
            404,
        ),
        (
            "POST",
            format!("/api/v1/uploads/{id}/finalize"),
            "",
            b"",
            404,
        ),
        ("DELETE", format!("/api/v1/uploads/{id}"), "", b"", 404),
        (
            "POST",
            "/api/v1/mailbox".into(),
            json,
            b"{\"mailbox\":\"zz\"}",
            400,
        ),
        ("POST", "/api/v1/mailbox/delete".into(), json, b"{}", 400),
        ("POST", "/api/v1/mailbox".into(), json, b"not json", 400),
        ("POST", "/api/v1/log/cosignatures".into(), "", b"x", 409),
        (
            "POST",
            "/mailbox".into(),
            form,
            b"form_token=x&codename=y",
            403,
        ),
        ("POST", "/mailbox/delete".into(), form, b"form_token=x", 400),
        ("POST", "/report/nojs".into(), json, b"not multipart", 400),
        ("GET", "/no/such/route".into(), "", b"", 404),
        ("POST", "/no/such/route".into(), "", b"", 404),
    ];
    let (mut refused_api, mut refused_pages) = (0, 0);
    for (method, path, ctype, body, want) in &cases {
        let what = format!("{method} {path}");
        let mut req = match *method {
            "GET" => TestRequest::get(),
            "POST" => TestRequest::post(),
            "PUT" => TestRequest::put(),
            "DELETE" => TestRequest::delete(),
            m => panic!("{m}"),
        }
        .uri(path)
        .set_payload(body.to_vec());
        if !ctype.is_empty() {
            req = req.insert_header(("content-type", *ctype));
        }
        let a = call!(&app, req);
        assert_eq!(a.status, *want, "{what}: {}", a.text());
        assert_security_headers(&what, &a);
        if a.status < 400 {
            continue;
        }
        // A refused API call says why in JSON; a refused page is a page, unless an extractor
        // refused the request before the handler ran (the same JSON as the API).
        let ctype = a.header("content-type").unwrap_or_default().to_owned();
        let api =
            path.starts_with("/api/") || path.starts_with("/log/") || path.starts_with("/assets/");
        if api || ctype.starts_with("application/json") {
            assert!(ctype.starts_with("application/json"), "{what}: {ctype}");
            let j = a.json();
            let msg = j["error"].as_str().unwrap_or_else(|| panic!("{what}: {j}"));
            assert!(!msg.is_empty() && !msg.contains("MARKER"), "{what}: {msg}");
            // Beside it, a documented machine code whose status is the answer's.
            let code = j["code"].as_str().unwrap_or_else(|| panic!("{what}: {j}"));
            let known = approdo::http::ErrorCode::parse(code);
            assert!(known.is_some(), "{what}: undocumented code {code}");
            assert_eq!(known.map(|c| c.status()), Some(a.status), "{what}: {code}");
            refused_api += 1;
        } else {
            assert!(ctype.starts_with("text/html"), "{what}: {ctype}");
            refused_pages += 1;
        }
    }
    assert_eq!((refused_api, refused_pages), (33, 3));
}

/// The no-route answer is the JSON error of the API, whatever the method.
#[actix_web::test]
async fn an_unknown_route_is_a_json_404() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let a = call!(&app, TestRequest::patch().uri("/api/v1/nothing"));
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["error"], "no such endpoint");
    assert_eq!(a.json()["code"], "no_route");
}

/// Was `submit::every_response_carries_the_security_headers` and
/// `notrace::every_route_answers_with_the_security_headers` (each a server process): the same
/// paths, in process.
#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let gets = [
        "/",
        "/report",
        "/report/nojs",
        "/mailbox",
        "/outreach",
        "/healthz",
        "/nope",
        "/api/v1/directory",
        "/api/v1/directory/signature",
        "/api/v1/manifest",
        "/assets/app.js",
        "/assets/seal-worker.js",
        "/assets/style.css",
        "/log/checkpoint",
        "/log/tile/0/000.p/1",
        "/log/tile/nonsense",
        "/api/v1/log/key",
        "/api/v1/log/proof/00000000000000000000000000000000",
        "/api/v1/log/proof/x",
        "/api/v1/officer/reports",
        "/api/v1/uploads/00000000000000000000000000000000",
        "/no/such/route",
    ];
    let posts: [(&str, &[u8]); 7] = [
        (
            "/api/v1/submissions?partner=cav-milano",
            b"MARKER plaintext",
        ),
        ("/api/v1/uploads?partner=nobody", b""),
        ("/api/v1/mailbox", b"{\"mailbox\":\"zz\"}"),
        ("/api/v1/mailbox/delete", b"{}"),
        ("/api/v1/replies", b"{}"),
        ("/mailbox", b"form_token=x&codename=y"),
        ("/report/nojs", b"not multipart"),
    ];
    let mut checked = 0;
    for path in gets {
        let a = call!(&app, TestRequest::get().uri(path));
        assert_security_headers(&format!("GET {path} ({})", a.status), &a);
        checked += 1;
    }
    for (path, body) in posts {
        let ctype = if path == "/mailbox" {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("content-type", ctype))
            .set_payload(body.to_vec());
        let a = call!(&app, req);
        assert_security_headers(&format!("POST {path} ({})", a.status), &a);
        checked += 1;
    }
    assert_eq!(checked, gets.len() + posts.len());
}
