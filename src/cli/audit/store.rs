//! `approdo audit store`: a store (a copy, a backup, or one whose server is stopped) holds only
//! valid ciphertext matching its records and its log.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::super::NetworkKeyArg;
use super::verdict;

pub(super) fn run(
    data: &std::path::Path,
    network_key: Option<PathBuf>,
    log_key: Option<String>,
    checkpoint: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let data = data.to_owned();
    let key = NetworkKeyArg::new(network_key)?;
    let pins = crate::audit::Pins {
        log_key,
        checkpoint: checkpoint
            .map(|p| {
                std::fs::read(&p).with_context(|| format!("reading the checkpoint {}", p.display()))
            })
            .transpose()?,
        ..Default::default()
    };
    let mut report = crate::audit::audit_store_pinned(&data, Some(&key.key), &pins)?;
    if !key.given() {
        for f in &mut report.findings {
            if f.problem.starts_with("recorded directory") {
                f.problem.push_str(
                    " (checked against the DEMO network's key: pass --network-key with your \
                     network's network.pub)",
                );
            }
        }
    }
    if report.repaired_copy {
        println!("note: the store was not closed cleanly (crash or live copy); audited a repaired temporary copy");
    }
    if report.sealed_for_earlier_directory > 0 {
        println!(
            "note: {} report(s) were logged before the current directory version and sealed to \
             the keys of an earlier one (a rotation, or a move to post-quantum keys); their \
             stanzas are not checked against the current directory",
            report.sealed_for_earlier_directory
        );
    }
    Ok(verdict(
        &report.findings,
        &format!(
            "{} reports, {} bytes of ciphertext, all valid and matching their records and the log ({} log entries signed, {} awaiting integration; {} uploads in progress); {} case records, all signed ciphertext",
            report.reports, report.bytes, report.log_size, report.log_queued, report.pending, report.case_records
        ),
    ))
}
