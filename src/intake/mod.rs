//! The intake (INTAKE.md): what the report form asks, in which order, and what `report.json`
//! v1 may hold.
//!
//! Every question can be skipped; the ones the report always carries get `prefer_not_to_say`
//! (or a safe default: replies only through the mailbox, no police) when skipped, and only the
//! consent to read must be ticked. Conditional questions (work sector for labour harms, phone
//! details for a call-back, the worker's consent tick for assisted reports) are dropped when
//! their condition does not hold, in the browser and on the server alike. Nothing identifying
//! is asked: no name, date of birth, address, ID, photo of her.
//!
//! Modules: [`spec`] (the questions and their codes — the statistics' codes), [`countries`]
//! (the country list), [`answers`] (the plain form's answers, checked), [`report`] (the Rust
//! types of `report.json` and its checks), [`schema`] (the JSON Schema, `web/report.schema.json`),
//! [`form`] (the questions as server-rendered HTML in any language), [`show`] (`approdo show`).

pub mod answers;
pub mod countries;
pub mod filled;
pub mod form;
pub mod report;
pub mod schema;
pub mod show;
pub mod spec;

pub use answers::Answers;
pub use report::{problems, Report};
pub use spec::{question, Kind, Question, QUESTIONS};

/// Errors of the intake.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The consent to read was not ticked: nothing is sent without it.
    #[error("the consent box was not ticked; tick it to send the report")]
    NoConsent,
    /// Someone reports for another person without ticking that the person agreed.
    #[error("you report for someone else: tick that they agreed")]
    NoAssistedConsent,
    /// `report.json` is not a JSON object.
    #[error("report.json is not a JSON object ({0}); is this a folder made by `approdo pull`?")]
    NotJson(String),
    /// A report folder or file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Reads `path` (a pulled report folder holding `report.json`, or the file itself) and renders
/// its summary for the officer.
pub fn show_path(path: &std::path::Path) -> Result<String, IntakeError> {
    let (file, dir) = if path.is_dir() {
        (path.join("report.json"), path.to_path_buf())
    } else {
        (
            path.to_path_buf(),
            path.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
        )
    };
    let bytes = std::fs::read(&file).map_err(|source| IntakeError::Read {
        path: file.display().to_string(),
        source,
    })?;
    let (_, json) = Report::from_json(&bytes)?;
    let day = std::fs::read(dir.join("meta.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| m.get("day").and_then(|d| d.as_str()).map(str::to_owned));
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The files unpacked beside it are the truth (report.json need not list them).
    let files: Option<Vec<String>> = std::fs::read_dir(dir.join("attachments")).ok().map(|d| {
        let mut files: Vec<(String, u64)> = d
            .flatten()
            .map(|e| {
                let size = e.metadata().map_or(0, |m| m.len());
                (e.file_name().to_string_lossy().into_owned(), size)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(name, size)| format!("attachments/{name} ({size} bytes)"))
            .collect()
    });
    Ok(show::render(&json, &id, day.as_deref(), files.as_deref()))
}
