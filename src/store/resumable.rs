//! Resumable uploads: a browser sends the age file chunk by chunk (≤ 1 MiB each, in order,
//! each chunk durable before it is acknowledged), can ask where to resume after a dropped
//! connection, and finalises; only a finalised, validated upload becomes a report.

use bytes::Bytes;
use redb::ReadableDatabase;

use super::writer::Op;
use super::{ChunkScan, ReportMeta, Store, StoreError, CHUNKS, RESUMABLE};
use crate::model::{Day, ReportId};

impl Store {
    /// Creates resumable upload `id` (a fresh [`ReportId::random`]) for `partner`.
    pub async fn begin_resumable(
        &self,
        id: ReportId,
        day: Day,
        partner: &str,
    ) -> Result<(), StoreError> {
        self.call(Op::BeginResumable {
            id: id.0,
            day: day.0,
            partner: partner.to_owned(),
        })
        .await
        .map(|_| ())
    }

    /// Stores chunk `index` (durably). Re-sending the last stored chunk replaces it.
    pub async fn put_resumable(
        &self,
        id: ReportId,
        index: u32,
        data: Bytes,
    ) -> Result<(), StoreError> {
        self.call(Op::PutResumable {
            id: id.0,
            index,
            data,
        })
        .await
        .map(|_| ())
    }

    /// Finalises a validated upload into a report. In the same transaction the stored chunks
    /// are hashed again: if they are not the bytes `meta` describes (size and SHA-256, which
    /// the receipt signs), nothing changes and the answer is [`StoreError::Changed`].
    /// `binding` is stored with it ([`crate::reply::binding`]).
    pub async fn finish_resumable(
        &self,
        meta: &ReportMeta,
        binding: Option<[u8; 48]>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_vec(meta).map_err(|e| StoreError::Db(e.to_string()))?;
        self.call(Op::FinishResumable {
            id: meta.id.0,
            meta: json,
            binding,
        })
        .await
        .map(|_| ())
    }

    /// Removes an upload and its chunks (fire and forget).
    pub fn abort_upload(&self, id: ReportId) {
        let _ = self.tx.send(super::writer::Command {
            op: Op::Abort { id: id.0 },
            reply: None,
        });
    }

    /// Removes an upload and its chunks, durably.
    pub async fn abort_upload_wait(&self, id: ReportId) -> Result<(), StoreError> {
        self.call(Op::Abort { id: id.0 }).await.map(|_| ())
    }

    /// The partner, the index of the first chunk missing, and the chunks stored above it
    /// (chunks arrive a few at a time, [`super::CHUNK_WINDOW`]); `None` for an unknown upload.
    pub fn resumable_status_blocking(&self, id: ReportId) -> Result<Option<Resume>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let Some(partner) = upload_partner(&txn, id)? else {
            return Ok(None);
        };
        let chunks = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        let mut resume = Resume {
            partner,
            next: 0,
            above: Vec::new(),
        };
        for row in chunks
            .range((id.0, 0)..=(id.0, u32::MAX))
            .map_err(StoreError::from_db)?
        {
            let index = row.map_err(StoreError::from_db)?.0.value().1;
            if index == resume.next && resume.above.is_empty() {
                resume.next += 1;
            } else {
                resume.above.push(index);
            }
        }
        Ok(Some(resume))
    }

    /// Reads an upload's chunks back: its partner, and what the chunks add up to.
    pub fn assemble_blocking(
        &self,
        id: ReportId,
        head_len: usize,
    ) -> Result<Option<(String, ChunkScan)>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let Some(partner) = upload_partner(&txn, id)? else {
            return Ok(None);
        };
        let chunks = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        let scan = super::scan_chunks(&chunks, id.0, head_len, |_| {})?;
        Ok(Some((partner, scan)))
    }

    /// Resumable uploads that survived the last restart (for the collector to time out).
    pub fn resumable_at_open(&self) -> Vec<ReportId> {
        self.resumable_at_open
            .iter()
            .map(|&id| ReportId(id))
            .collect()
    }
}

/// Where a resumable upload stands.
#[derive(Debug, PartialEq, Eq)]
pub struct Resume {
    /// The partner it is for.
    pub partner: String,
    /// Chunks `0..next` are stored; `next` is the first one missing.
    pub next: u32,
    /// Chunks stored above `next`, ascending.
    pub above: Vec<u32>,
}

/// The partner of a resumable upload, if it exists.
fn upload_partner(txn: &redb::ReadTransaction, id: ReportId) -> Result<Option<String>, StoreError> {
    let uploads = txn.open_table(RESUMABLE).map_err(StoreError::from_db)?;
    let partner = uploads
        .get(id.0)
        .map_err(StoreError::from_db)?
        .map(|v| v.value().to_owned());
    Ok(partner)
}
