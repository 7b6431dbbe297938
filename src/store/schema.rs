//! The one registry of the store's tables: every table the redb file may hold, its key and
//! value types, and what a backup and `approdo audit store` do with it. The writer's table
//! definitions are made here; backups, restores and erasures copy every table by walking
//! [`TABLES`] (through `Rows`, a per-key-type copier), and backups, erasures and audits
//! refuse a file holding a table not listed.
//!
//! **Adding a table is one line** in the `tables!` block below:
//!
//! ```text
//! /// What it holds (key → value).
//! NEW_THING: u128 => &[u8] = "new_thing", Copied, Allowed;
//! ```
//!
//! That declares `schema::NEW_THING` (a `redb::TableDefinition` for the code that reads and
//! writes it), puts it in backups (`Copied`, or `OfReports` for rows of finished reports only)
//! or leaves it out (`Skipped`), has `audit store`
//! check its rows (`Checked`, then write that check in `audit::store`) or only allow it
//! (`Allowed`), and makes erasures copy it. A key or value type not used yet needs a `Raw`
//! impl (one line; a variable-width type says how a backup's bytes are checked).

use redb::{
    Key, ReadTransaction, ReadableTable, TableDefinition, TableHandle, Value, WriteTransaction,
};

use super::backup::BackupError;
use super::StoreError;

/// What a backup does with a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backup {
    /// Its rows are in the backup.
    Copied,
    /// Only the rows of finished reports: its key begins with a report id (16 bytes, little
    /// endian), and a row whose id has no `reports` row belongs to an upload still in
    /// progress, which a backup leaves out (as it leaves out `pending`).
    OfReports,
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
#[derive(Clone, Copy)]
pub struct Table {
    /// The redb table name.
    pub name: &'static str,
    pub backup: Backup,
    pub audit: Audit,
    /// Its rows, whatever their types (for backups, restores and erasures).
    pub(crate) rows: &'static dyn Rows,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("backup", &self.backup)
            .field("audit", &self.audit)
            .finish()
    }
}

macro_rules! tables {
    ($(
        $(#[doc = $doc:literal])*
        $konst:ident: $k:ty => $v:ty = $name:literal, $backup:ident, $audit:ident;
    )*) => {
        $(
            $(#[doc = $doc])*
            pub(crate) const $konst: TableDefinition<$k, $v> = TableDefinition::new($name);
        )*
        /// Every table, in the order a backup writes them.
        pub const TABLES: &[Table] = &[$(
            Table { name: $name, backup: Backup::$backup, audit: Audit::$audit, rows: &$konst },
        )*];
    };
}

tables! {
    /// Trust material served: `directory.json`, `directory.sig`, the log's checkpoint and key.
    TRUST: &str => &[u8] = "trust", Copied, Checked;
    /// Report id → metadata (JSON of [`super::ReportMeta`], the store's row).
    REPORTS: u128 => &[u8] = "reports", Copied, Checked;
    /// (report id, chunk index) → ciphertext bytes.
    CHUNKS: (u128, u32) => &[u8] = "chunks", OfReports, Checked;
    /// Upload id → day it started (uploads not yet finalised).
    PENDING: u128 => u32 = "pending", Skipped, Checked;
    /// Upload id → partner id, for resumable (chunk-by-chunk) uploads, kept across restarts.
    RESUMABLE: u128 => &str = "resumable", Skipped, Allowed;
    /// (mailbox id, message id) → day (u32, little-endian) followed by a reply sealed to her
    /// reply key.
    MAILBOX: ([u8; 32], u128) => &[u8] = "mailbox", Copied, Allowed;
    /// (mailbox id, partner) → which partners wrote to a mailbox (the value is always 1).
    MAILBOX_PARTNERS: ([u8; 32], &str) => u8 = "mailbox_partners", Copied, Allowed;
    /// Report id → its mailbox binding (48 bytes).
    REPORT_MAILBOX: u128 => &[u8] = "report_mailbox", OfReports, Allowed;
    /// (report id, sequence) → a signed case record as JSON (signature and age file); the
    /// sequence counts up per report (`audit::store_cases` checks each).
    CASES: (u128, u128) => &[u8] = "case_records", OfReports, Checked;
    /// The transparency log's queue: entries waiting for the next integration, keyed by a
    /// random number (appended in an order unrelated to their arrival).
    LOG_QUEUE: u128 => &[u8] = "log_queue", Copied, Checked;
    /// The log's integrated entries by index.
    LOG_ENTRIES: u64 => &[u8] = "log_entries", Copied, Checked;
    /// The log tree's stored hashes.
    LOG_HASHES: u64 => &[u8] = "log_hashes", Copied, Checked;
    /// Report id → index of its `stored` log entry.
    LOG_BY_REPORT: u128 => u64 = "log_by_report", Copied, Allowed;
}

/// The registry entry of a table name, if the schema has it.
pub fn table_named(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// A key or value type of a table, as raw bytes: whether bytes read from a backup file are a
/// valid encoding (redb would panic decoding a wrong length or bad UTF-8). Fixed-width types
/// need no body; a variable-width type must say how it is checked.
pub(crate) trait Raw: Value + 'static {
    /// Whether `bytes` is an encoding of this type.
    fn valid(bytes: &[u8]) -> bool {
        Self::fixed_width() == Some(bytes.len())
    }
}

impl Raw for u8 {}
impl Raw for u32 {}
impl Raw for u64 {}
impl Raw for u128 {}
impl Raw for (u128, u32) {}
impl Raw for (u128, u128) {}
impl Raw for ([u8; 32], u128) {}
impl Raw for &'static [u8] {
    fn valid(_: &[u8]) -> bool {
        true
    }
}
impl Raw for &'static str {
    fn valid(bytes: &[u8]) -> bool {
        std::str::from_utf8(bytes).is_ok()
    }
}
impl Raw for ([u8; 32], &'static str) {
    /// redb writes a fixed-width first element without a length: 32 bytes, then the text.
    fn valid(bytes: &[u8]) -> bool {
        bytes
            .get(32..)
            .is_some_and(|s| std::str::from_utf8(s).is_ok())
    }
}

/// What [`Rows::each`] calls with every raw (key, value).
pub(crate) type RowFn<'a> = dyn FnMut(&[u8], &[u8]) -> Result<(), BackupError> + 'a;

/// A table's rows as raw bytes, whatever its types: what backups, restores and erasures use
/// to copy every table of [`TABLES`] the same way.
pub(crate) trait Rows: Sync {
    /// Calls `row` with every (key, value) in key order; nothing when the table does not
    /// exist in this file.
    fn each(&self, txn: &ReadTransaction, row: &mut RowFn<'_>) -> Result<(), BackupError>;
    /// Whether a backup's `key` and `value` are valid encodings for this table.
    fn valid(&self, key: &[u8], value: &[u8]) -> bool;
    /// The table opened (created if missing) in `txn`, to insert raw rows into.
    fn writer<'t>(&self, txn: &'t WriteTransaction)
        -> Result<Box<dyn RowWriter + 't>, BackupError>;
    /// Copies every row into the erasure's new file (typed, batched by `copier`).
    fn copy(
        &self,
        read: &ReadTransaction,
        copier: &mut super::erase::Copier<'_>,
    ) -> Result<(), StoreError>;
}

/// Inserts raw rows into one open table.
pub(crate) trait RowWriter {
    /// Inserts a row whose bytes [`Rows::valid`] accepted.
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), BackupError>;
}

fn db(e: impl Into<redb::Error>) -> BackupError {
    BackupError::Store(StoreError::from_db(e))
}

impl<K: Key + Raw + Sync, V: Raw + Sync> Rows for TableDefinition<'static, K, V> {
    fn each(&self, txn: &ReadTransaction, row: &mut RowFn<'_>) -> Result<(), BackupError> {
        let table = match txn.open_table(*self) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(db(e)),
        };
        for r in table.iter().map_err(db)? {
            let (k, v) = r.map_err(db)?;
            row(
                K::as_bytes(&k.value()).as_ref(),
                V::as_bytes(&v.value()).as_ref(),
            )?;
        }
        Ok(())
    }

    fn valid(&self, key: &[u8], value: &[u8]) -> bool {
        K::valid(key) && V::valid(value)
    }

    fn writer<'t>(
        &self,
        txn: &'t WriteTransaction,
    ) -> Result<Box<dyn RowWriter + 't>, BackupError> {
        Ok(Box::new(Writer {
            name: self.name().to_owned(),
            table: txn.open_table(*self).map_err(db)?,
        }))
    }

    fn copy(
        &self,
        read: &ReadTransaction,
        copier: &mut super::erase::Copier<'_>,
    ) -> Result<(), StoreError> {
        copier.table(read, *self)
    }
}

struct Writer<'t, K: Key + Raw, V: Raw> {
    name: String,
    table: redb::Table<'t, K, V>,
}

impl<K: Key + Raw, V: Raw> RowWriter for Writer<'_, K, V> {
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), BackupError> {
        if !(K::valid(key) && V::valid(value)) {
            return Err(BackupError::Invalid(format!(
                "a row of table {:?} is not of its types",
                self.name
            )));
        }
        self.table
            .insert(K::from_bytes(key), V::from_bytes(value))
            .map_err(db)?;
        Ok(())
    }
}

/// The registered tables in a read transaction and their row counts; an unregistered table is
/// an error naming it.
pub(crate) fn row_counts(txn: &ReadTransaction) -> Result<Vec<(Table, u64)>, String> {
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
#[path = "schema_tests.rs"]
mod tests;
