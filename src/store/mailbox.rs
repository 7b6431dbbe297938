//! Codename mailboxes: replies from officers, waiting for her to read them.
//!
//! The only index is the mailbox id (32 bytes derived from her codename, see
//! [`crate::codename`]); a row holds the day it arrived and one age file sealed to her reply
//! recipient (since signed replies, framed with the officer's signature, see
//! [`crate::reply::signed`]; the store keeps the payload opaque). Nothing links a mailbox to a
//! report on the server. `mailbox_partners` records which partners have replied in a mailbox
//! (each after proving, with a report it received, that she wrote to it): once the report is
//! deleted from the server, its partner can still reply there, and no other can. Rows are
//! removed when she deletes them or when they expire. Writes go through the store's writer
//! thread (durable).

use redb::{ReadableDatabase, ReadableTable};

use super::writer::Op;
use super::{Store, StoreError};
use crate::model::{Day, MailboxId};

pub(crate) use super::schema::{MAILBOX, MAILBOX_PARTNERS};

/// One stored reply.
#[derive(Debug, Clone)]
pub struct MailboxMessage {
    /// The message id (random, 128 bits).
    pub id: u128,
    /// The day it arrived.
    pub day: Day,
    /// The age file, sealed to her reply recipient.
    pub sealed: Vec<u8>,
}

/// A write to the mailbox table, applied by the writer thread.
#[derive(Debug)]
pub(super) enum MailboxOp {
    Put {
        mailbox: [u8; 32],
        id: u128,
        day: u32,
        sealed: Vec<u8>,
        /// The partner filing it, recorded in `mailbox_partners`; with `true`, refused (no
        /// row written) unless that partner has replied in this mailbox before.
        partner: Option<(String, bool)>,
    },
    Delete {
        mailbox: [u8; 32],
        id: u128,
    },
    /// Removes messages that arrived before this day.
    Expire {
        before: u32,
    },
}

/// Applies one mailbox write inside the writer's transaction; returns whether it changed a row.
pub(super) fn apply(txn: &redb::WriteTransaction, op: &MailboxOp) -> Result<bool, StoreError> {
    let mut table = txn.open_table(MAILBOX).map_err(StoreError::from_db)?;
    match op {
        MailboxOp::Put {
            mailbox,
            id,
            day,
            sealed,
            partner,
        } => {
            if let Some((partner, known_only)) = partner {
                let mut partners = txn
                    .open_table(MAILBOX_PARTNERS)
                    .map_err(StoreError::from_db)?;
                let known = partners
                    .get((*mailbox, partner.as_str()))
                    .map_err(StoreError::from_db)?
                    .is_some();
                if !known {
                    if *known_only {
                        return Ok(false);
                    }
                    partners
                        .insert((*mailbox, partner.as_str()), 1)
                        .map_err(StoreError::from_db)?;
                }
            }
            let mut row = Vec::with_capacity(4 + sealed.len());
            row.extend_from_slice(&day.to_le_bytes());
            row.extend_from_slice(sealed);
            table
                .insert((*mailbox, *id), row.as_slice())
                .map_err(StoreError::from_db)?;
            Ok(true)
        }
        MailboxOp::Delete { mailbox, id } => Ok(table
            .remove((*mailbox, *id))
            .map_err(StoreError::from_db)?
            .is_some()),
        MailboxOp::Expire { before } => {
            let mut removed = false;
            table
                .retain(|_, v| {
                    let keep = day_of(v) >= *before;
                    removed |= !keep;
                    keep
                })
                .map_err(StoreError::from_db)?;
            Ok(removed)
        }
    }
}

fn day_of(row: &[u8]) -> u32 {
    row.get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

impl Store {
    /// Stores a reply for `mailbox`; returns its id.
    pub async fn put_reply(
        &self,
        mailbox: MailboxId,
        day: Day,
        sealed: Vec<u8>,
    ) -> Result<u128, StoreError> {
        let id = rand::random::<u128>();
        self.call(Op::Mailbox(MailboxOp::Put {
            mailbox: mailbox.0,
            id,
            day: day.0,
            sealed,
            partner: None,
        }))
        .await?;
        Ok(id)
    }

    /// Stores a reply filed by an officer of `partner` and records that the partner replies in
    /// this mailbox. With `known_only` (her report is no longer on the server to prove she
    /// wrote to `partner`), `None` unless the partner replied there before; nothing is written.
    pub async fn put_partner_reply(
        &self,
        mailbox: MailboxId,
        day: Day,
        partner: &str,
        known_only: bool,
        payload: Vec<u8>,
    ) -> Result<Option<u128>, StoreError> {
        let id = rand::random::<u128>();
        let stored = self
            .call(Op::Mailbox(MailboxOp::Put {
                mailbox: mailbox.0,
                id,
                day: day.0,
                sealed: payload,
                partner: Some((partner.to_owned(), known_only)),
            }))
            .await?;
        Ok(stored.then_some(id))
    }

    /// Deletes one reply; deleting what is not there is not an error (and looks the same).
    pub async fn delete_reply(&self, mailbox: MailboxId, id: u128) -> Result<(), StoreError> {
        self.call(Op::Mailbox(MailboxOp::Delete {
            mailbox: mailbox.0,
            id,
        }))
        .await
        .map(|_| ())
    }

    /// Removes replies that arrived before `before`.
    pub async fn expire_replies(&self, before: Day) -> Result<(), StoreError> {
        self.call(Op::Mailbox(MailboxOp::Expire { before: before.0 }))
            .await
            .map(|_| ())
    }

    /// The replies waiting in `mailbox`, oldest first, blocking. An unknown mailbox is empty.
    pub fn mailbox_blocking(&self, mailbox: MailboxId) -> Result<Vec<MailboxMessage>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = match txn.open_table(MAILBOX) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::from_db(e)),
        };
        let mut out = Vec::new();
        for row in table
            .range((mailbox.0, 0)..=(mailbox.0, u128::MAX))
            .map_err(StoreError::from_db)?
        {
            let (k, v) = row.map_err(StoreError::from_db)?;
            let bytes = v.value();
            // A row is the day (4 bytes) and the age file: a shorter one is corruption, not
            // an empty reply.
            let sealed = bytes
                .get(4..)
                .ok_or_else(|| StoreError::Db("a mailbox row is shorter than its day".into()))?;
            out.push(MailboxMessage {
                id: k.value().1,
                day: Day(day_of(bytes)),
                sealed: sealed.to_vec(),
            });
        }
        out.sort_by_key(|m| m.day);
        Ok(out)
    }

    /// The partners that have replied in `mailbox`, blocking.
    pub fn mailbox_partners_blocking(&self, mailbox: MailboxId) -> Result<Vec<String>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = match txn.open_table(MAILBOX_PARTNERS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::from_db(e)),
        };
        let mut out = Vec::new();
        for row in table
            .range((mailbox.0, "")..)
            .map_err(StoreError::from_db)?
        {
            let (k, _) = row.map_err(StoreError::from_db)?;
            let (m, p) = k.value();
            if m != mailbox.0 {
                break;
            }
            out.push(p.to_owned());
        }
        Ok(out)
    }

    /// Number of replies waiting in every mailbox together, blocking (for tests and audits).
    pub fn mailbox_count_blocking(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        match txn.open_table(MAILBOX) {
            Ok(t) => t.len().map_err(StoreError::from_db),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(e) => Err(StoreError::from_db(e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_list_delete_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::keys::demo::directory().unwrap()).unwrap();
        let (a, b) = (MailboxId([1; 32]), MailboxId([2; 32]));
        assert!(store.mailbox_blocking(a).unwrap().is_empty());
        let old = store.put_reply(a, Day(10), b"old".to_vec()).await.unwrap();
        let new = store.put_reply(a, Day(20), b"new".to_vec()).await.unwrap();
        store
            .put_reply(b, Day(20), b"other".to_vec())
            .await
            .unwrap();
        let listed = store.mailbox_blocking(a).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, old);
        assert_eq!(listed[1].sealed, b"new");
        store.delete_reply(a, new).await.unwrap();
        store.delete_reply(a, new).await.unwrap();
        store.delete_reply(b, old).await.unwrap();
        assert_eq!(store.mailbox_blocking(a).unwrap().len(), 1);
        store.expire_replies(Day(15)).await.unwrap();
        assert!(store.mailbox_blocking(a).unwrap().is_empty());
        assert_eq!(store.mailbox_count_blocking().unwrap(), 1);
    }

    #[tokio::test]
    async fn a_partner_replies_without_its_report_only_where_it_replied_before() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::keys::demo::directory().unwrap()).unwrap();
        let m = MailboxId([3; 32]);
        let put = |p: &'static str, known_only| {
            store.put_partner_reply(m, Day(1), p, known_only, b"x".to_vec())
        };
        assert!(put("cav-milano", true).await.unwrap().is_none());
        assert!(put("cav-milano", false).await.unwrap().is_some());
        assert!(put("tratta-milano", true).await.unwrap().is_none());
        assert!(put("cav-milano", true).await.unwrap().is_some());
        assert!(put("tratta-milano", false).await.unwrap().is_some());
        assert_eq!(store.mailbox_blocking(m).unwrap().len(), 3);
        assert_eq!(
            store.mailbox_partners_blocking(m).unwrap(),
            ["cav-milano", "tratta-milano"]
        );
        assert!(store
            .mailbox_partners_blocking(MailboxId([4; 32]))
            .unwrap()
            .is_empty());
    }
}
