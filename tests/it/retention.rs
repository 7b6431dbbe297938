//! Retention through the server: an acknowledged report goes when its period is over (at the
//! start-up sweep), an unacknowledged one never does, and the server says so with counts only.

use crate::common::{self, TestServer};

#[test]
fn acknowledged_reports_expire_unacknowledged_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &[]);
    let sealed = common::seal("cav-milano", &common::report_json("kept"), &[]);
    let (_, acked) = server.submit_raw("cav-milano", &sealed);
    let acked_sha = acked["sha256"].as_str().unwrap().to_owned();
    let (_, waiting) = server.submit_raw("tratta-milano", &sealed_for_tratta());
    let acked = acked["id"].as_str().unwrap().to_owned();
    let waiting = waiting["id"].as_str().unwrap().to_owned();
    server
        .officer("cav-milano")
        .acknowledge(acked.parse().unwrap(), &acked_sha)
        .unwrap();
    let listed = server.officer("cav-milano").list().unwrap();
    assert_eq!(listed[0].acknowledged, Some(approdo::model::Day::today()));
    drop(server);

    // A period of 0 days: everything acknowledged is due at the next sweep (at start).
    let server = TestServer::start_in(&data, &["--retention-days", "0"]);
    // The start-up sweep prints its counts once its deletes are committed: wait for that line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let out = loop {
        let out = String::from_utf8_lossy(&server.output()).into_owned();
        if out.contains("unacknowledged for longer") {
            break out;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no retention line within 60 s: {out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(server.officer("cav-milano").list().unwrap().is_empty());
    let kept = server.officer("tratta-milano").list().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].id.to_string(), waiting);
    assert!(
        out.contains("retention removed 1 acknowledged report"),
        "{out}"
    );
    assert!(out.contains("1 report(s) unacknowledged"), "{out}");
    assert!(
        !out.contains(&acked) && !out.contains(&waiting),
        "ids in the output: {out}"
    );
    // Expiry erases the ciphertext from the store file too (issue 15, item 13).
    let needle = &sealed[sealed.len() - 64..];
    crate::transparency::wait_for("the expired ciphertext to leave the file", || {
        let bytes = std::fs::read(data.join("approdo.redb")).unwrap();
        !bytes.windows(needle.len()).any(|w| w == needle)
    });
}

fn sealed_for_tratta() -> Vec<u8> {
    common::seal("tratta-milano", &common::report_json("waiting"), &[])
}
