//! Resumable uploads: chunks in order, resume after a cut or a restart, validation at
//! finalisation, idle uploads collected.

use crate::common::{self, status_json, TestServer};

const MIB: usize = 1024 * 1024;
const CHUNK: usize = approdo::store::CHUNK_SIZE;
const WINDOW: usize = approdo::store::CHUNK_WINDOW as usize;

fn sealed_report(size: usize) -> Vec<u8> {
    let attachment: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    common::seal(
        "cav-milano",
        &common::report_json("resumable"),
        &[("big.bin".into(), attachment)],
    )
}

fn create(server: &TestServer) -> String {
    let (s, json) = status_json(
        ureq::post(&format!("{}/api/v1/uploads?partner=cav-milano", server.url))
            .set("X-Approdo-PoW", &common::pow(&server.url))
            .send_bytes(b""),
    );
    assert_eq!(s, 201, "{json}");
    assert_eq!(json["chunk_size"], CHUNK);
    json["upload"].as_str().unwrap().to_owned()
}

fn put(server: &TestServer, id: &str, n: usize, data: &[u8]) -> (u16, serde_json::Value) {
    status_json(
        ureq::put(&format!("{}/api/v1/uploads/{id}/chunks/{n}", server.url)).send_bytes(data),
    )
}

fn next(server: &TestServer, id: &str) -> (u16, serde_json::Value) {
    status_json(ureq::get(&format!("{}/api/v1/uploads/{id}", server.url)).call())
}

fn finalize(server: &TestServer, id: &str) -> (u16, serde_json::Value) {
    status_json(ureq::post(&format!("{}/api/v1/uploads/{id}/finalize", server.url)).send_bytes(b""))
}

#[test]
fn cut_upload_resumes_after_a_restart_and_pulls_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = sealed_report(3 * MIB + 12_345);
    let chunks: Vec<&[u8]> = file.chunks(CHUNK).collect();
    assert_eq!(chunks.len(), 4);

    let server = TestServer::start_in(&data, &[]);
    let id = create(&server);
    assert_eq!(
        put(&server, &id, 0, chunks[0]),
        (200, serde_json::json!({ "next": 1 }))
    );
    assert_eq!(put(&server, &id, 1, chunks[1]).0, 200);
    // Beyond the window of chunks in flight (4 from the first missing, announced as
    // `window`) is out of order: refused, and it changes nothing.
    let (s, json) = put(&server, &id, 2 + WINDOW, chunks[0]);
    assert_eq!(s, 409, "{json}");
    assert_eq!(next(&server, &id).1["next"], 2);
    // Within the window a chunk may overtake another: stored, the hole reported.
    assert_eq!(
        put(&server, &id, 3, chunks[3]),
        (200, serde_json::json!({ "next": 2 }))
    );
    let (s, json) = next(&server, &id);
    assert_eq!(
        (s, &json["next"], &json["above"]),
        (200, &2.into(), &serde_json::json!([3]))
    );
    assert_eq!(json["window"], WINDOW);
    // Re-sending a stored chunk (its answer was lost) is harmless.
    assert_eq!(put(&server, &id, 1, chunks[1]).0, 200);
    // A chunk over the chunk size is refused.
    assert_eq!(put(&server, &id, 2, &vec![0u8; CHUNK + 1]).0, 400);

    // The connection — and the whole server — goes away.
    server.kill9();
    let server = TestServer::start_in(&data, &[]);
    let (s, json) = next(&server, &id);
    assert_eq!(s, 200, "{json}");
    let from = json["next"].as_u64().unwrap() as usize;
    assert_eq!(from, 2, "both acknowledged chunks survived the kill");
    assert_eq!(
        json["above"],
        serde_json::json!([3]),
        "and the one that overtook"
    );
    assert_eq!(
        put(&server, &id, 2, chunks[2]),
        (200, serde_json::json!({ "next": 4 }))
    );
    let (s, receipt) = finalize(&server, &id);
    assert_eq!(s, 201, "{receipt}");
    assert_eq!(receipt["id"].as_str(), Some(id.as_str()));
    assert_eq!(receipt["size"], file.len());
    // Finalising twice does not make a second report.
    assert_eq!(finalize(&server, &id).0, 404);

    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    let got = std::fs::read(out.path().join(&id).join("attachments/big.bin")).unwrap();
    assert_eq!(got.len(), 3 * MIB + 12_345);
    assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
}

#[test]
fn finalize_validates_like_a_submission_and_removes_what_is_refused() {
    let server = TestServer::start(&[]);
    // Plaintext in chunks.
    let id = create(&server);
    assert_eq!(
        put(&server, &id, 0, b"PLAINTEXT-RESUMABLE-MARKER my story").0,
        200
    );
    let (s, json) = finalize(&server, &id);
    assert_eq!(s, 400, "{json}");
    assert!(json["error"]
        .as_str()
        .unwrap()
        .contains("not an age v1 file"));
    assert_eq!(next(&server, &id).0, 404, "a refused upload is gone");
    // Irregular chunking (a short chunk before the last).
    let file = sealed_report(MIB + 10_000);
    // Cut where the bytes before the cut are not a whole age file by chance: a cut inside the
    // last STREAM chunk whose plaintext length happens to be a Padmé length (1 in 16–32 of
    // cuts near 1000 bytes, depending on the header's random grease) finalises as a report.
    let header = approdo::admission::inspect_header(&file)
        .unwrap()
        .unwrap()
        .header_len;
    let cut = (1000..)
        .find(|c: &usize| {
            approdo::admission::envelope_len((c - header - approdo::admission::NONCE_LEN) as u64)
                .is_err()
        })
        .unwrap();
    let id = create(&server);
    assert_eq!(put(&server, &id, 0, &file[..cut]).0, 200);
    assert_eq!(
        put(&server, &id, 1, &file[cut..]).0,
        400,
        "second chunk is over the chunk size"
    );
    // A short chunk is the last one: nothing may follow it (stricter than before, when this
    // was accepted and refused only at finalisation), and finalising what is there fails.
    let (s, json) = put(&server, &id, 1, &file[cut..cut + CHUNK]);
    assert_eq!(s, 409, "{json}");
    assert!(
        json["error"].as_str().unwrap().contains("shorter"),
        "{json}"
    );
    let (s, json) = finalize(&server, &id);
    assert_eq!(s, 400, "a short chunk before the last: {json}");
    // Sealed to the wrong partner's recipient count.
    let other = common::seal("tratta-milano", &common::report_json("x"), &[]);
    let id = create(&server);
    assert_eq!(put(&server, &id, 0, &other).0, 200);
    let (s, json) = finalize(&server, &id);
    assert_eq!(s, 400, "{json}");
    // Unknown upload and unknown partner.
    assert_eq!(put(&server, &"0".repeat(32), 0, b"x").0, 404);
    let (s, _) = status_json(
        ureq::post(&format!("{}/api/v1/uploads?partner=nobody", server.url))
            .set("X-Approdo-PoW", &common::pow(&server.url))
            .send_bytes(b""),
    );
    assert_eq!(s, 404);
    // Without a proof of work, with a wrong one, or replaying a solved one: 428.
    let start = |pow: Option<&str>| {
        let mut req = ureq::post(&format!("{}/api/v1/uploads?partner=cav-milano", server.url));
        if let Some(p) = pow {
            req = req.set("X-Approdo-PoW", p);
        }
        status_json(req.send_bytes(b""))
    };
    let (s, json) = start(None);
    assert_eq!(s, 428, "{json}");
    assert!(json["error"].as_str().unwrap().contains("/api/v1/pow"));
    let solved = common::pow(&server.url);
    let (challenge, n) = solved.rsplit_once(':').unwrap();
    let wrong = (0..)
        .find(|m: &u64| {
            approdo::http::pow::zero_bits(&approdo::http::pow::work(challenge, *m)) == 0
        })
        .unwrap();
    assert_ne!(wrong.to_string(), n);
    assert_eq!(start(Some(&format!("{challenge}:{wrong}"))).0, 428);
    assert_eq!(start(Some(&solved)).0, 201);
    assert_eq!(start(Some(&solved)).0, 428, "a solution is good once");

    assert!(server.officer("cav-milano").list().unwrap().is_empty());
    assert_eq!(common::scan(&server.data, b"PLAINTEXT-RESUMABLE-MARKER"), 0);
}

#[test]
fn abandoned_uploads_are_collected() {
    let server = TestServer::start(&["--upload-ttl", "1"]);
    let id = create(&server);
    assert_eq!(put(&server, &id, 0, &vec![7u8; 1000]).0, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while next(&server, &id).0 != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "upload never collected"
        );
        std::thread::yield_now();
    }
    // Its chunks are gone from the store too.
    let copy = common::copy_store(&server.data);
    let audit = approdo::audit::audit_store(copy.path(), None).unwrap();
    assert_eq!(
        (audit.pending, audit.findings.len()),
        (0, 0),
        "{:?}",
        audit.findings
    );
}

/// What a receipt promises, checked with the log key the answer names: the id, the whole
/// file's SHA-256 and its chunk root (issue 16), each recomputed here from the bytes sent.
fn assert_receipt_binds(answer: &serde_json::Value, file: &[u8]) {
    let root = approdo::model::ChunkRoot::of(file, CHUNK as u32);
    let v = approdo::transparency::LogVerifier::new(answer["log_key"].as_str().unwrap()).unwrap();
    let r = v.open_receipt(answer["receipt"].as_str().unwrap()).unwrap();
    assert_eq!(Some(r.id.as_str()), answer["id"].as_str());
    assert_eq!(r.sha256, approdo::model::Sha256::digest(file).to_hex());
    assert_eq!(r.chunks, Some(root), "the signed chunk root is the file's");
    assert_eq!(answer["chunks"]["size"], CHUNK);
    assert_eq!(
        answer["chunks"]["root"].as_str(),
        Some(root.root.to_hex().as_str())
    );
}

/// Each path to a receipt signs the chunk root of the bytes sent: chunks hashed as they
/// arrived (out of order, one re-sent), hashed again after a restart forgot them, a hashed
/// chunk replaced by other bytes, and a single-request submission.
#[test]
fn every_receipt_binds_the_chunk_root_of_the_bytes_sent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = sealed_report(3 * MIB + 777);
    let chunks: Vec<&[u8]> = file.chunks(CHUNK).collect();
    let server = TestServer::start_in(&data, &[]);

    // Out of order within the window, and a re-send of a hashed chunk.
    let id = create(&server);
    for n in [1, 0, 3, 0, 2] {
        assert_eq!(put(&server, &id, n, chunks[n]).0, 200);
    }
    let (s, answer) = finalize(&server, &id);
    assert_eq!(s, 201, "{answer}");
    assert_receipt_binds(&answer, &file);

    // A hashed chunk replaced by other bytes (a re-send is allowed): the upload is hashed
    // again at finalisation, and the receipt is of the bytes stored last.
    let id = create(&server);
    let other = vec![0x5a; CHUNK];
    assert_eq!(put(&server, &id, 0, &other).0, 200);
    assert_eq!(put(&server, &id, 1, chunks[1]).0, 200);
    assert_eq!(put(&server, &id, 0, chunks[0]).0, 200);
    for (n, chunk) in chunks.iter().enumerate().skip(2) {
        assert_eq!(put(&server, &id, n, chunk).0, 200);
    }
    let (s, answer) = finalize(&server, &id);
    assert_eq!(s, 201, "{answer}");
    assert_receipt_binds(&answer, &file);

    // Half sent, then the server restarts: what it hashed is gone, finalising reads back.
    let id = create(&server);
    assert_eq!(put(&server, &id, 0, chunks[0]).0, 200);
    server.kill9();
    let server = TestServer::start_in(&data, &[]);
    for (n, chunk) in chunks.iter().enumerate().skip(1) {
        assert_eq!(put(&server, &id, n, chunk).0, 200);
    }
    let (s, answer) = finalize(&server, &id);
    assert_eq!(s, 201, "{answer}");
    assert_receipt_binds(&answer, &file);

    // One request: the same chunk size, the same root.
    let (s, answer) = server.submit_raw("cav-milano", &file);
    assert_eq!(s, 201, "{answer}");
    assert_receipt_binds(&answer, &file);
}
