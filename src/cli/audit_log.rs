//! `approdo audit log`: fetches the checkpoint and tiles over HTTP, runs
//! [`crate::audit::audit_log`], and keeps the state file between runs.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::audit::{audit_log, LogState};
use crate::store::Day;
use crate::transparency::client::Fetch;

struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn get(&self, path: &str, limit: u64) -> Result<Vec<u8>, String> {
        crate::audit::get_limited(&self.agent, &self.base, path, limit)
    }
}

impl Fetch for Http {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        self.get(&format!("/log/{path}"), 1 << 24)
    }
}

pub(crate) fn run(
    server: &str,
    state_path: &Path,
    log_key: Option<String>,
    ack_days: u32,
    network_key: &super::NetworkKeyArg,
    proxy: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let http = Http {
        agent: crate::client::agent_builder(proxy)?.build(),
        base: server.trim_end_matches('/').to_owned(),
    };
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
    // The guide's `--state ~/approdo-audit/state.json`: the folder is made on the first run.
    if let Some(dir) = state_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder {}", dir.display()))?;
    }
    let tmp = state_path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&state)?)
        .and_then(|_| std::fs::rename(&tmp, state_path))
        .with_context(|| format!("writing the state file {}", state_path.display()))?;
    Ok(super::audit::verdict(
        &result.findings,
        &format!(
            "log consistent with the last run ({before} entries then, {} now, {} new verified); {} reports tracked{witnessed}",
            result.size,
            result.new_entries,
            state.reports.len()
        ),
    ))
}
