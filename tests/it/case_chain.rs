//! Case records a server drops, replays or reorders (issue 17): each officer's records on a
//! report carry a signed sequence number and a hash link to her previous one, and a desk
//! remembers (sealed in its vault) the furthest record it saw of each chain. Maria files
//! three records; Anna's desk sees them; then the store's `case_records` table is tampered
//! with (a record removed from the middle, the last one removed, one replayed, two swapped)
//! and Anna's desk, with her vault as it was, warns on the report's page and in the inbox.

use std::path::Path;

use redb::ReadableTable;

use crate::common::{self, TestServer};
use crate::desk::{get, DeskProcess};
use crate::tamper::copy_data;
use crate::transparency::wait_for;

/// An edit of one report's case rows.
type Edit = fn(&mut Vec<Vec<u8>>);

const CASES: redb::TableDefinition<(u128, u128), &[u8]> =
    redb::TableDefinition::new("case_records");

fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match ureq::post(url).send_form(form) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A copy of the stopped server's data with `edit` applied to the case records of `report`
/// (given as `(sequence key, payload)` rows in filing order).
fn tampered(data: &Path, to: &Path, report: u128, edit: impl FnOnce(&mut Vec<Vec<u8>>)) {
    copy_data(data, to);
    let db = redb::Database::create(to.join("approdo.redb")).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(CASES).unwrap();
        let mut rows: Vec<Vec<u8>> = t
            .range((report, 0)..=(report, u128::MAX))
            .unwrap()
            .map(|r| r.unwrap().1.value().to_vec())
            .collect();
        t.retain_in((report, 0)..=(report, u128::MAX), |_, _| false)
            .unwrap();
        edit(&mut rows);
        for (i, row) in rows.iter().enumerate() {
            t.insert((report, i as u128), row.as_slice()).unwrap();
        }
    }
    txn.commit().unwrap();
}

#[test]
fn case_records_the_server_withheld_replayed_or_reordered_are_shown_by_desks() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &[]);
    let report = serde_json::json!({"schema": "approdo.report/v1", "kind": "report",
        "language": "it", "urgency": "today", "description": "CHAINMARKER"});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), &[]);
    let (status, json) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let rid = u128::from_str_radix(&id, 16).unwrap();

    let secret = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo/secret");
    let (maria_key, anna_key) = (
        secret.join("cav-milano-1.key"),
        secret.join("cav-milano-2.key"),
    );
    let anna_vault = dir.path().join("anna");
    {
        let maria = DeskProcess::start_as(
            &server,
            &maria_key,
            &dir.path().join("maria"),
            &["--name", "Maria"],
        );
        wait_for("Maria's first sync", || get(&maria.url).1.contains(&id));
        for (status, note) in [("taken", "first"), ("", "second"), ("closed", "third")] {
            let (code, page) = post(
                &format!("{}r/{id}/case", maria.url),
                &[("status", status), ("note", note)],
            );
            assert_eq!(code, 200, "{page}");
            assert!(!page.contains("case-tampered"), "{page}");
        }
        // Her own desk links each record to the one before: nothing to warn about.
        let (_, page, _) = get(&format!("{}r/{id}", maria.url));
        assert!(
            page.contains("third") && !page.contains("case-tampered"),
            "{page}"
        );

        let anna = DeskProcess::start_as(&server, &anna_key, &anna_vault, &["--name", "Anna"]);
        wait_for("Anna's first sync", || get(&anna.url).1.contains(&id));
        let (_, page, _) = get(&format!("{}r/{id}", anna.url));
        assert!(
            page.contains("third") && !page.contains("case-tampered"),
            "{page}"
        );
        let (_, inbox, _) = get(&anna.url);
        assert!(!inbox.contains("id=\"needs-tampered\""), "{inbox}");
    }
    let _ = server.stop();

    let cases: [(&str, Edit, &str); 4] = [
        ("middle", |r| drop(r.remove(1)), "record 1 of officer key"),
        ("last", |r| drop(r.pop()), "end before record 2"),
        ("replayed", |r| r.insert(2, r[1].clone()), "is listed twice"),
        ("reordered", |r| r.swap(1, 2), "listed out of order"),
    ];
    for (name, edit, says) in cases {
        let copy = dir.path().join(format!("data-{name}"));
        tampered(&data, &copy, rid, edit);
        let server = TestServer::start_in(&copy, &[]);
        // Anna's vault as it was after she saw the three records.
        let vault = dir.path().join(format!("anna-{name}"));
        copy_dir(&anna_vault, &vault);
        let anna = DeskProcess::start_as(&server, &anna_key, &vault, &["--name", "Anna"]);
        wait_for("Anna's sync", || get(&anna.url).1.contains("synced:"));
        let (_, inbox, _) = get(&anna.url);
        assert!(
            inbox.contains("id=\"needs-tampered\"") && inbox.contains(&id[..8]),
            "{name}: {inbox}"
        );
        let (_, page, _) = get(&format!("{}r/{id}", anna.url));
        assert!(page.contains("id=\"case-tampered\""), "{name}: {page}");
        assert!(
            page.contains("the server withheld or replayed a case record") && page.contains(says),
            "{name}: {page}"
        );
        drop(anna);
        let _ = server.stop();
    }
}

/// A record signed by cav-milano's first demo officer over `age` (any bytes), at seq 0.
fn signed_over(report: &str, age: &[u8]) -> approdo::case::SignedCase {
    use base64::prelude::{Engine, BASE64_STANDARD};
    use ed25519_dalek::Signer;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo/secret/cav-milano-1.key");
    let officer = approdo::keys::OfficerIdentity::read_all(&path, || unreachable!())
        .unwrap()
        .remove(0);
    let key = officer.signing_key().unwrap();
    let officer_key = BASE64_STANDARD.encode(key.verifying_key().as_bytes());
    let link = approdo::case::Link {
        seq: 0,
        prev: approdo::case::NO_PREV,
    };
    let message =
        approdo::case::signed_message(report, "cav-milano", &officer_key, link, age).unwrap();
    approdo::case::SignedCase {
        report: report.to_owned(),
        partner: "cav-milano".into(),
        officer_key,
        seq: 0,
        prev: approdo::case::NO_PREV.into(),
        signature: BASE64_STANDARD.encode(key.sign(&message).to_bytes()),
        age: BASE64_STANDARD.encode(age),
    }
}

/// `audit store` on `data` fails and says `what`.
fn audit_says(data: &Path, what: &str) {
    let (code, out) = crate::transparency::audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(what), "wanted {what:?} in {out}");
}

#[test]
fn audit_store_checks_that_case_records_are_signed_ciphertext_beside_their_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &["--log-interval", "1"]);
    let sealed = common::seal("cav-milano", &common::report_json("AUDITCASE"), &[]);
    let (status, json) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let rid = u128::from_str_radix(&id, 16).unwrap();
    // A genuine record, sealed to the partner's officers, filed through the API.
    let directory = approdo::keys::demo::directory()
        .unwrap()
        .directory()
        .clone();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo/secret/cav-milano-1.key");
    let officer = approdo::keys::OfficerIdentity::read_all(&path, || unreachable!())
        .unwrap()
        .remove(0);
    let record = approdo::case::CaseRecord {
        schema: approdo::case::SCHEMA.into(),
        report: id.clone(),
        status: Some(approdo::case::Status::Taken),
        by: "Maria".into(),
        note: Some("AUDITCASE note".into()),
        reply: None,
        appointment: None,
        appointment_on: None,
        shared: None,
    };
    let link = approdo::case::Link {
        seq: 0,
        prev: approdo::case::NO_PREV,
    };
    let genuine = record
        .seal(&directory, "cav-milano", &officer, link)
        .unwrap();
    server.officer("cav-milano").post_case(&genuine).unwrap();
    crate::transparency::wait_logged(&server, &id);
    let _ = server.stop();
    let (code, out) = crate::transparency::audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 case records, all signed ciphertext"),
        "{out}"
    );

    // A record the officer signed over plaintext (a server cannot sign; this is the audit's
    // own check that the bytes are ciphertext, not only signed).
    let plain = serde_json::to_vec(&signed_over(&id, b"AUDITCASE in the clear")).unwrap();
    let copy = dir.path().join("plain");
    tampered(&data, &copy, rid, |rows| rows.push(plain));
    audit_says(&copy, "case record 1: not valid sealed age");

    // Sealed to one of the partner's two recipients only.
    let mut one = Vec::new();
    approdo::envelope::seal_to(&mut one, &common::recipients("cav-milano")[..1], &b"x"[..])
        .unwrap();
    let narrow = serde_json::to_vec(&signed_over(&id, &one)).unwrap();
    let copy = dir.path().join("narrow");
    tampered(&data, &copy, rid, |rows| rows.push(narrow));
    audit_says(&copy, "case record 1: partner cav-milano");

    // Not a record at all, and a record whose signature no longer matches.
    let copy = dir.path().join("garbage");
    tampered(&data, &copy, rid, |rows| {
        rows.push(b"AUDITCASE junk".to_vec())
    });
    audit_says(&copy, "case record 1: not a signed case record");
    let mut forged = genuine.clone();
    forged.seq = 1;
    forged.prev = "a".repeat(64);
    let forged = serde_json::to_vec(&forged).unwrap();
    let copy = dir.path().join("forged");
    tampered(&data, &copy, rid, |rows| rows.push(forged));
    audit_says(
        &copy,
        "case record 1: the case record's signature does not verify",
    );

    // A record beside a report that is not in the store.
    let copy = dir.path().join("orphan");
    let row = serde_json::to_vec(&genuine).unwrap();
    tampered(&data, &copy, rid, |_| {});
    {
        let db = redb::Database::create(copy.join("approdo.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(CASES)
            .unwrap()
            .insert((rid ^ 1, 0), row.as_slice())
            .unwrap();
        txn.commit().unwrap();
    }
    audit_says(&copy, "case record 0: filed under no report in the store");
}
