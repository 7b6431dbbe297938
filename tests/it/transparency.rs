//! The transparency log: receipts and inclusion proofs, the C2SP tiles replayed by `audit log`
//! across runs. Tampering with what it protects is in `tamper.rs`.

use std::io::Read;
use std::time::{Duration, Instant};

use approdo::transparency::{client, LogVerifier};
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::common::{self, TestServer};

/// Polls `cond` until it holds (or fails after 60 s).
pub(crate) fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn get(url: &str) -> (u16, Vec<u8>) {
    match ureq::get(url).call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let s = r.status();
            let mut b = Vec::new();
            r.into_reader().read_to_end(&mut b).unwrap();
            (s, b)
        }
        Err(e) => panic!("{e}"),
    }
}

pub(crate) fn submit(server: &TestServer, marker: &str) -> serde_json::Value {
    let sealed = common::seal("lavoro-milano", &common::report_json(marker), &[]);
    let (status, answer) = server.submit_raw("lavoro-milano", &sealed);
    assert_eq!(status, 201, "{answer}");
    answer
}

pub(crate) fn wait_logged(server: &TestServer, id: &str) -> serde_json::Value {
    let url = format!("{}/api/v1/log/proof/{id}", server.url);
    let mut proof = serde_json::Value::Null;
    wait_for("the report to be integrated", || {
        let (s, b) = get(&url);
        if s == 200 {
            proof = serde_json::from_slice(&b).unwrap();
        }
        s == 200
    });
    proof
}

pub(crate) fn audit(args: &[&str]) -> (i32, String) {
    let out = common::command().arg("audit").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

struct Tiles(String);

impl client::Fetch for Tiles {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        let (s, b) = get(&format!("{}/log/{path}", self.0));
        if s == 200 {
            Ok(b)
        } else {
            Err(format!("{path}: {s}"))
        }
    }
}

#[test]
fn receipts_inclusion_proofs_tiles_and_audit_log_across_runs() {
    let server = TestServer::start(&["--log-interval", "1"]);
    let (_, key) = get(&format!("{}/api/v1/log/key", server.url));
    let key: serde_json::Value = serde_json::from_slice(&key).unwrap();
    let verifier = LogVerifier::new(key["vkey"].as_str().unwrap()).unwrap();
    let answers: Vec<serde_json::Value> = (0..3)
        .map(|i| submit(&server, &format!("log {i}")))
        .collect();
    for a in &answers {
        // The signed promise, immediately.
        let (id, sha) = verifier.receipt(a["receipt"].as_str().unwrap()).unwrap();
        assert_eq!(id, a["id"].as_str().unwrap());
        assert_eq!(sha, a["sha256"].as_str().unwrap());
        // The inclusion proof, after the next integration.
        let p = wait_logged(&server, &id);
        let cp = verifier
            .checkpoint(p["checkpoint"].as_str().unwrap().as_bytes())
            .unwrap();
        let proof: Vec<tlog_tiles::Hash> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                tlog_tiles::Hash(
                    BASE64_STANDARD
                        .decode(h.as_str().unwrap())
                        .unwrap()
                        .try_into()
                        .unwrap(),
                )
            })
            .collect();
        let entry = p["entry"].as_str().unwrap();
        assert!(
            entry.contains(&sha) && entry.contains("\"type\":\"stored\""),
            "{entry}"
        );
        client::check_inclusion(
            &proof,
            cp.size(),
            *cp.hash(),
            p["index"].as_u64().unwrap(),
            entry.as_bytes(),
        )
        .unwrap();
        assert!(client::check_inclusion(
            &proof,
            cp.size(),
            *cp.hash(),
            p["index"].as_u64().unwrap(),
            b"forged"
        )
        .is_err());
    }
    // Anyone can replay the whole log from the tiles.
    let (_, cp) = get(&format!("{}/log/checkpoint", server.url));
    let cp = verifier.checkpoint(&cp).unwrap();
    let all = client::entries(
        &Tiles(server.url.clone()),
        cp.size(),
        *cp.hash(),
        0,
        cp.size(),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&all[0]).starts_with("{\"type\":\"directory\""));
    assert_eq!(
        all.iter()
            .filter(|e| e.starts_with(b"{\"type\":\"stored\""))
            .count(),
        3
    );
    let text: String = all
        .iter()
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .collect();
    assert!(!text.contains("127.0.0.1"), "no address in the log");

    let state = tempfile::tempdir().unwrap();
    let state_file = state.path().join("audit-state.json");
    let st = state_file.to_str().unwrap();
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("pinned the log key"), "{out}");
    // The partner acknowledges one report and deletes another; the next run replays both.
    let officer = server.officer("lavoro-milano");
    let ids: Vec<approdo::model::ReportId> = answers
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect();
    officer
        .acknowledge(ids[0], answers[0]["sha256"].as_str().unwrap())
        .unwrap();
    // An acknowledgement must be signed by an officer key of the partner, over this hash.
    let token = officer.token().unwrap().to_owned();
    let ack = |body: serde_json::Value| {
        common::status_json(
            ureq::post(&format!(
                "{}/api/v1/officer/reports/{}/ack",
                server.url, ids[2]
            ))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(body),
        )
        .0
    };
    let stranger = approdo::keys::OfficerIdentity::generate();
    let forged = serde_json::json!({"officer_key": stranger.signing_public().unwrap(), "signature": BASE64_STANDARD.encode([0u8; 64])});
    assert_eq!(ack(forged), 401);
    let listed = approdo::keys::OfficerIdentity::read_all(
        &server.identity_file("lavoro-milano"),
        || panic!(),
    )
    .unwrap();
    let wrong_hash = {
        use ed25519_dalek::Signer;
        let key = listed[0].signing_key().unwrap();
        BASE64_STANDARD.encode(
            key.sign(&approdo::keys::officer::ack_message(
                &ids[2].to_string(),
                &"00".repeat(32),
            ))
            .to_bytes(),
        )
    };
    assert_eq!(
        ack(
            serde_json::json!({"officer_key": listed[0].signing_public().unwrap(), "signature": wrong_hash})
        ),
        400
    );
    assert_eq!(
        common::status_json(
            ureq::post(&format!(
                "{}/api/v1/officer/reports/{}/ack",
                server.url, ids[2]
            ))
            .set("Authorization", &format!("Bearer {token}"))
            .call()
        )
        .0,
        400,
        "unsigned"
    );
    officer.delete(ids[1]).unwrap();
    let before = cp.size();
    wait_for("the ack and the deletion to be integrated", || {
        let (_, cp) = get(&format!("{}/log/checkpoint", server.url));
        verifier.checkpoint(&cp).unwrap().size() >= before + 2
    });
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 new verified"), "{out}");
    // The acknowledgement in the log carries the officer's signature over the stored hash.
    let (_, cp) = get(&format!("{}/log/checkpoint", server.url));
    let cp = verifier.checkpoint(&cp).unwrap();
    let all = client::entries(
        &Tiles(server.url.clone()),
        cp.size(),
        *cp.hash(),
        0,
        cp.size(),
    )
    .unwrap();
    let ack: serde_json::Value = all
        .iter()
        .map(|e| serde_json::from_slice::<serde_json::Value>(e).unwrap())
        .find(|e| e["type"] == "ack")
        .unwrap();
    assert!(approdo::keys::officer::verify_ack(
        ack["officer"].as_str().unwrap(),
        ack["signature"].as_str().unwrap(),
        &ids[0].to_string(),
        answers[0]["sha256"].as_str().unwrap()
    ));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    assert_eq!(saved["reports"][ids[0].to_string()]["acknowledged"], true);
    assert!(saved["deleted"][ids[1].to_string()]
        .as_str()
        .unwrap()
        .contains("deleted by an officer"));
    // With --ack-days 0 on a later day nothing changes today; a pinned key that differs is refused.
    let (code, out) = audit(&[
        "log",
        "--server",
        &server.url,
        "--state",
        st,
        "--log-key",
        "other+01234567+AQ",
    ]);
    assert_eq!(code, 2, "{out}");
}

/// C2SP tlog-tiles: entry bundles are gzip-compressed for a client that accepts it (and the
/// same bytes once decompressed); hash tiles and clients that do not ask get identity.
#[test]
fn entry_bundles_are_gzipped_for_clients_that_accept_it() {
    use std::io::Read;
    let server = TestServer::start(&["--log-interval", "1"]);
    let a = submit(&server, "gzip");
    let p = wait_logged(&server, a["id"].as_str().unwrap());
    let size = p["tree_size"].as_u64().unwrap();
    let path = format!("{}/log/tile/entries/000.p/{size}", server.url);
    let fetch = |accept: Option<&str>| {
        let mut req = ureq::get(&path);
        if let Some(a) = accept {
            req = req.set("Accept-Encoding", a);
        }
        let resp = req.call().unwrap();
        let encoding = resp.header("Content-Encoding").map(str::to_owned);
        let mut body = Vec::new();
        resp.into_reader().read_to_end(&mut body).unwrap();
        (encoding, body)
    };
    let (none, plain) = fetch(None);
    assert_eq!(none, None);
    assert!(String::from_utf8_lossy(&plain).contains("\"stored\""));
    let (gz, packed) = fetch(Some("gzip, identity"));
    assert_eq!(gz.as_deref(), Some("gzip"));
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice())
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain);
    let (refused, _) = fetch(Some("gzip;q=0, identity"));
    assert_eq!(refused, None, "gzip;q=0 means not gzip");
    let (tile, _) = {
        let resp = ureq::get(&format!("{}/log/tile/0/000.p/{size}", server.url))
            .set("Accept-Encoding", "gzip")
            .call()
            .unwrap();
        (resp.header("Content-Encoding").map(str::to_owned), ())
    };
    assert_eq!(tile, None, "hash tiles are not compressed");
}
