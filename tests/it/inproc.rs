//! The in-process tier: the same `App` the server runs ([`approdo::server::Server::app`], built
//! by the same [`approdo::server::Server::open`] from the same `Settings`), driven through
//! actix's test service — no process, no socket, milliseconds per route. Every route's status,
//! its JSON error body, the page refusals and the security headers are checked here; the
//! child-process tests keep what a process is for (kill -9, signals, tor, tmpfs, the CLI, the
//! PROXY front, timeouts on real connections).
//!
//! `cargo test --test it inproc::` runs this tier alone.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use sha2::{Digest, Sha256};

use approdo::server::{Server, Settings};

/// A demo server opened in a temporary data directory (store, state, no sockets, no jobs).
pub struct InProc {
    pub server: Server,
    _dir: tempfile::TempDir,
}

impl InProc {
    /// The demo network with default limits.
    pub fn demo() -> InProc {
        Self::with(|_| {})
    }

    /// The demo network, settings changed by `edit` first.
    pub fn with(edit: impl FnOnce(&mut Settings)) -> InProc {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::demo(dir.path().join("data"));
        edit(&mut settings);
        InProc {
            server: Server::open(settings).unwrap(),
            _dir: dir,
        }
    }
}

/// One answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends a `TestRequest` to the app: `call!(&app, req)` → [`Answer`].
macro_rules! call {
    ($app:expr, $req:expr) => {
        answer(actix_web::test::call_service($app, $req.to_request()).await).await
    };
}

/// Reads a response whole.
pub async fn answer<B: MessageBody>(resp: ServiceResponse<B>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = test::read_body(resp).await.to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

fn assert_security_headers(what: &str, a: &Answer) {
    for (name, value) in approdo::http::headers::HEADERS {
        assert_eq!(a.header(name), Some(*value), "{what}: {name}");
    }
}

const NO_REPORT: &str = "00000000000000000000000000000000";

/// Every route, as a client without a session or a proof of work meets it: the status, a JSON
/// `{"error": …}` on every refused API call, an HTML page on every refused page, the security
/// headers on all of them.
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
            refused_api += 1;
        } else {
            assert!(ctype.starts_with("text/html"), "{what}: {ctype}");
            refused_pages += 1;
        }
    }
    assert_eq!((refused_api, refused_pages), (32, 3));
}

/// The no-route answer is the JSON error of the API, whatever the method.
#[actix_web::test]
async fn an_unknown_route_is_a_json_404() {
    let s = InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let a = call!(&app, TestRequest::patch().uri("/api/v1/nothing"));
    assert_eq!(a.status, 404);
    assert_eq!(a.json()["error"], "no such endpoint");
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

/// The composition root in process: `Server::build` on port 0 answers on a real socket, and
/// stops when asked (the store closes).
#[actix_web::test]
async fn the_server_builds_listens_and_stops_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let running = Server::build(Settings::demo(dir.path().join("data")))
        .await
        .unwrap();
    let addr = running.addrs[0];
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let shutdown = running.shutdown.clone();
    let run = actix_web::rt::spawn(running.wait());
    let status = actix_web::web::block(move || {
        ureq::get(&format!("http://{addr}/healthz"))
            .call()
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(status, 200);
    shutdown.stop(true).await;
    let stopped = run.await.unwrap().unwrap();
    drop(stopped);
}

/// A fresh form token, as the report page hands it out: `token!(&app)`.
macro_rules! token {
    ($app:expr) => {{
        let html = call!($app, TestRequest::get().uri("/report")).text();
        let at = html.find("name=\"form_token\" value=\"").unwrap() + 25;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    }};
}

/// A multipart form body of `fields`, and its content type.
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "approdo-inproc-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// The no-JavaScript form's refusals, each a page with its status and its words (the
/// `Refusal` enum's key in the locales), never a JSON error; her answers come back in the
/// form when there are some.
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
        // Refilled: the form is there again, with a fresh token, the question at fault marked.
        assert_eq!(html.contains("id=\"report-form\""), refilled, "{key}");
        assert_security_headers(key, &a);
    }
}
