//! The trust material a store was served with (`trust` table: `directory.json`,
//! `directory.sig`): directory versions only go forward, so a store refuses to open with a
//! directory of its network older than the one it already served and logged.

use redb::ReadableDatabase;

use super::{StoreError, TRUST};

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
