//! Issue 18: audits that a copy or a server cannot satisfy on its own word — `audit store`
//! against a log key and a checkpoint the auditor brings, `audit log` against receipts the
//! server signed.

use std::path::Path;

use redb::ReadableTable;

use crate::common::TestServer;
use crate::tamper::copy_data;
use crate::transparency::{audit, submit, wait_for, wait_logged};

/// Issue 18, gap 3: a copy cannot vouch for itself. The operator keeps the log key, puts back
/// an older copy and grows it with other reports (a report and its entry gone, the log
/// re-signed with the same key): `audit store` on the copy alone passes, and fails against a
/// checkpoint seen before (`--checkpoint`) or the network's published log key (`--log-key`).
#[test]
fn audit_store_against_a_pinned_checkpoint_and_log_key_catches_a_rewritten_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let old = dir.path().join("old");
    let seen = dir.path().join("checkpoint.txt");
    {
        let server = TestServer::start_in(&data, &["--log-interval", "1"]);
        let a = submit(&server, "one");
        wait_logged(&server, a["id"].as_str().unwrap());
        let _ = server.stop();
        copy_data(&data, &old);
        let server = TestServer::start_in(&data, &["--log-interval", "1"]);
        let b = submit(&server, "two");
        wait_logged(&server, b["id"].as_str().unwrap());
        let cp = ureq::get(&format!("{}/log/checkpoint", server.url))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        std::fs::write(&seen, cp).unwrap();
        let _ = server.stop();
    }
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let (code, out) = audit(&["store", "--data", &s(&data), "--checkpoint", &s(&seen)]);
    assert_eq!(code, 0, "the honest store contains what was seen: {out}");
    {
        let server = TestServer::start_in(&old, &["--log-interval", "1"]);
        for i in 0..2 {
            let c = submit(&server, &format!("other {i}"));
            wait_logged(&server, c["id"].as_str().unwrap());
        }
        let _ = server.stop();
    }
    let (code, out) = audit(&["store", "--data", &s(&old)]);
    assert_eq!(
        code, 0,
        "alone, the rewritten copy is self-consistent: {out}"
    );
    let (code, out) = audit(&["store", "--data", &s(&old), "--checkpoint", &s(&seen)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the pinned checkpoint") && out.contains("rewritten"),
        "{out}"
    );
    // Re-signed with a new key: the published key catches it.
    let stranger = tempfile::tempdir().unwrap();
    let other = approdo::transparency::LogKey::load_or_create(stranger.path()).unwrap();
    let (code, out) = audit(&["store", "--data", &s(&old), "--log-key", other.vkey()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("is not the pinned one"), "{out}");
}

/// Issue 18, gap 2: receipts carry a deadline (`by <time>`, the next integration) and a receipt
/// past it whose report is not in the log is reported as signed evidence; a kept one passes.
#[test]
fn audit_log_reports_a_receipt_the_log_did_not_keep() {
    let server = TestServer::start(&["--log-interval", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let kept = submit(&server, "kept");
    let receipt = kept["receipt"].as_str().unwrap();
    assert!(
        receipt.lines().nth(4).is_some_and(|l| l.starts_with("by ")),
        "{receipt}"
    );
    wait_logged(&server, kept["id"].as_str().unwrap());
    let good = dir.path().join("kept.receipt");
    std::fs::write(&good, receipt).unwrap();
    // The operator signed a receipt (with the log key) for a report the log never got.
    let key = approdo::transparency::LogKey::load_or_create(&server.data).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let dropped = key
        .sign_receipt(
            &format!("{:032x}", 0xdead_u128),
            &"ab".repeat(32),
            now - 120,
            Some(&approdo::model::ChunkRoot::of(b"age", 1_044_480)),
        )
        .unwrap();
    let bad = dir.path().join("dropped.receipt");
    std::fs::write(&bad, dropped).unwrap();
    let state = dir.path().join("state.json");
    let (s, g, b) = (
        state.to_str().unwrap(),
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    );
    let (code, out) = audit(&["log", "--server", &server.url, "--state", s, "--receipt", g]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = audit(&[
        "log",
        "--server",
        &server.url,
        "--state",
        s,
        "--receipt",
        g,
        "--receipt",
        b,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("0000000000000000000000000000dead") && out.contains("signed evidence"),
        "{out}"
    );
}

/// Issue 18, gap 2: a frozen log. The server is stopped and its checkpoint replaced by one the
/// log key signed three days ago (what a log that stopped integrating leaves); with the daily
/// interval nothing re-signs it before midnight, and `audit log` reports it frozen, where the
/// honest store's checkpoint passed.
#[test]
fn audit_log_reports_a_frozen_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state.json");
    let st = state.to_str().unwrap();
    {
        let server = TestServer::start_in(&data, &[]);
        // The first checkpoint is signed just after start.
        wait_for("the first checkpoint", || {
            ureq::get(&format!("{}/log/checkpoint", server.url))
                .call()
                .is_ok()
        });
        let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
        assert_eq!(code, 0, "{out}");
        let _ = server.stop();
    }
    {
        let db = redb::Database::create(data.join("approdo.redb")).unwrap();
        let trust = redb::TableDefinition::<&str, &[u8]>::new("trust");
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(trust).unwrap();
            let old = t.get("log.checkpoint").unwrap().unwrap().value().to_vec();
            let key = approdo::transparency::LogKey::load_or_create(&data).unwrap();
            let cp = approdo::transparency::LogVerifier::new(key.vkey())
                .unwrap()
                .checkpoint(&old)
                .unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let three_days_ago = now - now % 86_400 - 3 * 86_400;
            let frozen = key
                .sign_checkpoint_at(cp.size(), *cp.hash(), three_days_ago)
                .unwrap();
            t.insert("log.checkpoint", frozen.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let server = TestServer::start_in(&data, &[]);
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the log is frozen"), "{out}");
}
