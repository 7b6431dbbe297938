//! Issue 18: witnesses against split views. A real (non-DEMO) network lists two witnesses
//! (`approdo witness serve`, child processes) and a quorum of 2 in its signed directory;
//! `approdo witness-relay` gets the log's checkpoint cosigned by both and hands the
//! cosignatures back; `audit log` requires them. Then the store is forked (two copies of one
//! data directory, one different report each): the witnesses cosign the first branch and
//! refuse the second (422), so the second branch cannot show the quorum and `audit log` on it
//! fails, naming the witnesses. Also the add-checkpoint statuses of c2sp.org/tlog-witness.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::common::{self, TestServer};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(args: &[&str]) -> String {
    let (ok, out, err) = common::approdo(args);
    assert!(ok, "approdo {args:?}: {out}{err}");
    out
}

/// A witness process; killed on drop.
struct WitnessProc {
    child: Child,
    url: String,
}

impl Drop for WitnessProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(key: &Path, log_vkey: &str, state: &Path) -> WitnessProc {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_approdo"))
        .args(["witness", "serve", "--key", s(key), "--log-key", log_vkey])
        .args(["--state", s(state), "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let url = out
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("witness listening on ").map(str::to_owned))
        .expect("the witness prints its address");
    WitnessProc { child, url }
}

/// The checkpoint's size, once the log has integrated at least `n` entries.
fn wait_for_size(server: &TestServer, n: u64) -> String {
    for _ in 0..600 {
        if let Ok(r) = ureq::get(&format!("{}/log/checkpoint", server.url)).call() {
            let text = r.into_string().unwrap();
            let size: u64 = text.lines().nth(1).unwrap_or("0").parse().unwrap_or(0);
            if size >= n {
                return text;
            }
        }
        // Integration runs every second: wait on the condition, polling.
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
    panic!("the log never reached {n} entries");
}

fn submit(net: &Path, server: &TestServer, marker: &str) {
    let report = net.join(format!("{marker}.json"));
    std::fs::write(
        &report,
        format!(r#"{{"schema":"approdo.report/v1","language":"it","description":"{marker}"}}"#),
    )
    .unwrap();
    ok(&[
        "envelope",
        "submit",
        "--report",
        s(&report),
        "--server",
        &server.url,
        "--partner",
        "cav-prova",
        "--network-key",
        s(&net.join("network.pub")),
    ]);
}

fn relay(net: &Path, server: &TestServer) -> (bool, String) {
    let (ok, out, err) = common::approdo(&[
        "witness-relay",
        "--server",
        &server.url,
        "--network-key",
        s(&net.join("network.pub")),
    ]);
    (ok, format!("{out}{err}"))
}

fn audit_log(net: &Path, server: &TestServer, state: &str) -> (bool, String) {
    let (ok, out, err) = common::approdo(&[
        "audit",
        "log",
        "--server",
        &server.url,
        "--state",
        s(&net.join(state)),
        "--network-key",
        s(&net.join("network.pub")),
    ]);
    (ok, format!("{out}{err}"))
}

#[test]
fn two_witnesses_cosign_one_branch_and_refuse_a_fork() {
    let tmp = tempfile::tempdir().unwrap();
    let net = tmp.path();
    let data = net.join("data");
    // The network: a key, one officer, two witness keys.
    let pubkey = ok(&["network", "keygen", "--out", s(&net.join("network.key"))]);
    std::fs::write(net.join("network.pub"), pubkey).unwrap();
    let anna = ok(&[
        "officer",
        "keygen",
        "--no-passphrase",
        "--out",
        s(&net.join("anna.key")),
    ]);
    let w1 = ok(&[
        "witness",
        "keygen",
        "--name",
        "w1.example.org/approdo",
        "--out",
        s(&net.join("w1.key")),
    ]);
    let w2 = ok(&[
        "witness",
        "keygen",
        "--name",
        "w2.example.net/approdo",
        "--out",
        s(&net.join("w2.key")),
    ]);
    assert!(w1.starts_with("w1.example.org/approdo+"), "{w1}");
    // The log key exists before the server starts, so the witnesses can trust it.
    std::fs::create_dir_all(&data).unwrap();
    let log_vkey = approdo::transparency::LogKey::load_or_create(&data)
        .unwrap()
        .vkey()
        .to_owned();
    let wp1 = start_witness(&net.join("w1.key"), &log_vkey, &net.join("w1-state"));
    let wp2 = start_witness(&net.join("w2.key"), &log_vkey, &net.join("w2-state"));
    std::fs::write(
        net.join("partners.toml"),
        format!(
            "network = \"Rete di prova\"\nversion = 1\nwitness_quorum = 2\n\
             [[partner]]\nid = \"cav-prova\"\nname = \"CAV\"\nrecipients = [\"{}\"]\n\
             [[witness]]\nkey = \"{}\"\nurl = \"{}\"\n[[witness]]\nkey = \"{}\"\nurl = \"{}\"\n",
            anna.trim(),
            w1.trim(),
            wp1.url,
            w2.trim(),
            wp2.url
        ),
    )
    .unwrap();
    ok(&[
        "directory",
        "sign",
        "--partners",
        s(&net.join("partners.toml")),
        "--key",
        s(&net.join("network.key")),
        "--out",
        s(&net.join("directory.json")),
    ]);
    let (is_ok, _, err) = common::init(net, &["--listen", "127.0.0.1:0"]);
    assert!(is_ok, "init: {err}");
    let config = data.join("approdo.toml");
    let serve = ["serve", "--config", s(&config), "--log-interval", "1"];
    let server = TestServer::start_args(&data, &serve);
    wait_for_size(&server, 1);

    // Before any relay: the checkpoint carries no cosignature, and audit log says so.
    let (passed, said) = audit_log(net, &server, "before.json");
    assert!(
        !passed && said.contains("not witnessed") && said.contains("w1.example.org/approdo"),
        "{said}"
    );
    // The relay: both witnesses cosign; the server serves both cosignatures.
    let (passed, said) = relay(net, &server);
    assert!(
        passed
            && said.contains("cosigned by w1.example.org/approdo")
            && said.contains("cosigned by w2.example.net/approdo"),
        "{said}"
    );
    let served = ureq::get(&format!("{}/log/checkpoint", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(served.matches("\u{2014} w").count(), 2, "{served}");
    let (passed, said) = audit_log(net, &server, "a.json");
    assert!(passed && said.contains("cosigned by"), "{said}");
    // A replayed hand-back changes nothing; one that is not of the current checkpoint is 409.
    let again = ureq::post(&format!("{}/api/v1/log/cosignatures", server.url))
        .send_string(&served)
        .unwrap();
    assert_eq!(
        again.into_json::<serde_json::Value>().unwrap()["cosignatures"],
        2
    );
    let stale = served.replacen("\n1\n", "\n2\n", 1);
    let refused =
        ureq::post(&format!("{}/api/v1/log/cosignatures", server.url)).send_string(&stale);
    assert!(
        matches!(refused, Err(ureq::Error::Status(409, _))),
        "{refused:?}"
    );

    // The fork: two copies of the store, one different report each.
    let _kept = server.stop();
    let fork = net.join("fork");
    std::fs::create_dir_all(&fork).unwrap();
    for f in ["approdo.redb", "log.key", "approdo.toml"] {
        std::fs::copy(data.join(f), fork.join(f)).unwrap();
    }
    let a = TestServer::start_args(&data, &serve);
    let fork_config = fork.join("approdo.toml");
    let text = std::fs::read_to_string(&fork_config)
        .unwrap()
        .replace(s(&data), s(&fork));
    std::fs::write(&fork_config, text).unwrap();
    let b = TestServer::start_args(
        &fork,
        &["serve", "--config", s(&fork_config), "--log-interval", "1"],
    );
    submit(net, &a, "MARKER-branch-a");
    submit(net, &b, "MARKER-branch-b");
    let cp_a = wait_for_size(&a, 2);
    let cp_b = wait_for_size(&b, 2);
    assert_ne!(
        cp_a.lines().nth(2),
        cp_b.lines().nth(2),
        "two branches, two roots"
    );
    // A flood of junk hand-backs (malformed, another checkpoint, a forged line, oversized,
    // replays of branch B's note) from 4 threads: each refused for free, nothing written, and
    // the honest relay right after gets through.
    let forged_line = "\u{2014} w1.example.org/approdo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    let junk: Vec<String> = vec![
        "not a note".into(),
        cp_b.clone(),
        format!("{cp_a}{forged_line}"),
        "x".repeat(70_000),
    ];
    let floods: Vec<_> = (0..4)
        .map(|t| {
            let (url, junk) = (a.url.clone(), junk.clone());
            std::thread::spawn(move || {
                let mut codes = Vec::new();
                for i in 0..50 {
                    let body = &junk[(t + i) % junk.len()];
                    let r = ureq::post(&format!("{url}/api/v1/log/cosignatures")).send_string(body);
                    codes.push(match r {
                        Ok(r) => r.status(),
                        Err(ureq::Error::Status(c, _)) => c,
                        Err(_) => 0,
                    });
                }
                codes
            })
        })
        .collect();
    for f in floods {
        for code in f.join().unwrap() {
            assert!(matches!(code, 400 | 409 | 413), "junk answered {code}");
        }
    }
    let (passed, said) = relay(net, &a);
    assert!(passed, "branch A: {said}");
    let (passed, said) = relay(net, &b);
    assert!(
        !passed && said.matches("NOT cosigned").count() == 2 && said.contains("422"),
        "branch B: {said}"
    );
    // An auditor who sees only branch B is told: no quorum, naming the witnesses.
    let (passed, said) = audit_log(net, &b, "b.json");
    assert!(
        !passed && said.contains("missing: w1.example.org/approdo, w2.example.net/approdo"),
        "{said}"
    );
    let (passed, said) = audit_log(net, &a, "a.json");
    assert!(passed, "{said}");
    // Officers: a pull with the network key requires the quorum too.
    let pull = |server: &TestServer, out: &str| {
        common::approdo(&[
            "pull",
            "--server",
            &server.url,
            "--identity",
            s(&net.join("anna.key")),
            "--out",
            s(&net.join(out)),
            "--network-key",
            s(&net.join("network.pub")),
            // This network lists no officer signing keys (acknowledgements are not the point).
            "--no-ack",
        ])
    };
    let (passed, _, err) = pull(&a, "pulled-a");
    assert!(
        passed && err.contains("cosigned by w1.example.org/approdo"),
        "{err}"
    );
    let (passed, _, err) = pull(&b, "pulled-b");
    assert!(
        !passed && err.contains("missing: w1.example.org/approdo"),
        "{err}"
    );
    assert!(
        !net.join("pulled-b").exists(),
        "nothing pulled from the unwitnessed branch"
    );

    // The add-checkpoint statuses, straight at a witness.
    let post = |body: String| match ureq::post(&format!("{}/add-checkpoint", wp1.url))
        .send_string(&body)
    {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    };
    // Both were fetched before any relay of their branch: signed by the log only.
    let plain_a = cp_a.clone();
    assert_eq!(post(format!("old 0\n\n{plain_a}")), (409, "2\n".to_owned()));
    assert_eq!(
        post(format!("old 3\n\n{plain_a}")).0,
        400,
        "old above the size"
    );
    assert_eq!(post("old 0\n".to_owned()).0, 400, "no checkpoint");
    assert_eq!(
        post(format!(
            "old 2\n\n{}",
            plain_a.replace("approdo.log/", "other.log/")
        ))
        .0,
        404
    );
    let (lines, sig) = plain_a.split_once("\n\n").unwrap();
    let forged = format!("{}\n\n{sig}", lines.replacen("\n2\n", "\n3\n", 1));
    assert_eq!(
        post(format!("old 2\n\n{forged}")).0,
        403,
        "a bad log signature"
    );
    let (status, line) = post(format!("old 2\n\n{plain_a}"));
    assert_eq!(status, 200, "{line}");
    assert!(
        line.starts_with("\u{2014} w1.example.org/approdo "),
        "{line}"
    );
    assert_eq!(
        post(format!("old 2\n\n{cp_b}")).0,
        422,
        "same size, other root"
    );
    // `audit store` of this network's store: without its network key the recorded directory
    // is checked against the DEMO key and fails, saying what to pass; with it, the store's
    // witnessed checkpoint carries the quorum and is a prefix of its log.
    drop(a);
    let (passed, out, err) = common::approdo(&["audit", "store", "--data", s(&data)]);
    assert!(!passed && out.contains("pass --network-key"), "{out}{err}");
    let (passed, out, err) = common::approdo(&[
        "audit",
        "store",
        "--data",
        s(&data),
        "--network-key",
        s(&net.join("network.pub")),
    ]);
    assert!(passed, "{out}{err}");
    // The state survives a restart of the witness (persisted before answering).
    let state = std::fs::read_to_string(net.join("w1-state/witness-state.json")).unwrap();
    assert!(state.contains("\"size\": 2"), "{state}");
}
