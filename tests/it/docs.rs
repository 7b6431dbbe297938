//! The docs are tested: every command block of README.md and docs/*.md that a reader is told
//! to run is run here, against a throwaway **real** network, as the guides say — from the key
//! ceremony to a report read, a reply, an audit, a key rotation, a backup and a restore.
//!
//! - The network: its own network key (made by the documented ceremony), two partners, three
//!   officers (officer 1 follows the officer guide, with a passphrase given through
//!   `APPRODO_PASSPHRASE`; officers 2 and 3 are made by the test), `approdo init` with a unix
//!   socket, and `approdo serve --config` as the systemd unit runs it (a `systemctl` shim:
//!   [`flow`]), so the server expects tor's PROXY line (`proxy_protocol = true`).
//! - Tor's client side is [`relay`]: the documented `--proxy socks5h://127.0.0.1:9050` reaches a
//!   SOCKS5 listener that hands each connection to the socket with a PROXY line.
//! - Blocks are fenced ```` ```sh ```` blocks, found with pulldown-cmark ([`blocks`]); the words
//!   after `sh` give the block an id and say whether it runs (`no-test` blocks are listed in
//!   [`NOT_RUN`] with the reason). [`the_documents_run_as_written`] runs them in the order of
//!   the story below, and the blocks of each file in document order; a block that is neither
//!   run nor listed fails the test, and so does a command that fails. The text of a block is
//!   changed only by the substitution table (`flow::Net::substitutions`: the onion address,
//!   the relay's port, the server's paths under a temporary root, `cargo run --release --` →
//!   the binary under test).
//! - [`PENDING`] names documented steps the binary cannot do yet (empty now: issue 14's fixes
//!   landed). A pending step that fails is reported and ends the story there; one that works
//!   fails the test, asking for its entry to be removed — never a silent green.
//! - docs/README.md lists which blocks run and which do not; the test checks that list.
//!
//! Why not `trycmd`/`snapbox`: they run transcripts of single commands with expected output,
//! without a shell; the guides are shell (pipes, `$(…)`, `~`, several commands per block)
//! whose output depends on fresh keys. The block parser is the well-kept one (pulldown-cmark);
//! the shell is bash.

mod blocks;
mod flow;
mod relay;
mod story;

use std::collections::BTreeMap;
use std::path::PathBuf;

use blocks::Block;
use flow::{Net, Who};
use story::Story;

/// Blocks the test does not run, and why.
pub const NOT_RUN: &[(&str, &str)] = &[
    (
        "docs/auditor.md#witness-keygen",
        "`tests/it/witness.rs` runs these commands on a throwaway network with two witnesses \
         (the story's network lists none)",
    ),
    (
        "docs/auditor.md#witness-relay",
        "`tests/it/witness.rs` runs it against two branches of a forked store",
    ),
    (
        "README.md#test",
        "`ops/test` is the suite that runs this test",
    ),
    (
        "docs/operator.md#release",
        "a release build; `ops/test` runs it as its own suite (`release: no machine paths`)",
    ),
    (
        "docs/operator.md#install-dry-run",
        "needs root and Debian's tor and systemd; `ops/test` runs it (`ops: install.sh --dry-run`), \
         and this test does what it installs (init, the unit's ExecStart)",
    ),
    (
        "docs/operator.md#install",
        "installs packages and a system service",
    ),
    (
        "docs/auditor.md#release",
        "a release build; `ops/test` runs `ops/release` as its own suite",
    ),
    (
        "docs/officer.md#install",
        "installs packages on the officer's laptop",
    ),
    (
        "docs/supply-chain.md#deny",
        "`ops/test` runs `ops/deny` as its own suite (`cargo deny (offline)`)",
    ),
    (
        "docs/supply-chain.md#advisory-db-refresh",
        "needs the network (the RustSec repository), and commits",
    ),
    (
        "docs/translations.md#pot",
        "`web/test/locales.test.mjs` checks that approdo.pot is what `ops/locales pot` writes (a node test, no server)",
    ),
    (
        "docs/translations.md#review",
        "`web/test/locales.test.mjs` runs `ops/locales review` (a node test, no server)",
    ),
    (
        "docs/translations.md#import-json",
        "only after a merge brings JSON strings back; `web/test/locales.test.mjs` tests the import",
    ),
];

/// Documented behaviour the binary does not have yet: (name, what). Empty since issue 14's
/// fixes landed (restore with the log key, `health`/`check --config`, `pull
/// --keep-ciphertext`); a step checked with [`Story::pending`] that fails while not listed
/// here fails the test.
pub const PENDING: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn all_blocks() -> Vec<Block> {
    let root = root();
    blocks::documents(&root)
        .iter()
        .flat_map(|d| blocks::blocks(&root, d))
        .collect()
}

/// The list docs/README.md carries (checked by [`docs_readme_lists_every_block`]).
fn listing(blocks: &[Block]) -> String {
    let mut s = String::from("| block | run by the doc test |\n| --- | --- |\n");
    for b in blocks {
        let run = match NOT_RUN.iter().find(|(n, _)| *n == b.name()) {
            Some((_, why)) => format!("no: {why}"),
            None => "yes".to_owned(),
        };
        s.push_str(&format!("| `{}` | {run} |\n", b.name()));
    }
    s
}

#[test]
fn every_block_is_named_and_run_or_listed() {
    let blocks = all_blocks();
    let mut seen = std::collections::BTreeSet::new();
    for b in &blocks {
        assert!(
            b.id.is_some(),
            "{}:{}: give the sh block an id (```sh id=NAME), and run it in tests/it/docs.rs \
             or mark it no-test with a reason in NOT_RUN",
            b.file,
            b.line
        );
        assert!(
            seen.insert(b.name()),
            "{}: two blocks with one id",
            b.name()
        );
        let listed = NOT_RUN.iter().any(|(n, _)| *n == b.name());
        assert_eq!(
            b.no_test,
            listed,
            "{}: a no-test block must be in NOT_RUN with its reason, and only those",
            b.name()
        );
    }
    for (n, _) in NOT_RUN {
        assert!(seen.contains(*n), "NOT_RUN names {n}, which is no block");
    }
}

#[test]
fn docs_readme_lists_every_block() {
    let want = listing(&all_blocks());
    let have = std::fs::read_to_string(root().join("docs/README.md")).expect("docs/README.md");
    assert!(
        have.contains(&want),
        "docs/README.md must list the blocks as the doc test runs them; put this table in it:\n\n{want}"
    );
}

#[test]
fn the_documents_run_as_written() {
    let bin = crate::common::bin();
    let net = Net::new(&bin);
    let blocks = all_blocks();
    let mut s = Story {
        net,
        bin,
        blocks: blocks.iter().map(|b| (b.name(), b.clone())).collect(),
        ran: Vec::new(),
        last_line: BTreeMap::new(),
        pending: Vec::new(),
    };
    let done = story(&mut s);
    let not_run: Vec<&String> = s
        .blocks
        .keys()
        .filter(|n| !s.ran.contains(n) && !NOT_RUN.iter().any(|(m, _)| m == n))
        .collect();
    if done {
        assert!(
            not_run.is_empty(),
            "blocks neither run nor in NOT_RUN: {not_run:?}"
        );
    } else {
        eprintln!(
            "doc test: stopped at PENDING {:?}; not reached: {not_run:?}",
            s.pending
        );
    }
}

/// The story; `false` when it stopped at a pending step.
fn story(s: &mut Story) -> bool {
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
