//! Issue 15, item 10, replayed against a real server: disguised attachment names
//! (`photo<RLO>gpj.exe` from a third-party client and from the form without JavaScript)
//! reach the officer as what they are. Item 9 (forged replies) is in `attack_replies.rs`.

use std::path::Path;

use crate::common::{self, TestServer};

/// A report envelope built by hand (a third-party client), with one attachment named `name`.
fn envelope_with(name: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, data).unwrap();
    };
    add("report.json", &common::report_json("MARKER-atk-names"));
    add(&format!("attachments/{name}"), b"MZ not really a program");
    let mut bytes = tar.into_inner().unwrap();
    bytes.resize(approdo::envelope::padme(bytes.len() as u64) as usize, 0);
    bytes
}

fn pulled_names(dir: &Path) -> Vec<String> {
    let report = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    std::fs::read_dir(report.join("attachments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[test]
fn disguised_attachment_names_reach_the_officer_as_what_they_are() {
    let server = TestServer::start(&[]);
    let disguised = "photo\u{202e}gpj.exe";
    // A third-party client seals a hand-made envelope: unpacking neutralises the name.
    let mut sealed = Vec::new();
    approdo::envelope::seal_to(
        &mut sealed,
        &common::recipients("cav-milano"),
        &envelope_with(disguised)[..],
    )
    .unwrap();
    assert_eq!(server.submit_raw("cav-milano", &sealed).0, 201);
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    assert_eq!(pulled_names(out.path()), ["photo_gpj.exe"]);
    let report = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let (ok, shown, err) = common::approdo(&["show", report.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        !shown.chars().any(approdo::envelope::is_hidden_char),
        "{shown}"
    );

    // The form without JavaScript: the server names the file safely before sealing.
    let token = crate::nojs::form_token(&server);
    let (ct, body) = crate::nojs::multipart(
        &[
            ("form_token", &token),
            ("partner", "tratta-milano"),
            ("consent_read", "yes"),
            ("description", "x"),
        ],
        &[("scan\u{2067}fdp.scr", b"data")],
    );
    let (status, page) = crate::nojs::post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    let out = tempfile::tempdir().unwrap();
    assert!(server.pull("tratta-milano", out.path()).0);
    assert_eq!(pulled_names(out.path()), ["scan_fdp.scr"]);
}
