//! A real network's life with real key files: `approdo init`, `serve --config` (which refuses
//! the DEMO keys), then key rotation — an officer rotates, one is added, later one removed,
//! each through a newly signed directory version and a restart. New reports seal to the new
//! keys; the rotated officer's file (new + old identities) opens old and new reports.

use std::path::{Path, PathBuf};

use crate::common::{self, TestServer};

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(crate) fn ok(args: &[&str]) -> String {
    let (ok, stdout, stderr) = common::approdo(args);
    assert!(ok, "approdo {args:?}: {stderr}");
    stdout
}

/// A clear (test-only) officer identity; returns its recipient.
pub(crate) fn officer(path: &Path) -> String {
    ok(&["officer", "keygen", "--no-passphrase", "--out", s(path)])
        .trim()
        .to_owned()
}

pub(crate) struct Network {
    pub(crate) dir: PathBuf,
}

impl Network {
    pub(crate) fn sign(&self, version: u32, p1: &[&str], p2: &[&str]) {
        let toml = format!(
            "network = \"Rete di prova\"\nversion = {version}\n\
             [[partner]]\nid = \"cav-prova\"\nname = \"CAV\"\nrecipients = {p1:?}\n\
             [[partner]]\nid = \"sportello\"\nname = \"Sportello\"\nrecipients = {p2:?}\n"
        );
        std::fs::write(self.dir.join("partners.toml"), toml).unwrap();
        ok(&[
            "directory",
            "sign",
            "--partners",
            s(&self.dir.join("partners.toml")),
            "--key",
            s(&self.dir.join("network.key")),
            "--out",
            s(&self.dir.join("directory.json")),
        ]);
    }

    pub(crate) fn submit(&self, server: &TestServer, partner: &str, marker: &str) -> String {
        let report = self.dir.join(format!("{marker}.json"));
        std::fs::write(&report, common::report_json(marker)).unwrap();
        let out = ok(&[
            "envelope",
            "submit",
            "--server",
            &server.url,
            "--partner",
            partner,
            "--network-key",
            s(&self.dir.join("network.pub")),
            "--report",
            s(&report),
        ]);
        let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        json["id"].as_str().unwrap().to_owned()
    }
}

pub(crate) fn serve(config: &Path, data: &Path) -> TestServer {
    TestServer::start_args(
        data,
        &["serve", "--config", s(config), "--listen", "127.0.0.1:0"],
    )
}

pub(crate) fn pull(
    server: &TestServer,
    identity: &Path,
    out: &Path,
) -> (bool, Vec<String>, String) {
    let (ok, _, err) = common::approdo(&[
        "pull",
        "--server",
        &server.url,
        "--identity",
        s(identity),
        "--out",
        s(out),
        "--no-ack",
    ]);
    let mut ids: Vec<String> = std::fs::read_dir(out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.len() == 32)
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    (ok, ids, err)
}

#[test]
fn init_refuses_demo_keys_and_rotation_keeps_every_report_readable() {
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
    net.sign(1, &[&anna], &[&carla]);

    // init refuses the DEMO network, in every shape.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo");
    let (is_ok, _, err) = common::approdo(&[
        "init",
        "--data",
        s(&data),
        "--directory",
        s(&demo.join("directory.json")),
        "--network-key",
        s(&demo.join("network.pub")),
    ]);
    assert!(!is_ok && err.contains("DEMO network"), "{err}");
    // …and so does serve without --demo.
    let out = common::command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            s(&d.join("x")),
        ])
        .arg("--directory")
        .arg(demo.join("directory.json"))
        .arg("--network-key")
        .arg(demo.join("network.pub"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEMO network"));

    let (is_ok, said, err) = common::init(d, &["--unix-socket", s(&d.join("approdo.sock"))]);
    assert!(is_ok, "approdo init: {err}");
    let config = data.join("approdo.toml");
    assert!(said.contains("directory version 1"), "{said}");
    let (is_ok, _, err) = common::init(d, &[]);
    assert!(!is_ok && err.contains("already exists"), "{err}");

    // Version 1: anna reads cav-prova.
    let server = serve(&config, &data);
    assert!(std::fs::read_to_string(data.with_extension("stdout"))
        .unwrap()
        .contains("approdo serving unix:"));
    let old = net.submit(&server, "cav-prova", "before-rotation");
    drop(server);

    // Version 2: anna rotates (the new file keeps her old identity), bea joins.
    let anna2_file = d.join("anna-2.key");
    let anna2 = ok(&[
        "officer",
        "rotate",
        "--no-passphrase",
        "--identity",
        s(&d.join("anna.key")),
        "--out",
        s(&anna2_file),
    ])
    .trim()
    .to_owned();
    net.sign(2, &[&anna2, &bea], &[&carla]);
    let server = serve(&config, &data);
    let directory: serde_json::Value = ureq::get(&format!("{}/api/v1/directory", server.url))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(directory["version"], 2);
    let new = net.submit(&server, "cav-prova", "after-rotation");
    let mut both = vec![old.clone(), new.clone()];
    both.sort();

    // Anna's rotated file opens the old report and the new one.
    let (pulled, ids, err) = pull(&server, &anna2_file, &d.join("anna-out"));
    assert!(pulled, "{err}");
    assert_eq!(ids, both);
    for id in &both {
        let text =
            std::fs::read_to_string(d.join("anna-out").join(id).join("report.json")).unwrap();
        assert!(text.contains("rotation"), "{text}");
    }
    // Her old file alone no longer logs in (its key left the directory).
    let (pulled, _, err) = pull(&server, &d.join("anna.key"), &d.join("old-out"));
    assert!(!pulled && err.contains("officer"), "{err}");
    // Bea, added in version 2, reads the new report; the old one was never sealed to her.
    let (pulled, ids, err) = pull(&server, &d.join("bea.key"), &d.join("bea-out"));
    assert!(
        !pulled,
        "bea cannot open the report sealed before she joined"
    );
    assert_eq!(ids, vec![new.clone()], "{err}");
    // The offline path: `decrypt` with the rotated file opens a downloaded old report.
    let age_file = d.join("old.age");
    {
        let ids = approdo::keys::OfficerIdentity::read_all(&anna2_file, || unreachable!()).unwrap();
        let mut client = approdo::client::Client::new(&server.url, None).unwrap();
        client.login(&ids).unwrap();
        let mut body = Vec::new();
        std::io::Read::read_to_end(
            &mut client.download(old.parse().unwrap()).unwrap(),
            &mut body,
        )
        .unwrap();
        std::fs::write(&age_file, body).unwrap();
    }
    ok(&[
        "decrypt",
        "--identity",
        s(&anna2_file),
        "--out",
        s(&d.join("dec")),
        s(&age_file),
    ]);
    assert!(d.join("dec/report.json").is_file());
    drop(server);

    // Version 3: bea leaves. She can no longer log in; reports keep working for anna.
    net.sign(3, &[&anna2], &[&carla]);
    let server = serve(&config, &data);
    let (pulled, _, err) = pull(&server, &d.join("bea.key"), &d.join("bea-out-3"));
    assert!(!pulled && err.contains("officer"), "{err}");
    let newest = net.submit(&server, "cav-prova", "after-removal");
    let (pulled, ids, err) = pull(&server, &anna2_file, &d.join("anna-out-3"));
    assert!(pulled, "{err}");
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&newest));
    // A tampered directory: `approdo check` refuses it before a restart, and a restart anyway
    // never serves the unsigned change — it keeps the signed version 3 (the site stays up).
    drop(server);
    let text = std::fs::read_to_string(d.join("directory.json"))
        .unwrap()
        .replace("Sportello", "Sportell0");
    std::fs::write(d.join("directory.json"), text).unwrap();
    let (is_ok, _, err) = common::approdo(&["check", "--config", s(&config)]);
    assert!(!is_ok && err.contains("does not verify"), "{err}");
    let server = serve(&config, &data);
    let served = ureq::get(&format!("{}/api/v1/directory", server.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        served.contains("\"version\":3") || served.contains("\"version\": 3"),
        "{served}"
    );
    assert!(
        !served.contains("Sportell0"),
        "an unsigned change was served"
    );
    assert!(String::from_utf8_lossy(&server.output()).contains("is refused"));
}
