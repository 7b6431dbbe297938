//! The in-process tier: the same `App` the server runs ([`approdo::server::Server::app`], built
//! by the same [`approdo::server::Server::open`] from the same `Settings`), driven through
//! actix's test service — no process, no socket, milliseconds per route. Every route's status,
//! its JSON error body, the page refusals and the security headers are checked here; the
//! child-process tests keep what a process is for (kill -9, signals, tor, tmpfs, the CLI, the
//! PROXY front, timeouts on real connections).
//!
//! `cargo test --test it inproc::` runs this tier alone. Modules: `routes` (every route's
//! status, error and headers), `pages` (the manifest, the pages, the no-JS refusals), `server`
//! (the composition root: build, listen, stop, and what it refuses before opening anything).

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::test;

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
        crate::inproc::answer(actix_web::test::call_service($app, $req.to_request()).await).await
    };
}

pub(crate) use call;

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

/// The security headers; the policy is `worker-src 'self'` looser (`SEALING_CSP`) exactly on
/// the pages holding the report form, whose script starts the sealing worker.
pub(crate) fn assert_security_headers(what: &str, a: &Answer) {
    let form = a.text().contains("id=\"report-form\"");
    for (name, value) in approdo::http::headers::HEADERS {
        let value = if *name == "Content-Security-Policy" && form {
            approdo::policy::SEALING_CSP
        } else {
            value
        };
        assert_eq!(a.header(name), Some(value), "{what}: {name}");
    }
}

/// A fresh form token, as the report page hands it out: `token!(&app)`.
macro_rules! token {
    ($app:expr) => {{
        let html = call!($app, actix_web::test::TestRequest::get().uri("/report")).text();
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

mod pages;
mod routes;
mod server;
