//! Tampering with what the log protects, each kind caught by the matching audit command: a
//! report removed, a report never logged, a log entry altered (`audit store`); a log rolled
//! back or forked (`audit log`); a swapped directory key, a modified script, a missing header
//! (`audit site`, through a man in the middle).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, ReadableTable};

use crate::common::TestServer;
use crate::transparency::{audit, submit, wait_logged};

/// Copies a stopped server's data directory (store, log key, demo keys).
pub(crate) fn copy_data(from: &Path, to: &Path) {
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
    let victim = stored_ids(&data.join("approdo.redb"))[0];
    let removed = tampered(&data, &dir.path().join("removed"), |txn| {
        txn.open_table(reports).unwrap().remove(victim).unwrap();
        txn.open_table(chunks)
            .unwrap()
            .retain(|k, _| k.0 != victim)
            .unwrap();
    });
    audit_store_says(
        &removed,
        &format!("report {victim:032x}: is in the log but missing from the store"),
    );

    // 2. A report slipped into the store that was never logged.
    let intruder = 0x1234_u128;
    let slipped = tampered(&data, &dir.path().join("slipped"), |txn| {
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
    });
    audit_store_says(
        &slipped,
        &format!("report {intruder:032x}: is in the store but was never logged"),
    );

    // 3. A log entry altered after it was signed.
    let altered = tampered(&data, &dir.path().join("altered"), |txn| {
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
    });
    audit_store_says(&altered, "do not hash to the signed checkpoint");
}

/// A copy of the stopped server's `data` at `to`, changed by `edit` in one write transaction.
fn tampered(data: &Path, to: &Path, edit: impl FnOnce(&redb::WriteTransaction)) -> PathBuf {
    copy_data(data, to);
    let db = redb::Database::create(to.join("approdo.redb")).unwrap();
    let txn = db.begin_write().unwrap();
    edit(&txn);
    txn.commit().unwrap();
    to.to_owned()
}

/// `audit store` on `data` fails (exit 1) and says `what`.
fn audit_store_says(data: &Path, what: &str) {
    let (code, out) = audit(&["store", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(what), "{out}");
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
        // An officer pulls: her CLI remembers the checkpoint it verified.
        let (ok, _, err) = server.pull("cav-milano", &dir.path().join("pulled"));
        assert!(ok && err.contains("log: "), "{err}");
    }
    // The operator restores the older copy: the log shrank.
    let server = TestServer::start_in(&old, &["--log-interval", "1"]);
    let (code, out) = audit(&["log", "--server", &server.url, "--state", st]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    // Her next pull stops before downloading anything, prints both checkpoints and keeps them
    // as evidence (issue 18: the officer's view, Go's sumdb client pattern).
    let (ok, _, err) = server.pull("cav-milano", &dir.path().join("pulled-again"));
    assert!(
        !ok && err.contains("rolled back or forked") && err.contains("seen before:"),
        "{err}"
    );
    assert!(!dir.path().join("pulled-again").exists(), "nothing pulled");
    let evidence = err
        .split("saved in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_owned();
    let kept = std::fs::read_to_string(&evidence).unwrap();
    assert_eq!(kept.matches("\u{2014} approdo.log/").count(), 2, "{kept}");
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

pub(crate) fn mitm(upstream: String, edit: Edit) -> String {
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

    // Issue 18, gap 4: a same-origin script outside the manifest (CSP `script-src 'self'`
    // lets it run) injected into a page.
    let injected = mitm(server.url.clone(), |path, _, body| {
        if path == "/report" {
            let text = String::from_utf8_lossy(body).replacen(
                "</head>",
                "<script src=\"/help.js\"></script></head>",
                1,
            );
            *body = text.into_bytes();
        }
    });
    let (code, out) = audit(&["site", "--server", &injected]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("/report: loads \"/help.js\", not an asset"),
        "{out}"
    );
}
