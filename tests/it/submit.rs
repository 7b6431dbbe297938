//! Submissions: what is refused (4xx JSON, nothing stored) and what never reaches the disk.

use std::io::Write;

use crate::common::{self, TestServer};

fn age_armored(partner: &str) -> Vec<u8> {
    let recipients = common::recipients(partner);
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = enc.wrap_output(armor).unwrap();
    w.write_all(b"PLAINTEXT-MARKER-7731").unwrap();
    w.finish().unwrap().finish().unwrap();
    out
}

fn age_scrypt() -> Vec<u8> {
    let enc =
        age::Encryptor::with_user_passphrase(age::secrecy::SecretString::from("pw".to_owned()));
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(b"PLAINTEXT-MARKER-7731").unwrap();
    w.finish().unwrap();
    out
}

fn age_to(n: usize) -> Vec<u8> {
    age_to_len(n, 70_000)
}

fn age_to_len(n: usize, len: usize) -> Vec<u8> {
    let recipients: Vec<age::x25519::Recipient> = (0..n)
        .map(|_| age::x25519::Identity::generate().to_public())
        .collect();
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(&vec![b'x'; len]).unwrap();
    w.finish().unwrap();
    out
}

#[test]
fn refused_with_4xx_json_and_nothing_stored() {
    let server = TestServer::start(&["--max-report-size", "200000"]);
    let good = common::seal("cav-milano", &common::report_json("ok"), &[]);
    // 65 536 + 5 bytes: a full chunk and a 21-byte final chunk; losing 10 bytes leaves a final
    // chunk shorter than its tag. (A cut that leaves a plausible length can only be caught with
    // the key: age's last-chunk flag, checked by `approdo pull`.)
    let mut truncated = age_to_len(2, 65_536 + 5);
    truncated.truncate(truncated.len() - 10);
    let plaintext = b"PLAINTEXT-MARKER-7731 my name is ...".to_vec();
    let big = {
        let mut b = age_to(2);
        b.extend(vec![0u8; 300_000]);
        b
    };
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("plaintext", "cav-milano", plaintext, 400),
        ("armored age", "cav-milano", age_armored("cav-milano"), 400),
        ("scrypt recipient", "cav-milano", age_scrypt(), 400),
        ("too few stanzas", "cav-milano", age_to(1), 400),
        ("too many stanzas", "cav-milano", age_to(3), 400),
        ("truncated payload", "cav-milano", truncated, 400),
        ("empty body", "cav-milano", Vec::new(), 400),
        ("unknown partner", "no-such-partner", good.clone(), 404),
        ("over the size limit", "cav-milano", big, 413),
        ("header cut short", "cav-milano", good[..40].to_vec(), 400),
    ];
    for (what, partner, body, status) in &cases {
        let (got, json) = server.submit_raw(partner, body);
        assert_eq!(got, *status, "{what}: {json}");
        let msg = json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no JSON error: {json}"));
        assert!(!msg.is_empty() && !msg.contains("MARKER"), "{what}: {msg}");
    }
    // Over the limit without Content-Length (chunked): refused while streaming.
    let mut body = age_to(2);
    body.extend(vec![7u8; 300_000]);
    let resp = ureq::post(&format!(
        "{}/api/v1/submissions?partner=cav-milano",
        server.url
    ))
    .set(common::POW_HEADER, &common::pow(&server.url))
    .send(std::io::Cursor::new(body));
    assert_eq!(common::status_json(resp).0, 413);
    // Missing query: JSON 400 too.
    let resp = ureq::post(&format!("{}/api/v1/submissions", server.url)).send_bytes(b"x");
    let (s, json) = common::status_json(resp);
    assert_eq!(s, 400);
    assert!(json["error"].is_string());

    // Nothing was stored: the officers see nothing, the store holds no report, no chunk.
    assert!(server.officer("cav-milano").list().unwrap().is_empty());
    let copy = common::copy_store(&server.data);
    let audit = approdo::audit::audit_store(copy.path(), None).unwrap();
    assert_eq!(
        (audit.reports, audit.pending, audit.findings.len()),
        (0, 0, 0),
        "{:?}",
        audit.findings
    );
    assert_eq!(common::scan(&server.data, b"PLAINTEXT-MARKER-7731"), 0);
    // The valid one still goes through afterwards.
    assert_eq!(server.submit_raw("cav-milano", &good).0, 201);
}

#[test]
fn markers_never_reach_the_disk_or_the_output() {
    let server = TestServer::start(&[]);
    let marker = "MARKER-c0ffee-4242";
    for i in 0..5 {
        let attachment = format!("{marker} attachment {i}").repeat(1000).into_bytes();
        let sealed = common::seal(
            "cav-milano",
            &common::report_json(marker),
            &[(format!("note{i}.txt"), attachment)],
        );
        let resp = ureq::post(&format!(
            "{}/api/v1/submissions?partner=cav-milano",
            server.url
        ))
        .set("User-Agent", &format!("UA-{marker}"))
        .set("X-Forwarded-For", "203.0.113.77")
        .set("Forwarded", "for=203.0.113.77")
        .set(common::POW_HEADER, &common::pow(&server.url))
        .send_bytes(&sealed);
        let (status, json) = common::status_json(resp);
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["id"].as_str().unwrap().len(), 32);
    }
    // A plaintext attempt carrying the marker is refused and leaves no trace either.
    assert_eq!(server.submit_raw("cav-milano", marker.as_bytes()).0, 400);
    let health = ureq::get(&format!("{}/healthz", server.url))
        .call()
        .unwrap();
    assert_eq!(health.status(), 200);
    for needle in [marker.as_bytes(), b"203.0.113.77", b"UA-MARKER"] {
        assert_eq!(
            common::scan(&server.data, needle),
            0,
            "{}",
            String::from_utf8_lossy(needle)
        );
        let out = server.output();
        assert_eq!(
            out.windows(needle.len()).filter(|w| *w == needle).count(),
            0
        );
    }
    // And the officer does get the marker back, decrypted on their side.
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    assert_eq!(common::scan(out.path(), marker.as_bytes()), 5 + 5 * 1000);
}

#[test]
fn serves_on_a_unix_socket_for_tor() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("approdo.sock");
    let server = TestServer::start_in(
        &dir.path().join("data"),
        &["--unix-socket", sock.to_str().unwrap()],
    );
    assert!(server.url.starts_with("http://127.0.0.1:"));
    // The unix line is printed before the TCP one, so it is in the log once the URL is known.
    let out = server.output();
    assert!(
        String::from_utf8_lossy(&out).contains(&format!("unix:{}", sock.display())),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let mut stream = std::os::unix::net::UnixStream::connect(&sock).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
}
