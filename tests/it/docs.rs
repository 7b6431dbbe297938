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
//!   the story ([`narrative`]), and the blocks of each file in document order; a block that is
//!   neither run nor listed fails the test, and so does a command that fails. The text of a block
//!   is changed only by the substitution table (`flow::Net::substitutions`: the onion address,
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
mod narrative;
mod relay;
mod story;

use std::collections::BTreeMap;
use std::path::PathBuf;

use blocks::Block;
use flow::Net;
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
    let done = narrative::story(&mut s);
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
