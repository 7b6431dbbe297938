//! No trace: every flow (JSON submission, resumable upload, no-JS form, codename mailbox with
//! and without JS, officer reply, follow-up, log and audit endpoints) run with markers in
//! bodies, a codename, and fake `User-Agent` / `X-Forwarded-For` / `Forwarded` headers; then
//! every byte the server wrote (data directory, stdout, stderr) is scanned: zero hits. (The
//! security headers on every route: `headers.rs`.)

use approdo::codename::Codename;

use crate::common::{self, TestServer};
use crate::nojs::{multipart, post};

const UA: &str = "MARKER-UA-Mozilla/5.0 (notrace)";
const XFF: &str = "203.0.113.77";
const FWD: &str = "for=198.51.100.9;proto=http";

fn with_headers(req: ureq::Request) -> ureq::Request {
    req.set("User-Agent", UA)
        .set("X-Forwarded-For", XFF)
        .set("Forwarded", FWD)
}

fn call(req: ureq::Request, body: Option<&[u8]>) -> (u16, Vec<(String, String)>, String) {
    let resp = match body {
        Some(b) => with_headers(req).send_bytes(b),
        None => with_headers(req).call(),
    };
    match resp {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let headers = r
                .headers_names()
                .into_iter()
                .filter_map(|n| r.header(&n).map(|v| (n.to_lowercase(), v.to_owned())))
                .collect();
            (r.status(), headers, r.into_string().unwrap_or_default())
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn every_flow_leaves_no_marker_address_agent_or_codename_behind() {
    let server = TestServer::start(&["--log-interval", "1"]);
    let url = &server.url;
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();

    // 1. JSON submission with a reply address.
    let report = serde_json::to_vec(&serde_json::json!({
        "schema": "approdo.report/v1", "language": "it", "description": "MARKER-nt-json",
        "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox},
    }))
    .unwrap();
    let sealed = common::seal(
        "cav-milano",
        &report,
        &[("n.txt".into(), b"MARKER-nt-file".to_vec())],
    );
    let (s, _, answer) = call(
        ureq::post(&format!("{url}/api/v1/submissions?partner=cav-milano"))
            .set(common::POW_HEADER, &common::pow(url))
            .set(common::BINDING_HEADER, &common::binding(&keys.mailbox)),
        Some(&sealed),
    );
    assert_eq!(s, 201, "{answer}");
    let id = serde_json::from_str::<serde_json::Value>(&answer).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // 2. Resumable upload (the browser's path).
    let (s, _, created) = call(
        ureq::post(&format!("{url}/api/v1/uploads?partner=tratta-milano"))
            .set("X-Approdo-PoW", &common::pow(url)),
        Some(b""),
    );
    assert_eq!(s, 201, "{created}");
    let upload = serde_json::from_str::<serde_json::Value>(&created).unwrap()["upload"]
        .as_str()
        .unwrap()
        .to_owned();
    let sealed2 = common::seal(
        "tratta-milano",
        &common::report_json("MARKER-nt-upload"),
        &[],
    );
    assert_eq!(
        call(
            ureq::put(&format!("{url}/api/v1/uploads/{upload}/chunks/0")),
            Some(&sealed2)
        )
        .0,
        200
    );
    assert_eq!(
        call(
            ureq::post(&format!("{url}/api/v1/uploads/{upload}/finalize")),
            Some(b"")
        )
        .0,
        201
    );

    // 3. The no-JS form (the server sees plaintext in memory only).
    let (ct, body) = multipart(
        &[
            ("form_token", &crate::nojs::form_token(&server)),
            ("partner", "lavoro-milano"),
            ("consent_read", "yes"),
            ("description", "MARKER-nt-nojs"),
        ],
        &[("MARKER-nt-name.txt", b"MARKER-nt-nojs-file")],
    );
    let (s, page) = post(&server, &ct, &body);
    assert_eq!(s, 201, "{page}");

    // 4. The officer answers; she reads with and without JS, answers, deletes.
    let out = tempfile::tempdir().unwrap();
    assert!(server.pull("cav-milano", out.path()).0);
    let identity = server.identity_file("cav-milano");
    let (ok, _, err) = common::approdo(&[
        "reply",
        "--server",
        url,
        "--identity",
        identity.to_str().unwrap(),
        "--reports",
        out.path().to_str().unwrap(),
        "--report",
        &id,
        "--message",
        "MARKER-nt-reply",
    ]);
    assert!(ok, "{err}");
    let (s, _, listed) = call(
        ureq::post(&format!("{url}/api/v1/mailbox")).set("Content-Type", "application/json"),
        Some(
            serde_json::json!({"mailbox": keys.mailbox})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(s, 200);
    let msg_id = serde_json::from_str::<serde_json::Value>(&listed).unwrap()["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = ureq::get(&format!("{url}/mailbox"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let token = html
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = format!(
        "form_token={token}&codename={}",
        codename.expose().replace(' ', "+")
    );
    let (s, _, page) = call(
        ureq::post(&format!("{url}/mailbox"))
            .set("Content-Type", "application/x-www-form-urlencoded"),
        Some(form.as_bytes()),
    );
    assert_eq!(s, 200);
    assert!(page.contains("MARKER-nt-reply"));
    let (s, _, _) = call(
        ureq::post(&format!("{url}/api/v1/mailbox/delete")).set("Content-Type", "application/json"),
        Some(
            serde_json::json!({"mailbox": keys.mailbox, "id": msg_id})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(s, 200);

    // 5. Public log and audit endpoints, and the auditors' tools.
    for path in [
        "/log/checkpoint",
        "/api/v1/log/key",
        &format!("/api/v1/log/proof/{id}"),
        "/outreach",
    ] {
        call(ureq::get(&format!("{url}{path}")), None);
    }
    let state = tempfile::tempdir().unwrap();
    let (code_ok, said, err) = common::approdo(&[
        "audit",
        "log",
        "--server",
        url,
        "--state",
        state.path().join("s.json").to_str().unwrap(),
    ]);
    assert!(code_ok, "{said}{err}");
    let (site_ok, stdout, err) = common::approdo(&["audit", "site", "--server", url]);
    assert!(site_ok, "{stdout}{err}");

    let written = server.output();
    let written = String::from_utf8_lossy(&written);
    for needle in [
        "MARKER-nt",
        UA,
        "MARKER-UA",
        XFF,
        "198.51.100.9",
        "127.0.0.1:",
        codename.expose(),
        &keys.mailbox,
    ] {
        assert_eq!(
            common::scan(&server.data, needle.as_bytes()),
            0,
            "{needle:?} in the data directory"
        );
        if needle != "127.0.0.1:" {
            assert!(
                !written.contains(needle),
                "{needle:?} in the server's output"
            );
        }
    }
    // The server's own listening address is printed once at start, and nothing else of it.
    assert_eq!(written.matches("127.0.0.1:").count(), 1, "{written}");
}
