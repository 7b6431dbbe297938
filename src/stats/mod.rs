//! Statistics partners can publish, computed on the officer's machine from reports already
//! pulled and decrypted (the server cannot: it holds only ciphertext).
//!
//! Only the choice fields on the allow-list ([`fields`]) are read; free text and contact
//! details are skipped unread. Counts below `--min-count` are suppressed, and totals cannot be
//! used to work them out ([`table`]). Partners merge their figures by exchanging raw CSVs
//! (`--min-count 1`, exact counts: between partners only, never published) and publishing
//! the merged, suppressed table.
//!
//! Modules: [`fields`] (the allow-list), [`read`] (pulled folders → records), [`table`]
//! (counts, suppression, CSV and Markdown, merging), [`chart`] (SVG bar charts).

pub mod chart;
pub mod fields;
pub mod read;
pub mod table;

pub use read::{load, Loaded, Record};
pub use table::{Counts, Stats};

/// Errors from counting.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A folder or file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `--by` names a field that is not on the allow-list.
    #[error("{0:?} cannot be counted; the fields are: month, {list}", list = field_names())]
    UnknownField(String),
    /// `--by` names free text or a contact field.
    #[error("{0:?} is free text or contact information and is never counted")]
    RefusedField(String),
    /// A CSV given to `--merge` is not one `approdo stats --format csv` wrote.
    #[error("{path} line {line}: {reason}")]
    BadCsv {
        path: String,
        line: usize,
        reason: String,
    },
    /// A CSV given to `--merge` has suppressed cells, which cannot be added up.
    #[error(
        "{0} has suppressed cells (< n or x), which cannot be added up; ask for a raw export \
         made with `approdo stats … --format csv --min-count 1` (exact counts: keep it between \
         partners, never publish it)"
    )]
    Suppressed(String),
}

fn field_names() -> String {
    fields::FIELDS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `--by`: the fields to count and whether to split by month.
pub fn parse_by(by: &[String]) -> Result<(Vec<&'static fields::Field>, bool), StatsError> {
    let mut out = Vec::new();
    let mut by_month = false;
    for name in by.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if name == fields::MONTH {
            by_month = true;
        } else if fields::REFUSED.contains(&name) {
            return Err(StatsError::RefusedField(name.to_owned()));
        } else {
            let f = fields::field(name).ok_or_else(|| StatsError::UnknownField(name.to_owned()))?;
            if !out.iter().any(|g: &&fields::Field| g.name == f.name) {
                out.push(f);
            }
        }
    }
    Ok((out, by_month))
}
