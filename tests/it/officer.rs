//! Officer sessions: bound to one partner, refused when forged or expired.

use approdo::client::ClientError;
use approdo::model::ReportId;

use crate::common::{self, TestServer};

fn refused(r: Result<impl Sized, ClientError>, status: u16) {
    match r {
        Err(ClientError::Refused { status: s, .. }) => assert_eq!(s, status),
        Err(e) => panic!("expected {status}, got {e}"),
        Ok(_) => panic!("expected {status}, got success"),
    }
}

#[test]
fn an_officer_of_a_cannot_touch_reports_of_b() {
    let server = TestServer::start(&[]);
    let sealed = common::seal("tratta-milano", &common::report_json("for B only"), &[]);
    let (status, json) = server.submit_raw("tratta-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    let id: ReportId = json["id"].as_str().unwrap().parse().unwrap();

    let a = server.officer("cav-milano");
    assert!(a.list().unwrap().is_empty(), "A lists none of B's reports");
    refused(a.download(id), 404);
    let sha = json["sha256"].as_str().unwrap().to_owned();
    refused(a.acknowledge(id, &sha), 404);
    refused(a.delete(id), 404);
    // An unknown id answers exactly the same.
    refused(a.download(ReportId::random()), 404);

    let b = server.officer("tratta-milano");
    let list = b.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].state, approdo::model::ReportState::Received);
    b.acknowledge(id, &sha).unwrap();
    assert_eq!(
        b.list().unwrap()[0].state,
        approdo::model::ReportState::Acknowledged
    );
    // The listing on the wire has exactly the fields of the frozen summary
    // (tests/vectors/report_summary.json, whose second report is acknowledged).
    let raw: serde_json::Value = ureq::get(&format!("{}/api/v1/officer/reports", server.url))
        .set("Authorization", &format!("Bearer {}", b.token().unwrap()))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("../vectors/report_summary.json")).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&raw["reports"][0]), keys(&golden[1]), "{raw}");
    assert_eq!(raw["partner"], "tratta-milano");
    b.delete(id).unwrap();
    assert!(b.list().unwrap().is_empty());
    refused(b.download(id), 404);
}

#[test]
fn forged_and_foreign_sessions_are_refused() {
    let server = TestServer::start(&[]);
    let other = TestServer::start(&[]);
    let forged = approdo::client::Client::new(&server.url, None)
        .unwrap()
        .with_token("AAAAforgedAAAA");
    refused(forged.list(), 401);
    let none = approdo::client::Client::new(&server.url, None).unwrap();
    refused(none.list(), 401);
    // A real session of another server is worthless here.
    let foreign_token = other.officer("cav-milano").token().unwrap().to_owned();
    let foreign = approdo::client::Client::new(&server.url, None)
        .unwrap()
        .with_token(&foreign_token);
    refused(foreign.list(), 401);
    // A key that is not in the directory cannot even get a challenge.
    let stranger = approdo::keys::OfficerIdentity::generate();
    let mut c = approdo::client::Client::new(&server.url, None).unwrap();
    assert!(matches!(
        c.login(&[stranger]),
        Err(ClientError::NotAnOfficer)
    ));
    // A wrong answer to a real challenge is refused, and the challenge is single-use.
    let recipient = approdo::keys::OfficerIdentity::read_all(
        &server.identity_file("cav-milano"),
        || unreachable!(),
    )
    .unwrap()[0]
        .recipient()
        .to_string();
    let (s, ch) = common::status_json(
        ureq::post(&format!("{}/api/v1/officer/challenge", server.url))
            .send_json(serde_json::json!({ "recipient": recipient })),
    );
    assert_eq!(s, 200);
    let body = serde_json::json!({ "challenge_id": ch["challenge_id"], "response": "guess" });
    let (s, json) = common::status_json(
        ureq::post(&format!("{}/api/v1/officer/session", server.url)).send_json(&body),
    );
    assert_eq!(s, 401, "{json}");
    assert!(json["error"].is_string());
}

#[test]
fn sessions_expire() {
    let server = TestServer::start(&["--session-ttl", "1"]);
    let officer = server.officer("cav-milano");
    // Wait on the condition (the session stops working), with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match officer.list() {
            Err(ClientError::Refused { status: 401, .. }) => break,
            Ok(_) => assert!(
                std::time::Instant::now() < deadline,
                "session still valid after 30 s"
            ),
            Err(e) => panic!("{e}"),
        }
        std::thread::yield_now();
    }
    // Logging in again works.
    assert!(server.officer("cav-milano").list().is_ok());
}

#[test]
fn pull_remembers_what_it_pulled_and_acknowledges() {
    let server = TestServer::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let pull = || server.pull("lavoro-milano", out.path());
    for i in 0..3 {
        let s = common::seal(
            "lavoro-milano",
            &common::report_json(&format!("report {i}")),
            &[],
        );
        assert_eq!(server.submit_raw("lavoro-milano", &s).0, 201);
    }
    let (ok, stdout, err) = pull();
    assert!(ok, "{err}");
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    let (ok, stdout, err) = pull();
    assert!(ok, "{err}");
    assert_eq!(
        stdout.lines().count(),
        0,
        "nothing new the second time: {stdout}"
    );
    assert!(err.contains("pulled 0 new"), "{err}");
    let acked = server.officer("lavoro-milano").list().unwrap();
    assert!(acked
        .iter()
        .all(|m| m.state == approdo::model::ReportState::Acknowledged));
    use std::os::unix::fs::PermissionsExt;
    for m in &acked {
        let dir = out.path().join(m.id.to_string());
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            std::fs::metadata(dir.join("report.json"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
}
