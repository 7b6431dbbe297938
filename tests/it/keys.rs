//! Key generation and the signed directory, through the CLI as an operator uses it.

use std::os::unix::fs::PermissionsExt;

use crate::common;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_sign_verify_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, netpub, err) = common::approdo(&[
        "network",
        "keygen",
        "--out",
        d.join("network.key").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(mode(&d.join("network.key")), 0o600);
    std::fs::write(d.join("network.pub"), &netpub).unwrap();
    // Refuses to overwrite a secret.
    let (ok, _, err) = common::approdo(&[
        "network",
        "keygen",
        "--out",
        d.join("network.key").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("already exists"), "{err}");

    // Officer keys: passphrase-protected by default, clear with --no-passphrase; an empty or
    // short passphrase is refused instead of being called protection.
    for short in ["", "x", "eleven char"] {
        let out = common::command()
            .args([
                "officer",
                "keygen",
                "--out",
                d.join("short.key").to_str().unwrap(),
            ])
            .env("APPRODO_PASSPHRASE", short)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("at least 12"),
            "{short:?}: {err}"
        );
        assert!(!d.join("short.key").exists());
    }
    let out = common::command()
        .args([
            "officer",
            "keygen",
            "--out",
            d.join("o1.key").to_str().unwrap(),
        ])
        .env("APPRODO_PASSPHRASE", "a long passphrase")
        .output()
        .unwrap();
    assert!(out.status.success());
    let r1 = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(r1.starts_with("age1"));
    let sealed = std::fs::read_to_string(d.join("o1.key")).unwrap();
    assert!(
        sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----")
            && !sealed.contains("AGE-SECRET-KEY")
    );
    assert_eq!(mode(&d.join("o1.key")), 0o600);
    let (ok, r2, err) = common::approdo(&[
        "officer",
        "keygen",
        "--no-passphrase",
        "--out",
        d.join("o2.key").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(std::fs::read_to_string(d.join("o2.key"))
        .unwrap()
        .contains("AGE-SECRET-KEY-1"));

    let toml = format!(
        "network = \"test\"\nversion = 3\n[[partner]]\nid = \"p1\"\nname = \"P1\"\nlanguages = [\"it\"]\nrecipients = [\"{r1}\", \"{}\"]\n",
        r2.trim()
    );
    std::fs::write(d.join("partners.toml"), toml).unwrap();
    let (ok, _, err) = common::approdo(&[
        "directory",
        "sign",
        "--partners",
        d.join("partners.toml").to_str().unwrap(),
        "--key",
        d.join("network.key").to_str().unwrap(),
        "--out",
        d.join("directory.json").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let verify = || {
        common::approdo(&[
            "directory",
            "verify",
            "--directory",
            d.join("directory.json").to_str().unwrap(),
            "--network-key",
            d.join("network.pub").to_str().unwrap(),
        ])
    };
    let (ok, stdout, err) = verify();
    assert!(ok, "{err}");
    assert!(
        stdout.contains("p1") && stdout.contains("2 recipients"),
        "{stdout}"
    );
    // One changed character and it no longer verifies.
    let text = std::fs::read_to_string(d.join("directory.json"))
        .unwrap()
        .replace("\"P1\"", "\"P2\"");
    std::fs::write(d.join("directory.json"), text).unwrap();
    let (ok, _, err) = verify();
    assert!(!ok && err.contains("does not verify"), "{err}");

    // A server refuses to start with it.
    let out = common::command()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(d.join("data"))
        .arg("--directory")
        .arg(d.join("directory.json"))
        .arg("--network-key")
        .arg(d.join("network.pub"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify"));
}

#[test]
fn the_demo_directory_verifies_and_is_labelled() {
    let dir = approdo::keys::demo::directory().unwrap();
    assert!(dir.directory().network.contains("DEMO"));
    assert!(dir.directory().partners.len() >= 2);
    assert!(dir
        .directory()
        .partners
        .iter()
        .any(|p| p.recipients.len() >= 2));
    let (ok, stdout, err) = common::approdo(&["directory", "verify"]);
    assert!(ok, "{err}");
    assert!(stdout.starts_with("OK: DEMO"));
}
