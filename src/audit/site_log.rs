//! `audit site`, directory against log: the served directory must not be older than the
//! highest directory version the server's own transparency log records. A validly signed
//! older directory (one that may still list a revoked key) passes the signature check; only
//! the log shows that something newer was published.
//!
//! The checkpoint is verified with the log key the server announces (`/api/v1/log/key`; pin
//! it with `approdo audit log --log-key`, which also follows the log's consistency), and every
//! entry read is checked against it.

use super::Finding;
use crate::transparency::client::{entries, HttpLog};
use crate::transparency::{Entry, LogVerifier};

/// The highest directory version in the log, if it records any.
fn highest_logged(site: &HttpLog<'_>) -> Result<Option<u64>, String> {
    let key: serde_json::Value = serde_json::from_slice(&site.get("/api/v1/log/key", 4096)?)
        .map_err(|e| format!("/api/v1/log/key: {e}"))?;
    let vkey = key["vkey"].as_str().ok_or("/api/v1/log/key names no key")?;
    // A server that has not signed its first checkpoint yet has logged nothing to compare.
    let Some(checkpoint) = site.checkpoint()? else {
        return Ok(None);
    };
    let cp = LogVerifier::new(vkey)
        .and_then(|v| v.checkpoint(&checkpoint))
        .map_err(|e| format!("the served checkpoint: {e}"))?;
    let all = entries(site, cp.size(), *cp.hash(), 0, cp.size())
        .map_err(|e| format!("the log's entries could not be verified: {e}"))?;
    Ok(all
        .iter()
        .filter_map(|data| match Entry::parse(data) {
            Ok(Entry::Directory { version, .. }) => Some(version),
            _ => None,
        })
        .max())
}

/// Findings when the served directory (version `served`) is older than the log's latest.
pub(super) fn check(agent: &ureq::Agent, base: &str, served: u64) -> Vec<Finding> {
    let finding = |problem: String| Finding {
        report: None,
        problem,
    };
    match highest_logged(&HttpLog { agent, base }) {
        Ok(Some(logged)) if served < logged => vec![finding(format!(
            "the served directory is version {served}, older than version {logged} in the server's transparency log: \
             a rolled-back directory may still list revoked keys"
        ))],
        Ok(_) => Vec::new(),
        Err(e) => vec![finding(format!(
            "could not compare the served directory with the transparency log: {e}"
        ))],
    }
}
