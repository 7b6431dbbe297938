//! "What needs her" above the desk's inbox (issue 17, item 4): a report with no status after
//! `--needs-hours`, an appointment today (from the day the officer gives for her colleagues'
//! reminder, never sent to the victim), and the counts as `needs.json` for the page's optional
//! notification script, served by the desk itself under its CSP.

use approdo::codename::Codename;

use crate::common::{self, TestServer};
use crate::desk::{get, DeskProcess};
use crate::transparency::wait_for;

fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match ureq::post(url).send_form(form) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

fn needs(url: &str) -> serde_json::Value {
    let (status, body, _) = get(&format!("{url}needs.json"));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn desk_lists_what_needs_her_and_serves_the_counts_for_notifications() {
    let server = TestServer::start(&[]);
    let keys = Codename::generate().derive().unwrap();
    let report = serde_json::json!({"schema": "approdo.report/v1", "kind": "report",
        "language": "it", "description": "NEEDSMARKER",
        "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox}});
    let sealed = common::seal("cav-milano", &serde_json::to_vec(&report).unwrap(), &[]);
    let (status, json) = server.submit_bound("cav-milano", &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{json}");
    let id = json["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();

    // With the default (24 hours), a report that arrived today does not need her yet.
    {
        let desk = DeskProcess::start(&server, "cav-milano", &dir.path().join("a"));
        wait_for("the first sync", || get(&desk.url).1.contains(&id));
        let (_, inbox, _) = get(&desk.url);
        assert!(!inbox.contains("needs-untaken"), "{inbox}");
        assert_eq!(needs(&desk.url)["untaken"], 0);
    }

    let desk = DeskProcess::start_as(
        &server,
        &server.identity_file("cav-milano"),
        &dir.path().join("b"),
        &[
            "--name",
            "Maria",
            "--needs-hours",
            "0",
            "--notify-poll-seconds",
            "1",
        ],
    );
    wait_for("the first sync", || get(&desk.url).1.contains(&id));
    let (_, inbox, _) = get(&desk.url);
    assert!(inbox.contains("id=\"needs-untaken\""), "{inbox}");
    assert!(
        inbox.contains("after 0 hours") && inbox.contains(&id[..8]),
        "{inbox}"
    );
    assert!(inbox.contains("desk.js\" data-poll=\"1\""), "{inbox}");
    assert_eq!(needs(&desk.url)["untaken"], 1);
    assert_eq!(needs(&desk.url)["count"], 1);

    // The script is the desk's own, under the same CSP; without the token, refused.
    let r = ureq::get(&format!("{}desk.js", desk.url)).call().unwrap();
    assert!(r
        .header("Content-Type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(r
        .header("Content-Security-Policy")
        .unwrap()
        .contains("script-src 'self'"));
    let js = r.into_string().unwrap();
    assert!(js.contains("Notification.requestPermission") && js.contains("needs.json"));
    let origin = desk.url.split('/').take(3).collect::<Vec<_>>().join("/");
    assert_eq!(get(&format!("{origin}/needs.json")).0, 403);

    // A reply with an appointment and a day for the reminder: today.
    let today = approdo::model::Day::today().to_string();
    let (status, page) = post(
        &format!("{}r/{id}/reply", desk.url),
        &[
            ("message", "We can meet."),
            ("desk", "Via Roma 1"),
            ("time", "today 16:00"),
            ("phrase", "green door"),
            ("on", &today),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("no copy"), "{page}");
    let (_, inbox, _) = get(&desk.url);
    assert!(inbox.contains("id=\"needs-today\""), "{inbox}");
    assert!(!inbox.contains("id=\"needs-untaken\""), "{inbox}");
    assert_eq!(needs(&desk.url)["today"], 1);
    // A day without an appointment, or not a day, is refused.
    let (status, _) = post(
        &format!("{}r/{id}/reply", desk.url),
        &[("message", "x"), ("on", &today)],
    );
    assert_eq!(status, 400);
    // Closed: nothing waits.
    let (status, _) = post(&format!("{}r/{id}/case", desk.url), &[("status", "closed")]);
    assert_eq!(status, 200);
    let (_, inbox, _) = get(&desk.url);
    assert!(!inbox.contains("<h2>Ti aspettano"), "{inbox}");
    assert_eq!(needs(&desk.url)["count"], 0);

    drop(desk);
    let data = server.stop().unwrap();
    assert_eq!(common::scan(data.path(), b"NEEDSMARKER"), 0);
    assert_eq!(common::scan(dir.path(), b"NEEDSMARKER"), 0);
}
