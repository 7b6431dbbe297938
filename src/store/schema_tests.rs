//! Tests of the table registry: one list, read the same by backups, restores, erasures and
//! `audit store`.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::keys::demo;
use crate::store::{restore, Store, DB_FILE};
use redb::ReadableDatabase;

#[test]
fn names_are_unique() {
    let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), TABLES.len());
}

/// The section records of a v2 backup: the tables it copied, in order.
fn sections(file: &[u8]) -> Vec<String> {
    let mut at = crate::store::backup::MAGIC.len();
    let mut out = Vec::new();
    loop {
        let tag = file[at];
        at += 1;
        let fields = match tag {
            b'S' => 1,
            b'G' => 2,
            b'E' => return out,
            t => panic!("tag {t}"),
        };
        for i in 0..fields {
            let len = u32::from_le_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            let field = &file[at + 4..at + 4 + len];
            if tag == b'S' && i == 0 {
                out.push(String::from_utf8(field.to_vec()).unwrap());
            }
            at += 4 + len;
        }
    }
}

/// Issue 19: a table is one entry of the registry. The registry's tables, the tables a backup
/// copies (its section records, every table not `Skipped`, even an empty one), the tables a
/// restore creates and the tables `audit store` allows are the same list; a table outside it
/// is an audit finding.
#[tokio::test]
async fn registry_backup_and_audit_name_the_same_tables() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a"), &demo::directory().unwrap()).unwrap();
    let mut file = Vec::new();
    store.backup_blocking(&mut file).unwrap();
    let copied: Vec<&str> = TABLES
        .iter()
        .filter(|t| t.backup != Backup::Skipped)
        .map(|t| t.name)
        .collect();
    assert_eq!(sections(&file), copied);
    assert_eq!(
        copied.len(),
        TABLES.len() - 2,
        "pending and resumable are skipped"
    );

    let copy = dir.path().join("b");
    restore(file.as_slice(), &copy).unwrap();
    let db = redb::Database::open(copy.join(DB_FILE)).unwrap();
    let mut created: Vec<String> = db
        .begin_read()
        .unwrap()
        .list_tables()
        .unwrap()
        .map(|t| t.name().to_owned())
        .collect();
    created.sort_unstable();
    let mut registry: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    registry.sort_unstable();
    assert_eq!(created, registry);

    let unexpected = |data: &std::path::Path| -> Vec<String> {
        crate::audit::audit_store(data, None)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| f.problem)
            .filter(|p| p.contains("outside the schema"))
            .collect()
    };
    drop(db);
    assert_eq!(unexpected(&copy), Vec::<String>::new());
    let db = redb::Database::open(copy.join(DB_FILE)).unwrap();
    const NEW: TableDefinition<u64, u64> = TableDefinition::new("newer");
    let txn = db.begin_write().unwrap();
    txn.open_table(NEW).unwrap().insert(1, 1).unwrap();
    txn.commit().unwrap();
    drop(db);
    assert_eq!(
        unexpected(&copy),
        ["unexpected table \"newer\" outside the schema"]
    );
}

/// A backup's bytes are checked against each table's types before redb decodes them (which
/// would panic on a wrong length or bad UTF-8).
#[test]
fn raw_rows_are_checked_before_they_are_decoded() {
    let key = <([u8; 32], &str)>::as_bytes(&([7; 32], "cav-milano"));
    assert!(MAILBOX_PARTNERS.valid(&key, &[1]));
    assert!(!MAILBOX_PARTNERS.valid(&key, &[1, 0]));
    assert!(!MAILBOX_PARTNERS.valid(&key[..31], &[1]));
    let mut bad = key.clone();
    bad.push(0xff);
    assert!(!MAILBOX_PARTNERS.valid(&bad, &[1]));
    assert!(CHUNKS.valid(&[0; 20], b"anything"));
    assert!(!CHUNKS.valid(&[0; 19], b"anything"));
    assert!(TRUST.valid(b"directory.json", b"{}"));
    assert!(!TRUST.valid(&[0xff], b"{}"));
    assert!(LOG_BY_REPORT.valid(&[0; 16], &[0; 8]));
    assert!(!LOG_BY_REPORT.valid(&[0; 16], &[0; 4]));
}

/// A table is declared only in the registry: no other code of `src/` makes a
/// `TableDefinition` (tests may, for a table the schema does not know).
#[test]
fn tables_are_declared_only_here() {
    for p in crate::sources::rust_files() {
        if p.ends_with("store/schema.rs") || p.ends_with("store/schema_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        assert!(
            !code.contains("TableDefinition::new"),
            "{} declares a table: add it to store::schema's tables! block instead",
            p.display()
        );
    }
}
