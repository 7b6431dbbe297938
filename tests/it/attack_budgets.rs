//! Issue 15, item 4: junk in one class cannot spend the budget of another. Replays the
//! review's attacks against a real server: a challenge flood before the real officer logs in,
//! junk mailbox requests while a victim reads her replies, submissions to unknown partners.

use approdo::codename::Codename;

use crate::common::{self, status_json, TestServer};

fn challenge(server: &TestServer, body: serde_json::Value) -> u16 {
    status_json(ureq::post(&format!("{}/api/v1/officer/challenge", server.url)).send_json(body)).0
}

/// `n` requests from 8 threads at once; returns the statuses.
fn flood(n: usize, one: impl Fn(usize) -> u16 + Sync) -> Vec<u16> {
    let one = &one;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| s.spawn(move || (t..n).step_by(8).map(one).collect::<Vec<u16>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn the_real_officer_logs_in_during_a_challenge_flood() {
    let server = TestServer::start(&[]);
    let officers: Vec<String> = common::recipients("cav-milano")
        .iter()
        .map(|r| r.to_string())
        .collect();
    // 1000 junk challenges (the review locked the officer out with 400): unknown keys
    // (refused for free), then an officer's public recipient, unsigned and with forged
    // signatures.
    let statuses = flood(1000, |i| {
        let body = match i % 4 {
            0 => serde_json::json!({
                "recipient": age::x25519::Identity::generate().to_public().to_string()
            }),
            1 => serde_json::json!({ "recipient": "not a key" }),
            2 => serde_json::json!({ "recipient": officers[0] }),
            _ => serde_json::json!({
                "recipient": officers[0],
                "officer_key": "AAAA",
                "minute": 1,
                "signature": "AAAA",
            }),
        };
        challenge(&server, body)
    });
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 500);
    assert!(statuses.contains(&200), "{statuses:?}");

    // The flood goes on while the officer logs in, and keeps the unsigned budget of her
    // recipient drained (429) the whole time: a timing-free proof that the pull below does
    // not ride on a refilled budget.
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let stop = AtomicBool::new(false);
    let drained = AtomicUsize::new(0);
    let during = AtomicUsize::new(0);
    let pulling = AtomicBool::new(false);
    let out = tempfile::tempdir().unwrap();
    let sealed = common::seal("cav-milano", &common::report_json("budget"), &[]);
    let (status, answer) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{answer}");
    let (ok, stdout, stderr) = std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    let got = challenge(&server, serde_json::json!({ "recipient": officers[0] }));
                    if got == 429 {
                        drained.fetch_add(1, Ordering::SeqCst);
                        if pulling.load(Ordering::SeqCst) {
                            during.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            });
        }
        // Wait for the flood to be refused, then log in as the officer (her CLI signs its
        // challenge request: her own budget, untouched by the flood).
        while drained.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        pulling.store(true, Ordering::SeqCst);
        let result = server.pull("cav-milano", out.path());
        // The flood was still refused after the pull finished.
        let seen = during.load(Ordering::SeqCst);
        while during.load(Ordering::SeqCst) == seen {
            std::thread::yield_now();
        }
        stop.store(true, Ordering::SeqCst);
        result
    });
    assert!(
        during.load(Ordering::SeqCst) > 0,
        "the flood drained the unsigned budget"
    );
    assert!(ok, "pull during the flood: {stdout}\n{stderr}");
    assert!(out.path().join(answer["id"].as_str().unwrap()).is_dir());
}

fn list(server: &TestServer, mailbox: &str) -> u16 {
    status_json(
        ureq::post(&format!("{}/api/v1/mailbox", server.url))
            .send_json(serde_json::json!({ "mailbox": mailbox })),
    )
    .0
}

#[test]
fn junk_mailbox_requests_do_not_keep_a_victim_from_her_replies() {
    // The review's setting: 5 junk requests a second locked every mailbox out.
    let server = TestServer::start(&["--mailbox-logins-per-second", "5"]);
    let hers = Codename::generate().derive().unwrap().mailbox;
    let junk = flood(400, |i| match i % 4 {
        0 => list(&server, "nothex"),
        _ => list(&server, &format!("{:064x}", i % 3)),
    });
    assert_eq!(junk.iter().filter(|s| **s == 400).count(), 100);
    assert!(
        junk.contains(&429),
        "junk on one mailbox runs out of its budget"
    );
    for _ in 0..5 {
        assert_eq!(list(&server, &hers), 200, "her mailbox during the junk");
    }
}

#[test]
fn submissions_to_an_unknown_partner_do_not_spend_the_submission_budget() {
    let server = TestServer::start(&["--submissions-per-second", "1"]);
    let sealed = common::seal("cav-milano", &common::report_json("budget"), &[]);
    let junk = flood(100, |_| server.submit_raw("nobody", &sealed).0);
    assert!(junk.iter().all(|s| *s == 404), "{junk:?}");
    assert_eq!(server.submit_raw("cav-milano", &sealed).0, 201);
}
