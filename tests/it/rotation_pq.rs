//! Migrating a real network's partner from X25519 to post-quantum keys (docs/operator.md,
//! "Moving a partner to post-quantum keys"): each officer runs `approdo officer rotate --pq`
//! (the new file holds the new `AGE-SECRET-KEY-PQ-1…` identity first and keeps the old X25519
//! one), the coordinator signs a directory where the partner's recipients are all `age1pq1…`
//! (a directory mixing the two kinds for one partner is refused), and after the restart new
//! reports are sealed with `mlkem768x25519` while the reports from before stay readable.

use crate::common;
use crate::rotation::{officer, ok, pull, s, serve, Network};

#[test]
fn rotate_pq_moves_a_partner_to_post_quantum_and_old_reports_stay_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let net = Network {
        dir: tmp.path().to_owned(),
    };
    let d = tmp.path();
    let data = d.join("data");
    let netpub = ok(&["network", "keygen", "--out", s(&d.join("network.key"))]);
    std::fs::write(d.join("network.pub"), netpub).unwrap();
    let anna = officer(&d.join("anna.key"));
    let bea = officer(&d.join("bea.key"));
    let carla = officer(&d.join("carla.key"));
    net.sign(1, &[&anna, &bea], &[&carla]);
    let (is_ok, _, err) = common::init(d, &["--unix-socket", s(&d.join("approdo.sock"))]);
    assert!(is_ok, "approdo init: {err}");
    let config = data.join("approdo.toml");
    let server = serve(&config, &data);
    let old = net.submit(&server, "cav-prova", "classic-report");
    drop(server);

    // Both officers of cav-prova rotate to post-quantum identities.
    let rotate = |name: &str| {
        let out = d.join(format!("{name}-pq.key"));
        let recipient = ok(&[
            "officer",
            "rotate",
            "--pq",
            "--no-passphrase",
            "--identity",
            s(&d.join(format!("{name}.key"))),
            "--out",
            s(&out),
        ]);
        (recipient.trim().to_owned(), out)
    };
    let (anna_pq, anna_file) = rotate("anna");
    let (bea_pq, _) = rotate("bea");
    assert!(anna_pq.starts_with("age1pq1") && bea_pq.starts_with("age1pq1"));
    let text = std::fs::read_to_string(&anna_file).unwrap();
    let pq_line = text.find("AGE-SECRET-KEY-PQ-1").unwrap();
    let old_line = text.find("AGE-SECRET-KEY-1").unwrap();
    assert!(
        pq_line < old_line,
        "the new identity first, the old one kept"
    );

    // Half-migrated is refused: one file cannot be sealed to both kinds safely.
    let toml = format!(
        "network = \"Rete\"\nversion = 2\n[[partner]]\nid = \"cav-prova\"\nname = \"CAV\"\n\
         recipients = [\"{anna_pq}\", \"{bea}\"]\n"
    );
    std::fs::write(d.join("mixed.toml"), toml).unwrap();
    let (signed, _, err) = common::approdo(&[
        "directory",
        "sign",
        "--partners",
        s(&d.join("mixed.toml")),
        "--key",
        s(&d.join("network.key")),
        "--out",
        s(&d.join("mixed.json")),
    ]);
    assert!(!signed && err.contains("mixes post-quantum"), "{err}");

    // Version 2: cav-prova is post-quantum; sportello stays X25519.
    net.sign(2, &[&anna_pq, &bea_pq], &[&carla]);
    let server = serve(&config, &data);
    let new = net.submit(&server, "cav-prova", "pq-report");
    let classic = net.submit(&server, "sportello", "still-classic");
    {
        let ids = approdo::keys::OfficerIdentity::read_all(&anna_file, || unreachable!()).unwrap();
        let mut client = approdo::client::Client::new(&server.url, None).unwrap();
        client.login(&ids).unwrap();
        let mut body = Vec::new();
        std::io::Read::read_to_end(
            &mut client.download(new.parse().unwrap()).unwrap(),
            &mut body,
        )
        .unwrap();
        let shape = approdo::admission::inspect_header(&body).unwrap().unwrap();
        assert_eq!((shape.hybrid, shape.x25519), (2, 0), "sealed post-quantum");
    }
    let (pulled, ids, err) = pull(&server, &anna_file, &d.join("anna-out"));
    assert!(pulled, "{err}");
    let mut both = vec![old, new];
    both.sort();
    assert_eq!(ids, both, "the old X25519 report and the new PQ one");
    let (pulled, ids, err) = pull(&server, &d.join("carla.key"), &d.join("carla-out"));
    assert!(pulled, "{err}");
    assert_eq!(ids, vec![classic]);
    drop(server);
    let (audited, out, err) = common::approdo(&[
        "audit",
        "store",
        "--data",
        s(&data),
        "--network-key",
        s(&d.join("network.pub")),
    ]);
    assert!(audited, "{out}{err}");
    assert!(
        out.contains("note: 1 report(s) were logged before the current directory version"),
        "the X25519 report from before the move is named, not a finding: {out}"
    );
}
