//! Issue 15, item 1: a storm of anonymous no-JavaScript mailbox logins (each asks the server
//! for an 8 MiB Argon2id) cannot take the server's memory. The budget is spent before the KDF,
//! the KDF runs on 2 threads with at most 6 in flight (503 beyond), so the peak RSS stays
//! under a ceiling, and a real victim then logs in.

use approdo::codename::Codename;

use crate::common::TestServer;
use crate::transparency::wait_for;

/// What the server may reach during the storm (it held 4.5 GB after 600 logins before).
const CEILING_KIB: u64 = 300 * 1024;

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn token(server: &TestServer) -> String {
    let html = ureq::get(&format!("{}/mailbox", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let key = "name=\"form_token\" value=\"";
    let start = html.find(key).unwrap() + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

fn login(server: &TestServer, token: &str, codename: &str) -> u16 {
    match ureq::post(&format!("{}/mailbox", server.url))
        .send_form(&[("form_token", token), ("codename", codename)])
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_no_js_login_storm_stays_under_the_memory_ceiling_and_she_then_logs_in() {
    let server = TestServer::start(&["--mailbox-logins-per-second", "50"]);
    // Tokens first (they are free), then 600 logins from 60 threads at once.
    let tokens: Vec<String> = (0..600).map(|_| token(&server)).collect();
    let codename = Codename::generate().expose().to_owned();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .chunks(10)
            .map(|chunk| {
                let (server, codename) = (&server, &codename);
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|t| login(server, t, codename))
                        .collect::<Vec<u16>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let peak = status_kib(server.pid(), "VmHWM:");
    let now = status_kib(server.pid(), "VmRSS:");
    let count = |c: u16| statuses.iter().filter(|s| **s == c).count();
    eprintln!(
        "storm: 200 {} · 429 {} · 503 {} · peak RSS {} MiB · after {} MiB",
        count(200),
        count(429),
        count(503),
        peak / 1024,
        now / 1024
    );
    assert!(
        statuses.iter().all(|s| [200, 429, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(count(503) > 0, "the KDF pool refused beyond its bound");
    assert!(
        peak < CEILING_KIB,
        "peak RSS {peak} KiB over {CEILING_KIB} KiB"
    );

    // Her login, once the budget has refilled (wait on the condition, not a clock).
    let victim = Codename::generate();
    wait_for("her no-JS login to succeed", || {
        login(&server, &token(&server), victim.expose()) == 200
    });
}
