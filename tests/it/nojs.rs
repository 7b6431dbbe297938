//! The form without JavaScript: sealed by the server as it arrives, one report per chosen
//! partner, `sealed: server`; nothing readable on disk; form tokens refuse cross-site posts.

use crate::common::{self, TestServer};

pub(crate) fn form_token(server: &TestServer) -> String {
    let html = ureq::get(&format!("{}/report", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let start =
        html.find("name=\"form_token\" value=\"").unwrap() + "name=\"form_token\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// A multipart body: text fields, then files.
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----approdo-test-boundary-93f1";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (filename, content) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) fn post(server: &TestServer, content_type: &str, body: &[u8]) -> (u16, String) {
    match ureq::post(&format!("{}/report/nojs", server.url))
        .set("Content-Type", content_type)
        .send_bytes(body)
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_form_post_is_sealed_by_the_server_for_each_partner() {
    let server = TestServer::start(&[]);
    let marker = "MARKER-nojs-0c9e41";
    let big: Vec<u8> = (0..2_500_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let token = form_token(&server);
    let description = format!("Aiuto. {marker}");
    let (ct, body) = multipart(
        &[
            ("form_token", &token),
            ("partner", "cav-milano"),
            ("partner", "lavoro-milano"),
            ("consent_read", "yes"),
            ("description", &description),
        ],
        &[
            ("../evil.bin", &big),
            ("note.txt", format!("note {marker}").as_bytes()),
        ],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    assert_eq!(page.matches("received, receipt code").count(), 2, "{page}");

    for partner in ["cav-milano", "lavoro-milano"] {
        let list = server.officer(partner).list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].sealed, approdo::model::SealedBy::Server);
        let out = tempfile::tempdir().unwrap();
        let (ok, _, err) = server.pull(partner, out.path());
        assert!(ok, "{err}");
        let dir = out.path().join(list[0].id.to_string());
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["sealed"], "server");
        assert_eq!(report["description"], description.as_str());
        assert_eq!(
            std::fs::read(dir.join("attachments/.._evil.bin")).unwrap(),
            big
        );
        assert_eq!(
            std::fs::read(dir.join("attachments/note.txt")).unwrap(),
            format!("note {marker}").into_bytes()
        );
    }
    // Nothing readable stayed behind: not in the store, not in the spool, not in the output.
    assert_eq!(common::scan(&server.data, marker.as_bytes()), 0);
    assert_eq!(common::scan(&server.data, &big[1000..1064]), 0);
    assert!(!String::from_utf8_lossy(&server.output()).contains(marker));
    let spool = server.data.join("spool");
    assert!(
        !spool.exists() || std::fs::read_dir(&spool).unwrap().next().is_none(),
        "spool emptied"
    );
}

#[test]
fn posts_without_a_valid_form_token_are_refused_and_store_nothing() {
    let server = TestServer::start(&["--max-report-size", "100000"]);
    let token = form_token(&server);
    let (ct, body) = multipart(
        &[
            ("form_token", &token),
            ("partner", "cav-milano"),
            ("consent_read", "yes"),
            ("description", "first"),
        ],
        &[],
    );
    assert_eq!(post(&server, &ct, &body).0, 201);
    // The same token again (a replay: a reload of the codename page, Send pressed twice): what
    // she sent had arrived, nothing is stored twice. No token, a forged token: refused.
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("nothing was sent twice"), "{page}");
    let (ct2, body2) = multipart(
        &[("partner", "cav-milano"), ("description", "MARKER-csrf-1")],
        &[],
    );
    assert_eq!(post(&server, &ct2, &body2).0, 403);
    let (ct3, body3) = multipart(
        &[
            ("form_token", "AAAA"),
            ("partner", "cav-milano"),
            ("description", "MARKER-csrf-1"),
        ],
        &[],
    );
    assert_eq!(post(&server, &ct3, &body3).0, 403);
    // Too large; no partner; an unknown partner; not multipart at all.
    let (ct4, body4) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", "cav-milano"),
        ],
        &[("big.bin", &vec![1u8; 200_000])],
    );
    assert_eq!(post(&server, &ct4, &body4).0, 413);
    let (ct5, body5) = multipart(
        &[("form_token", &form_token(&server)), ("description", "x")],
        &[],
    );
    assert_eq!(post(&server, &ct5, &body5).0, 400);
    let (ct6, body6) = multipart(
        &[("form_token", &form_token(&server)), ("partner", "nobody")],
        &[],
    );
    assert_eq!(post(&server, &ct6, &body6).0, 400);
    assert_eq!(post(&server, "text/plain", b"MARKER-csrf-1").0, 400);
    assert_eq!(
        server.officer("cav-milano").list().unwrap().len(),
        1,
        "only the first post stored a report"
    );
    assert_eq!(common::scan(&server.data, b"MARKER-csrf-1"), 0);
}

/// Opens a raw post of `body` to `/report/nojs` and sends its first `first` bytes only.
fn start_post(server: &TestServer, ct: &str, body: &[u8], first: usize) -> std::net::TcpStream {
    use std::io::Write;
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /report/nojs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body[..first]).unwrap();
    s.flush().unwrap();
    s
}

/// Send pressed twice without JavaScript: the browser drops the first post and sends the form
/// again with the same token. A dropped first post frees the token, so the second one goes
/// and she gets her codename; a second post while the first is still arriving waits for it,
/// and is told the form had arrived. One report each time, never two.
#[test]
fn send_pressed_twice_stores_one_report_and_shows_a_codename() {
    use std::io::{Read, Write};
    let server = TestServer::start(&[]);
    let long = "MARKER-twice ".repeat(2000);
    let form = |token: &str| {
        multipart(
            &[
                ("form_token", token),
                ("partner", "cav-milano"),
                ("consent_read", "yes"),
                ("description", &long),
            ],
            &[],
        )
    };
    // 1. The first post is dropped half-way; the second, with the same token, is stored.
    let token = form_token(&server);
    let (ct, body) = form(&token);
    drop(start_post(&server, &ct, &body, body.len() / 2));
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    assert!(page.contains("codename"), "{page}");
    assert_eq!(server.officer("cav-milano").list().unwrap().len(), 1);

    // 2. Both arrive at once (the second while the first is still arriving): whichever holds
    //    the token first is stored, the other waits for it and says the form had arrived.
    let token = form_token(&server);
    let (ct, body) = form(&token);
    let mut first = start_post(&server, &ct, &body, body.len() / 2);
    let second = {
        let (server_url, ct, body) = (server.url.clone(), ct.clone(), body.clone());
        std::thread::spawn(move || {
            match ureq::post(&format!("{server_url}/report/nojs"))
                .set("Content-Type", &ct)
                .send_bytes(&body)
            {
                Ok(r) | Err(ureq::Error::Status(_, r)) => {
                    (r.status(), r.into_string().unwrap_or_default())
                }
                Err(e) => panic!("{e}"),
            }
        })
    };
    // (If the second held the token first, the first may be answered before all of it is
    // written: the rest may not go.)
    let _ = first.write_all(&body[body.len() / 2..]);
    let mut answer = String::new();
    first.read_to_string(&mut answer).unwrap();
    let first = if answer.starts_with("HTTP/1.1 201") {
        201
    } else {
        assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
        assert!(answer.contains("nothing was sent twice"), "{answer}");
        409
    };
    let (status, page) = second.join().unwrap();
    let mut both = [first, status];
    both.sort_unstable();
    assert_eq!(both, [201, 409], "{page}");
    if status == 409 {
        assert!(page.contains("nothing was sent twice"), "{page}");
    }
    assert_eq!(server.officer("cav-milano").list().unwrap().len(), 2);
}

/// The price of posting one form many times is a wait: the posts of a form still arriving
/// wait for it (at most 30 s each, a connection and nothing more), are answered 409 once it
/// is stored, store nothing more — and a victim's own form goes through meanwhile.
#[test]
fn posts_waiting_on_one_form_do_not_keep_a_victim_out() {
    use std::io::{Read, Write};
    let server = TestServer::start(&[]);
    let form = |token: &str, text: &str| {
        multipart(
            &[
                ("form_token", token),
                ("partner", "cav-milano"),
                ("consent_read", "yes"),
                ("description", &text.repeat(2000)),
            ],
            &[],
        )
    };
    let (ct, body) = form(&form_token(&server), "MARKER-flood-wait ");
    let mut first = start_post(&server, &ct, &body, body.len() / 2);
    let flood: Vec<_> = (0..30)
        .map(|_| {
            let (url, ct, body) = (server.url.clone(), ct.clone(), body.clone());
            std::thread::spawn(move || {
                match ureq::post(&format!("{url}/report/nojs"))
                    .set("Content-Type", &ct)
                    .send_bytes(&body)
                {
                    Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
                    Err(e) => panic!("{e}"),
                }
            })
        })
        .collect();
    // Her own form, while they wait.
    let (vct, vbody) = form(&form_token(&server), "victim ");
    let (status, page) = post(&server, &vct, &vbody);
    assert_eq!(status, 201, "{page}");
    let _ = first.write_all(&body[body.len() / 2..]);
    let mut answer = String::new();
    first.read_to_string(&mut answer).unwrap();
    let mut statuses: Vec<u16> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    let first: u16 = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{answer}"));
    statuses.push(first);
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "one post of the form stored: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(server.officer("cav-milano").list().unwrap().len(), 2);
}
