//! kill -9 at random moments during concurrent uploads — small single-request submissions and
//! chunked resumable uploads (the browser's path) — across ≥ 200 acknowledged reports and
//! several restarts: every report that got `201` pulls intact, nothing half-written is
//! visible, and the store audits clean (log included).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{self, TestServer};

const ROUNDS: usize = 8;
/// Acknowledged reports the test must reach in all.
const AT_LEAST: usize = 200;
const CLIENTS: usize = 6;

#[test]
fn kill9_during_concurrent_uploads_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Pre-seal a pool of reports: small ones and a few multi-chunk ones.
    let pool: Vec<Vec<u8>> = (0..24)
        .map(|i| {
            let size = if i % 6 == 0 {
                2 * 1024 * 1024 + i * 1000
            } else {
                8 * 1024
            };
            let attachment: Vec<u8> = (0..size).map(|j| (j * 31 + i) as u8).collect();
            common::seal(
                "cav-milano",
                &common::report_json(&format!("crash {i}")),
                &[("a.bin".into(), attachment)],
            )
        })
        .collect();
    let pool = Arc::new(pool);
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();

    let mut rounds = 0;
    while rounds < ROUNDS || acked.lock().unwrap().len() < AT_LEAST {
        rounds += 1;
        let server = TestServer::start_in(&data, &[]);
        let stop = Arc::new(AtomicBool::new(false));
        let before = acked.lock().unwrap().len();
        let handles: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (url, pool, acked, stop) = (
                    server.url.clone(),
                    pool.clone(),
                    acked.clone(),
                    stop.clone(),
                );
                std::thread::spawn(move || {
                    let mut i = c;
                    while !stop.load(Ordering::Relaxed) {
                        let body = &pool[i % pool.len()];
                        i += CLIENTS;
                        // Every third client uses the chunked, resumable path.
                        let resp = if c % 3 == 2 {
                            match chunked(&url, body) {
                                Some(r) => r,
                                None => break, // the server died mid-upload
                            }
                        } else {
                            let Some(pow) = common::try_pow(&url) else {
                                break; // the server died
                            };
                            ureq::post(&format!("{url}/api/v1/submissions?partner=cav-milano"))
                                .set(common::POW_HEADER, &pow)
                                .send_bytes(body)
                        };
                        match resp {
                            Ok(r) if r.status() == 201 => {
                                let json: serde_json::Value = r.into_json().unwrap();
                                let sha = hex::encode(Sha256::digest(body));
                                assert_eq!(json["sha256"].as_str(), Some(sha.as_str()));
                                acked
                                    .lock()
                                    .unwrap()
                                    .insert(json["id"].as_str().unwrap().to_owned(), sha);
                            }
                            Ok(r) => panic!("unexpected status {}", r.status()),
                            Err(ureq::Error::Status(s, _)) => panic!("refused with {s}"),
                            Err(_) => break, // the server died mid-request
                        }
                    }
                })
            })
            .collect();
        // Kill at a random moment: after a random number of acknowledgements, mid-stream.
        let target = before + 15 + rand::random::<usize>() % 30;
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.lock().unwrap().len() < target {
            assert!(Instant::now() < deadline, "uploads stalled");
            std::thread::yield_now();
        }
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join().unwrap();
        }
    }

    // Restart: every acknowledged report is there, byte for byte; nothing else is.
    let server = TestServer::start_in(&data, &[]);
    let officer = server.officer("cav-milano");
    let listed = officer.list().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= AT_LEAST, "only {} acknowledged", acked.len());
    let listed_ids: std::collections::HashSet<String> =
        listed.iter().map(|m| m.id.to_string()).collect();
    for (id, sha) in &acked {
        assert!(listed_ids.contains(id), "acknowledged report {id} lost");
        let mut body = Vec::new();
        std::io::copy(
            &mut officer.download(id.parse().unwrap()).unwrap(),
            &mut body,
        )
        .unwrap();
        assert_eq!(
            &hex::encode(Sha256::digest(&body)),
            sha,
            "report {id} changed"
        );
    }
    for m in &listed {
        // Reports that completed but whose 201 was lost in the kill may exist; they must be whole.
        let mut body = Vec::new();
        std::io::copy(&mut officer.download(m.id).unwrap(), &mut body).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&body)), m.sha256);
    }
    // And they decrypt and unpack with the real CLI.
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("pulled {} new", listed.len())),
        "{err}"
    );
    drop(server);
    let (ok, stdout, stderr) =
        common::approdo(&["audit", "store", "--data", data.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    eprintln!(
        "crash: {} rounds, {} acknowledged reports all intact",
        rounds,
        acked.len()
    );
}

/// One report through the resumable API: create, PUT each chunk, finalize. `None` when the
/// connection fails (the server was killed).
fn chunked(url: &str, body: &[u8]) -> Option<Result<ureq::Response, ureq::Error>> {
    let created: serde_json::Value =
        ureq::post(&format!("{url}/api/v1/uploads?partner=cav-milano"))
            .set("X-Approdo-PoW", &common::try_pow(url)?)
            .call()
            .ok()?
            .into_json()
            .ok()?;
    let upload = created["upload"].as_str()?.to_owned();
    let size = created["chunk_size"].as_u64()? as usize;
    for (n, piece) in body.chunks(size).enumerate() {
        ureq::put(&format!("{url}/api/v1/uploads/{upload}/chunks/{n}"))
            .send_bytes(piece)
            .ok()?;
    }
    match ureq::post(&format!("{url}/api/v1/uploads/{upload}/finalize")).call() {
        Err(ureq::Error::Transport(_)) => None,
        r => Some(r),
    }
}
