//! `approdo audit store` on real stores: clean ones pass, tampered ones fail with a reason. The
//! live audits (`log`, `site`) read through their `--proxy`.

use crate::common::{self, TestServer};

#[test]
fn audit_passes_on_a_clean_store_and_fails_on_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("data"), &[]);
    let big = vec![42u8; 3 * 1024 * 1024 + 17];
    let mut sealed_big = Vec::new();
    for (partner, attachment) in [
        ("cav-milano", vec![1u8; 10]),
        ("tratta-milano", big),
        ("lavoro-milano", vec![]),
    ] {
        let s = common::seal(
            partner,
            &common::report_json("audit me"),
            &[("a.bin".into(), attachment)],
        );
        assert_eq!(server.submit_raw(partner, &s).0, 201);
        if partner == "tratta-milano" {
            sealed_big = s;
        }
    }
    let data = server.data.clone();
    server.kill9();
    let netkey = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keys/demo/network.pub");
    let (ok, stdout, stderr) = common::approdo(&[
        "audit",
        "store",
        "--data",
        data.to_str().unwrap(),
        "--network-key",
        netkey.to_str().unwrap(),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("PASS: 3 reports"), "{stdout}");

    // Tamper: flip one byte inside the stored ciphertext of the big report (raw file edit).
    let db = data.join("approdo.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = &sealed_big[200_000..200_064];
    let pos = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("ciphertext is stored verbatim");
    bytes[pos + 10] ^= 0x01;
    std::fs::write(&db, &bytes).unwrap();
    let out = common::command()
        .args(["audit", "store", "--data", data.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("FAIL") || String::from_utf8_lossy(&out.stderr).contains("error"),
        "{stdout}"
    );
}

#[test]
fn audit_refuses_a_store_that_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::command()
        .args(["audit", "store", "--data", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

/// `audit log` and `audit site` share one fetcher: with `--proxy`, every request goes to the
/// proxy (here a listener that counts connections and closes them), none straight to the
/// server, and the audit cannot pass.
#[test]
fn live_audits_go_through_the_proxy() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let server = TestServer::start(&[]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("socks5h://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    let state = tempfile::tempdir().unwrap();
    let state = state.path().join("state.json");
    let (ok, out, err) =
        common::approdo(&["audit", "site", "--server", &server.url, "--proxy", &proxy]);
    assert!(!ok && !out.contains("PASS"), "{out}{err}");
    let after_site = seen.load(Ordering::SeqCst);
    assert!(after_site > 0, "audit site did not use --proxy: {out}{err}");
    let (ok, out, err) = common::approdo(&[
        "audit",
        "log",
        "--server",
        &server.url,
        "--state",
        state.to_str().unwrap(),
        "--proxy",
        &proxy,
    ]);
    assert!(!ok && out.contains("ERROR: could not audit"), "{out}{err}");
    assert!(
        seen.load(Ordering::SeqCst) > after_site,
        "audit log did not use --proxy: {out}{err}"
    );
    // Without the proxy, the same server passes.
    let (ok, out, err) = common::approdo(&["audit", "site", "--server", &server.url]);
    assert!(ok && out.contains("PASS"), "{out}{err}");
}
