//! `approdo audit store` on real stores: clean ones pass, tampered ones fail with a reason.

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
