//! Codename mailboxes end to end: report → `approdo reply` → she reads it (JSON API as her
//! browser uses it, and the page without JavaScript) → follow-up → `approdo pull` → she
//! deletes it. Nothing readable (codename, messages) reaches the disk. What a mailbox refuses
//! or keeps to itself (wrong codenames, rate limits, malformed replies) is
//! `mailbox_refusals.rs`.

use approdo::codename::{Codename, ReplyKeys};
use approdo::reply::Reply;
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::common::{self, status_json, TestServer};
use crate::nojs::{form_token, multipart, post};

fn report_with_reply(marker: &str, keys: &ReplyKeys) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schema": "approdo.report/v1",
        "kind": "report",
        "language": "it",
        "description": marker,
        "reply": { "recipient": keys.recipient().to_string(), "mailbox": keys.mailbox },
    }))
    .unwrap()
}

pub(crate) fn list(server: &TestServer, mailbox: &str) -> (u16, String) {
    match ureq::post(&format!("{}/api/v1/mailbox", server.url))
        .send_json(serde_json::json!({ "mailbox": mailbox }))
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

pub(crate) fn mailbox_token(server: &TestServer) -> String {
    let html = ureq::get(&format!("{}/mailbox", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    hidden(&html, "form_token")
}

/// The value of the first hidden field `name` in `html`.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub(crate) fn login_nojs(server: &TestServer, codename: &str) -> (u16, String) {
    let token = mailbox_token(server);
    match ureq::post(&format!("{}/mailbox", server.url))
        .send_form(&[("form_token", &token), ("codename", codename)])
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

/// A page without its one-time form tokens (which differ on every render).
pub(crate) fn without_tokens(html: &str) -> String {
    html.split("name=\"form_token\" value=\"")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('"').unwrap()..]
            }
        })
        .collect()
}

fn reply_cli(
    server: &TestServer,
    out: &std::path::Path,
    id: &str,
    extra: &[&str],
) -> (bool, String, String) {
    let identity = server.identity_file("cav-milano");
    let mut args = vec![
        "reply",
        "--server",
        &server.url,
        "--identity",
        identity.to_str().unwrap(),
        "--reports",
        out.to_str().unwrap(),
        "--report",
        id,
    ];
    args.extend_from_slice(extra);
    common::approdo(&args)
}

#[test]
fn report_reply_read_with_and_without_js_follow_up_pull_and_delete() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();
    let marker = "MARKER-mbx-report-5e1";
    let sealed = common::seal("cav-milano", &report_with_reply(marker, &keys), &[]);
    let (status, answer) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();

    // The officer pulls it and answers, proposing an appointment.
    let out = tempfile::tempdir().unwrap();
    assert!(server.pull("cav-milano", out.path()).0);
    let text = "MARKER-mbx-reply-77 We read you.\nCome on Tuesday.";
    let (ok, stdout, err) = reply_cli(
        &server,
        out.path(),
        &id,
        &[
            "--message",
            text,
            "--desk",
            "Sportello Donna, via Roma 1",
            "--time",
            "Tuesday 10:00",
            "--phrase",
            "MARKER-mbx-phrase blue umbrella",
        ],
    );
    assert!(ok, "{err}");
    assert!(stdout.contains("waiting in her mailbox"), "{stdout}");

    // With JavaScript: her browser fetches by mailbox id and opens the reply itself.
    let (status, body) = list(&server, &keys.mailbox);
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    let bytes = BASE64_STANDARD
        .decode(messages[0]["age"].as_str().unwrap())
        .unwrap();
    let reply = Reply::open(&bytes, keys.identity()).unwrap();
    assert_eq!(reply.message, text);
    assert_eq!(reply.in_reply_to, id);
    assert_eq!(reply.partner, "cav-milano");
    assert_eq!(reply.appointment.as_ref().unwrap().time, "Tuesday 10:00");
    let other = Codename::generate().derive().unwrap();
    assert!(Reply::open(&bytes, other.identity()).is_err());

    // Without JavaScript: the server opens it for one page.
    let (status, page) = login_nojs(&server, &codename.expose().to_uppercase().replace(' ', "-"));
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("MARKER-mbx-reply-77 We read you.<br>"),
        "{page}"
    );
    assert!(page.contains("MARKER-mbx-phrase blue umbrella"));
    assert!(page.contains("server worked out your mailbox"));
    assert!(
        !page.contains(codename.expose()),
        "the codename is not echoed"
    );

    // She accepts the appointment with a note, through the page's follow-up form.
    let (ct, form) = multipart(
        &[
            ("form_token", &hidden(&page, "form_token")),
            ("partner", &hidden(&page, "partner")),
            ("in_reply_to", &hidden(&page, "in_reply_to")),
            ("reply_recipient", &hidden(&page, "reply_recipient")),
            ("reply_mailbox", &hidden(&page, "reply_mailbox")),
            ("description", "MARKER-mbx-followup-3 thank you"),
            ("appointment_time", &hidden(&page, "appointment_time")),
            ("appointment_desk", &hidden(&page, "appointment_desk")),
            ("appointment", "accept"),
        ],
        &[],
    );
    let (status, sent) = post(&server, &ct, &form);
    assert_eq!(status, 201, "{sent}");
    assert!(
        !sent.contains("Your codename"),
        "a follow-up makes no new codename"
    );

    // The officer pulls the follow-up like any report.
    let (ok, _, err) = server.pull("cav-milano", out.path());
    assert!(ok, "{err}");
    let follow = server
        .officer("cav-milano")
        .list()
        .unwrap()
        .into_iter()
        .find(|m| m.id.to_string() != id)
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join(follow.id.to_string()).join("report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["kind"], "follow-up");
    assert_eq!(json["in_reply_to"], id.as_str());
    assert_eq!(json["appointment"], "accept");
    // … naming the appointment she accepted (two officers may have proposed two).
    assert_eq!(json["appointment_for"]["time"], "Tuesday 10:00");
    assert_eq!(
        json["appointment_for"]["desk"],
        reply.appointment.as_ref().unwrap().desk.as_str()
    );
    assert_eq!(json["description"], "MARKER-mbx-followup-3 thank you");
    assert_eq!(json["reply"]["mailbox"], keys.mailbox.as_str());
    // … and can answer the follow-up in turn.
    let (ok, _, err) = reply_cli(
        &server,
        out.path(),
        &follow.id.to_string(),
        &["--message", "See you."],
    );
    assert!(ok, "{err}");
    assert_eq!(list_len(&server, &keys.mailbox), 2);

    // She deletes what she has read: once without JS, once as her browser does.
    let del = ureq::post(&format!("{}/mailbox/delete", server.url)).send_form(&[
        ("form_token", &mailbox_token(&server)),
        ("mailbox", &keys.mailbox),
        ("id", messages[0]["id"].as_str().unwrap()),
    ]);
    assert_eq!(del.unwrap().status(), 200);
    assert_eq!(list_len(&server, &keys.mailbox), 1);
    let (_, body) = list(&server, &keys.mailbox);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let last = body["messages"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = status_json(
        ureq::post(&format!("{}/api/v1/mailbox/delete", server.url))
            .send_json(serde_json::json!({ "mailbox": keys.mailbox, "id": last })),
    );
    assert_eq!(status, 200);
    assert_eq!(list_len(&server, &keys.mailbox), 0);

    // Nothing readable reached the disk or the server's output.
    for needle in [codename.expose(), "MARKER-mbx", keys.mailbox.as_str()] {
        assert_eq!(
            common::scan(&server.data, needle.as_bytes()),
            0,
            "{needle} on disk"
        );
        assert!(!String::from_utf8_lossy(&server.output()).contains(needle));
    }
}

fn list_len(server: &TestServer, mailbox: &str) -> usize {
    let (_, body) = list(server, mailbox);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["messages"].as_array().unwrap().len()
}

#[test]
fn the_no_js_form_gives_a_codename_that_opens_the_replies() {
    let server = TestServer::start(&[]);
    let (ct, body) = multipart(
        &[
            ("form_token", &form_token(&server)),
            ("partner", "tratta-milano"),
            ("consent_read", "yes"),
            ("description", "MARKER-mbx-nojs-9"),
        ],
        &[],
    );
    let (status, page) = post(&server, &ct, &body);
    assert_eq!(status, 201, "{page}");
    let start = page.find("id=\"codename\">").unwrap() + "id=\"codename\">".len();
    let shown = &page[start..start + page[start..].find('<').unwrap()];
    assert_eq!(shown.split(' ').count(), 7, "{shown}");
    let keys = Codename::parse(shown).unwrap().derive().unwrap();

    let out = tempfile::tempdir().unwrap();
    assert!(server.pull("tratta-milano", out.path()).0);
    let id = server.officer("tratta-milano").list().unwrap()[0]
        .id
        .to_string();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join(&id).join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["kind"], "report");
    assert_eq!(json["reply"]["mailbox"], keys.mailbox.as_str());
    assert_eq!(
        json["reply"]["recipient"],
        keys.recipient().to_string().as_str()
    );
    let identity = server.identity_file("tratta-milano");
    let (ok, _, err) = common::approdo(&[
        "reply",
        "--server",
        &server.url,
        "--identity",
        identity.to_str().unwrap(),
        "--report",
        out.path().join(&id).to_str().unwrap(),
        "--message",
        "MARKER-mbx-answer",
    ]);
    assert!(ok, "{err}");
    let (status, page) = login_nojs(&server, shown);
    assert_eq!(status, 200);
    assert!(page.contains("MARKER-mbx-answer"), "{page}");
    assert_eq!(common::scan(&server.data, shown.as_bytes()), 0);
}

#[test]
fn the_reply_command_explains_what_is_missing() {
    let server = TestServer::start(&[]);
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = reply_cli(
        &server,
        out.path(),
        "0123456789abcdef0123456789abcdef",
        &["--message", "hi"],
    );
    assert!(!ok);
    assert!(err.contains("pull the report first"), "{err}");
    // A report that asks for no replies.
    let sealed = common::seal(
        "cav-milano",
        &common::report_json("MARKER-mbx-noreply"),
        &[],
    );
    let id = server.submit_raw("cav-milano", &sealed).1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(server.pull("cav-milano", out.path()).0);
    let (ok, _, err) = reply_cli(&server, out.path(), &id, &["--message", "hi"]);
    assert!(!ok);
    assert!(err.contains("no reply address"), "{err}");
    let (ok, _, err) = reply_cli(
        &server,
        out.path(),
        &id,
        &["--message", "hi", "--desk", "d"],
    );
    assert!(!ok, "--desk needs --time and --phrase");
    assert!(err.contains("--time"), "{err}");
}
