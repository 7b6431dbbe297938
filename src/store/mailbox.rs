//! Codename mailboxes: replies from officers, waiting for her to read them.
//!
//! The only index is the mailbox id (32 bytes derived from her codename, see
//! [`crate::codename`]); a row holds the day it arrived and one age file sealed to her reply
//! recipient (since signed replies, framed with the officer's signature, see
//! [`crate::reply::signed`]; the store keeps the payload opaque). Nothing links a mailbox to a
//! report on the server. `mailbox_owner` binds a mailbox to the partner whose officer filed the
//! first reply in it: another partner's officers cannot post there afterwards (a forged
//! "appointment" from someone she never wrote to). Rows are removed when she deletes them or
//! when they expire. Writes go through the store's writer thread (durable).

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::writer::Op;
use super::{Day, Store, StoreError};

/// `(mailbox id, message id)` → day (u32, little-endian) followed by the age file.
pub(crate) const MAILBOX: TableDefinition<([u8; 32], u128), &[u8]> =
    TableDefinition::new("mailbox");

/// Mailbox id → the partner whose officers may reply in it (bound by the first reply).
pub(crate) const MAILBOX_OWNER: TableDefinition<[u8; 32], &str> =
    TableDefinition::new("mailbox_owner");

/// A mailbox id: what the server indexes replies by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MailboxId(pub [u8; 32]);

impl std::fmt::Debug for MailboxId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A mailbox id opens a mailbox's listing: never print it.
        f.write_str("MailboxId(<redacted>)")
    }
}

impl std::str::FromStr for MailboxId {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| StoreError::NotFound)?;
        Ok(MailboxId(out))
    }
}

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
        /// The partner filing it: refused (no row written) when the mailbox belongs to
        /// another partner; binds the mailbox when it has no owner yet.
        owner: Option<String>,
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
            owner,
        } => {
            if let Some(partner) = owner {
                let mut owners = txn.open_table(MAILBOX_OWNER).map_err(StoreError::from_db)?;
                let bound = owners
                    .get(*mailbox)
                    .map_err(StoreError::from_db)?
                    .map(|v| v.value().to_owned());
                match bound {
                    Some(p) if &p != partner => return Ok(false),
                    Some(_) => {}
                    None => {
                        owners
                            .insert(*mailbox, partner.as_str())
                            .map_err(StoreError::from_db)?;
                    }
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
            owner: None,
        }))
        .await?;
        Ok(id)
    }

    /// Stores a reply filed by an officer of `partner`; `None` when the mailbox belongs to
    /// another partner (nothing is written). The first reply binds the mailbox to `partner`.
    pub async fn put_owned_reply(
        &self,
        mailbox: MailboxId,
        day: Day,
        partner: &str,
        payload: Vec<u8>,
    ) -> Result<Option<u128>, StoreError> {
        let id = rand::random::<u128>();
        let stored = self
            .call(Op::Mailbox(MailboxOp::Put {
                mailbox: mailbox.0,
                id,
                day: day.0,
                sealed: payload,
                owner: Some(partner.to_owned()),
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
            out.push(MailboxMessage {
                id: k.value().1,
                day: Day(day_of(bytes)),
                sealed: bytes.get(4..).unwrap_or_default().to_vec(),
            });
        }
        out.sort_by_key(|m| m.day);
        Ok(out)
    }

    /// The partner a mailbox is bound to (by its first reply), blocking.
    pub fn mailbox_owner_blocking(&self, mailbox: MailboxId) -> Result<Option<String>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = match txn.open_table(MAILBOX_OWNER) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(StoreError::from_db(e)),
        };
        let owner = table
            .get(mailbox.0)
            .map_err(StoreError::from_db)?
            .map(|v| v.value().to_owned());
        Ok(owner)
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
    async fn the_first_partner_to_reply_owns_the_mailbox() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::keys::demo::directory().unwrap()).unwrap();
        let m = MailboxId([3; 32]);
        let put = |p: &'static str| store.put_owned_reply(m, Day(1), p, b"x".to_vec());
        assert!(put("cav-milano").await.unwrap().is_some());
        assert!(put("tratta-milano").await.unwrap().is_none());
        assert!(put("cav-milano").await.unwrap().is_some());
        assert_eq!(store.mailbox_blocking(m).unwrap().len(), 2);
    }
}
