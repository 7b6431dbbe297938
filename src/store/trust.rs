//! The trust material a store was served with (`trust` table: `directory.json`,
//! `directory.sig`): directory versions only go forward, so a store refuses to open with a
//! directory of its network older than the one it already served and logged; and the log key
//! it recorded (`log.vkey`): a store is never served with a new or different log key.

use std::path::Path;

use redb::ReadableDatabase;

use super::{StoreError, DB_FILE, TRUST};

/// Directory versions only go forward: refuses a directory (of the same network) older than
/// the one the store last served, which `init_and_sweep` recorded and logged.
pub(super) fn refuse_older_directory(
    db: &redb::Database,
    directory: &crate::keys::SignedDirectory,
) -> Result<(), StoreError> {
    let txn = db.begin_read().map_err(StoreError::from_db)?;
    let trust = match txn.open_table(TRUST) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(StoreError::from_db(e)),
    };
    let read = |k: &str| -> Result<Option<serde_json::Value>, StoreError> {
        Ok(trust
            .get(k)
            .map_err(StoreError::from_db)?
            .and_then(|v| serde_json::from_slice(v.value()).ok()))
    };
    let (Some(dir), Some(sig)) = (read("directory.json")?, read("directory.sig")?) else {
        return Ok(());
    };
    let same_network = sig["key"].as_str() == Some(&directory.network_key().to_string());
    let logged = dir["version"].as_u64().unwrap_or(0);
    let version = directory.directory().version;
    if same_network && version < logged {
        return Err(StoreError::OldDirectory { version, logged });
    }
    Ok(())
}

/// The log key of `data`, checked against the verifier key the store recorded: a store whose
/// log exists is never served with a new or different key (that would be a second log that
/// no earlier receipt or checkpoint verifies against). A new store gets a new key.
pub(super) fn open_log_key(
    db: &redb::Database,
    data: &Path,
) -> Result<crate::transparency::LogKey, StoreError> {
    use crate::transparency::KEY_FILE;
    let recorded = recorded_vkey(db)?;
    let path = data.join(KEY_FILE);
    if let Some(recorded) = &recorded {
        if !path.exists() {
            return Err(StoreError::LogKey(format!(
                "this store's transparency log is signed by {recorded:?}, but {} is missing; \
                 put that log key back (`approdo restore --log-key FILE`, or copy it from the \
                 old data directory, 0600) — approdo never starts a second log on a store",
                path.display()
            )));
        }
    }
    let key = crate::transparency::LogKey::load_or_create(data)
        .map_err(|e| StoreError::LogKey(e.to_string()))?;
    match recorded {
        Some(recorded) if recorded != key.vkey() => Err(StoreError::LogKey(format!(
            "{} signs as {:?}, but this store's transparency log is signed by {recorded:?}; \
             put the store's own log key back in its place — approdo never starts a second \
             log on a store",
            path.display(),
            key.vkey()
        ))),
        _ => Ok(key),
    }
}

/// The log verifier key a store recorded (`None` for a store without a log yet). Reads the
/// file directly: only for a store no server holds open.
pub fn recorded_log_key(data: &Path) -> Result<Option<String>, StoreError> {
    recorded_vkey(&redb::Database::open(data.join(DB_FILE)).map_err(StoreError::from_db)?)
}

fn recorded_vkey(db: &redb::Database) -> Result<Option<String>, StoreError> {
    let txn = db.begin_read().map_err(StoreError::from_db)?;
    match txn.open_table(TRUST) {
        Ok(t) => Ok(t
            .get("log.vkey")
            .map_err(StoreError::from_db)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned())),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(StoreError::from_db(e)),
    }
}

/// A directory as stored: `directory.json`'s bytes, then `directory.sig`'s.
pub type DirectoryFiles = (Vec<u8>, Vec<u8>);

/// The directory the store last served (`directory.json`, `directory.sig`), if any. Reads
/// the file directly: only for a store no server holds open.
pub fn recorded_directory(data: &Path) -> Result<Option<DirectoryFiles>, StoreError> {
    let file = data.join(DB_FILE);
    if !std::fs::metadata(&file).is_ok_and(|m| m.len() > 0) {
        return Ok(None);
    }
    let db = redb::Database::open(file).map_err(StoreError::from_db)?;
    let txn = db.begin_read().map_err(StoreError::from_db)?;
    let trust = match txn.open_table(TRUST) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(StoreError::from_db(e)),
    };
    let get = |k: &str| -> Result<Option<Vec<u8>>, StoreError> {
        Ok(trust
            .get(k)
            .map_err(StoreError::from_db)?
            .map(|v| v.value().to_vec()))
    };
    Ok(get("directory.json")?.zip(get("directory.sig")?))
}

/// Checks that `DATA/log.key` is the key the store's log was signed with (as `serve` does
/// before it starts); returns its verifier key.
pub fn check_log_key(data: &Path) -> Result<String, StoreError> {
    let db = redb::Database::open(data.join(DB_FILE)).map_err(StoreError::from_db)?;
    Ok(open_log_key(&db, data)?.vkey().to_owned())
}

/// The `trust` row holding the latest checkpoint with witness cosignatures.
pub const COSIGNED_CHECKPOINT: &str = "log.cosigned";

impl super::Store {
    /// Sets a row of the `trust` table (durable).
    pub async fn set_trust(&self, key: &'static str, value: Vec<u8>) -> Result<(), StoreError> {
        self.call(super::writer::Op::SetTrust { key, value })
            .await
            .map(|_| ())
    }

    /// A row of the `trust` table (blocking read).
    pub fn trust_blocking(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        match txn.open_table(TRUST) {
            Ok(t) => Ok(t
                .get(key)
                .map_err(StoreError::from_db)?
                .map(|v| v.value().to_vec())),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(StoreError::from_db(e)),
        }
    }
}
