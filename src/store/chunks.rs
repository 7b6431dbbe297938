//! Reading what the store holds of one report: its chunks in order (count, size, SHA-256,
//! head, shape) and its metadata row, for finalising uploads, the writer's re-hash and the
//! offline audit.

use redb::ReadableTable;
use sha2::{Digest, Sha256};

use super::{ReportId, ReportMeta, StoreError, CHUNK_SIZE};

/// What the stored chunks of one report or upload add up to.
#[derive(Debug)]
pub struct ChunkScan {
    /// Number of chunks.
    pub chunks: u32,
    /// Total bytes.
    pub total: u64,
    /// SHA-256 of the concatenation, lowercase hex.
    pub sha256: crate::model::Sha256,
    /// The first bytes (as many as asked for, or all).
    pub head: Vec<u8>,
    /// Indexes run 0, 1, 2, … without a gap.
    pub contiguous: bool,
    /// Contiguous, and every chunk but the last is exactly [`CHUNK_SIZE`] bytes.
    pub regular: bool,
    /// Some chunk is larger than [`CHUNK_SIZE`].
    pub oversized: bool,
}

/// Reads the chunks of `id` in order (count, size, hash, head, shape); `each` sees every
/// chunk's bytes. Shared by finalising resumable uploads (before validating, and again in the
/// transaction that makes the report) and by the offline audit.
pub(crate) fn scan_chunks(
    table: &impl ReadableTable<(u128, u32), &'static [u8]>,
    id: u128,
    head_len: usize,
    mut each: impl FnMut(&[u8]),
) -> Result<ChunkScan, StoreError> {
    let mut scan = ChunkScan {
        chunks: 0,
        total: 0,
        sha256: crate::model::Sha256([0; 32]),
        head: Vec::new(),
        contiguous: true,
        regular: true,
        oversized: false,
    };
    let mut hasher = Sha256::new();
    let mut short_seen = false;
    for row in table
        .range((id, 0)..=(id, u32::MAX))
        .map_err(StoreError::from_db)?
    {
        let (k, v) = row.map_err(StoreError::from_db)?;
        let bytes = v.value();
        if k.value().1 != scan.chunks {
            scan.contiguous = false;
        }
        if !scan.contiguous || short_seen {
            scan.regular = false;
        }
        short_seen = bytes.len() != CHUNK_SIZE;
        scan.oversized |= bytes.len() > CHUNK_SIZE;
        if scan.head.len() < head_len {
            let take = (head_len - scan.head.len()).min(bytes.len());
            scan.head.extend_from_slice(&bytes[..take]);
        }
        hasher.update(bytes);
        each(bytes);
        scan.total += bytes.len() as u64;
        scan.chunks += 1;
    }
    scan.sha256 = crate::model::Sha256(hasher.finalize().into());
    Ok(scan)
}

pub(crate) fn parse_meta(key: u128, bytes: &[u8]) -> Result<ReportMeta, StoreError> {
    let meta: ReportMeta = serde_json::from_slice(bytes)
        .map_err(|_| StoreError::CorruptMeta(ReportId(key).to_string()))?;
    if meta.id.0 != key {
        return Err(StoreError::CorruptMeta(ReportId(key).to_string()));
    }
    Ok(meta)
}
