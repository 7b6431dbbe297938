//! The officer's vault (`approdo pull --vault DIR`): reports stay sealed at rest — no file in
//! the vault holds a marker the victim wrote, not even while a pull runs or after it is killed
//! (SIGKILL at ≥ 20 random moments); a report deleted on the server leaves the vault at the
//! next sync; plaintext pull folders are imported and wiped; exports are listed and wiped.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{self, TestServer};

fn submit(server: &TestServer, marker: &str) -> String {
    let attachment = (
        "note.txt".to_owned(),
        format!("attachment of {marker}").into_bytes(),
    );
    let sealed = common::seal("cav-milano", &common::report_json(marker), &[attachment]);
    let (status, json) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{json}");
    json["id"].as_str().unwrap().to_owned()
}

fn pull_vault(server: &TestServer, vault: &Path) -> (bool, String, String) {
    let identity = server.identity_file("cav-milano");
    common::approdo(&[
        "pull",
        "--server",
        &server.url,
        "--identity",
        identity.to_str().unwrap(),
        "--vault",
        vault.to_str().unwrap(),
    ])
}

fn vault_cmd(server: &TestServer, args: &[&str]) -> (bool, String, String) {
    let identity = server.identity_file("cav-milano");
    let mut all = vec!["vault"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--identity", identity.to_str().unwrap()]);
    common::approdo(&all)
}

#[test]
fn vault_keeps_reports_sealed_and_follows_deletions_on_the_server() {
    let server = TestServer::start(&[]);
    let ids: Vec<String> = (0..3)
        .map(|i| submit(&server, &format!("VAULTMARKER-{i}")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let (ok, out, err) = pull_vault(&server, &vault);
    assert!(ok, "{err}");
    assert!(
        err.contains("pulled 3 new report(s) into the vault"),
        "{err}"
    );
    for id in &ids {
        assert!(out.contains(id.as_str()), "{out}");
        assert!(vault.join("reports").join(format!("{id}.age")).is_file());
    }
    assert_eq!(
        common::scan(dir.path(), b"VAULTMARKER"),
        0,
        "plaintext in the vault"
    );
    assert_eq!(common::scan(dir.path(), b"attachment of"), 0);
    // Pulled means acknowledged, as with --out.
    let states = server.officer("cav-milano").list().unwrap();
    assert!(states
        .iter()
        .all(|m| m.state == approdo::model::ReportState::Acknowledged));
    let v = vault.to_str().unwrap();
    let (ok, list, err) = vault_cmd(&server, &["list", "--vault", v]);
    assert!(ok, "{err}");
    assert_eq!(list.lines().count(), 3, "{list}");

    // Deleted on the server → wiped from the vault at the next sync.
    let gone = ids[1].parse().unwrap();
    server.officer("cav-milano").delete(gone).unwrap();
    let (ok, _, err) = pull_vault(&server, &vault);
    assert!(ok, "{err}");
    assert!(err.contains("1 removed"), "{err}");
    assert!(!vault
        .join("reports")
        .join(format!("{}.age", ids[1]))
        .exists());
    let (_, list, _) = vault_cmd(&server, &["list", "--vault", v]);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(!list.contains(ids[1].as_str()));

    // An export is plaintext on purpose: listed, then wiped.
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let (ok, _, err) = vault_cmd(
        &server,
        &[
            "export",
            "--vault",
            v,
            "--out",
            exports.to_str().unwrap(),
            &ids[0],
        ],
    );
    assert!(ok, "{err}");
    assert!(err.contains("in the clear"), "{err}");
    assert!(common::scan(&exports, b"VAULTMARKER-0") > 0);
    let (_, listed, _) = vault_cmd(&server, &["exports", "--vault", v]);
    assert!(listed.contains(ids[0].as_str()), "{listed}");
    let (ok, _, err) = vault_cmd(&server, &["wipe-exports", "--vault", v]);
    assert!(ok, "{err}");
    assert_eq!(common::scan(dir.path(), b"VAULTMARKER"), 0);
    let (_, listed, _) = vault_cmd(&server, &["exports", "--vault", v]);
    assert!(listed.is_empty(), "{listed}");
}

#[test]
fn plaintext_pull_folders_are_imported_sealed_and_wiped() {
    let server = TestServer::start(&[]);
    let a = submit(&server, "IMPORTMARKER-a");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plain");
    let (ok, _, err) = server.pull("cav-milano", &out);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: --out writes every report in the clear"),
        "{err}"
    );
    assert!(common::scan(&out, b"IMPORTMARKER-a") > 0);
    let vault = dir.path().join("vault");
    let (ok, stdout, err) = vault_cmd(
        &server,
        &[
            "import",
            "--from",
            out.to_str().unwrap(),
            "--vault",
            vault.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(stdout.contains(&a), "{stdout}");
    assert_eq!(common::scan(dir.path(), b"IMPORTMARKER"), 0);
    assert_eq!(common::scan(dir.path(), b"attachment of"), 0);
    assert!(!out.join(&a).exists());
    let (_, list, _) = vault_cmd(&server, &["list", "--vault", vault.to_str().unwrap()]);
    assert!(list.contains(&a), "{list}");
    // The imported report is known: the next sync fetches nothing new.
    let (ok, _, err) = pull_vault(&server, &vault);
    assert!(ok && err.contains("pulled 0 new report(s)"), "{err}");
}

#[test]
fn pulls_killed_at_random_moments_leave_no_plaintext() {
    let server = TestServer::start(&[]);
    const REPORTS: usize = 8;
    for i in 0..REPORTS {
        submit(&server, &format!("KILLMARKER-{i}"));
    }
    let identity = server.identity_file("cav-milano");
    let dir = tempfile::tempdir().unwrap();
    let mut kills = 0;
    let mut round = 0;
    // Rounds until 20 pulls were killed mid-way (a pull that finished first does not count).
    while kills < 20 {
        round += 1;
        assert!(
            round <= 80,
            "only {kills} of 80 pulls were killed before they finished"
        );
        let vault = dir.path().join(format!("vault-{round}"));
        let mut child = common::command()
            .args([
                "pull",
                "--no-ack",
                "--server",
                &server.url,
                "--identity",
                identity.to_str().unwrap(),
                "--vault",
                vault.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // A random moment: after a random number of files appeared in the vault (a download
        // in tmp/ or a report moved in), then a random number of scheduler yields.
        let files = |d: &Path| std::fs::read_dir(d).map_or(0, |r| r.count());
        let target = rand::random::<usize>() % REPORTS;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n = files(&vault.join("tmp")) + files(&vault.join("reports"));
            if n >= target || child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "the pull stalled");
            std::thread::yield_now();
        }
        for _ in 0..rand::random::<u16>() % 2000 {
            std::thread::yield_now();
        }
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            common::scan(dir.path(), b"KILLMARKER"),
            0,
            "plaintext on disk after kill {round}"
        );
    }
    // A killed vault (the first one) still syncs to the end.
    let vault = dir.path().join("vault-1");
    let (ok, _, err) = pull_vault(&server, &vault);
    assert!(ok, "{err}");
    let (_, list, _) = vault_cmd(&server, &["list", "--vault", vault.to_str().unwrap()]);
    assert_eq!(list.lines().count(), REPORTS, "{list}");
    assert_eq!(common::scan(dir.path(), b"KILLMARKER"), 0);
    assert_eq!(std::fs::read_dir(vault.join("tmp")).unwrap().count(), 0);
}
