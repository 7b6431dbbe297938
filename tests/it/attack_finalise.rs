//! Issue 15 and 16, replayed against a real server — finalisation under attack: a chunk sent
//! after finalisation begins cannot change what the receipt signs, and gaps left open on
//! purpose cost the writer's memory no more than its budget of chunks held above a gap while
//! a victim's upload still finalises — and `audit store` passes on the honest server after
//! each. The upload helpers are `attack_uploads`'.

use sha2::{Digest, Sha256};

use crate::attack_uploads::{audit_passes, cancel, create, finalize, put, sealed, CHUNK, MIB};
use crate::common::TestServer;

#[test]
fn a_late_chunk_cannot_change_what_the_receipt_signs() {
    let server = TestServer::start(&[]);
    let url = server.url.clone();
    for round in 0..3 {
        let file = sealed(6 * MIB, &format!("race {round}"));
        let chunks: Vec<Vec<u8>> = file.chunks(CHUNK).map(<[u8]>::to_vec).collect();
        let (s, json) = create(&url);
        assert_eq!(s, 201, "{json}");
        let id = json["upload"].as_str().unwrap().to_owned();
        for (n, c) in chunks.iter().enumerate() {
            assert_eq!(put(&url, &id, n, c).0, 200);
        }
        // The attacker re-sends the last chunk, changed, while finalisation runs.
        let last = chunks.len() - 1;
        let mut changed = chunks[last].clone();
        let end = changed.len() - 1;
        changed[end] ^= 0xff;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let racer = {
            let (url, id, stop) = (url.clone(), id.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    seen.push(put(&url, &id, last, &changed).0);
                }
                seen
            })
        };
        // A chunk admitted just before the freeze may land while finalisation hashes: then the
        // writer's second hash differs, nothing is made, and the answer is 409 — try again.
        let (mut s, mut receipt) = finalize(&url, &id);
        for _ in 0..5 {
            if s != 409 {
                break;
            }
            (s, receipt) = finalize(&url, &id);
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let seen = racer.join().unwrap();
        assert!(
            seen.iter().all(|s| [200, 409].contains(s)),
            "late chunks: {seen:?}"
        );
        assert_eq!(s, 201, "{receipt}");
        // After finalisation a chunk is refused with 409 JSON.
        let (s, json) = put(&url, &id, last, &chunks[last]);
        assert_eq!(s, 409, "{json}");
        assert!(json["error"].as_str().unwrap().contains("finalised"));
        // The receipt signs the bytes stored.
        let officer = server.officer("cav-milano");
        let meta = officer
            .list()
            .unwrap()
            .into_iter()
            .find(|m| m.id.to_string() == id)
            .unwrap();
        assert_eq!(
            receipt["sha256"].as_str(),
            Some(meta.sha256.to_string().as_str())
        );
    }
    audit_passes(&server);
}

/// Issue 16 (`store::held`): chunks stored above a gap stay in the writer's memory until the
/// gap fills, 16 chunks at most across all uploads. An attacker opens uploads and sends only
/// chunks 1–3 of each (21 chunks, never chunk 0), more than the budget; a victim's upload sent
/// out of order still finalises, its receipt signing the bytes she sent (past the budget her
/// chunks above a gap are read back; the bound itself: `store::held` tests).
#[test]
fn gaps_left_open_cost_no_more_than_the_held_budget_and_a_victim_still_finalises() {
    let server = TestServer::start(&["--uploads-per-circuit", "16"]);
    let url = server.url.clone();
    let filler = vec![0x5au8; CHUNK];
    let mut open = Vec::new();
    for _ in 0..7 {
        let (s, json) = create(&url);
        assert_eq!(s, 201, "{json}");
        let id = json["upload"].as_str().unwrap().to_owned();
        for n in 1..=3 {
            assert_eq!(put(&url, &id, n, &filler).0, 200, "chunk {n} above the gap");
        }
        open.push(id);
    }
    let file = sealed(5 * MIB, "held budget");
    let chunks: Vec<&[u8]> = file.chunks(CHUNK).collect();
    let (s, json) = create(&url);
    assert_eq!(s, 201, "{json}");
    let id = json["upload"].as_str().unwrap().to_owned();
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.swap(0, 1);
    order.swap(2, 3);
    for n in order {
        assert_eq!(put(&url, &id, n, chunks[n]).0, 200, "her chunk {n}");
    }
    let (s, receipt) = finalize(&url, &id);
    assert_eq!(s, 201, "{receipt}");
    assert_eq!(
        receipt["sha256"].as_str(),
        Some(hex::encode(Sha256::digest(&file)).as_str()),
        "the receipt signs the bytes she sent"
    );
    for id in &open {
        assert_eq!(cancel(&url, id), 200, "the attacker's uploads cancel");
    }
    audit_passes(&server);
}
