//! Issue 15, item 11, replayed against a real server: a validly signed older directory (one
//! that still lists a revoked key) is refused by the CLI once a newer one was seen, is a
//! finding of `audit site` against the transparency log, and does not start a server whose
//! store already served a newer one.

use std::path::Path;

use approdo::keys::OfficerIdentity;

use crate::common::{self, TestServer};

/// Signs the demo partners with `version` (and one extra, "revoked", cav-milano key when
/// `revoked` is given) into `dir/directory.json` + `.sig`.
fn demo_directory(dir: &Path, version: u32, revoked: Option<&str>) -> std::path::PathBuf {
    let mut toml = std::fs::read_to_string(demo_file("partners.toml")).unwrap();
    let line = toml
        .lines()
        .find(|l| l.starts_with("version"))
        .unwrap()
        .to_owned();
    toml = toml.replace(&line, &format!("version = {version}"));
    if let Some(r) = revoked {
        toml = toml.replacen("recipients = [", &format!("recipients = [\"{r}\", "), 1);
    }
    let partners = dir.join(format!("partners-{version}.toml"));
    std::fs::write(&partners, toml).unwrap();
    let out = dir.join(format!("directory-{version}.json"));
    let (ok, _, err) = common::approdo(&[
        "directory",
        "sign",
        "--partners",
        partners.to_str().unwrap(),
        "--key",
        demo_file("secret/network.key").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    out
}

fn demo_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("keys/demo")
        .join(name)
}

static OLD: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();

#[test]
fn an_old_directory_is_refused_by_the_cli_audit_site_and_the_server() {
    let work = tempfile::tempdir().unwrap();
    let revoked = OfficerIdentity::generate().recipient().to_string();
    let old = demo_directory(work.path(), 1, Some(&revoked));
    let _ = OLD.set((
        std::fs::read(&old).unwrap(),
        std::fs::read(old.with_extension("sig")).unwrap(),
    ));

    // A server whose log records the current directory (version 4).
    let server = TestServer::start(&["--log-interval", "1"]);
    crate::transparency::wait_for("the first checkpoint", || {
        ureq::get(&format!("{}/log/checkpoint", server.url))
            .call()
            .is_ok()
    });
    let report = work.path().join("r.json");
    std::fs::write(&report, common::report_json("MARKER-atk-dir")).unwrap();
    let submit = |url: &str| {
        common::approdo(&[
            "envelope",
            "submit",
            "--server",
            url,
            "--partner",
            "cav-milano",
            "--report",
            report.to_str().unwrap(),
        ])
    };
    let (ok, _, err) = submit(&server.url);
    assert!(ok, "{err}");

    // A man in the middle (or a rolled-back server) serves the old, validly signed directory.
    let rolled_back = crate::tamper::mitm(server.url.clone(), |path, _, body| {
        let (d, s) = OLD.get().unwrap();
        match path {
            "/api/v1/directory" => *body = d.clone(),
            "/api/v1/directory/signature" => *body = s.clone(),
            _ => {}
        }
    });
    let (ok, _, err) = submit(&rolled_back);
    assert!(!ok, "the CLI sealed to an old directory");
    assert!(err.contains("older than version 4"), "{err}");
    let (code, out) = crate::transparency::audit(&["site", "--server", &rolled_back]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("served directory is version 1, older than version 4"),
        "{out}"
    );
    let (code, out) = crate::transparency::audit(&["site", "--server", &server.url]);
    assert_eq!(code, 0, "{out}");

    // The server itself does not go back: a store that served version 2 of its network
    // refuses version 1 (a real network: the DEMO one is compiled in).
    let _ = server.stop();
    let d = work.path();
    let cli = |args: &[&str]| {
        let (ok, out, err) = common::approdo(args);
        assert!(ok, "{args:?}: {err}");
        out
    };
    let netpub = cli(&[
        "network",
        "keygen",
        "--out",
        d.join("net.key").to_str().unwrap(),
    ]);
    std::fs::write(d.join("net.pub"), netpub).unwrap();
    let anna = cli(&[
        "officer",
        "keygen",
        "--no-passphrase",
        "--out",
        d.join("anna.key").to_str().unwrap(),
    ]);
    let sign = |version: u32| {
        let toml = format!(
            "network = \"Rete\"\nversion = {version}\n[[partner]]\nid = \"cav\"\nname = \"CAV\"\nrecipients = [\"{}\"]\n",
            anna.trim()
        );
        let p = d.join(format!("net-{version}.toml"));
        std::fs::write(&p, toml).unwrap();
        let out = d.join(format!("net-{version}.json"));
        cli(&[
            "directory",
            "sign",
            "--partners",
            p.to_str().unwrap(),
            "--key",
            d.join("net.key").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        out
    };
    let (v2, v1) = (sign(2), sign(1));
    let data = d.join("data");
    let serve = |dir: &Path| {
        vec![
            "serve".to_owned(),
            "--data".into(),
            data.to_str().unwrap().into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--directory".into(),
            dir.to_str().unwrap().into(),
            "--network-key".into(),
            d.join("net.pub").to_str().unwrap().into(),
        ]
    };
    let args = serve(&v2);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _ = TestServer::start_args(&data, &args).stop();
    let args = serve(&v1);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, _, err) = common::approdo(&args);
    assert!(!ok, "the server went back to version 1");
    assert!(err.contains("older than version 2"), "{err}");
}
