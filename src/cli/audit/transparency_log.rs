//! `approdo audit log`: fetches the checkpoint and tiles through the audit's one fetcher
//! ([`crate::audit::Remote`]), runs [`crate::audit::audit_log`], and keeps the state file
//! between runs.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::audit::{audit_log, LogState};
use crate::model::Day;

pub(super) fn run(
    remote: &crate::audit::Remote,
    state_path: &Path,
    log_key: Option<String>,
    ack_days: u32,
    network_key: &super::super::NetworkKeyArg,
    receipts: &[std::path::PathBuf],
) -> anyhow::Result<ExitCode> {
    let http = remote.log();
    let mut state: LogState = if state_path.exists() {
        let bytes = std::fs::read(state_path)
            .with_context(|| format!("reading the state file {}", state_path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not an audit state file (move it away to start over)",
                state_path.display()
            )
        })?
    } else {
        LogState::default()
    };
    match (&log_key, state.vkey.is_empty()) {
        (Some(k), true) => state.vkey = k.trim().to_owned(),
        (Some(k), false) if k.trim() != state.vkey => bail!(
            "--log-key differs from the key pinned in {}: {}",
            state_path.display(),
            state.vkey
        ),
        (None, true) => {
            let answer: serde_json::Value = serde_json::from_slice(
                &http
                    .get("/api/v1/log/key", 4096)
                    .map_err(anyhow::Error::msg)?,
            )?;
            let vkey = answer["vkey"]
                .as_str()
                .context("the server announces no log key")?;
            println!("note: pinned the log key the server announces, {vkey} (trust on first use: compare it with the key your network publishes)");
            state.vkey = vkey.to_owned();
        }
        _ => {}
    }
    // The officers' signing keys, from the directory the network signed.
    let dir = http
        .get("/api/v1/directory", 1 << 22)
        .map_err(anyhow::Error::msg)?;
    let sig = http
        .get("/api/v1/directory/signature", 1 << 16)
        .map_err(anyhow::Error::msg)?;
    let directory = network_key.verify(dir, sig)?;
    let officers = directory
        .directory()
        .partners
        .iter()
        .map(|p| (p.id.to_string(), p.officer_keys.clone()))
        .collect();
    let checkpoint = http
        .get("/log/checkpoint", 1 << 16)
        .map_err(anyhow::Error::msg)?;
    let before = state.size;
    // A network that lists witnesses: the checkpoint must carry their quorum of cosignatures,
    // or this auditor may be looking at one branch of a split view.
    let quorum = directory.directory().witness_quorum;
    let mut witnessed = String::new();
    let mut quorum_finding = None;
    if quorum > 0 {
        let witnesses = directory.directory().witness_verifiers()?;
        match crate::witness::require_quorum(&checkpoint, &witnesses, quorum) {
            Ok(got) => {
                let names: Vec<&str> = got.iter().map(|c| c.witness.as_str()).collect();
                witnessed = format!("; cosigned by {} (quorum {quorum})", names.join(", "));
            }
            Err(e) => {
                quorum_finding = Some(crate::audit::Finding {
                    report: None,
                    problem: format!(
                        "the checkpoint is not witnessed: {e}; run `approdo witness-relay`, and \
                         if witnesses refuse it, the log may have forked"
                    ),
                });
            }
        }
    }
    let mut result = audit_log(
        &mut state,
        &checkpoint,
        &http,
        Day::today(),
        ack_days,
        &officers,
    );
    result.findings.extend(quorum_finding);
    // Freshness: the log signs a checkpoint at every interval, with its time.
    if state.interval == 0 {
        state.interval = http
            .get("/api/v1/log/key", 4096)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["interval_seconds"].as_u64())
            .unwrap_or(86_400);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    result.findings.extend(freshness(&state, &checkpoint, now));
    for path in receipts {
        let note = std::fs::read_to_string(path)
            .with_context(|| format!("reading the receipt {}", path.display()))?;
        result.findings.extend(receipt_kept(&state, &note, now));
    }
    // The guide's `--state ~/approdo-audit/state.json`: the folder is made on the first run.
    if let Some(dir) = state_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder {}", dir.display()))?;
    }
    let tmp = state_path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&state)?)
        .and_then(|_| std::fs::rename(&tmp, state_path))
        .with_context(|| format!("writing the state file {}", state_path.display()))?;
    Ok(super::verdict(
        &result.findings,
        &format!(
            "log consistent with the last run ({before} entries then, {} now, {} new verified); {} reports tracked{witnessed}",
            result.size,
            result.new_entries,
            state.reports.len()
        ),
    ))
}

use crate::transparency::heartbeat;

/// Slack beyond a promised time before a late integration is a finding: ten minutes, or one
/// interval when the log integrates more often.
fn grace(interval: u64) -> u64 {
    interval.clamp(1, 600)
}

/// A frozen log: its newest checkpoint says it was signed more than two intervals ago.
fn freshness(state: &LogState, checkpoint: &[u8], now: u64) -> Option<crate::audit::Finding> {
    let cp = crate::transparency::LogVerifier::new(&state.vkey)
        .and_then(|v| v.checkpoint(checkpoint))
        .ok()?;
    let problem = match crate::transparency::checkpoint_time(&cp) {
        Some(t) if now > t + 2 * heartbeat(state.interval) + grace(state.interval) => format!(
            "the log is frozen: its newest checkpoint was signed at unix time {t}, more than \
             twice {} s ago (the log signs one at least that often)",
            heartbeat(state.interval)
        ),
        Some(_) => return None,
        None => "the checkpoint carries no time (an approdo before issue 18, or a frozen log)"
            .to_owned(),
    };
    Some(crate::audit::Finding {
        report: None,
        problem,
    })
}

/// A receipt past its promised time whose report is not in the log: signed evidence.
fn receipt_kept(state: &LogState, note: &str, now: u64) -> Option<crate::audit::Finding> {
    let finding =
        |report: Option<String>, problem: String| Some(crate::audit::Finding { report, problem });
    let (id, sha, by) =
        match crate::transparency::LogVerifier::new(&state.vkey).and_then(|v| v.receipt_by(note)) {
            Ok(r) => r,
            Err(e) => {
                return finding(
                    None,
                    format!("a receipt does not verify with the log key: {e}"),
                )
            }
        };
    let by = by?;
    let logged =
        state.reports.get(&id).is_some_and(|t| t.sha256 == sha) || state.deleted.contains_key(&id);
    if logged || now <= by + grace(state.interval) {
        return None;
    }
    finding(
        Some(id),
        format!(
            "the server signed a receipt promising this report (sha256 {sha}) would be in the log \
             by unix time {by}, and it is not: the receipt is signed evidence of a dropped report"
        ),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::transparency::LogKey;
    use tlog_tiles::Hash;

    #[test]
    fn a_frozen_log_and_a_broken_receipt_are_findings() {
        let dir = tempfile::tempdir().unwrap();
        let key = LogKey::load_or_create(dir.path()).unwrap();
        let mut state = LogState {
            vkey: key.vkey().to_owned(),
            interval: 86_400,
            ..LogState::default()
        };
        let day = 20_000 * 86_400;
        let cp = key.sign_checkpoint_at(1, Hash([1; 32]), day).unwrap();
        assert!(freshness(&state, &cp, day + 86_400).is_none());
        let frozen = freshness(&state, &cp, day + 3 * 86_400).unwrap();
        assert!(frozen.problem.contains("frozen"), "{}", frozen.problem);
        let untimed = key.sign_checkpoint(1, Hash([1; 32])).unwrap();
        assert!(freshness(&state, &untimed, day).is_some());

        let receipt = key.sign_receipt("ab", "cd", day, None).unwrap();
        assert!(
            receipt_kept(&state, &receipt, day + 60).is_none(),
            "not due yet"
        );
        let broken = receipt_kept(&state, &receipt, day + 3600).unwrap();
        assert!(
            broken.problem.contains("signed evidence"),
            "{}",
            broken.problem
        );
        state.reports.insert(
            "ab".into(),
            crate::audit::Tracked {
                day: crate::model::Day(20_000),
                partner: "p".into(),
                acknowledged: false,
                sha256: "cd".into(),
            },
        );
        assert!(receipt_kept(&state, &receipt, day + 3600).is_none(), "kept");
        let stranger = tempfile::tempdir().unwrap();
        let other = LogKey::load_or_create(stranger.path()).unwrap();
        let forged = other.sign_receipt("ab", "cd", day, None).unwrap();
        assert!(
            receipt_kept(&state, &forged, day).is_some(),
            "another key's receipt"
        );
    }
}
