//! Case state shared by a partner's officers, invisible to the server (issue 17, item 3): two
//! officers of cav-milano, each with her own desk and vault, one victim. Officer 1 takes the
//! report and proposes an appointment; officer 2's desk shows it taken, with the appointment,
//! and refuses her own proposal until she says "anyway"; she accepts, and both desks show her
//! answer. The records travel in a backup.
//! Nothing readable reaches the server's data, the backup or either vault.

use approdo::codename::Codename;

use crate::common::{self, TestServer};
use crate::desk::{get, DeskProcess};
use crate::transparency::wait_for;

fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match ureq::post(url).send_form(form) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn colleagues_see_who_took_a_report_and_its_appointment_before_proposing_another() {
    let server = TestServer::start(&[]);
    let keys = Codename::generate().derive().unwrap();
    let report = serde_json::json!({"schema": "approdo.report/v1", "kind": "report",
        "language": "it", "urgency": "today", "description": "CASEMARKER help",
        "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox}});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), &[]);
    let (status, json) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let second =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo/secret/cav-milano-2.key");
    let maria = DeskProcess::start_as(
        &server,
        &server.identity_file("cav-milano"),
        &dir.path().join("maria"),
        &["--name", "Maria"],
    );
    let anna = DeskProcess::start_as(
        &server,
        &second,
        &dir.path().join("anna"),
        &["--name", "Anna"],
    );
    for d in [&maria, &anna] {
        wait_for("a desk's first sync", || get(&d.url).1.contains(&id));
    }

    // Maria takes it, with a note, then proposes an appointment from her desk.
    let (status, page) = post(
        &format!("{}r/{id}/case", maria.url),
        &[("status", "taken"), ("note", "CASEMARKER-note I call her")],
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Maria") && page.contains("taken"), "{page}");
    let (status, sent) = post(
        &format!("{}r/{id}/reply", maria.url),
        &[
            ("message", "CASEMARKER-reply We can meet."),
            ("desk", "Via Roma 1"),
            ("time", "Tue 10:00"),
            ("phrase", "blue heron"),
        ],
    );
    assert_eq!(status, 200, "{sent}");
    assert!(
        sent.contains("Reply sent") && !sent.contains("no copy"),
        "{sent}"
    );

    // Anna's inbox shows who has it after a sync.
    let (status, inbox) = post(&format!("{}sync", anna.url), &[]);
    assert_eq!(status, 200, "{inbox}");
    assert!(inbox.contains("appointment set — Maria"), "{inbox}");

    // Anna's desk shows it, appointment and all, before she proposes her own.
    let (status, page, _) = get(&format!("{}r/{id}", anna.url));
    assert_eq!(status, 200);
    assert!(page.contains("id=\"case-status\""), "{page}");
    assert!(
        page.contains("appointment set") && page.contains("Maria"),
        "{page}"
    );
    assert!(page.contains("CASEMARKER-note I call her"), "{page}");
    assert!(
        page.contains("id=\"conflict\"") && page.contains("Tue 10:00"),
        "{page}"
    );
    let (status, refused) = post(
        &format!("{}r/{id}/reply", anna.url),
        &[
            ("message", "Come on Friday."),
            ("desk", "Via Po 2"),
            ("time", "Fri 15:00"),
            ("phrase", "red kite"),
        ],
    );
    assert_ne!(status, 200, "{refused}");
    assert!(
        refused.contains("Maria already proposed Tue 10:00"),
        "{refused}"
    );
    let (status, sent) = post(
        &format!("{}r/{id}/reply", anna.url),
        &[
            ("message", "Come on Friday."),
            ("desk", "Via Po 2"),
            ("time", "Fri 15:00"),
            ("phrase", "red kite"),
            ("anyway", "on"),
        ],
    );
    assert_eq!(status, 200, "{sent}");

    // She accepts (a follow-up, as her page sends it): both desks show her answer.
    let accept = serde_json::json!({"schema": "approdo.report/v1", "kind": "follow-up",
        "in_reply_to": id, "language": "it", "appointment": "accept",
        "description": "CASEMARKER-accept"});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&accept).unwrap(), &[]);
    let (status, json) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{json}");
    let answer = json["id"].as_str().unwrap().to_owned();
    for d in [&maria, &anna] {
        let (status, inbox) = post(&format!("{}sync", d.url), &[]);
        assert_eq!(status, 200);
        assert!(
            inbox.contains("id=\"needs-answers\"") && inbox.contains(&answer),
            "{inbox}"
        );
        let (_, page, _) = get(&format!("{}r/{answer}", d.url));
        assert!(page.contains("accept") && page.contains(&id), "{page}");
    }

    // Another partner cannot file or read records for this report.
    let other = server.officer("lavoro-milano");
    assert!(matches!(
        other.cases(id.parse().unwrap()),
        Err(approdo::client::ClientError::Refused { status: 404, .. })
    ));

    // The records travel in a backup: restored, the server lists the same three.
    let file = dir.path().join("store.approdo-backup");
    let (ok, _, err) = common::approdo(&[
        "backup",
        "--data",
        server.data.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let restored = dir.path().join("restored");
    let (ok, _, err) = common::approdo(&[
        "restore",
        "--from",
        file.to_str().unwrap(),
        "--data",
        restored.to_str().unwrap(),
        "--log-key",
        server.data.join("log.key").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let before = server
        .officer("cav-milano")
        .cases(id.parse().unwrap())
        .unwrap();
    assert_eq!(before.len(), 3);
    {
        let copy = TestServer::start_in(&restored, &[]);
        assert_eq!(
            copy.officer("cav-milano")
                .cases(id.parse().unwrap())
                .unwrap(),
            before
        );
    }
    // (`dir` — both vaults, the backup file and the restored store — is scanned below.)

    // The server stores ciphertext only; the vaults too.
    drop(maria);
    drop(anna);
    let data = server.stop().unwrap();
    for marker in [&b"CASEMARKER"[..], b"blue heron", b"Tue 10:00"] {
        assert_eq!(
            common::scan(data.path(), marker),
            0,
            "{}",
            String::from_utf8_lossy(marker)
        );
        assert_eq!(common::scan(dir.path(), marker), 0);
    }
}
