//! Her side (issue 17, item 5): the status a partner shares shows on her mailbox page, in
//! plain words of her language, sealed for her like replies. With `--share-read` the desk says
//! "read" the first time the report is opened; the officer can share a status from the page;
//! a reply counts as "answered" (its own sentence says so); her page shows the furthest status
//! per report. Checked on the page without JavaScript (the server opens the mailbox for one
//! request); the page with JavaScript is checked in tests/browser/desk.test.mjs.

use approdo::codename::Codename;

use crate::common::{self, TestServer};
use crate::desk::{get, DeskProcess};
use crate::mailbox::login_nojs;
use crate::transparency::wait_for;

fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match ureq::post(url).send_form(form) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn desk_shares_a_status_her_mailbox_shows_in_her_words() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();
    let report = serde_json::json!({"schema": "approdo.report/v1", "kind": "report",
        "language": "fr", "description": "SHAREMARKER",
        "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox}});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), &[]);
    let (status, json) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();

    // Nothing shared yet: her mailbox is empty.
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(
        page.contains("id=\"empty\"") && !page.contains("shared-status"),
        "{page}"
    );

    let dir = tempfile::tempdir().unwrap();
    let desk = DeskProcess::start_as(
        &server,
        &server.identity_file("cav-milano"),
        &dir.path().join("vault"),
        &["--name", "Maria", "--share-read"],
    );
    wait_for("the first sync", || get(&desk.url).1.contains(&id));
    // Opened: "read" goes to her, and colleagues see it was shared.
    let (status, page, _) = get(&format!("{}r/{id}", desk.url));
    assert_eq!(status, 200);
    assert!(page.contains("shared with her: letta / read"), "{page}");
    assert!(page.contains("id=\"share\""), "{page}");
    let (_, again, _) = get(&format!("{}r/{id}", desk.url));
    assert_eq!(
        again.matches("shared with her").count(),
        1,
        "shared once: {again}"
    );

    // Her page (English and French), without JavaScript.
    let (status, page) = login_nojs(&server, codename.expose());
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("data-status=\"read\""), "{page}");
    assert!(page.contains("has read your report"), "{page}");
    assert!(!page.contains("id=\"empty\""), "{page}");
    let token = {
        let html = ureq::get(&format!("{}/mailbox?lang=fr", server.url))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        let key = "name=\"form_token\" value=\"";
        let at = html.find(key).unwrap() + key.len();
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let (_, fr) = post(
        &format!("{}/mailbox?lang=fr", server.url),
        &[("form_token", &token), ("codename", codename.expose())],
    );
    assert!(fr.contains("a lu votre message"), "{fr}");

    // A status already told, or a lower one, is refused: nothing more reaches her mailbox.
    for again in ["received", "read"] {
        let (status, page) = post(&format!("{}r/{id}/share", desk.url), &[("status", again)]);
        assert_eq!(status, 409, "{page}");
        assert!(page.contains("already told"), "{page}");
    }
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(
        page.contains("data-status=\"read\"") && !page.contains("data-status=\"received\""),
        "{page}"
    );
    // A bad status is refused and sends nothing.
    let (status, _) = post(
        &format!("{}r/{id}/share", desk.url),
        &[("status", "closed")],
    );
    assert_eq!(status, 400);

    // A reply: her page shows it with its own "read and answered" line, no separate status.
    // The form is posted twice (a reload of the answer page, a second click): one reply.
    let (_, form, _) = get(&format!("{}r/{id}", desk.url));
    let key = "name=\"once\" value=\"";
    let at = form.find(key).unwrap() + key.len();
    let once = &form[at..at + 32];
    let reply = [("message", "We read you."), ("once", once)];
    let (status, sent) = post(&format!("{}r/{id}/reply", desk.url), &reply);
    assert_eq!(status, 200, "{sent}");
    let (status, again) = post(&format!("{}r/{id}/reply", desk.url), &reply);
    assert_eq!(status, 409, "{again}");
    assert!(again.contains("nothing more was sent"), "{again}");
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(
        page.contains("We read you.") && page.contains("answered you"),
        "{page}"
    );
    assert_eq!(page.matches("We read you.").count(), 1, "one reply: {page}");
    assert!(!page.contains("shared-status"), "{page}");
    let (_, desk_page, _) = get(&format!("{}r/{id}", desk.url));
    assert!(
        desk_page.contains("she was told: risposta / answered"),
        "{desk_page}"
    );

    // The case form clicked twice: one note for colleagues.
    let key = "name=\"once\" value=\"";
    let case_form = &desk_page[desk_page.find("id=\"case\"").unwrap()..];
    let at = case_form.find(key).unwrap() + key.len();
    let note = [
        ("status", ""),
        ("note", "twice-noted"),
        ("once", &case_form[at..at + 32]),
    ];
    for _ in 0..2 {
        let (status, _) = post(&format!("{}r/{id}/case", desk.url), &note);
        assert_eq!(status, 200, "followed to the report's page");
    }
    let (_, desk_page, _) = get(&format!("{}r/{id}", desk.url));
    assert_eq!(desk_page.matches("twice-noted").count(), 1, "{desk_page}");

    drop(desk);
    let data = server.stop().unwrap();
    assert_eq!(common::scan(data.path(), b"SHAREMARKER"), 0);
    assert_eq!(common::scan(dir.path(), b"SHAREMARKER"), 0);
}

#[test]
fn the_reply_command_shares_a_status_too() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();
    let report = serde_json::json!({"schema": "approdo.report/v1", "kind": "report",
        "language": "en", "description": "a report",
        "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox}});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), &[]);
    let (status, json) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let out = tempfile::tempdir().unwrap();
    assert!(server.pull("cav-milano", out.path()).0);
    let identity = server.identity_file("cav-milano");
    let reply = |extra: &[&str]| {
        let mut args = vec![
            "reply",
            "--server",
            &server.url,
            "--identity",
            identity.to_str().unwrap(),
            "--reports",
            out.path().to_str().unwrap(),
            "--report",
            &id,
        ];
        args.extend_from_slice(extra);
        common::approdo(&args)
    };
    let (ok, _, err) = reply(&["--status", "closed"]);
    assert!(!ok && err.contains("received"), "{err}");
    let (ok, _, err) = reply(&["--status", "read", "--message", "x"]);
    assert!(!ok, "a status or a message, not both: {err}");
    let (ok, stdout, err) = reply(&["--status", "received"]);
    assert!(ok, "{err}");
    assert!(stdout.contains("status \"received\""), "{stdout}");
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(page.contains("has received your report"), "{page}");
    // Then "read": her page shows the furthest one only.
    assert!(reply(&["--status", "read"]).0);
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(page.contains("has read your report"), "{page}");
    assert_eq!(page.matches("class=\"shared-status\"").count(), 1, "{page}");
    // She can delete them, like replies: one form for each status message.
    let field = |form: &str, name: &str| {
        let key = format!("name=\"{name}\" value=\"");
        let at = form.find(&key).unwrap() + key.len();
        form[at..at + form[at..].find('"').unwrap()].to_owned()
    };
    let forms: Vec<&str> = page.split("action=\"/mailbox/delete").skip(1).collect();
    assert_eq!(forms.len(), 2, "{page}");
    for (i, form) in forms.into_iter().enumerate() {
        let fields = [
            ("form_token", field(form, "form_token")),
            ("mailbox", field(form, "mailbox")),
            ("id", field(form, "id")),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _) = post(&format!("{}/mailbox/delete", server.url), &fields);
        assert_eq!(status, 200);
        if i == 0 {
            // Tapped twice without JavaScript: the second answer says "deleted" too.
            let (status, page) = post(&format!("{}/mailbox/delete", server.url), &fields);
            assert_eq!(status, 200, "{page}");
            assert!(page.contains("id=\"deleted\""), "{page}");
        }
    }
    let (_, page) = login_nojs(&server, codename.expose());
    assert!(
        page.contains("id=\"empty\"") && !page.contains("shared-status"),
        "{page}"
    );
}
