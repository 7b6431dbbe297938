//! Interoperability both ways with the Go reference implementation (Debian's `age`).

use std::process::Command;

use crate::common::{self, TestServer};

#[test]
fn go_age_sealed_report_is_pulled_with_identical_bytes() {
    let age = common::go_age();
    let server = TestServer::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let report = common::report_json("sealed by Go age");
    std::fs::write(w.join("report.json"), &report).unwrap();
    let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(w.join("photo.jpg"), &photo).unwrap();
    let (ok, _, err) = common::approdo(&[
        "envelope",
        "pack",
        "--report",
        w.join("report.json").to_str().unwrap(),
        "--attach",
        w.join("photo.jpg").to_str().unwrap(),
        "--out",
        w.join("envelope.tar").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let mut cmd = Command::new(age);
    for r in common::recipients("cav-milano") {
        cmd.arg("-r").arg(r.to_string());
    }
    let status = cmd
        .arg("-o")
        .arg(w.join("report.age"))
        .arg(w.join("envelope.tar"))
        .status()
        .unwrap();
    assert!(status.success());
    let (status, json) =
        server.submit_raw("cav-milano", &std::fs::read(w.join("report.age")).unwrap());
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();

    for officer in ["1", "2"] {
        let out = w.join(format!("pulled-{officer}"));
        let identity = server
            .data
            .join("demo/officers/cav-milano")
            .join(format!("{officer}.key"));
        let (ok, _, err) = common::approdo(&[
            "pull",
            "--no-ack",
            "--server",
            &server.url,
            "--identity",
            identity.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        assert_eq!(
            std::fs::read(out.join(&id).join("report.json")).unwrap(),
            report
        );
        assert_eq!(
            std::fs::read(out.join(&id).join("attachments/photo.jpg")).unwrap(),
            photo
        );
    }

    // The same file decrypts offline with `approdo decrypt`.
    let out = w.join("offline");
    let (ok, _, err) = common::approdo(&[
        "decrypt",
        "--identity",
        server.identity_file("cav-milano").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        w.join("report.age").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(out.join("attachments/photo.jpg")).unwrap(),
        photo
    );

    // And `audit store` accepts the store holding it (structure, stanza count, Padmé, log).
    let data = server.data.clone();
    let _kept = server.stop();
    let (ok, stdout, err) = common::approdo(&["audit", "store", "--data", data.to_str().unwrap()]);
    assert!(ok, "{stdout}{err}");
    assert!(stdout.contains("PASS: 1 reports"), "{stdout}");
}

#[test]
fn downloaded_report_decrypts_with_go_age_and_tar() {
    let age = common::go_age();
    let server = TestServer::start(&[]);
    let report = common::report_json("sealed by approdo, opened by Go age");
    let note = b"a note for the officer\n".repeat(5000);
    let sealed = common::seal(
        "tratta-milano",
        &report,
        &[("note.txt".into(), note.clone())],
    );
    let (status, json) = server.submit_raw("tratta-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    let id: approdo::model::ReportId = json["id"].as_str().unwrap().parse().unwrap();

    let client = server.officer("tratta-milano");
    let mut downloaded = Vec::new();
    std::io::copy(&mut client.download(id).unwrap(), &mut downloaded).unwrap();
    assert_eq!(
        downloaded, sealed,
        "the server returns the stored bytes unchanged"
    );

    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("report.age");
    std::fs::write(&file, &downloaded).unwrap();
    let plain = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(server.identity_file("tratta-milano"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let untar = work.path().join("x");
    std::fs::create_dir(&untar).unwrap();
    std::fs::write(work.path().join("envelope.tar"), &plain.stdout).unwrap();
    let tar = Command::new("tar")
        .arg("-xf")
        .arg(work.path().join("envelope.tar"))
        .arg("-C")
        .arg(&untar)
        .output()
        .unwrap();
    assert!(
        tar.status.success(),
        "{}",
        String::from_utf8_lossy(&tar.stderr)
    );
    assert_eq!(std::fs::read(untar.join("report.json")).unwrap(), report);
    assert_eq!(
        std::fs::read(untar.join("attachments/note.txt")).unwrap(),
        note
    );
    // The wrong partner's key does not open it.
    let wrong = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(server.identity_file("cav-milano"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}
