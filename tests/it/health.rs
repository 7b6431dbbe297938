//! What the operator runs around the server: `approdo health` (through the admin socket, so
//! it works under tor's PROXY line) says `ok` or `degraded` with the reason; `approdo check`
//! finds a bad directory before a restart, and a restart with one keeps the previous
//! directory served instead of taking the site down; a second server never takes over the
//! live one's socket or data directory.

use std::path::Path;

use crate::common::{self, TestServer};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn health(data: &Path) -> (bool, String, String) {
    common::approdo(&["health", "--data", s(data)])
}

#[test]
fn health_answers_under_the_proxy_line_and_a_second_server_takes_nothing_over() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("approdo.sock");
    let server = TestServer::start(&["--unix-socket", s(&sock), "--proxy-protocol"]);
    let (ok, out, err) = health(&server.data);
    assert!(ok && out.trim() == "ok", "{out}{err}");

    // Another data directory, the same socket: refused; the live server keeps it.
    let other = dir.path().join("other");
    let (ok, _, err) = common::approdo(&[
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data",
        s(&other),
        "--unix-socket",
        s(&sock),
        "--proxy-protocol",
    ]);
    assert!(
        !ok && err.contains("another server is listening on"),
        "{err}"
    );
    // The same data directory, another socket: refused by the store's lock.
    let (ok, _, err) = common::approdo(&[
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data",
        s(&server.data),
        "--unix-socket",
        s(&dir.path().join("second.sock")),
    ]);
    assert!(
        !ok && err.contains("another server holds this data directory"),
        "{err}"
    );
    let (ok, out, _) = health(&server.data);
    assert!(ok && out.trim() == "ok", "{out}");
    assert_eq!(
        common::status_json(ureq::get(&format!("{}/healthz", server.url)).call()).0,
        200
    );
    // No server: says so, exit code 1 or more.
    drop(server);
    let (ok, _, err) = health(&other);
    assert!(!ok && err.contains("is approdo running?"), "{err}");
}

#[test]
fn a_reached_disk_reserve_is_degraded_with_its_reason_while_reports_get_507() {
    // A reserve larger than any disk: every report would eat into it.
    let server = TestServer::start(&["--min-free-mib", "1000000000"]);
    let (ok, out, _) = health(&server.data);
    assert!(
        !ok && out.starts_with("degraded: the disk reserve is reached"),
        "{out}"
    );
    let (status, json) = common::status_json(ureq::get(&format!("{}/healthz", server.url)).call());
    assert_eq!(status, 503, "{json}");
    assert_eq!(json["status"], "degraded");
    assert!(
        json["reasons"][0]
            .as_str()
            .unwrap()
            .contains("--min-free-mib"),
        "{json}"
    );
    let sealed = common::seal("cav-milano", &common::report_json("full"), &[]);
    assert_eq!(server.submit_raw("cav-milano", &sealed).0, 507);
}

/// A real (non-DEMO) network in `d`: network key, one partner, one officer; `approdo init`.
fn real_network(d: &Path, version: u32) -> std::path::PathBuf {
    let ok = |args: &[&str]| {
        let (ok, out, err) = common::approdo(args);
        assert!(ok, "approdo {args:?}: {err}");
        out
    };
    if !d.join("network.key").exists() {
        let pubkey = ok(&["network", "keygen", "--out", s(&d.join("network.key"))]);
        std::fs::write(d.join("network.pub"), pubkey).unwrap();
        let anna = ok(&[
            "officer",
            "keygen",
            "--no-passphrase",
            "--out",
            s(&d.join("anna.key")),
        ]);
        std::fs::write(d.join("anna.pub"), anna.trim()).unwrap();
    }
    let anna = std::fs::read_to_string(d.join("anna.pub")).unwrap();
    std::fs::write(
        d.join("partners.toml"),
        format!(
            "network = \"Rete di prova\"\nversion = {version}\n[[partner]]\nid = \"cav-prova\"\n\
             name = \"CAV\"\nrecipients = [\"{anna}\"]\n"
        ),
    )
    .unwrap();
    ok(&[
        "directory",
        "sign",
        "--partners",
        s(&d.join("partners.toml")),
        "--key",
        s(&d.join("network.key")),
        "--out",
        s(&d.join("directory.json")),
    ]);
    let data = d.join("data");
    if !data.join("approdo.toml").exists() {
        let (is_ok, _, err) = common::init(d, &["--listen", "127.0.0.1:0"]);
        assert!(is_ok, "approdo init: {err}");
    }
    data.join("approdo.toml")
}

#[test]
fn a_bad_directory_is_found_by_check_and_a_restart_keeps_the_site_up() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let config = real_network(d, 1);
    let data = d.join("data");
    let (ok, out, err) = common::approdo(&["check", "--config", s(&config)]);
    assert!(
        ok && out.contains("directory version 1") && out.contains("will start"),
        "{out}{err}"
    );
    let server = TestServer::start_args(&data, &["serve", "--config", s(&config)]);
    let (ok, out, err) = common::approdo(&["check", "--config", s(&config)]);
    assert!(
        ok && out.contains("in use by the running server"),
        "{out}{err}"
    );
    let _ = server.stop();

    // Version 2 is signed, but the operator copies only directory.json: the signature is v1's.
    let old_sig = std::fs::read(d.join("directory.sig")).unwrap();
    real_network(d, 2);
    std::fs::write(d.join("directory.sig"), old_sig).unwrap();
    let (ok, _, err) = common::approdo(&["check", "--config", s(&config)]);
    assert!(
        !ok && err.contains("cannot be served") && err.contains("approdo directory sign"),
        "{err}"
    );

    // Restarted anyway: the site stays up with version 1, and health says why.
    let server = TestServer::start_args(&data, &["serve", "--config", s(&config)]);
    let directory: serde_json::Value = ureq::get(&format!("{}/api/v1/directory", server.url))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(directory["version"], 1);
    let (ok, out, _) = health(&data);
    assert!(
        !ok && out.contains("the configured directory") && out.contains("version 1"),
        "{out}"
    );
    assert!(String::from_utf8_lossy(&server.output()).contains("is refused"));
}

#[test]
fn init_force_keeps_settings_added_by_hand_and_prints_the_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let config = real_network(d, 1);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("reply_days = 7\nworkers = 3\n");
    std::fs::write(&config, text).unwrap();
    let (ok, out, err) = common::init(
        d,
        &[
            "--force",
            "--listen",
            "127.0.0.1:0",
            "--retention-days",
            "30",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("retention_days: 90 → 30"), "{out}");
    assert!(!out.contains("reply_days"), "{out}");
    let kept = std::fs::read_to_string(&config).unwrap();
    assert!(
        kept.contains("reply_days = 7") && kept.contains("workers = 3"),
        "{kept}"
    );
    assert!(kept.contains("retention_days = 30"), "{kept}");
}

#[test]
fn audits_of_a_real_network_take_its_key_and_say_which_flag_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let config = real_network(d, 1);
    let server = TestServer::start_args(&d.join("data"), &["serve", "--config", s(&config)]);
    let key = d.join("network.pub");
    let state = d.join("audit-state.json");
    for (args, name) in [
        (
            vec![
                "audit",
                "log",
                "--server",
                &server.url,
                "--state",
                s(&state),
            ],
            "log",
        ),
        (vec!["audit", "site", "--server", &server.url], "site"),
    ] {
        let (ok, out, err) = common::approdo(&args);
        assert!(
            !ok && format!("{out}{err}").contains("--network-key"),
            "{name}: {out}{err}"
        );
        let mut with_key = args.clone();
        with_key.extend(["--network-key", s(&key)]);
        let (ok, out, err) = common::approdo(&with_key);
        assert!(ok, "audit {name} with the network key: {out}{err}");
    }
    // A proxy in the form tor users type is understood (and here, unreachable: said so).
    let (ok, out, err) = common::approdo(&[
        "audit",
        "site",
        "--server",
        "http://example.onion",
        "--network-key",
        s(&key),
        "--proxy",
        "socks5h://127.0.0.1:9",
    ]);
    let said = format!("{out}{err}");
    assert!(
        !ok && !said.contains("Malformed proxy") && !said.contains("cannot use the proxy"),
        "{said}"
    );
}
