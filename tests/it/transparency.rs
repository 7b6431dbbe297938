//! The transparency log and the audits that read it: receipts and inclusion proofs, the
//! C2SP tiles replayed by `audit log`, and each kind of tampering caught by the matching
//! audit command (a removed report, an unlogged report, an altered log, a rolled-back log, a
//! swapped directory key, a modified script).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use approdo::transparency::{client, LogVerifier};
use base64::prelude::{Engine, BASE64_STANDARD};
use redb::{ReadableDatabase, ReadableTable};

use crate::common::{self, TestServer};

/// Polls `cond` until it holds (or fails after 60 s).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(url: &str) -> (u16, Vec<u8>) {
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

fn submit(server: &TestServer, marker: &str) -> serde_json::Value {
    let sealed = common::seal("lavoro-milano", &common::report_json(marker), &[]);
    let (status, answer) = server.submit_raw("lavoro-milano", &sealed);
    assert_eq!(status, 201, "{answer}");
    answer
}

fn wait_logged(server: &TestServer, id: &str) -> serde_json::Value {
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

fn audit(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(common::bin())
        .arg("audit")
        .args(args)
        .output()
        .unwrap();
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
    let ids: Vec<approdo::store::ReportId> = answers
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

/// Copies a stopped server's data directory (store, log key, demo keys).
fn copy_data(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["approdo.redb", "log.key"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

fn stored_ids(db: &Path) -> Vec<u128> {
    let db = redb::ReadOnlyDatabase::open(db).unwrap();
    let txn = db.begin_read().unwrap();
    let t = txn
        .open_table(redb::TableDefinition::<u128, &[u8]>::new("reports"))
        .unwrap();
    t.iter().unwrap().map(|r| r.unwrap().0.value()).collect()
}

#[test]
fn audit_store_names_removed_unlogged_and_relogged_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_in(&data, &["--log-interval", "1"]);
    let a = submit(&server, "first");
    submit(&server, "second");
    wait_logged(&server, a["id"].as_str().unwrap());
    let _ = server.stop();
    let (code, out) = audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    let reports = redb::TableDefinition::<u128, &[u8]>::new("reports");
    let chunks = redb::TableDefinition::<(u128, u32), &[u8]>::new("chunks");
    // 1. A report removed from the store without a logged deletion.
    let removed = dir.path().join("removed");
    copy_data(&data, &removed);
    let victim = stored_ids(&removed.join("approdo.redb"))[0];
    {
        let db = redb::Database::create(removed.join("approdo.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(reports).unwrap().remove(victim).unwrap();
        txn.open_table(chunks)
            .unwrap()
            .retain(|k, _| k.0 != victim)
            .unwrap();
        txn.commit().unwrap();
    }
    let (code, out) = audit(&["store", "--data", removed.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "report {victim:032x}: is in the log but missing from the store"
        )),
        "{out}"
    );

    // 2. A report slipped into the store that was never logged.
    let slipped = dir.path().join("slipped");
    copy_data(&data, &slipped);
    let intruder = 0x1234_u128;
    {
        let db = redb::Database::create(slipped.join("approdo.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut r = txn.open_table(reports).unwrap();
            let src = stored_ids_in(&r)[0];
            let meta = r.get(src).unwrap().unwrap().value().to_vec();
            let meta = String::from_utf8(meta)
                .unwrap()
                .replace(&format!("{src:032x}"), &format!("{intruder:032x}"));
            r.insert(intruder, meta.as_bytes()).unwrap();
            let mut c = txn.open_table(chunks).unwrap();
            let copied: Vec<(u32, Vec<u8>)> = c
                .range((src, 0)..=(src, u32::MAX))
                .unwrap()
                .map(|x| {
                    let (k, v) = x.unwrap();
                    (k.value().1, v.value().to_vec())
                })
                .collect();
            for (i, bytes) in copied {
                c.insert((intruder, i), bytes.as_slice()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let (code, out) = audit(&["store", "--data", slipped.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "report {intruder:032x}: is in the store but was never logged"
        )),
        "{out}"
    );

    // 3. A log entry altered after it was signed.
    let altered = dir.path().join("altered");
    copy_data(&data, &altered);
    {
        let db = redb::Database::create(altered.join("approdo.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut e = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("log_entries"))
                .unwrap();
            let (index, stored) = e
                .iter()
                .unwrap()
                .map(|r| {
                    let (k, v) = r.unwrap();
                    (k.value(), String::from_utf8(v.value().to_vec()).unwrap())
                })
                .find(|(_, text)| text.contains("lavoro-milano"))
                .unwrap();
            e.insert(
                index,
                stored.replace("lavoro-milano", "cav-milano").as_bytes(),
            )
            .unwrap();
        }
        txn.commit().unwrap();
    }
    let (code, out) = audit(&["store", "--data", altered.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("do not hash to the signed checkpoint"),
        "{out}"
    );
}

fn stored_ids_in(t: &redb::Table<u128, &[u8]>) -> Vec<u128> {
    t.iter().unwrap().map(|r| r.unwrap().0.value()).collect()
}

#[test]
fn audit_log_catches_a_rolled_back_and_a_forked_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = dir.path().join("state.json");
    let st = state.to_str().unwrap();
    let old = dir.path().join("old");
    {
        let server = TestServer::start_in(&data, &["--log-interval", "1"]);
        let a = submit(&server, "one");
        wait_logged(&server, a["id"].as_str().unwrap());
        let _ = server.stop();
        copy_data(&data, &old);
        let server = TestServer::start_in(&data, &["--log-interval", "1"]);
        let b = submit(&server, "two");
        wait_logged(&server, b["id"].as_str().unwrap());
        let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
        assert_eq!(code, 0, "{out}");
    }
    // The operator restores the older copy: the log shrank.
    let server = TestServer::start_in(&old, &["--log-interval", "1"]);
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    // … and grows it again with other reports: same size or more, but not the same history.
    for i in 0..3 {
        let c = submit(&server, &format!("fork {i}"));
        wait_logged(&server, c["id"].as_str().unwrap());
    }
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rewritten"), "{out}");
}

/// A man in the middle: forwards to `upstream`, rewriting responses with `edit`.
/// Rewrites a response: (request path, headers, body).
type Edit = fn(&str, &mut Vec<(String, String)>, &mut Vec<u8>);

fn mitm(upstream: String, edit: Edit) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap_or("GET").to_owned(),
                parts.next().unwrap_or("/").to_owned(),
            );
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let req = ureq::request(&method, &format!("{upstream}{path}"));
            let resp = match if method == "GET" {
                req.call()
            } else {
                req.send_bytes(&body)
            } {
                Ok(r) | Err(ureq::Error::Status(_, r)) => r,
                Err(_) => continue,
            };
            let status = resp.status();
            let mut headers: Vec<(String, String)> = resp
                .headers_names()
                .into_iter()
                .filter(|n| {
                    !["content-length", "connection", "transfer-encoding"]
                        .contains(&n.to_lowercase().as_str())
                })
                .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_owned())))
                .collect();
            let mut out = Vec::new();
            resp.into_reader().read_to_end(&mut out).unwrap();
            edit(&path, &mut headers, &mut out);
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                out.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&out);
        }
    });
    format!("http://{addr}")
}

#[test]
fn audit_site_catches_a_swapped_key_a_modified_script_and_a_missing_header() {
    let server = TestServer::start(&[]);
    let (code, out) = audit(&["site", "--server", &server.url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS"), "{out}");

    let swapped = mitm(server.url.clone(), |path, _, body| {
        if path == "/api/v1/directory" {
            // The first partner's first key becomes another partner's key (one the server holds).
            let text = String::from_utf8_lossy(body).into_owned();
            let first = text.find("age1").unwrap();
            let last = text.rfind("age1").unwrap();
            let (a, b) = (&text[first..first + 62], &text[last..last + 62]);
            assert_ne!(a, b);
            *body = text.replacen(a, b, 1).into_bytes();
        }
    });
    let (code, out) = audit(&["site", "--server", &swapped]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("directory does not verify"), "{out}");

    let modified = mitm(server.url.clone(), |path, _, body| {
        if path == "/assets/app.js" {
            body.extend_from_slice(b";fetch('/x?'+document.body.innerText)");
        }
    });
    let (code, out) = audit(&["site", "--server", &modified]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("/assets/app.js: served bytes"), "{out}");

    let unsafe_headers = mitm(server.url.clone(), |path, headers, _| {
        if path == "/report" {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-security-policy"));
        }
    });
    let (code, out) = audit(&["site", "--server", &unsafe_headers]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("/report: header Content-Security-Policy"),
        "{out}"
    );
}
