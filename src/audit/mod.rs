//! Audits that need no key that decrypts: `store` (a copy or backup of the redb file),
//! `log` (a live server's transparency log, against the state of the last run) and `site`
//! (what a live server serves, against this build's manifest).

mod remote;
mod site;
mod site_log;
mod store;
mod store_cases;
mod store_log;
mod transparency;

pub use remote::Remote;
pub use site::audit_site;
pub use store::{audit_store, audit_store_pinned};
pub use store_log::Pins;
pub use transparency::{audit_log, LogState, Tracked};

use crate::store::DB_FILE;

/// Errors that stop an audit from running at all (findings are not errors).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The database file cannot be opened read-only.
    #[error("cannot open {path} read-only: {reason}; audit a copy taken while the server was stopped, or a backup")]
    Open { path: String, reason: String },
    /// A read failed midway.
    #[error("reading the store failed: {0}")]
    Read(String),
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The report concerned, if any.
    pub report: Option<String>,
    /// What is wrong.
    pub problem: String,
}

/// The outcome.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub reports: usize,
    pub bytes: u64,
    pub pending: usize,
    /// The store had not been closed cleanly; a repaired temporary copy was audited.
    pub repaired_copy: bool,
    /// Entries in the signed log, and entries waiting for integration.
    pub log_size: u64,
    pub log_queued: u64,
    /// Reports whose stanzas match an earlier directory version (logged before the current
    /// one): sealed before a rotation or a move to post-quantum keys; not findings.
    pub sealed_for_earlier_directory: usize,
    /// Case records beside reports (issue 17), each checked.
    pub case_records: usize,
    pub findings: Vec<Finding>,
}

pub(crate) fn read_err(e: impl std::fmt::Display) -> AuditError {
    AuditError::Read(e.to_string())
}

/// A private temporary folder for a repaired copy, removed on drop.
pub(crate) struct Scratch(std::path::PathBuf);

impl Scratch {
    pub(crate) fn new() -> Result<Self, AuditError> {
        use std::os::unix::fs::DirBuilderExt;
        let dir =
            std::env::temp_dir().join(format!("approdo-audit-{:016x}", rand::random::<u64>()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| AuditError::Read(format!("creating {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }

    pub(crate) fn file(&self) -> std::path::PathBuf {
        self.0.join(DB_FILE)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `GET base+path` through `agent`, at most `limit` bytes of the body; errors name the path.
/// Only a 200 is an answer: an agent that follows no redirect ([`Remote`]) gets a 3xx, which
/// must not be read as the bytes asked for.
pub(crate) fn get_limited(
    agent: &ureq::Agent,
    base: &str,
    path: &str,
    limit: u64,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let resp = agent
        .get(&format!("{base}{path}"))
        .call()
        .map_err(|e| format!("{path}: {e}"))?;
    if resp.status() != 200 {
        return Err(format!(
            "{path}: HTTP {} {} (not followed)",
            resp.status(),
            resp.status_text()
        ));
    }
    let mut out = Vec::new();
    resp.into_reader()
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(out)
}
