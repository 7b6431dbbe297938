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
    let id = create(&server);
    assert_eq!(put(&server, &id, 0, &file[..1000]).0, 200);
    assert_eq!(
        put(&server, &id, 1, &file[1000..]).0,
        400,
        "second chunk is over the chunk size"
    );
    // A short chunk is the last one: nothing may follow it (stricter than before, when this
    // was accepted and refused only at finalisation), and finalising what is there fails.
    let (s, json) = put(&server, &id, 1, &file[1000..1000 + CHUNK]);
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
