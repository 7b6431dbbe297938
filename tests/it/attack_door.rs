//! Issue 15, replayed against a real server — the door: every anonymous write pays the same
//! proof of work (the officer's library client solves it by itself), and a plain `age -r`
//! file is refused before anything is stored, by both the single-request and the page's
//! upload path — and `audit store` passes on the honest server after. The upload helpers are
//! `attack_uploads`'.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::attack_uploads::{audit_passes, sealed, upload};
use crate::common::{self, status_json, TestServer, POW_HEADER};

#[test]
fn submissions_pay_the_same_proof_of_work_and_the_cli_solves_it() {
    let server = TestServer::start(&[]);
    let url = &server.url;
    let report = sealed(1000, "pow");
    let post = |pow: Option<String>| {
        let mut req = ureq::post(&format!("{url}/api/v1/submissions?partner=cav-milano"));
        if let Some(p) = pow {
            req = req.set(POW_HEADER, &p);
        }
        status_json(req.send_bytes(&report))
    };
    let (s, json) = post(None);
    assert_eq!(s, 428, "{json}");
    assert!(json["error"].as_str().unwrap().contains("/api/v1/pow"));
    let solved = common::pow(url);
    assert_eq!(post(Some(solved.clone())).0, 201);
    assert_eq!(post(Some(solved)).0, 428, "a solution is good once");
    // The library client (what `approdo envelope submit` uses) solves it by itself.
    let client = approdo::client::Client::new(url, None).unwrap();
    let answer = client.submit("cav-milano", &report).unwrap();
    assert_eq!(answer["id"].as_str().unwrap().len(), 32);
    // --pow-bits 0 still turns it off, for scripts.
    let free = TestServer::start(&["--pow-bits", "0"]);
    assert_eq!(free.submit_raw("cav-milano", &report).0, 201);
    let (s, _) = status_json(
        ureq::post(&format!(
            "{}/api/v1/submissions?partner=cav-milano",
            free.url
        ))
        .send_bytes(&report),
    );
    assert_eq!(s, 201);
}

#[test]
fn a_plain_age_file_is_refused_at_the_door() {
    let age = common::go_age();
    let server = TestServer::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    // A plain file of 1 000 bytes: a whole age STREAM, but not an approdo envelope's length.
    std::fs::write(w.join("plain.txt"), vec![b'x'; 1000]).unwrap();
    let mut cmd = Command::new(age);
    for r in common::recipients("cav-milano") {
        cmd.arg("-r").arg(r.to_string());
    }
    let ok = cmd
        .arg("-o")
        .arg(w.join("plain.age"))
        .arg(w.join("plain.txt"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let foreign = std::fs::read(w.join("plain.age")).unwrap();
    let (s, json) = server.submit_raw("cav-milano", &foreign);
    assert_eq!(s, 400, "{json}");
    let msg = json["error"].as_str().unwrap();
    assert!(
        msg.starts_with("not an approdo envelope: length is not a Padmé length"),
        "{msg}"
    );
    // The same through the page's path, at finalisation.
    let (s, json) = upload(
        &server.url,
        &foreign,
        Instant::now() + Duration::from_secs(30),
    );
    assert_eq!(s, 400, "{json}");
    assert!(json["error"]
        .as_str()
        .unwrap()
        .starts_with("not an approdo envelope"));
    // A real envelope cut short by a few bytes at the end is refused too.
    let mut cut = sealed(200_000, "cut");
    cut.truncate(cut.len() - 100);
    assert_eq!(server.submit_raw("cav-milano", &cut).0, 400);
    // Nothing was stored; the audit of the honest server passes.
    assert!(server.officer("cav-milano").list().unwrap().is_empty());
    audit_passes(&server);
}
