//! Resumable uploads: a browser sends the age file chunk by chunk (≤ 1 MiB each, in order,
//! each chunk durable before it is acknowledged), can ask where to resume after a dropped
//! connection, and finalises; only a finalised, validated upload becomes a report.

use bytes::Bytes;
use redb::ReadableDatabase;

use super::writer::Op;
use super::{ReportMeta, Store, StoreError, UploadDigest, CHUNKS, RESUMABLE};
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
        // Hashed here, on the caller's thread, not the writer's: the chunk root needs each
        // chunk's hash, and the writer keeps only the whole file's running hash.
        let sha256 = crate::model::Sha256::digest(&data);
        self.call(Op::PutResumable {
            id: id.0,
            index,
            data,
            sha256,
        })
        .await
        .map(|_| ())
    }

    /// Finalises a validated upload into a report. In the same transaction the writer checks
    /// that the stored chunks are the bytes `meta` describes (size and SHA-256, which the
    /// receipt signs) — from what it hashed as they were stored, else by reading them again;
    /// if not, nothing changes and the answer is [`StoreError::Changed`].
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

    /// What an upload's chunks add up to, and its partner: as the writer hashed them while
    /// they were stored (only the first `head_len` bytes are read), or — untracked (after a
    /// restart, say) — read back whole.
    pub fn assemble_blocking(
        &self,
        id: ReportId,
        head_len: usize,
    ) -> Result<Option<Assembled>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let Some(partner) = upload_partner(&txn, id)? else {
            return Ok(None);
        };
        let chunks = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        if let Some(digest) = self.tracked.digest(id.0) {
            let mut head = Vec::new();
            for row in chunks
                .range((id.0, 0)..=(id.0, u32::MAX))
                .map_err(StoreError::from_db)?
            {
                if head.len() >= head_len {
                    break;
                }
                let (_, v) = row.map_err(StoreError::from_db)?;
                let take = (head_len - head.len()).min(v.value().len());
                head.extend_from_slice(&v.value()[..take]);
            }
            return Ok(Some(Assembled {
                partner,
                digest,
                head,
            }));
        }
        let mut root = crate::model::ChunkHasher::new(super::CHUNK_SIZE as u32);
        let scan = super::scan_chunks(&chunks, id.0, head_len, |b| root.push_chunk(b))?;
        Ok(Some(Assembled {
            partner,
            digest: UploadDigest {
                chunks: scan.chunks,
                total: scan.total,
                sha256: scan.sha256,
                root: root.finish(),
                regular: scan.regular && !scan.oversized,
            },
            head: scan.head,
        }))
    }

    /// Resumable uploads that survived the last restart (for the collector to time out).
    pub fn resumable_at_open(&self) -> Vec<ReportId> {
        self.resumable_at_open
            .iter()
            .map(|&id| ReportId(id))
            .collect()
    }
}

/// An upload's chunks, as finalising sees them.
#[derive(Debug)]
pub struct Assembled {
    /// The partner it is for.
    pub partner: String,
    /// What its chunks add up to.
    pub digest: UploadDigest,
    /// Its first bytes.
    pub head: Vec<u8>,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Store, CHUNK_SIZE};
    use crate::keys::demo;
    use crate::model::{ChunkRoot, Day, ReportId, Sha256};
    use bytes::Bytes;

    /// Finalising reads what the writer hashed as chunks were stored (out of order, one sent
    /// twice), and the same as a full read would; once a hashed chunk is replaced by other
    /// bytes the upload is read back instead — and says the bytes stored last.
    #[tokio::test]
    async fn the_writer_hashes_as_chunks_arrive_and_falls_back_to_reading() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &demo::directory().unwrap()).unwrap();
        let file: Vec<u8> = (0..3 * CHUNK_SIZE + 99).map(|i| (i % 253) as u8).collect();
        let chunks: Vec<Bytes> = file
            .chunks(CHUNK_SIZE)
            .map(Bytes::copy_from_slice)
            .collect();
        let want = (
            Sha256::digest(&file),
            ChunkRoot::of(&file, CHUNK_SIZE as u32),
        );
        let id = ReportId::random();
        store
            .begin_resumable(id, Day(1), "cav-milano")
            .await
            .unwrap();
        for n in [1usize, 0, 3, 0, 2] {
            store
                .put_resumable(id, n as u32, chunks[n].clone())
                .await
                .unwrap();
        }
        let tracked = store.tracked.digest(id.0).unwrap();
        assert_eq!((tracked.sha256, tracked.root), want);
        assert_eq!(
            (tracked.chunks, tracked.total, tracked.regular),
            (4, file.len() as u64, true)
        );
        let found = store.assemble_blocking(id, 100).unwrap().unwrap();
        assert_eq!(found.digest, tracked);
        assert_eq!(found.head, file[..100]);

        // Chunk 0 replaced by other bytes: no longer tracked, read back.
        let other = Bytes::from(vec![9u8; CHUNK_SIZE]);
        store.put_resumable(id, 0, other.clone()).await.unwrap();
        assert!(store.tracked.digest(id.0).is_none());
        let mut changed = file.clone();
        changed[..CHUNK_SIZE].copy_from_slice(&other);
        let found = store.assemble_blocking(id, 100).unwrap().unwrap();
        assert_eq!(found.digest.sha256, Sha256::digest(&changed));
        assert_eq!(
            found.digest.root,
            ChunkRoot::of(&changed, CHUNK_SIZE as u32)
        );
        assert_eq!(found.head, changed[..100]);

        // Cancelled: nothing tracked is left behind.
        let gone = ReportId::random();
        store
            .begin_resumable(gone, Day(1), "cav-milano")
            .await
            .unwrap();
        store
            .put_resumable(gone, 0, chunks[0].clone())
            .await
            .unwrap();
        // A chunk above the gap, kept in memory (store::held) until the upload ends.
        store
            .put_resumable(gone, 2, chunks[2].clone())
            .await
            .unwrap();
        assert_eq!(store.tracked.held_bytes(), CHUNK_SIZE);
        assert!(store.tracked.digest(gone.0).is_none(), "a gap");
        store.abort_upload_wait(gone).await.unwrap();
        assert_eq!(store.tracked.len(), 0);
        assert_eq!(store.tracked.held_bytes(), 0, "its memory given back");
    }
}
