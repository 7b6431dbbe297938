//! `approdo desk`: the officer's inbox on 127.0.0.1, a real desk process against a real
//! server. Every request without the per-run token is refused; the inbox lists the vault most
//! urgent first; a report opens in memory (escaped), an attachment only as a download; a reply
//! goes to her mailbox; offline, the desk still shows the vault; the vault holds nothing
//! readable, also after desks are killed (SIGKILL) at ≥ 20 random moments of a sync.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use approdo::codename::Codename;
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::common::{self, TestServer};
use crate::transparency::wait_for;

/// A running desk, killed on drop.
pub(crate) struct DeskProcess {
    child: Child,
    /// The printed address, with its token.
    pub url: String,
}

impl Drop for DeskProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DeskProcess {
    /// Starts `approdo desk` for the first demo officer of `partner` over `vault`.
    pub(crate) fn start(server: &TestServer, partner: &str, vault: &std::path::Path) -> Self {
        Self::start_as(server, &server.identity_file(partner), vault, &[])
    }

    /// Starts `approdo desk` with an identity file and extra arguments.
    pub(crate) fn start_as(
        server: &TestServer,
        identity: &std::path::Path,
        vault: &std::path::Path,
        extra: &[&str],
    ) -> Self {
        let mut child = common::command()
            .args([
                "desk",
                "--identity",
                identity.to_str().unwrap(),
                "--server",
                &server.url,
                "--vault",
                vault.to_str().unwrap(),
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{url}"
        );
        DeskProcess { child, url }
    }
}

pub(crate) fn get(url: &str) -> (u16, String, Option<String>) {
    match ureq::get(url).call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let disposition = r.header("Content-Disposition").map(str::to_owned);
            (r.status(), r.into_string().unwrap(), disposition)
        }
        Err(e) => panic!("{e}"),
    }
}

fn submit(server: &TestServer, report: serde_json::Value, files: &[(String, Vec<u8>)]) -> String {
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), files);
    // As the page does: a report that asks for replies is bound to its mailbox.
    let (status, json) = match report["reply"]["mailbox"].as_str() {
        Some(mailbox) => server.submit_bound("cav-milano", &sealed, mailbox),
        None => server.submit_raw("cav-milano", &sealed),
    };
    assert_eq!(status, 201, "{json}");
    json["id"].as_str().unwrap().to_owned()
}

#[test]
fn desk_serves_the_vault_only_with_its_token_and_keeps_it_sealed() {
    let server = TestServer::start(&[]);
    let keys = Codename::generate().derive().unwrap();
    let calm = submit(
        &server,
        serde_json::json!({"schema": "approdo.report/v1", "language": "ar",
            "urgency": "not_urgent", "description": "DESKMARKER calm"}),
        &[],
    );
    let urgent = submit(
        &server,
        serde_json::json!({"schema": "approdo.report/v1", "kind": "report", "language": "it",
            "urgency": "today", "safe_now": "not_safe",
            "description": "DESKMARKER <b>urgent</b>",
            "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox}}),
        &[("foto.jpg".to_owned(), b"DESKMARKER attachment".to_vec())],
    );
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let desk = DeskProcess::start(&server, "cav-milano", &vault);
    wait_for("the desk's first sync", || {
        get(&desk.url).1.contains("synced: 2 new")
    });

    // Without the token, with a wrong one, or for another host: refused.
    let port_root = desk
        .url
        .rsplit_once('/')
        .unwrap()
        .0
        .rsplit_once('/')
        .unwrap()
        .0;
    for url in [
        format!("{port_root}/"),
        format!("{port_root}/style.css"),
        format!("{port_root}/{}/", "0".repeat(64)),
        format!("{port_root}/r/{urgent}"),
    ] {
        assert_eq!(get(&url).0, 403, "{url}");
    }
    let rebound = ureq::get(&desk.url)
        .set("Host", "attacker.example:80")
        .call();
    assert!(matches!(rebound, Err(ureq::Error::Status(403, _))));

    // The inbox: most urgent first.
    let (status, inbox, _) = get(&desk.url);
    assert_eq!(status, 200);
    let (u, c) = (inbox.find(&urgent).unwrap(), inbox.find(&calm).unwrap());
    assert!(u < c, "{inbox}");
    assert!(
        !inbox.contains("DESKMARKER"),
        "the inbox lists, it does not show"
    );

    // One report, opened in memory; what she wrote is escaped.
    let r = ureq::get(&format!("{}r/{urgent}", desk.url))
        .call()
        .unwrap();
    let csp = r.header("Content-Security-Policy").unwrap().to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = r.into_string().unwrap();
    assert!(
        page.contains("DESKMARKER &lt;b&gt;urgent&lt;/b&gt;"),
        "{page}"
    );
    assert!(page.contains("foto.jpg"));
    assert!(
        !page.contains("DESKMARKER attachment"),
        "attachments only on request"
    );
    let (status, body, disposition) = get(&format!("{}r/{urgent}/a/0", desk.url));
    assert_eq!(status, 200);
    assert_eq!(body, "DESKMARKER attachment");
    assert_eq!(
        disposition.as_deref(),
        Some("attachment; filename=\"foto.jpg\"")
    );

    // A reply from the desk reaches her mailbox.
    let sent = ureq::post(&format!("{}r/{urgent}/reply", desk.url))
        .send_form(&[
            ("message", "We can meet."),
            ("desk", "Via Roma 1"),
            ("time", "Tuesday 10:00"),
            ("phrase", "blue heron"),
        ])
        .unwrap()
        .into_string()
        .unwrap();
    assert!(sent.contains("Reply sent"), "{sent}");
    let mailbox: serde_json::Value = ureq::post(&format!("{}/api/v1/mailbox", server.url))
        .send_json(serde_json::json!({ "mailbox": keys.mailbox }))
        .unwrap()
        .into_json()
        .unwrap();
    let messages = mailbox["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{mailbox}");
    let sealed = BASE64_STANDARD
        .decode(messages[0]["age"].as_str().unwrap())
        .unwrap();
    let reply = approdo::reply::Reply::open(&sealed, keys.identity()).unwrap();
    assert_eq!(reply.in_reply_to, urgent);
    assert_eq!(reply.appointment.unwrap().phrase, "blue heron");

    // Her answer arrives: the inbox puts it under "Needs you".
    let answer = submit(
        &server,
        serde_json::json!({"schema": "approdo.report/v1", "kind": "follow-up",
            "in_reply_to": urgent, "language": "it", "appointment": "accept",
            "description": "DESKMARKER ok"}),
        &[],
    );
    let inbox = ureq::post(&format!("{}sync", desk.url))
        .send_string("")
        .unwrap()
        .into_string()
        .unwrap();
    let needs = &inbox[inbox
        .find("id=\"needs-answers\"")
        .expect("a needs-you line")..];
    assert!(needs.contains(&answer[..8]), "{inbox}");

    // Deleted on the server: gone from the desk after a sync.
    server
        .officer("cav-milano")
        .delete(calm.parse().unwrap())
        .unwrap();
    let after = ureq::post(&format!("{}sync", desk.url))
        .send_string("")
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        after.contains("1 removed") && !after.contains(&calm),
        "{after}"
    );

    // Offline (the server is gone): the inbox and the report still open from the vault.
    drop(server);
    let offline = ureq::post(&format!("{}sync", desk.url))
        .send_string("")
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        offline.contains("offline, showing the vault") && offline.contains(&urgent),
        "{offline}"
    );
    let (status, page, _) = get(&format!("{}r/{urgent}", desk.url));
    assert_eq!(status, 200);
    assert!(page.contains("DESKMARKER"));

    assert_eq!(common::scan(dir.path(), b"DESKMARKER"), 0);
}

#[test]
fn desks_killed_at_random_moments_leave_no_plaintext() {
    let server = TestServer::start(&[]);
    const REPORTS: usize = 8;
    for i in 0..REPORTS {
        submit(
            &server,
            serde_json::json!({"schema": "approdo.report/v1", "language": "it",
                "description": format!("DESKKILL-{i}")}),
            &[(
                "a.txt".to_owned(),
                format!("DESKKILL attachment {i}").into_bytes(),
            )],
        );
    }
    let identity = server.identity_file("cav-milano");
    let dir = tempfile::tempdir().unwrap();
    let files = |d: &std::path::Path| std::fs::read_dir(d).map_or(0, |r| r.count());
    let (mut kills, mut round) = (0, 0);
    // Rounds until 20 desks were killed in the middle of their first sync.
    while kills < 20 {
        round += 1;
        assert!(round <= 80, "only {kills} of 80 desks were killed mid-sync");
        let vault = dir.path().join(format!("vault-{round}"));
        let mut child = common::command()
            .args(["desk", "--identity", identity.to_str().unwrap()])
            .args(["--server", &server.url, "--vault", vault.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let target = rand::random::<usize>() % REPORTS;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while files(&vault.join("tmp")) + files(&vault.join("reports")) < target {
            assert!(
                std::time::Instant::now() < deadline,
                "the desk's sync stalled"
            );
            std::thread::yield_now();
        }
        for _ in 0..rand::random::<u16>() % 2000 {
            std::thread::yield_now();
        }
        // Killed mid-sync when it had not kept every report yet.
        if files(&vault.join("reports")) < REPORTS {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            common::scan(dir.path(), b"DESKKILL"),
            0,
            "plaintext on disk after kill {round}"
        );
    }
}
