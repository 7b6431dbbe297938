//! Backups of a live store: taken while reports keep arriving, restored into a new data
//! directory, audited, and every report in it pulled intact from a server on the copy.
//! Also: a stopped store backs up from the file, restore never overwrites a store, and a
//! truncated or altered backup is refused.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use crate::common::{self, TestServer};

fn ids_in(dir: &Path) -> HashSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() == 32)
        .collect()
}

fn backup(data: &Path, out: &Path) -> String {
    let (ok, stdout, stderr) = common::approdo(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    stdout
}

#[test]
fn backup_while_serving_restores_audits_and_pulls_intact() {
    let server = TestServer::start(&[]);
    // Reports big enough to span chunks keep arriving from two threads during the backup.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (first_tx, first_rx) = mpsc::channel();
    let mut submitters = Vec::new();
    for t in 0..2 {
        let (url, acked, stop, first_tx) = (
            server.url.clone(),
            acked.clone(),
            stop.clone(),
            first_tx.clone(),
        );
        let attachment = vec![(format!("photo-{t}.bin"), vec![t as u8 + 1; 1_500_000])];
        let sealed = common::seal("cav-milano", &common::report_json("backup"), &attachment);
        submitters.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                // Bound to the mailbox the reply below is filed in (the binding travels in
                // the backup, checked on the restored copy).
                let resp = ureq::post(&format!("{url}/api/v1/submissions?partner=cav-milano"))
                    .set(common::POW_HEADER, &common::pow(&url))
                    .set(common::BINDING_HEADER, &common::binding(&"ab".repeat(32)))
                    .send_bytes(&sealed);
                let (status, json) = common::status_json(resp);
                assert_eq!(status, 201, "{json}");
                acked
                    .lock()
                    .unwrap()
                    .push(json["id"].as_str().unwrap().to_owned());
                let _ = first_tx.send(());
            }
        }));
    }
    // Wait until some reports are acknowledged; every one of them must be in the backup.
    for _ in 0..4 {
        first_rx.recv().unwrap();
    }
    // A reply (to one of them) waiting in a mailbox travels in the backup too.
    let reply_to = age::x25519::Identity::generate().to_public();
    let mut sealed_reply = Vec::new();
    approdo::envelope::seal_to(&mut sealed_reply, &[reply_to], &b"ciao"[..]).unwrap();
    let answered = acked.lock().unwrap()[0].clone();
    server
        .officer("cav-milano")
        .post_reply(&"ab".repeat(32), &answered, &sealed_reply)
        .unwrap();
    let before: Vec<String> = acked.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.approdo-backup");
    let said = backup(&server.data, &file);
    assert!(said.contains("from the running server"), "{said}");
    stop.store(true, Ordering::SeqCst);
    for s in submitters {
        s.join().unwrap();
    }
    let all: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    // Nothing but ciphertext and public material: no marker in clear.
    assert_eq!(common::scan(dir.path(), b"backup\""), 0);

    // Restore into a new directory; it refuses to restore over a store.
    let restored = dir.path().join("restored");
    let restore = |data: &Path, key: Option<&Path>| {
        let mut args = vec![
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ];
        if let Some(k) = key {
            args.extend(["--log-key", k.to_str().unwrap()]);
        }
        common::approdo(&args)
    };
    // Another server's log key is refused, and nothing is kept.
    let stranger = TestServer::start(&[]);
    let (ok, _, err) = restore(&restored, Some(&stranger.data.join("log.key")));
    assert!(
        !ok && err.contains("not the one this backup's log was signed with"),
        "{err}"
    );
    assert!(!restored.join("approdo.redb").exists());
    drop(stranger);
    // Without the log key, the restore says what is missing and serve refuses the copy
    // instead of starting a second log on it.
    let keyless = dir.path().join("keyless");
    let (ok, out, err) = restore(&keyless, None);
    assert!(ok && out.contains("log key: missing"), "{out}{err}");
    let (ok, _, err) = common::approdo(&[
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data",
        keyless.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("log.key is missing"), "{err}");
    assert!(
        !keyless.join("log.key").exists(),
        "serve made a new log key"
    );
    let log_key = server.data.join("log.key");
    let (ok, out, err) = restore(&restored, Some(&log_key));
    assert!(
        ok && out.contains("checked against the backup's log"),
        "{out}{err}"
    );
    let (ok, _, err) = restore(&restored, Some(&log_key));
    assert!(!ok && err.contains("already holds a store"), "{err}");
    let origin = ureq::get(&format!("{}/api/v1/log/key", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let (ok, out, err) = common::approdo(&["audit", "store", "--data", restored.to_str().unwrap()]);
    assert!(ok, "audit of the restored copy: {out}{err}");
    drop(server);

    // A server on the restored data: every report pulls and verifies (SHA-256 and decryption).
    let copy = TestServer::start_in(&restored, &[]);
    let same = ureq::get(&format!("{}/api/v1/log/key", copy.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(same, origin, "the restored server serves another log");
    let pulled = dir.path().join("pulled");
    let (ok, _, err) = copy.pull("cav-milano", &pulled);
    assert!(ok, "{err}");
    let got = ids_in(&pulled);
    for id in &before {
        assert!(
            got.contains(id),
            "report {id} acknowledged before the backup is missing"
        );
    }
    assert!(
        got.is_subset(&all),
        "the backup holds a report nobody was told about"
    );
    assert!(
        out.contains(&format!("PASS: {} reports", got.len())),
        "{out}"
    );
    assert_eq!(
        copy.officer("cav-milano")
            .list()
            .unwrap()
            .iter()
            .filter(|m| m.state == approdo::model::ReportState::Acknowledged)
            .count(),
        got.len()
    );
    // The reports' mailbox bindings came back: a reply naming one is accepted in its mailbox
    // and refused in another.
    let officer = copy.officer("cav-milano");
    assert!(officer
        .post_reply(&"ab".repeat(32), &before[1], &sealed_reply)
        .is_ok());
    let err = officer
        .post_reply(&"cd".repeat(32), &before[1], &sealed_reply)
        .unwrap_err()
        .to_string();
    assert!(err.contains("403"), "{err}");
}

#[test]
fn stopped_store_backs_up_from_the_file_and_bad_backups_are_refused() {
    let mut server = TestServer::start(&[]);
    let sealed = common::seal("tratta-milano", &common::report_json("x"), &[]);
    assert_eq!(server.submit_raw("tratta-milano", &sealed).0, 201);
    let data = server.data.clone();
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.bak");
    backup(&data, &live);
    // Stop it cleanly (SIGTERM): the admin socket goes, the file is closed.
    let status = std::process::Command::new("kill")
        .arg(server.pid().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    server.wait_exit();
    assert!(!data.join("admin.sock").exists());
    let offline = dir.path().join("offline.bak");
    let said = backup(&data, &offline);
    assert!(said.contains("from the stopped store"), "{said}");
    assert_eq!(
        std::fs::read(&live).unwrap(),
        std::fs::read(&offline).unwrap()
    );
    // Never overwrites a file.
    let (ok, _, err) = common::approdo(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        offline.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("already exists"), "{err}");

    let bytes = std::fs::read(&live).unwrap();
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 1;
    for (name, bad) in [
        ("truncated", bytes[..bytes.len() - 10].to_vec()),
        ("flipped", flipped),
        ("not a backup", b"hello".to_vec()),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, bad).unwrap();
        let target = dir.path().join(format!("{name}-data"));
        let (ok, _, err) = common::approdo(&[
            "restore",
            "--from",
            f.to_str().unwrap(),
            "--data",
            target.to_str().unwrap(),
        ]);
        assert!(
            !ok && err.contains("not a valid approdo backup"),
            "{name}: {err}"
        );
        assert!(!target.join("approdo.redb").exists(), "{name}");
    }
}
