//! The security headers of DESIGN.md ("Rules that hold everywhere") on every answer of the
//! server, errors included. Every route the drop box declares in `src/` (not the witness's or
//! the desk's: other servers) is requested, so a new route without a request here fails; the
//! policy served is compared with DESIGN.md's literal text, not with the code's own constant
//! (a loosened `http::headers::CSP` would otherwise pass).

use std::path::Path;

use crate::inproc::call;

/// DESIGN.md's Content-Security-Policy, copied literally. DESIGN.md allows adding
/// `font-src 'self'` and `worker-src 'self'` only; anything else is a change of DESIGN.md first.
/// `font-src 'self'` is added: the site serves a Bengali subset font (issue 16.12,
/// web/fonts/README.md); `worker-src 'self'` on the report form only ([`DESIGN_SEALING_CSP`]).
const DESIGN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; \
frame-ancestors 'none'";

/// The report form's policy: [`DESIGN_CSP`] and `worker-src 'self'`, which DESIGN.md allows
/// "for a sealing worker" (web/src/seal-worker.js), on the page whose script starts it only.
const DESIGN_SEALING_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; font-src 'self'; worker-src 'self'; form-action 'self'; \
base-uri 'none'; frame-ancestors 'none'";

/// The pages (GET) that start the sealing worker.
const SEALING_PAGES: &[&str] = &["/report"];

/// DESIGN.md's other headers (`no-referrer`, `nosniff`, `no-store`) and the ones the server
/// adds for framing, cross-origin isolation and device features, literally.
const DESIGN_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", DESIGN_CSP),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
];

const ID: &str = "00000000000000000000000000000000";

/// One request per registered route (and one to no route): method, path, body.
fn requests() -> Vec<(&'static str, String, &'static [u8])> {
    let get = |p: &str| ("GET", p.to_owned(), &b""[..]);
    let mut r = vec![
        get("/"),
        get("/report"),
        get("/report/nojs"),
        get("/help"),
        get("/who-can-read"),
        get("/what-happens-next"),
        get("/exit"),
        get("/mailbox"),
        get("/outreach"),
        get("/healthz"),
        get("/api/v1/directory"),
        get("/api/v1/directory/signature"),
        get("/api/v1/manifest"),
        get("/api/v1/pow"),
        get("/assets/app.js"),
        get("/assets/seal-worker.js"),
        get("/assets/style.css"),
        get("/log/checkpoint"),
        get("/log/tile/0/000.p/1"),
        get("/log/tile/nonsense"),
        get("/api/v1/log/key"),
        get(&format!("/api/v1/log/proof/{ID}")),
        get("/api/v1/log/proof/x"),
        get("/api/v1/officer/reports"),
        get(&format!("/api/v1/officer/reports/{ID}")),
        get(&format!("/api/v1/officer/reports/{ID}/cases")),
        get("/api/v1/officer/cases"),
        get(&format!("/api/v1/uploads/{ID}")),
        get("/no/such/route"),
    ];
    let b: &[(&'static str, String, &'static [u8])] = &[
        (
            "POST",
            "/api/v1/submissions?partner=cav-milano".into(),
            b"MARKER plaintext",
        ),
        ("POST", "/api/v1/uploads?partner=nobody".into(), b""),
        ("PUT", format!("/api/v1/uploads/{ID}/chunks/0"), b"x"),
        ("POST", format!("/api/v1/uploads/{ID}/finalize"), b""),
        ("DELETE", format!("/api/v1/uploads/{ID}"), b""),
        ("POST", "/api/v1/mailbox".into(), b"{\"mailbox\":\"zz\"}"),
        ("POST", "/api/v1/mailbox/delete".into(), b"{}"),
        ("POST", "/api/v1/replies".into(), b"{}"),
        ("POST", "/api/v1/officer/challenge".into(), b"{}"),
        ("POST", "/api/v1/officer/session".into(), b"{}"),
        ("POST", format!("/api/v1/officer/reports/{ID}/ack"), b"{}"),
        ("POST", format!("/api/v1/officer/reports/{ID}/cases"), b"{}"),
        ("DELETE", format!("/api/v1/officer/reports/{ID}"), b""),
        ("POST", "/api/v1/log/cosignatures".into(), b"x"),
        ("POST", "/mailbox".into(), b"form_token=x&codename=y"),
        ("POST", "/mailbox/delete".into(), b"form_token=x"),
        ("POST", "/report/nojs".into(), b"not multipart"),
    ];
    r.extend_from_slice(b);
    r
}

/// Every route the drop box declares in `src/` (recursively, but not `src/witness/` and
/// `src/desk/`, other servers): `#[get("…")]`-style attributes and
/// `web::resource("…")` with the methods of its `.route(web::…())` lines.
fn registered_routes() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("witness") && !path.ends_with("desk") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                scan(&std::fs::read_to_string(&path).unwrap(), out);
            }
        }
    }
    fn quoted(s: &str) -> Option<String> {
        let start = s.find("(\"")? + 2;
        let len = s[start..].find('"')?;
        Some(s[start..start + len].to_owned())
    }
    fn scan(source: &str, out: &mut Vec<(String, String)>) {
        let mut resource: Option<String> = None;
        for line in source.lines().map(str::trim) {
            for method in ["get", "post", "put", "delete", "patch"] {
                if line.starts_with(&format!("#[{method}(\"")) {
                    out.push((method.to_uppercase(), quoted(line).unwrap()));
                }
                if let Some(path) = &resource {
                    if line.contains(&format!(".route(web::{method}()")) {
                        out.push((method.to_uppercase(), path.clone()));
                    }
                }
            }
            if line.contains("web::resource(\"") {
                resource = quoted(&line[line.find("web::resource(").unwrap()..]);
            } else if line.starts_with(')') || line.starts_with(".service(") {
                resource = None;
            }
        }
    }
    let mut routes = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut routes,
    );
    routes.sort();
    routes
}

/// Whether a request path (query stripped) matches an actix pattern: `{name}` is one segment,
/// `{name:.*}` the rest.
fn matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (mut p, mut s) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), s.next()) {
            (None, None) => return true,
            (Some(seg), _) if seg.starts_with('{') && seg.ends_with(":.*}") => return true,
            (Some(seg), Some(got)) if seg.starts_with('{') => {
                if got.is_empty() {
                    return false;
                }
            }
            (Some(seg), Some(got)) if seg == got => {}
            _ => return false,
        }
    }
}

#[test]
fn the_route_scan_reads_actix_patterns() {
    assert!(matches("/log/tile/{path:.*}", "/log/tile/0/000.p/1"));
    assert!(matches("/api/v1/uploads/{id}", "/api/v1/uploads/ab?x=1"));
    assert!(!matches(
        "/api/v1/uploads/{id}",
        "/api/v1/uploads/ab/finalize"
    ));
    assert!(!matches("/report", "/report/nojs"));
    let routes = registered_routes();
    // A pinned floor, so a scan that silently finds nothing (routes moved out of src/,
    // or declared another way) fails here rather than making the coverage test vacuous.
    assert!(
        routes.len() >= 41,
        "{} routes found: {routes:?}",
        routes.len()
    );
    assert!(routes.contains(&("POST".into(), "/api/v1/log/cosignatures".into())));
}

/// In process (`inproc`): the server's own `App`, no process — a header is the app's, not the
/// socket's.
#[actix_web::test]
async fn every_route_answers_with_the_security_headers() {
    use actix_web::test::{self, TestRequest};
    let s = crate::inproc::InProc::demo();
    let app = test::init_service(s.server.app()).await;
    let requests = requests();
    let mut unchecked = registered_routes();
    for (method, path, body) in &requests {
        let req = match *method {
            "GET" => TestRequest::get(),
            "POST" => TestRequest::post(),
            "PUT" => TestRequest::put(),
            "DELETE" => TestRequest::delete(),
            m => panic!("{m}"),
        }
        .uri(path)
        .insert_header((
            "content-type",
            if path.starts_with("/mailbox") {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        ))
        .set_payload(body.to_vec());
        let resp = call!(&app, req);
        let what = format!("{method} {path} ({})", resp.status);
        let sealing = *method == "GET" && SEALING_PAGES.contains(&path.as_str());
        for (name, value) in DESIGN_HEADERS {
            let value = if *name == "content-security-policy" && sealing {
                DESIGN_SEALING_CSP
            } else {
                value
            };
            assert_eq!(resp.header(name), Some(value), "{what}: {name}");
        }
        let hit: Vec<_> = unchecked
            .iter()
            .filter(|(m, p)| m == method && matches(p, path))
            .cloned()
            .collect();
        let body = resp.text();
        // A request meant for a route reaches it: the fallback's "no such endpoint" answers
        // only the one request to no route (and an unknown asset, not requested here).
        assert_eq!(
            body.contains("no such endpoint"),
            *path == "/no/such/route",
            "{what}: {body}"
        );
        unchecked.retain(|r| !hit.contains(r));
    }
    assert!(
        unchecked.is_empty(),
        "routes declared in src/ that no request here checks: {unchecked:?}"
    );
}
