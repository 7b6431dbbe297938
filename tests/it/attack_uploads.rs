//! Issue 15, replayed against a real server — the share of the upload channel: one anonymous
//! client cannot hold more than its share of upload slots or pending bytes, a victim's report
//! still goes through while it tries, and a filled-then-cancelled store accepts again without
//! a restart — and `audit store` passes on the honest server after each. The resumable
//! upload protocol's helpers here (`create`, `put`, `finalize`, `upload`, …) serve the other
//! upload attacks too: `attack_finalise` (what a receipt signs) and `attack_door` (what every
//! write pays, what the door refuses).

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{self, status_json, TestServer, POW_HEADER};

pub(crate) const CHUNK: usize = approdo::store::CHUNK_SIZE;
pub(crate) const MIB: usize = 1024 * 1024;

/// The server's current price, in bits.
fn price(url: &str) -> u64 {
    let answer: serde_json::Value = ureq::get(&format!("{url}/api/v1/pow"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    answer["bits"].as_u64().unwrap()
}

/// Opens an upload with a solved proof of work: (status, JSON).
pub(crate) fn create(url: &str) -> (u16, serde_json::Value) {
    status_json(
        ureq::post(&format!("{url}/api/v1/uploads?partner=cav-milano"))
            .set(POW_HEADER, &common::pow(url))
            .send_bytes(b""),
    )
}

pub(crate) fn put(url: &str, id: &str, n: usize, data: &[u8]) -> (u16, serde_json::Value) {
    status_json(ureq::put(&format!("{url}/api/v1/uploads/{id}/chunks/{n}")).send_bytes(data))
}

pub(crate) fn finalize(url: &str, id: &str) -> (u16, serde_json::Value) {
    status_json(ureq::post(&format!("{url}/api/v1/uploads/{id}/finalize")).send_bytes(b""))
}

pub(crate) fn cancel(url: &str, id: &str) -> u16 {
    status_json(ureq::delete(&format!("{url}/api/v1/uploads/{id}")).call()).0
}

/// A whole upload of `file`, retrying what the server asks to retry (429) until `deadline`.
/// An upload taken back while it waited for pending room (404: another client needed the
/// room of a slot idle for `--upload-stale`) is sent again from the start, as she does when
/// the page says the upload was interrupted (without tor's PROXY line one client can starve
/// another's slot this way: docs/security.md, known limits).
pub(crate) fn upload(url: &str, file: &[u8], deadline: Instant) -> (u16, serde_json::Value) {
    'again: loop {
        let id = loop {
            let (s, json) = create(url);
            if s == 201 {
                break json["upload"].as_str().unwrap().to_owned();
            }
            assert_eq!(s, 429, "{json}");
            assert!(
                Instant::now() < deadline,
                "no slot before the deadline: {json}"
            );
            std::thread::yield_now();
        };
        for (n, c) in file.chunks(CHUNK).enumerate() {
            loop {
                let (s, json) = put(url, &id, n, c);
                if s == 200 {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "chunk {n} refused too long: {json}"
                );
                if s == 404 {
                    continue 'again;
                }
                assert_eq!(s, 429, "chunk {n}: {json}");
                std::thread::yield_now();
            }
        }
        return finalize(url, &id);
    }
}

pub(crate) fn audit_passes(server: &TestServer) {
    let copy = common::copy_store(&server.data);
    let audit = approdo::audit::audit_store(copy.path(), None).unwrap();
    assert!(audit.findings.is_empty(), "{:?}", audit.findings);
}

pub(crate) fn sealed(size: usize, marker: &str) -> Vec<u8> {
    let attachment: Vec<u8> = (0..size).map(|i| (i * 13 % 251) as u8).collect();
    common::seal(
        "cav-milano",
        &common::report_json(marker),
        &[("a.bin".into(), attachment)],
    )
}

#[test]
fn one_client_holds_no_more_than_its_share_of_slots_and_pays_more_for_each() {
    let server = TestServer::start(&["--max-uploads", "10", "--pow-bits", "8"]);
    let url = &server.url;
    // The price rises with occupancy: 8 bits at idle, 12 when nearly full.
    let mut prices = vec![price(url)];
    let mut held = Vec::new();
    loop {
        let (s, json) = create(url);
        if s != 201 {
            assert_eq!(s, 429, "{json}");
            break;
        }
        held.push(json["upload"].as_str().unwrap().to_owned());
        prices.push(price(url));
        assert!(held.len() <= 10, "more slots than --max-uploads");
    }
    assert_eq!(held.len(), 10);
    assert_eq!(prices.first(), Some(&8));
    assert_eq!(prices.last(), Some(&12));
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    // A solution for the idle price does not buy a slot at the full price.
    let challenge: serde_json::Value = ureq::get(&format!("{url}/api/v1/pow"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let c = challenge["challenge"].as_str().unwrap();
    let cheap = (0..)
        .find(|n: &u64| {
            let bits = approdo::http::pow::zero_bits(&approdo::http::pow::work(c, *n));
            (8..12).contains(&bits)
        })
        .unwrap();
    let (s, _) = status_json(
        ureq::post(&format!("{url}/api/v1/submissions?partner=cav-milano"))
            .set(POW_HEADER, &format!("{c}:{cheap}"))
            .send_bytes(b"x"),
    );
    assert_eq!(s, 428);
    // Cancelling gives the slot back at once.
    assert_eq!(cancel(url, &held[0]), 200);
    assert_eq!(create(url).0, 201);
}

#[test]
fn one_circuit_holds_at_most_its_share() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("approdo.sock");
    let server = TestServer::start(&[
        "--unix-socket",
        sock.to_str().unwrap(),
        "--proxy-protocol",
        "--uploads-per-circuit",
        "2",
        "--pow-bits",
        "8",
    ]);
    let open = |circuit: u32| -> u16 {
        let pow = common::pow(&server.url);
        let mut s = std::os::unix::net::UnixStream::connect(&sock).unwrap();
        let req = format!(
            "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n\
             POST /api/v1/uploads?partner=cav-milano HTTP/1.1\r\nHost: x.onion\r\n\
             {POW_HEADER}: {pow}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            circuit >> 16,
            circuit & 0xffff
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
            .strip_prefix("HTTP/1.1 ")
            .and_then(|a| a.get(..3))
            .and_then(|a| a.parse().ok())
            .unwrap_or(0)
    };
    let statuses: Vec<u16> = (0..4).map(|_| open(0x0009_0001)).collect();
    assert_eq!(statuses, vec![201, 201, 429, 429]);
    assert_eq!(open(0x0009_0002), 201, "another circuit is not affected");
}

#[test]
fn a_victim_submits_while_an_attacker_holds_every_slot_and_pending_byte() {
    let server = TestServer::start(&[
        "--max-uploads",
        "6",
        "--max-pending-mib",
        "4",
        "--upload-stale",
        "2",
        "--pow-bits",
        "8",
    ]);
    let url = server.url.clone();
    // The attacker takes every slot and every pending byte it can get.
    let junk = vec![0x5au8; CHUNK];
    let mut slots = Vec::new();
    while let (201, json) = create(&url) {
        slots.push((json["upload"].as_str().unwrap().to_owned(), 0usize));
    }
    assert_eq!(slots.len(), 6);
    let mut stored = 0;
    loop {
        let (id, next) = &mut slots[0];
        let (s, json) = put(&url, id, *next, &junk);
        if s != 200 {
            assert_eq!(s, 429, "{json}");
            break;
        }
        *next += 1;
        stored += 1;
    }
    for (id, next) in &slots[1..] {
        assert_eq!(put(&url, id, *next, &junk).0, 429, "past the pending cap");
    }
    assert!(
        stored * CHUNK <= 4 * MIB,
        "{stored} chunks pending over a 4 MiB cap"
    );
    assert_eq!(price(&url), 12, "the price is at its highest");
    // …and keeps trying, from another thread, for as long as the victim works.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let attacker = {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut tries = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                for (id, next) in slots.iter_mut() {
                    if put(&url, id, *next, &junk).0 == 200 {
                        *next += 1;
                    }
                }
                if let (201, json) = create(&url) {
                    slots.push((json["upload"].as_str().unwrap().to_owned(), 0));
                }
                tries += 1;
            }
            tries
        })
    };

    // A small report in one request needs no slot and no pending room: at once.
    let started = Instant::now();
    let (s, json) = server.submit_raw("cav-milano", &sealed(10_000, "victim-small"));
    assert_eq!(s, 201, "{json}");
    let small = started.elapsed();
    // A 2.5 MiB report through the page's path gets a stale slot and its bytes within
    // seconds (--upload-stale 2).
    let file = sealed(2 * MIB + MIB / 2, "victim-big");
    let started = Instant::now();
    let (s, receipt) = upload(&url, &file, started + Duration::from_secs(60));
    assert_eq!(s, 201, "{receipt}");
    let big = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let tries = attacker.join().unwrap();
    assert!(tries > 0);
    assert_eq!(
        receipt["sha256"].as_str(),
        Some(hex::encode(Sha256::digest(&file)).as_str())
    );
    eprintln!("victim under attack: small report {small:?}, 2.5 MiB upload {big:?}");
    assert!(big < Duration::from_secs(30), "{big:?}");
    audit_passes(&server);
}

#[test]
fn a_filled_then_cancelled_store_accepts_again_without_restart() {
    let server = TestServer::start(&["--max-store-mib", "24", "--min-free-mib", "0"]);
    let url = server.url.clone();
    let junk = vec![0xa5u8; CHUNK];
    // One upload fills the store until the server refuses with 507.
    let (s, json) = create(&url);
    assert_eq!(s, 201, "{json}");
    let id = json["upload"].as_str().unwrap().to_owned();
    let mut n = 0;
    let status = loop {
        let (s, _) = put(&url, &id, n, &junk);
        if s != 200 {
            break s;
        }
        n += 1;
        assert!(n < 64, "the store never filled");
    };
    assert_eq!(status, 507);
    assert!(n >= 4, "only {n} chunks fit");
    // Pending bytes take at most about half the room: a victim's report still goes through.
    assert_eq!(
        server
            .submit_raw("cav-milano", &sealed(10_000, "beside-the-filler"))
            .0,
        201
    );
    let (s, json) = create(&url);
    assert_eq!(s, 201, "{json}");
    let other = json["upload"].as_str().unwrap().to_owned();
    assert_eq!(
        put(&url, &other, 0, &junk).0,
        507,
        "no room for more pending"
    );
    let file_len = || {
        std::fs::metadata(server.data.join("approdo.redb"))
            .unwrap()
            .len()
    };
    let full = file_len();
    // Cancelled: its room is back at once, no restart.
    assert_eq!(cancel(&url, &id), 200);
    assert_eq!(put(&url, &other, 0, &junk).0, 200);
    assert_eq!(cancel(&url, &other), 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    // (One chunk less than the filler: the victim's small report holds some room now.)
    let report = sealed((n - 1) * CHUNK - 100_000, "after-cancel");
    let (s, json) = upload(&url, &report, deadline);
    assert_eq!(s, 201, "nearly as big as the cancelled one: {json}");
    // The room was really reused: without reuse redb's file would grow by the whole report;
    // it grows by at most one of redb's allocation steps (2 MiB seen when commits interleave
    // differently under load), never by half the report.
    assert!(
        file_len() < full + report.len() as u64 / 2,
        "{} after, {full} before, {} written",
        file_len(),
        report.len()
    );
    audit_passes(&server);
}
