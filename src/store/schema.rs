//! The one registry of the store's tables: every table the redb file may hold, with what a
//! backup and `audit store` do with it. The writer's table definitions take their names from
//! here; backups, erasures and audits refuse a file holding a table not listed. A new table is
//! one line below (plus its `TableDefinition`, named from that line).

/// What a backup does with a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backup {
    /// Its rows are in the backup.
    Copied,
    /// Left out: state of unfinished uploads, which a restored store discards anyway.
    Skipped,
}

/// What `approdo audit store` does with a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audit {
    /// Its contents are checked (valid ciphertext, matching hashes, the log).
    Checked,
    /// Allowed in the file; its rows are not checked.
    Allowed,
}

/// One table of the schema.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// The redb table name.
    pub name: &'static str,
    pub backup: Backup,
    pub audit: Audit,
}

const fn table(name: &'static str, backup: Backup, audit: Audit) -> Table {
    Table {
        name,
        backup,
        audit,
    }
}

use Audit::{Allowed, Checked};
use Backup::{Copied, Skipped};

/// Report id → metadata (the store's row, JSON).
pub const REPORTS: Table = table("reports", Copied, Checked);
/// (report id, chunk index) → ciphertext bytes.
pub const CHUNKS: Table = table("chunks", Copied, Checked);
/// Upload id → day it started (uploads not yet finalised).
pub const PENDING: Table = table("pending", Skipped, Checked);
/// Upload id → partner id, for resumable uploads.
pub const RESUMABLE: Table = table("resumable", Skipped, Allowed);
/// Trust material served: the directory, its signature, the log's checkpoint and key.
pub const TRUST: Table = table("trust", Copied, Checked);
/// (mailbox id, message id) → a reply sealed to her reply key.
pub const MAILBOX: Table = table("mailbox", Copied, Allowed);
/// (mailbox id, partner) → which partners wrote to a mailbox.
pub const MAILBOX_PARTNERS: Table = table("mailbox_partners", Copied, Allowed);
/// Report id → its mailbox binding.
pub const REPORT_MAILBOX: Table = table("report_mailbox", Copied, Allowed);
/// (report id, sequence) → a signed case record (`audit::store_cases` checks each).
pub const CASES: Table = table("case_records", Copied, Checked);
/// The transparency log's queue (random key → entry).
pub const LOG_QUEUE: Table = table("log_queue", Copied, Checked);
/// The log's integrated entries by index.
pub const LOG_ENTRIES: Table = table("log_entries", Copied, Checked);
/// The log tree's stored hashes.
pub const LOG_HASHES: Table = table("log_hashes", Copied, Checked);
/// Report id → index of its `stored` log entry.
pub const LOG_BY_REPORT: Table = table("log_by_report", Copied, Allowed);

/// Every table, in the order a backup writes them.
pub const TABLES: &[Table] = &[
    TRUST,
    REPORTS,
    CHUNKS,
    PENDING,
    RESUMABLE,
    MAILBOX,
    MAILBOX_PARTNERS,
    REPORT_MAILBOX,
    CASES,
    LOG_QUEUE,
    LOG_ENTRIES,
    LOG_HASHES,
    LOG_BY_REPORT,
];

use redb::TableHandle;

/// The registry entry of a table name, if the schema has it.
pub fn table_named(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The registered tables in a read transaction and their row counts; an unregistered table is
/// an error naming it.
pub(crate) fn row_counts(txn: &redb::ReadTransaction) -> Result<Vec<(Table, u64)>, String> {
    use redb::ReadableTableMetadata;
    let mut out = Vec::new();
    for handle in txn.list_tables().map_err(|e| e.to_string())? {
        let table = table_named(handle.name())
            .ok_or_else(|| format!("unknown table {:?}", handle.name()))?;
        let rows = txn
            .open_untyped_table(handle)
            .and_then(|t| t.len().map_err(Into::into))
            .map_err(|e| e.to_string())?;
        out.push((*table, rows));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
    }

    /// Every table the store defines is in the registry under its definition's name: a table
    /// not listed would make backups, erasures and audits refuse the file.
    #[test]
    fn every_table_definition_is_registered() {
        let defined = [
            super::super::REPORTS.name(),
            super::super::CHUNKS.name(),
            super::super::PENDING.name(),
            super::super::RESUMABLE.name(),
            super::super::TRUST.name(),
            super::super::mailbox::MAILBOX.name(),
            super::super::mailbox::MAILBOX_PARTNERS.name(),
            super::super::binding::REPORT_MAILBOX.name(),
            super::super::cases::CASES.name(),
            super::super::tlog::LOG_QUEUE.name(),
            super::super::tlog::LOG_ENTRIES.name(),
            super::super::tlog::LOG_HASHES.name(),
            super::super::tlog::LOG_BY_REPORT.name(),
        ];
        assert_eq!(defined.len(), TABLES.len());
        for name in defined {
            assert!(table_named(name).is_some(), "{name} is not in the registry");
        }
    }
}
