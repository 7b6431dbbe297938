//! What a codename mailbox refuses or keeps to itself: a wrong codename looks exactly like an
//! empty mailbox (and so does one whose only reply she cannot open), logins are rate-limited
//! per class, and replies are refused without an officer session or when they are not a
//! one-recipient age file of sane size. The mailbox's helpers are `mailbox.rs`'s.

use approdo::codename::Codename;
use approdo::reply::Reply;
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::common::{self, status_json, TestServer};
use crate::mailbox::{list, login_nojs, without_tokens};

#[test]
fn a_wrong_codename_looks_exactly_like_an_empty_mailbox() {
    let server = TestServer::start(&[]);
    let empty = Codename::generate();
    let wrong = Codename::generate();
    // A mailbox that exists but whose only message her codename cannot open (someone filed
    // a reply sealed to another key) also looks empty.
    let victim = Codename::generate();
    let vkeys = victim.derive().unwrap();
    let stranger = Codename::generate().derive().unwrap();
    let sealed = common::seal("cav-milano", &common::report_json("MARKER-mbx-wrong"), &[]);
    let report = server.submit_bound("cav-milano", &sealed, &vkeys.mailbox).1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let misdirected = Reply {
        schema: approdo::reply::SCHEMA.into(),
        partner: "cav-milano".into(),
        partner_name: "x".into(),
        in_reply_to: report.clone(),
        message: "not for her".into(),
        appointment: None,
        status: None,
    }
    .seal(&approdo::reply::ReplyAddress {
        recipient: stranger.recipient().to_string(),
        mailbox: vkeys.mailbox.clone(),
    })
    .unwrap();
    server
        .officer("cav-milano")
        .post_reply(&vkeys.mailbox, &report, &misdirected)
        .unwrap();

    let a = list(&server, &empty.derive().unwrap().mailbox);
    let b = list(&server, &wrong.derive().unwrap().mailbox);
    assert_eq!(a, b);
    assert_eq!(a, (200, "{\"messages\":[]}".to_owned()));
    let pages: Vec<(u16, String)> = [&empty, &wrong, &victim]
        .iter()
        .map(|c| {
            let (s, p) = login_nojs(&server, c.expose());
            (s, without_tokens(&p))
        })
        .collect();
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[0], pages[2]);
    assert!(pages[0].1.contains("no messages for this codename"));
    // Not a codename at all: a clear message, and the form again.
    let (status, page) = login_nojs(&server, "not a codename");
    assert_eq!(status, 400);
    assert!(page.contains("7 words from our list"));
}

#[test]
fn mailbox_logins_are_rate_limited_and_replies_refused_when_malformed() {
    let server = TestServer::start(&["--mailbox-logins-per-second", "1"]);
    let mailbox = "ab".repeat(32);
    let statuses: Vec<u16> = (0..12).map(|_| list(&server, &mailbox).0).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let (status, body) = list(&server, &mailbox);
    assert_eq!(status, 429);
    assert!(body.contains("\"error\""));
    // Budgets are per class (issue 15, item 4): junk on one mailbox leaves another's whole,
    // and no-JS logins (server-side KDF) have a budget of their own, spent before the KDF.
    assert_eq!(list(&server, &"cd".repeat(32)).0, 200);
    let (status, page) = (0..12)
        .map(|_| login_nojs(&server, Codename::generate().expose()))
        .find(|(s, _)| *s != 200)
        .expect("the no-JS login budget runs out");
    assert_eq!(status, 429);
    assert!(page.contains("Wait a minute"));
    assert_eq!(list(&server, "nothex").0, 400);

    // Replies: only with an officer session, only one-recipient age files of sane size.
    let keys = Codename::generate().derive().unwrap();
    let post_reply = |token: Option<&str>, mailbox: &str, age: &[u8]| {
        let mut req = ureq::post(&format!("{}/api/v1/replies", server.url));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        // A report id and a (dummy) signature, so the age file's shape is what is refused.
        status_json(req.send_json(serde_json::json!({
            "mailbox": mailbox,
            "report": "00".repeat(16),
            "age": BASE64_STANDARD.encode(age),
            "officer_key": "x",
            "signature": "x",
        })))
    };
    let officer = server.officer("cav-milano");
    let token = officer.token().unwrap().to_owned();
    let good = common::seal("cav-milano", &common::report_json("x"), &[]);
    assert_eq!(post_reply(None, &keys.mailbox, &good).0, 401);
    assert_eq!(post_reply(Some(&token), "short", &good).0, 400);
    assert_eq!(
        post_reply(Some(&token), &keys.mailbox, b"MARKER-mbx-plain").0,
        400
    );
    // cav-milano has two officers: two recipients is not a reply.
    assert_eq!(post_reply(Some(&token), &keys.mailbox, &good).0, 400);
    assert_eq!(
        post_reply(Some(&token), &keys.mailbox, &vec![b'a'; 80_000]).0,
        413
    );
    assert_eq!(common::scan(&server.data, b"MARKER-mbx-plain"), 0);
}

/// Without JavaScript, "open" tapped twice posts the login form twice with one token, and the
/// browser shows the second answer: her mailbox, not "expired". Once more only.
#[test]
fn a_double_tap_on_open_shows_her_mailbox_not_expired() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let token = crate::mailbox::mailbox_token(&server);
    let login = || match ureq::post(&format!("{}/mailbox", server.url))
        .send_form(&[("form_token", &token), ("codename", codename.expose())])
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    };
    let (first, page) = login();
    assert_eq!(first, 200, "{page}");
    let (second, again) = login();
    assert_eq!(second, 200, "the second tap opens it too: {again}");
    assert_eq!(without_tokens(&page), without_tokens(&again));
    let (third, refused) = login();
    assert_eq!(third, 403, "never a third time: {refused}");
}
