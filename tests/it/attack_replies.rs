//! Issue 15, item 9, replayed against a real server: forged replies (another partner's name,
//! another partner's mailbox, an unsigned row slipped into the store). Item 10 (disguised
//! attachment names) is in `attack_names.rs`, item 11 (old directories) in
//! `attack_directories.rs`.

use approdo::codename::{Codename, ReplyKeys};
use approdo::keys::OfficerIdentity;
use approdo::reply::{Reply, ReplyAddress, ReplySignature, SCHEMA};
use base64::prelude::{Engine, BASE64_STANDARD};

use crate::common::{self, status_json, TestServer};

const CAV_NAME: &str = "DEMO Centro antiviolenza Milano";

fn report_with_reply(keys: &ReplyKeys) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schema": "approdo.report/v1", "kind": "report", "language": "it",
        "description": "MARKER-atk-report",
        "reply": { "recipient": keys.recipient().to_string(), "mailbox": keys.mailbox },
    }))
    .unwrap()
}

/// Submits a report to `partner` asking for replies to `keys`; its id.
fn report_to(server: &TestServer, partner: &str, keys: &ReplyKeys) -> String {
    let sealed = common::seal(partner, &report_with_reply(keys), &[]);
    let (status, answer) = server.submit_bound(partner, &sealed, &keys.mailbox);
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_str().unwrap().to_owned()
}

fn sealed_reply(keys: &ReplyKeys, partner: &str, name: &str, report: &str, text: &str) -> Vec<u8> {
    Reply {
        schema: SCHEMA.into(),
        partner: partner.into(),
        partner_name: name.into(),
        in_reply_to: report.into(),
        message: text.into(),
        appointment: None,
        status: None,
    }
    .seal(&ReplyAddress {
        recipient: keys.recipient().to_string(),
        mailbox: keys.mailbox.clone(),
    })
    .unwrap()
}

/// Her mailbox page without JavaScript.
fn mailbox_page(server: &TestServer, codename: &Codename) -> String {
    let html = ureq::get(&format!("{}/mailbox", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let key = "name=\"form_token\" value=\"";
    let start = html.find(key).unwrap() + key.len();
    let token = &html[start..start + html[start..].find('"').unwrap()];
    let resp = ureq::post(&format!("{}/mailbox", server.url))
        .send_form(&[("form_token", token), ("codename", codename.expose())])
        .unwrap();
    resp.into_string().unwrap()
}

fn signing_key(server: &TestServer, partner: &str) -> ed25519_dalek::SigningKey {
    let ids = OfficerIdentity::read_all(&server.identity_file(partner), || unreachable!()).unwrap();
    ids[0].signing_key().unwrap()
}

#[test]
fn forged_replies_are_refused_by_the_server_or_hidden_by_her_page() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();
    let cav_report = report_to(&server, "cav-milano", &keys);
    let other = Codename::generate().derive().unwrap();
    let tratta_report = report_to(&server, "tratta-milano", &other);
    let cav = server.officer("cav-milano");
    let tratta = server.officer("tratta-milano");

    // 1. The honest reply: her page names the partner from the directory, not what was typed.
    let honest = sealed_reply(
        &keys,
        "cav-milano",
        "Questura di Milano",
        &cav_report,
        "MARKER-atk-honest",
    );
    cav.post_reply(&keys.mailbox, &cav_report, &honest).unwrap();

    // 2. An officer of another partner answers her report: 403, nothing stored.
    let forged = sealed_reply(
        &keys,
        "cav-milano",
        CAV_NAME,
        &cav_report,
        "MARKER-atk-forged",
    );
    let err = tratta
        .post_reply(&keys.mailbox, &cav_report, &forged)
        .unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    // Naming a report of its own instead: that report was bound to another mailbox (issue 15,
    // item 9), so 403 again, nothing stored. (Slipped into the store below, her page hides it.)
    let err = tratta
        .post_reply(&keys.mailbox, &tratta_report, &forged)
        .unwrap_err();
    assert!(
        err.to_string().contains("403") && err.to_string().contains("mailbox"),
        "{err}"
    );

    // 3. A session of one partner with a signature by another partner's officer key: 403 JSON.
    let signed = ReplySignature::sign(
        &signing_key(&server, "cav-milano"),
        &keys.mailbox,
        &cav_report,
        "cav-milano",
        &forged,
    )
    .unwrap();
    let (status, body) = status_json(
        ureq::post(&format!("{}/api/v1/replies", server.url))
            .set("Authorization", &format!("Bearer {}", tratta.token().unwrap()))
            .send_json(serde_json::json!({
                "mailbox": keys.mailbox, "report": cav_report, "age": BASE64_STANDARD.encode(&forged),
                "officer_key": signed.officer_key, "signature": signed.signature,
            })),
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("officer key"),
        "{body}"
    );
    // Unsigned, or without the report: 400, saying what is missing.
    let (status, body) = status_json(
        ureq::post(&format!("{}/api/v1/replies", server.url))
            .set("Authorization", &format!("Bearer {}", cav.token().unwrap()))
            .send_json(serde_json::json!({ "mailbox": keys.mailbox, "age": BASE64_STANDARD.encode(&forged) })),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("signature"),
        "{body}"
    );

    // 4. Its own mailbox, its own report, a signed reply that claims to be cav-milano's inside:
    //    the server files it (it is tratta's to send), her page hides it (signer ≠ claimed).
    let claim = sealed_reply(
        &other,
        "cav-milano",
        CAV_NAME,
        &tratta_report,
        "MARKER-atk-claim",
    );
    tratta
        .post_reply(&other.mailbox, &tratta_report, &claim)
        .unwrap();

    // 5. A reply slipped into the store with no signature (a compromised server, an old row).
    let data = server.data.clone();
    let tratta_key = signing_key(&server, "tratta-milano");
    let _kept = server.stop();
    let slipped = sealed_reply(
        &keys,
        "cav-milano",
        CAV_NAME,
        &cav_report,
        "MARKER-atk-slipped",
    );
    {
        let store =
            approdo::store::Store::open(&data, &approdo::keys::demo::directory().unwrap()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(store.put_reply(
            keys.mailbox.parse().unwrap(),
            approdo::model::Day::today(),
            slipped,
        ))
        .unwrap();
        // And the one the server refused above (signed by tratta-milano for its own report,
        // claiming cav-milano inside), as a compromised server could file it.
        let by_tratta = ReplySignature::sign(
            &tratta_key,
            &keys.mailbox,
            &tratta_report,
            "tratta-milano",
            &forged,
        )
        .unwrap();
        rt.block_on(store.put_reply(
            keys.mailbox.parse().unwrap(),
            approdo::model::Day::today(),
            by_tratta.frame(&forged),
        ))
        .unwrap();
        let closer = store.closer();
        drop(store);
        assert!(closer.wait(std::time::Duration::from_secs(30)));
    }
    let server = TestServer::start_in(&data, &[]);

    // Without JavaScript: the verified one under the directory's name; tratta's and the
    // slipped one hidden.
    let page = mailbox_page(&server, &codename);
    assert!(page.contains("MARKER-atk-honest"), "{page}");
    assert!(page.contains(&format!("From {CAV_NAME}")), "{page}");
    assert!(!page.contains("Questura"), "{page}");
    assert!(
        !page.contains("MARKER-atk-slipped") && !page.contains("MARKER-atk-forged"),
        "{page}"
    );
    assert_eq!(page.matches("is hidden").count(), 2, "{page}");
    let other_codename_page = {
        // The other victim's mailbox: tratta's reply claiming cav-milano is hidden.
        let listed: serde_json::Value = ureq::post(&format!("{}/api/v1/mailbox", server.url))
            .send_json(serde_json::json!({ "mailbox": other.mailbox }))
            .unwrap()
            .into_json()
            .unwrap();
        listed
    };
    let m = &other_codename_page["messages"][0];
    assert_eq!(m["partner"], "tratta-milano", "{m}");
    let sealed = BASE64_STANDARD.decode(m["age"].as_str().unwrap()).unwrap();
    let reply = Reply::open(&sealed, other.identity()).unwrap();
    let sig: ReplySignature = serde_json::from_value(m.clone()).unwrap();
    let dir = approdo::keys::demo::directory().unwrap();
    let signer = sig
        .verify(dir.directory(), &other.mailbox, &reply.in_reply_to, &sealed)
        .unwrap();
    assert_ne!(
        signer.id.as_str(),
        reply.partner,
        "the page hides it: signer is not the claimed partner"
    );
}

#[test]
fn a_report_binds_its_mailbox_and_an_unbound_one_opens_none() {
    let server = TestServer::start(&[]);
    let keys = Codename::generate().derive().unwrap();
    let stranger = Codename::generate().derive().unwrap();
    let cav = server.officer("cav-milano");
    let reply = |to: &ReplyKeys, report: &str| sealed_reply(to, "cav-milano", "x", report, "hi");
    // Bound to her mailbox: accepted there, refused in another victim's (403, nothing filed).
    let bound = report_to(&server, "cav-milano", &keys);
    let err = cav
        .post_reply(&stranger.mailbox, &bound, &reply(&stranger, &bound))
        .unwrap_err()
        .to_string();
    assert!(err.contains("403") && err.contains("not the one"), "{err}");
    assert_eq!(
        ureq::post(&format!("{}/api/v1/mailbox", server.url))
            .send_json(serde_json::json!({ "mailbox": stranger.mailbox }))
            .unwrap()
            .into_string()
            .unwrap(),
        "{\"messages\":[]}"
    );
    cav.post_reply(&keys.mailbox, &bound, &reply(&keys, &bound))
        .unwrap();
    // Sent without a binding (an older page, a third-party client): nobody can start a
    // conversation with it, not even in the mailbox inside…
    let sealed = common::seal("cav-milano", &report_with_reply(&stranger), &[]);
    let (status, answer) = server.submit_raw("cav-milano", &sealed);
    assert_eq!(status, 201, "{answer}");
    let unbound = answer["id"].as_str().unwrap().to_owned();
    let err = cav
        .post_reply(&stranger.mailbox, &unbound, &reply(&stranger, &unbound))
        .unwrap_err()
        .to_string();
    assert!(err.contains("403"), "{err}");
    // …but a partner that already answered in a mailbox can go on answering there with it.
    cav.post_reply(&keys.mailbox, &unbound, &reply(&keys, &unbound))
        .unwrap();
    // A malformed binding is refused before anything is stored, on both write paths.
    for bad in ["00", &"AB".repeat(48), &"zz".repeat(48)] {
        let (status, body) = status_json(
            ureq::post(&format!(
                "{}/api/v1/submissions?partner=cav-milano",
                server.url
            ))
            .set(common::POW_HEADER, &common::pow(&server.url))
            .set(common::BINDING_HEADER, bad)
            .send_bytes(&sealed),
        );
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("96 lowercase hex"),
            "{body}"
        );
    }
    let (status, body) = status_json(
        ureq::post(&format!("{}/api/v1/uploads?partner=cav-milano", server.url))
            .set(common::POW_HEADER, &common::pow(&server.url))
            .call(),
    );
    assert_eq!(status, 201, "{body}");
    let upload = body["upload"].as_str().unwrap();
    let (status, body) = status_json(
        ureq::post(&format!("{}/api/v1/uploads/{upload}/finalize", server.url))
            .set(common::BINDING_HEADER, "00")
            .call(),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(cav.list().unwrap().len(), 2, "only the two good reports");
}

#[test]
fn every_partner_her_report_went_to_can_answer_and_no_other_once_it_is_deleted() {
    let server = TestServer::start(&[]);
    let codename = Codename::generate();
    let keys = codename.derive().unwrap();
    // One report to two partners (as the form sends it): one codename, one mailbox.
    let to_cav = report_to(&server, "cav-milano", &keys);
    let to_tratta = report_to(&server, "tratta-milano", &keys);
    let cav = server.officer("cav-milano");
    let tratta = server.officer("tratta-milano");
    let reply =
        |partner: &str, report: &str, text: &str| sealed_reply(&keys, partner, "x", report, text);
    cav.post_reply(
        &keys.mailbox,
        &to_cav,
        &reply("cav-milano", &to_cav, "MARKER-atk-cav"),
    )
    .unwrap();
    tratta
        .post_reply(
            &keys.mailbox,
            &to_tratta,
            &reply("tratta-milano", &to_tratta, "MARKER-atk-tratta"),
        )
        .unwrap();
    // Both reports deleted from the server: each partner can still answer where it answered…
    cav.delete(to_cav.parse().unwrap()).unwrap();
    tratta.delete(to_tratta.parse().unwrap()).unwrap();
    cav.post_reply(
        &keys.mailbox,
        &to_cav,
        &reply("cav-milano", &to_cav, "MARKER-atk-cav-2"),
    )
    .unwrap();
    // …but lavoro-milano, naming a report that is gone, cannot start a conversation.
    let lavoro = server.officer("lavoro-milano");
    let other = Codename::generate().derive().unwrap();
    let gone = report_to(&server, "lavoro-milano", &other);
    lavoro.delete(gone.parse().unwrap()).unwrap();
    let err = lavoro
        .post_reply(
            &keys.mailbox,
            &gone,
            &reply("lavoro-milano", &gone, "MARKER-atk-lavoro"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");

    let page = mailbox_page(&server, &codename);
    for (marker, name) in [
        ("MARKER-atk-cav<", CAV_NAME),
        ("MARKER-atk-tratta", "DEMO Progetto anti-tratta Milano"),
        ("MARKER-atk-cav-2", CAV_NAME),
    ] {
        let at = page
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} missing: {page}"));
        let heading = page[..at].rfind("<h2>").unwrap();
        assert!(
            page[heading..at].contains(&format!("From {name}")),
            "{marker}: {page}"
        );
    }
    assert!(
        !page.contains("is hidden") && !page.contains("MARKER-atk-lavoro"),
        "{page}"
    );
}
