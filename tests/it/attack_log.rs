//! Issue 15, items 8 and 12: what the public log tells and how its tile routes fail. Leaves
//! do not say how a report was sealed (JavaScript off is a fingerprint), entries of a period
//! are integrated in one batch, tile paths that made tlog_tiles panic get 400, and the honest
//! server's store still audits clean.

use std::collections::BTreeSet;

use approdo::transparency::LogVerifier;

use crate::common::TestServer;
use crate::nojs::{form_token, multipart, post};
use crate::transparency::{audit, get, submit, wait_for, wait_logged};

fn tree_size(server: &TestServer, verifier: &LogVerifier) -> u64 {
    let (_, cp) = get(&format!("{}/log/checkpoint", server.url));
    verifier.checkpoint(&cp).unwrap().size()
}

fn keys_of(entry: &str) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(entry).unwrap();
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn leaves_do_not_say_how_a_report_was_sealed_and_arrive_in_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &["--log-interval", "4"]);
    let (_, key) = get(&format!("{}/api/v1/log/key", server.url));
    let key: serde_json::Value = serde_json::from_slice(&key).unwrap();
    let verifier = LogVerifier::new(key["vkey"].as_str().unwrap()).unwrap();

    // Just after an integration (so the next one is ~4 s away): two reports sealed in the
    // browser's way and one sealed by the server (JavaScript off).
    let first = submit(&server, "sync");
    wait_logged(&server, first["id"].as_str().unwrap());
    let before = tree_size(&server, &verifier);
    let ids: Vec<String> = (0..2)
        .map(|i| {
            submit(&server, &format!("js {i}"))["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let token = form_token(&server);
    let (ct, body) = multipart(
        &[
            ("form_token", &token),
            ("partner", "lavoro-milano"),
            ("consent_read", "yes"),
            ("description", "no js"),
        ],
        &[],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    wait_for("the next integration", || {
        tree_size(&server, &verifier) > before
    });
    assert_eq!(
        tree_size(&server, &verifier),
        before + 3,
        "the three entries are integrated in one batch"
    );

    let officer = server.officer("lavoro-milano");
    let nojs = officer
        .list()
        .unwrap()
        .into_iter()
        .find(|m| m.sealed == approdo::model::SealedBy::Server)
        .expect("the server-sealed report")
        .id
        .to_string();
    let js_entry = wait_logged(&server, &ids[0])["entry"]
        .as_str()
        .unwrap()
        .to_owned();
    let nojs_entry = wait_logged(&server, &nojs)["entry"]
        .as_str()
        .unwrap()
        .to_owned();
    for e in [&js_entry, &nojs_entry] {
        assert!(!e.contains("sealed") && !e.contains("server"), "{e}");
    }
    assert_eq!(keys_of(&js_entry), keys_of(&nojs_entry));
    let st = dir.path().join("audit-state.json");
    let (code, out) = audit(&[
        "log",
        "--server",
        &server.url,
        "--state",
        st.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");

    // Receipts and the store still audit clean.
    let _ = server.stop();
    let (code, out) = audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn tile_paths_that_made_tlog_tiles_panic_get_400() {
    let server = TestServer::start(&[]);
    for path in [
        "tile/0/000.p/0",
        "tile/entries/000.p/0",
        "tile/64/000",
        "tile/255/x001/000",
        "tile/0/000.p/256",
    ] {
        let (status, body) = get(&format!("{}/log/{path}", server.url));
        assert_eq!(status, 400, "{path}");
        assert!(String::from_utf8_lossy(&body).contains("not a tile path"));
    }
    assert_eq!(get(&format!("{}/healthz", server.url)).0, 200);
    let output = String::from_utf8_lossy(&server.output()).into_owned();
    assert!(!output.contains("panicked"), "{output}");
}
