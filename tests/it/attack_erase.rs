//! Issue 15, item 13: deleting a report removes its ciphertext from the redb file itself, not
//! only from the index (redb frees the pages and leaves their bytes). Checked by scanning the
//! store's bytes for a window of the deleted report's ciphertext.

use crate::common::{self, TestServer};
use crate::transparency::{audit, wait_for};

fn hits(server: &TestServer, needle: &[u8]) -> usize {
    let bytes = std::fs::read(server.data.join("approdo.redb")).unwrap();
    bytes.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn a_deleted_reports_ciphertext_is_gone_from_the_store_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &[]);
    // Two chunks' worth, so the report spans several pages of the file.
    let big: Vec<u8> = (0..1_500_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let doomed = common::seal(
        "cav-milano",
        &common::report_json("erase me"),
        &[("a.bin".into(), big)],
    );
    let kept = common::seal("cav-milano", &common::report_json("keep me"), &[]);
    let (s, a) = server.submit_raw("cav-milano", &doomed);
    assert_eq!(s, 201, "{a}");
    let (s, b) = server.submit_raw("cav-milano", &kept);
    assert_eq!(s, 201, "{b}");
    let needles = [&doomed[300..364], &doomed[1_200_000..1_200_064]];
    let keep = &kept[kept.len() - 64..];
    for n in needles {
        assert_eq!(hits(&server, n), 1, "the ciphertext is in the file before");
    }

    let officer = server.officer("cav-milano");
    officer
        .delete(a["id"].as_str().unwrap().parse().unwrap())
        .unwrap();
    wait_for("the deleted ciphertext to leave the file", || {
        needles.iter().all(|n| hits(&server, n) == 0)
    });
    assert!(hits(&server, keep) >= 1, "the other report is intact");
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    assert!(out.path().join(b["id"].as_str().unwrap()).is_dir());
    assert!(!out.path().join(a["id"].as_str().unwrap()).exists());
    // Still accepting, and the rewritten store audits clean.
    assert_eq!(server.submit_raw("cav-milano", &kept).0, 201);
    let _ = server.stop();
    assert!(!data.join("approdo.redb.erase").exists());
    let (code, out) = audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}
