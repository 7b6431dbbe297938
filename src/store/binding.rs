//! The mailbox binding of each report (`report_mailbox`): 48 bytes the sender handed the
//! server beside the ciphertext, a salted commitment to the mailbox her replies go to (see
//! [`crate::reply::binding`]). Written in the transaction that makes the report, removed in
//! the one that deletes it; a report sent without one has no row. Read when an officer files a
//! reply naming the report.

use redb::ReadableDatabase;

use super::{parse_meta, ReportId, ReportMeta, Store, StoreError, REPORTS};

pub(crate) use super::schema::REPORT_MAILBOX;

/// Sets (`Some`) or removes (`None`) the binding of report `id` inside the writer's
/// transaction.
pub(super) fn put(
    txn: &redb::WriteTransaction,
    id: u128,
    binding: Option<&[u8; 48]>,
) -> Result<(), StoreError> {
    let mut table = txn
        .open_table(REPORT_MAILBOX)
        .map_err(StoreError::from_db)?;
    match binding {
        Some(b) => {
            table
                .insert(id, b.as_slice())
                .map_err(StoreError::from_db)?;
        }
        None => {
            table.remove(id).map_err(StoreError::from_db)?;
        }
    }
    Ok(())
}

impl Store {
    /// A report's metadata and the binding stored with it (`None` if it was sent without
    /// one), read in one transaction (blocking).
    pub fn meta_and_binding_blocking(
        &self,
        id: ReportId,
    ) -> Result<(ReportMeta, Option<[u8; 48]>), StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let reports = txn.open_table(REPORTS).map_err(StoreError::from_db)?;
        let meta = reports
            .get(id.0)
            .map_err(StoreError::from_db)?
            .ok_or(StoreError::NotFound)?;
        let meta = parse_meta(id.0, meta.value())?;
        let binding = match txn.open_table(REPORT_MAILBOX) {
            Ok(t) => t
                .get(id.0)
                .map_err(StoreError::from_db)?
                .and_then(|v| v.value().try_into().ok()),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(StoreError::from_db(e)),
        };
        Ok((meta, binding))
    }
}
