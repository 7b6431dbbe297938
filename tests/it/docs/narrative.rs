//! The story the guides tell, in the order a network lives it: the demo from a checkout, the
//! key ceremony, the server set up as `ops/install.sh` does, a report read and answered (desk,
//! vault, pull, reply), a second report acknowledged and opened offline, the auditor on a
//! restored copy and through tor, a key rotation, and a backup restored. Which block runs
//! when, as whom, and what is checked between blocks; the steps themselves are
//! [`super::story::Story`]'s.

use super::flow::Who;
use super::story::Story;

/// The story; `false` when it stopped at a pending step.
pub fn story(s: &mut Story) -> bool {
    // README: the demo from a checkout.
    s.run("README.md#demo", Who::Demo, &[]);
    s.run("README.md#try-it", Who::Demo, &[]);
    let desk = s.run("README.md#desk-demo", Who::Demo, &[]);
    crate::transparency::wait_for("the demo desk's inbox", || {
        ureq::get(&desk)
            .call()
            .ok()
            .and_then(|r| r.into_string().ok())
            .is_some_and(|page| page.contains("synced:") && page.contains("class=\"report\""))
    });
    s.net.stop_servers();
    s.run("docs/operator.md#demo", Who::Demo, &[]);
    s.net.stop_servers();

    // The key ceremony.
    s.run("docs/operator.md#network-keygen", Who::Coordinator, &[]);
    s.run("docs/officer.md#version", Who::Officer(1), &[]);
    s.run("docs/officer.md#keygen", Who::Officer(1), &[]);
    let folder = s.net.home(Who::Officer(1)).join("approdo");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&folder).expect("~/approdo").permissions(),
    );
    assert_eq!(mode & 0o777, 0o700, "keygen makes ~/approdo private");
    for n in [2, 3] {
        s.sh(
            Who::Officer(n),
            "approdo officer keygen --no-passphrase --out ~/approdo/officer.key",
        );
    }
    s.write_partners(1, "officer.key");
    s.run("docs/operator.md#sign", Who::Coordinator, &[]);

    // What ops/install.sh does on the server (its dry run is an ops/test suite of its own).
    let etc = s.net.server_path("/etc/approdo");
    s.hand(&["directory.json", "directory.sig", "network.pub"], &etc);
    let data = s.net.server_path("/var/lib/approdo");
    s.sh(
        Who::Operator,
        &format!(
            "approdo init --data {d} --directory {e}/directory.json --network-key {e}/network.pub \
             --unix-socket {r}/approdo.sock && systemctl start approdo",
            d = data.display(),
            e = etc.display(),
            r = s.net.server_path("/run/approdo").display()
        ),
    );
    let conf = std::fs::read_to_string(data.join("approdo.toml")).expect("approdo.toml");
    assert!(conf.contains("proxy_protocol = true"), "{conf}");
    s.run("docs/outreach.md#cards", Who::Coordinator, &[]);

    // A report, read and answered.
    let codename = approdo::codename::Codename::generate();
    let keys = codename.derive().expect("codename");
    let r1 = s.submit(
        "cav-nord",
        serde_json::json!({
            "schema": "approdo.report/v1", "kind": "report", "language": "it",
            "urgency": "today", "description": "doc test report",
            "reply": {"recipient": keys.recipient().to_string(), "mailbox": keys.mailbox},
        }),
    );
    // The desk and the vault: r1 synced sealed, shown by the desk, exported and wiped.
    let url = s.run("docs/officer.md#desk", Who::Officer(1), &[]);
    crate::transparency::wait_for("the desk's first sync", || {
        ureq::get(&url)
            .call()
            .ok()
            .and_then(|r| r.into_string().ok())
            .is_some_and(|page| page.contains("synced:") && page.contains(&r1))
    });
    let pulled = s.run("docs/officer.md#pull-vault", Who::Officer(1), &[]);
    assert!(pulled.is_empty(), "the desk synced r1 already: {pulled}");
    let vault = s.net.home(Who::Officer(1)).join("approdo/vault");
    assert!(vault.join("reports").join(format!("{r1}.age")).is_file());
    assert_eq!(crate::common::scan(&vault, b"doc test report"), 0);
    let exported = s.run(
        "docs/officer.md#vault",
        Who::Officer(1),
        &[("<id>", r1.clone())],
    );
    assert!(exported.contains("wiped"), "{exported}");
    s.run("docs/officer.md#pull", Who::Officer(1), &[]);
    let shown = s.run(
        "docs/officer.md#show",
        Who::Officer(1),
        &[("<id>", r1.clone())],
    );
    assert!(shown.contains("doc test report"), "{shown}");
    s.run(
        "docs/officer.md#reply",
        Who::Officer(1),
        &[("<id>", r1.clone())],
    );
    s.run(
        "docs/officer.md#reply-appointment",
        Who::Officer(1),
        &[("<id>", r1.clone())],
    );

    // A second report: list, acknowledge, delete; its age file opened offline and with Go age.
    let r2 = s.submit(
        "cav-nord",
        serde_json::json!({"schema": "approdo.report/v1", "language": "en", "description": "second"}),
    );
    let o1 = s.net.home(Who::Officer(1));
    let o2 = s.net.home(Who::Officer(2));
    // [test] Officer 2 keeps the age file too, leaving the acknowledgement to officer 1.
    s.sh(
        Who::Officer(2),
        &format!(
            "approdo pull --server {} --proxy {} --identity ~/approdo/officer.key \
             --out ~/approdo/reports --keep-ciphertext --no-ack",
            s.onion_url(),
            s.proxy()
        ),
    );
    s.run("docs/officer.md#keep", Who::Officer(1), &[]);
    assert!(o1
        .join("approdo/reports")
        .join(&r2)
        .join("report.age")
        .is_file());
    let listed = s.run(
        "docs/officer.md#other",
        Who::Officer(1),
        &[("<id>", r2.clone())],
    );
    assert!(listed.contains(&r2), "{listed}");
    assert!(
        std::fs::read_to_string(o1.join("approdo/decrypted/report.json"))
            .expect("decrypted report.json")
            .contains("second")
    );
    s.run(
        "docs/officer.md#age",
        Who::Officer(2),
        &[("<id>", r2.clone())],
    );
    assert!(o2.join("approdo/report.json").is_file());
    s.run("docs/outreach.md#stats", Who::Officer(1), &[]);
    // Officer 1's plain folders into her vault, wiped.
    s.run("docs/officer.md#vault-import", Who::Officer(1), &[]);
    assert!(!o1.join("approdo/reports").join(&r1).exists());
    // (`~/approdo/decrypted` still holds r2, which `approdo decrypt` wrote on purpose.)
    assert_eq!(
        crate::common::scan(&o1.join("approdo"), b"doc test report"),
        0,
        "r1 readable in the officer's folder"
    );

    // The auditor, on a copy (a backup restored by the test) and through tor.
    let copy = s.net.home(Who::Auditor).join("copy");
    let backup = s.net.home(Who::Auditor).join("copy.approdo-backup");
    s.sh(
        Who::Operator,
        &format!(
            "approdo backup --data {} --out {b} && approdo restore --from {b} --data {}",
            data.display(),
            copy.display(),
            b = backup.display()
        ),
    );
    s.hand(&["network.pub"], &s.net.home(Who::Auditor));
    let copy_s = copy.display().to_string();
    s.run(
        "docs/auditor.md#store",
        Who::Auditor,
        &[("/path/to/copy", copy_s)],
    );
    s.run("docs/auditor.md#log", Who::Auditor, &[]);
    s.run("docs/auditor.md#site", Who::Auditor, &[]);

    // Key rotation: officer 1 rotates, the coordinator publishes, the operator restarts.
    s.run("docs/operator.md#rotate", Who::Officer(1), &[]);
    s.write_partners(2, "officer-2.key");
    s.run("docs/operator.md#publish", Who::Coordinator, &[]);
    s.hand(
        &["directory.json", "directory.sig"],
        &s.net.home(Who::Operator),
    );
    s.run("docs/operator.md#publish-server", Who::Operator, &[]);
    let r3 = s.submit(
        "cav-nord",
        serde_json::json!({"schema": "approdo.report/v1", "language": "it", "description": "after rotation"}),
    );
    s.run("docs/operator.md#pull-rotated", Who::Officer(1), &[]);
    assert!(o1
        .join("approdo/reports")
        .join(&r3)
        .join("report.json")
        .is_file());

    let health = s.run("docs/operator.md#health", Who::Operator, &[]);
    assert!(health.starts_with("ok"), "{health}");

    // Backup and restore: the same log afterwards.
    let log_key = s.log_key();
    s.run("docs/operator.md#backup", Who::Operator, &[]);
    let restored = s.try_run("docs/operator.md#restore", Who::Operator, &[]);
    if let Err(e) = &restored {
        eprintln!("doc test: docs/operator.md#restore fails:\n{e}");
    }
    let same_log = restored.is_ok() && s.log_key() == log_key;
    if !s.pending("restore", same_log) {
        return false;
    }
    // [test] The restored server is healthy and still serves the reports left.
    let conf = s.net.server_path("/var/lib/approdo/approdo.toml");
    let health = s.sh(
        Who::Operator,
        &format!("approdo health --config {}", conf.display()),
    );
    assert!(health.starts_with("ok"), "{health}");
    true
}
