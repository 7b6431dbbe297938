//! `approdo pull` finishes what an earlier pull could not: a report pulled but never
//! acknowledged (the session expired, the connection dropped, `--no-ack`) is acknowledged by
//! the next pull instead of being forgotten as "already pulled"; `--keep-ciphertext` keeps the
//! encrypted file as received, which `approdo decrypt` opens offline.

use approdo::model::ReportState;

use crate::common::{self, TestServer};

#[test]
fn pulled_but_unacknowledged_reports_are_acknowledged_by_the_next_pull() {
    let server = TestServer::start(&[]);
    let mut ids = Vec::new();
    for marker in ["first", "second"] {
        let sealed = common::seal("cav-milano", &common::report_json(marker), &[]);
        let (status, json) = server.submit_raw("cav-milano", &sealed);
        assert_eq!(status, 201, "{json}");
        ids.push(json["id"].as_str().unwrap().to_owned());
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let identity = server.identity_file("cav-milano");
    let pull = |extra: &[&str]| {
        let mut args = vec![
            "pull",
            "--server",
            &server.url,
            "--identity",
            identity.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::approdo(&args)
    };
    let states = || -> Vec<approdo::model::Lenient<ReportState>> {
        server
            .officer("cav-milano")
            .list()
            .unwrap()
            .into_iter()
            .map(|m| m.state)
            .collect()
    };
    let (ok, _, err) = pull(&["--no-ack", "--keep-ciphertext"]);
    assert!(ok && err.contains("pulled 2 new report(s)"), "{err}");
    assert!(states().iter().all(|s| *s == ReportState::Received));

    // The encrypted file as received opens offline, to the same report.
    let kept = out.join(&ids[0]).join("report.age");
    let opened = dir.path().join("opened");
    let (ok, _, err) = common::approdo(&[
        "decrypt",
        "--identity",
        identity.to_str().unwrap(),
        "--out",
        opened.to_str().unwrap(),
        kept.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(opened.join("report.json")).unwrap(),
        std::fs::read(out.join(&ids[0]).join("report.json")).unwrap()
    );

    // The next pull has nothing new, and acknowledges both.
    let (ok, stdout, err) = pull(&[]);
    assert!(
        ok && err.contains("pulled 0 new") && err.contains("2 acknowledged"),
        "{err}"
    );
    for id in &ids {
        assert!(
            stdout.contains(&format!("{id}  acknowledged (pulled earlier)")),
            "{stdout}"
        );
    }
    assert!(states().iter().all(|s| *s == ReportState::Acknowledged));
    // …and then nothing is left to do.
    let (ok, _, err) = pull(&[]);
    assert!(
        ok && err.contains("pulled 0 new") && err.contains("0 acknowledged"),
        "{err}"
    );
}

#[test]
fn show_lists_the_unpacked_attachments_and_survives_a_closed_pipe() {
    let server = TestServer::start(&[]);
    let sealed = common::seal(
        "cav-milano",
        &common::report_json("with-photo"),
        &[("photo.jpg".to_owned(), vec![7u8; 1234])],
    );
    let (status, json) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", dir.path());
    assert!(ok, "{err}");
    let report = dir.path().join(&id);
    let (ok, text, err) = common::approdo(&["show", report.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        text.contains("Attachments: attachments/photo.jpg (1234 bytes)"),
        "{text}"
    );

    // `approdo show … | head`: the reader goes away; show stops quietly.
    let many: Vec<&str> = std::iter::repeat_n(report.to_str().unwrap(), 500).collect();
    let mut child = std::process::Command::new(common::bin())
        .arg("show")
        .args(&many)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("panicked"), "{err}");
}
