//! A post-quantum partner on a real server: the DEMO network's `sociali-milano` (three
//! `age1pq1…` officers) receives a report sealed with `mlkem768x25519`, each officer pulls and
//! reads it, `audit store` passes; files of the wrong kind, of a PQ/X25519 mix (the CCTV
//! `hybrid_and_x25519` file, which typage would not refuse to write) or of the wrong count are
//! refused with a clear 4xx JSON and nothing stored.

use std::path::PathBuf;

use crate::common::{self, TestServer};

const PQ: &str = "sociali-milano";

#[test]
fn pq_partner_end_to_end_and_mixed_files_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[]);
    assert!(common::recipients(PQ).iter().all(|r| r.is_hybrid()));

    // 1. A post-quantum report, by the library and by `envelope submit`.
    let sealed = common::seal(PQ, &common::report_json("MARKER-pq-lib"), &[]);
    let shape = approdo::admission::inspect_header(&sealed)
        .unwrap()
        .unwrap();
    assert_eq!((shape.hybrid, shape.x25519), (3, 0));
    let (code, body) = server.submit_raw(PQ, &sealed);
    assert_eq!(code, 201, "{body}");
    let report = dir.path().join("r.json");
    std::fs::write(&report, common::report_json("MARKER-pq-cli")).unwrap();
    let (ok, _, err) = common::approdo(&[
        "envelope",
        "submit",
        "--server",
        &server.url,
        "--partner",
        PQ,
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");

    // 2. Refusals: 4xx JSON naming the reason.
    let x25519 = common::seal("cav-milano", &common::report_json("x"), &[]);
    let mixed = cctv("hybrid_and_x25519");
    let two_of_three = {
        let plain = approdo::envelope::pack(&common::report_json("x"), &[]).unwrap();
        let mut out = Vec::new();
        approdo::envelope::seal_to(&mut out, &common::recipients(PQ)[..2], plain.as_slice())
            .unwrap();
        out
    };
    for (partner, body, says) in [
        (PQ, &x25519, "post-quantum (mlkem768x25519) keys"),
        ("cav-milano", &sealed, "use X25519 keys"),
        (PQ, &mixed, "mixes post-quantum (mlkem768x25519) and X25519"),
        (
            "cav-milano",
            &mixed,
            "mixes post-quantum (mlkem768x25519) and X25519",
        ),
        (
            PQ,
            &two_of_three,
            "sealed to 2 recipients but this partner has 3",
        ),
    ] {
        let (code, json) = server.submit_raw(partner, body);
        assert!((400..500).contains(&code), "{partner}: {code} {json}");
        let error = json["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{partner}: {error}");
    }

    // 3. Every officer pulls and reads both reports.
    for n in 1..=3 {
        let out = dir.path().join(format!("pulled-{n}"));
        let identity = server
            .data
            .join(format!("demo/officers/{PQ}/{n}.key"))
            .to_str()
            .unwrap()
            .to_owned();
        let (ok, _, err) = common::approdo(&[
            "pull",
            "--server",
            &server.url,
            "--identity",
            &identity,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok, "officer {n}: {err}");
        let texts: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| std::fs::read_to_string(p.join("report.json")).unwrap())
            .collect();
        assert_eq!(texts.len(), 2, "officer {n}");
        for marker in ["MARKER-pq-lib", "MARKER-pq-cli"] {
            assert!(texts.iter().any(|t| t.contains(marker)), "officer {n}");
        }
    }
    // The first officer's key is where `serve --demo` promises it.
    assert!(server.identity_file(PQ).exists());

    // 4. `audit store` passes on the store holding post-quantum reports.
    let data = server.data.clone();
    server.kill9();
    let netkey = root().join("keys/demo/network.pub");
    let (ok, stdout, stderr) = common::approdo(&[
        "audit",
        "store",
        "--data",
        data.to_str().unwrap(),
        "--network-key",
        netkey.to_str().unwrap(),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("PASS: 2 reports"), "{stdout}");
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The body of a CCTV vector (after its header), extracted by `cctv.rs`'s helper.
fn cctv(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(crate::cctv::vectors_dir().join(name)).unwrap();
    let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
    bytes[split + 2..].to_vec()
}

/// Without JavaScript the server seals for the post-quantum partner too (files spooled under
/// an ephemeral hybrid key); a PQ officer reads it and replies — to her X25519 reply key.
#[test]
fn pq_partner_without_js_and_an_officer_reply() {
    use crate::nojs::{form_token, multipart, post};
    let server = TestServer::start(&[]);
    let marker = "MARKER-pq-nojs-77";
    let file: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (ct, body) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", PQ),
            ("consent_read", "yes"),
            ("description", marker),
        ],
        &[("photo.bin", &file)],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    let list = server.officer(PQ).list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].sealed, approdo::model::SealedBy::Server);
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull(PQ, out.path());
    assert!(ok, "{err}");
    let id = list[0].id.to_string();
    let dir = out.path().join(&id);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["description"], marker);
    assert_eq!(
        std::fs::read(dir.join("attachments/photo.bin")).unwrap(),
        file
    );
    assert_eq!(common::scan(&server.data, marker.as_bytes()), 0);
    let recipient = report["reply"]["recipient"].as_str().unwrap();
    assert!(
        recipient.starts_with("age1") && !recipient.starts_with("age1pq1"),
        "her reply key stays X25519: {recipient}"
    );

    // The post-quantum officer answers; the reply lands in her mailbox.
    let identity = server.identity_file(PQ);
    let (ok, _, err) = common::approdo(&[
        "reply",
        "--server",
        &server.url,
        "--identity",
        identity.to_str().unwrap(),
        "--reports",
        out.path().to_str().unwrap(),
        "--report",
        &id,
        "--message",
        "We read you.",
    ]);
    assert!(ok, "{err}");
    let mailbox = report["reply"]["mailbox"].as_str().unwrap();
    let listed: serde_json::Value = ureq::post(&format!("{}/api/v1/mailbox", server.url))
        .send_json(serde_json::json!({ "mailbox": mailbox }))
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(listed["messages"].as_array().unwrap().len(), 1, "{listed}");
}

/// After `officer rotate --pq` her file holds a post-quantum and an X25519 identity; her vault
/// seals its index at rest to the post-quantum one only (age never mixes the kinds; it failed
/// before), and syncs again.
#[test]
fn a_vault_after_rotate_pq_seals_at_rest_post_quantum() {
    let server = TestServer::start(&[]);
    let sealed = common::seal("cav-milano", &common::report_json("MARKER-pq-vault"), &[]);
    let (code, json) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(code, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let rotated = dir.path().join("rotated.key");
    let (ok, _, err) = common::approdo(&[
        "officer",
        "rotate",
        "--pq",
        "--no-passphrase",
        "--identity",
        server.identity_file("cav-milano").to_str().unwrap(),
        "--out",
        rotated.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let vault = dir.path().join("vault");
    for _ in 0..2 {
        let (ok, _, err) = common::approdo(&[
            "pull",
            "--server",
            &server.url,
            "--identity",
            rotated.to_str().unwrap(),
            "--vault",
            vault.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
    }
    // The report stays as the server had it; the index (what the inbox lists) is hers.
    assert!(vault.join("reports").join(format!("{id}.age")).is_file());
    let index = std::fs::read(vault.join("index.age")).unwrap();
    let text = String::from_utf8_lossy(&index[..index.len().min(8192)]).into_owned();
    assert_eq!(
        text.matches("\n-> mlkem768x25519 ").count(),
        1,
        "{text:.200}"
    );
    assert!(!text.contains("\n-> X25519 "));
    assert_eq!(common::scan(&vault, b"MARKER-pq-vault"), 0);
}
