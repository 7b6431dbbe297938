//! What the writer has already hashed of each resumable upload, so finalising does not read
//! the whole file back (issue 16). As chunks are stored the writer keeps, per upload, the
//! SHA-256 and length of every chunk (their hashes make the receipt's chunk root,
//! [`crate::model::ChunkRoot`]) and the SHA-256 of the contiguous prefix of chunks `0..next`
//! (a chunk that arrives above a gap — the window lets a few arrive out of order — is read
//! back once the gap fills).
//!
//! The writer hashes the prefix while the transaction that stored those chunks commits
//! ([`Staged::commit_settling`]): the chunk's bytes are owed to the prefix until then, and the
//! hash runs on a second thread while the first waits for the disk (issue 16: the writer was
//! the chunked path's bottleneck, half of its time in this hash).
//!
//! Memory only, and only ever a true account of what is committed: the writer takes an
//! upload's progress out of the shared map before a transaction changes it and puts it back
//! only once that transaction has committed, so a failed transaction leaves the upload with
//! no progress at all. No progress (after a restart, past [`MAX_TRACKED`] uploads, a re-sent
//! chunk whose bytes differ from the hashed one, a failed transaction) means finalising
//! scans the stored chunks as before. The shared map and a transaction's staged view of it
//! are [`tracked`]'s.

use std::collections::BTreeMap;

use redb::ReadableTable;
use sha2::Digest;

use crate::model::{ChunkHasher, ChunkRoot, Sha256};

use super::CHUNK_SIZE;

mod tracked;

pub(crate) use tracked::{Staged, Tracked};

/// Most uploads tracked at once (each a few bytes per chunk); beyond, finalising scans.
pub const MAX_TRACKED: usize = 4096;

/// The progress of one resumable upload.
pub(crate) struct Progress {
    /// Chunks `0..next` are hashed into `prefix`.
    next: u32,
    prefix: sha2::Sha256,
    /// Bytes of chunks `0..next`.
    total: u64,
    /// Every stored chunk: its SHA-256 and length.
    chunks: BTreeMap<u32, (Sha256, u32)>,
    /// Bytes of the prefix's last chunks not yet hashed into `prefix` (the batch's own chunks,
    /// held by its commands anyway), in order.
    owed: Vec<bytes::Bytes>,
    /// Stored chunks above the prefix whose bytes are kept until it reaches them
    /// ([`super::held`]); the others are read back.
    held: BTreeMap<u32, super::held::Held>,
}

/// What an upload's chunks add up to, when every stored chunk is hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadDigest {
    /// Number of chunks.
    pub chunks: u32,
    /// Total bytes.
    pub total: u64,
    /// SHA-256 of the whole file.
    pub sha256: Sha256,
    /// The chunk root at [`CHUNK_SIZE`].
    pub root: ChunkRoot,
    /// Every chunk but the last is [`CHUNK_SIZE`] bytes, the last at most that.
    pub regular: bool,
}

impl Progress {
    /// A new upload: nothing stored.
    pub(crate) fn new() -> Self {
        Progress {
            next: 0,
            prefix: sha2::Sha256::new(),
            total: 0,
            chunks: BTreeMap::new(),
            owed: Vec::new(),
            held: BTreeMap::new(),
        }
    }

    /// Records chunk `index`, just stored with `hash` and `len` bytes. False when the
    /// progress can no longer be trusted: a chunk already hashed into the prefix was
    /// replaced by other bytes.
    pub(crate) fn record(&mut self, index: u32, hash: Sha256, len: usize) -> bool {
        let Ok(len) = u32::try_from(len) else {
            return false;
        };
        if index < self.next {
            return self.chunks.get(&index) == Some(&(hash, len));
        }
        self.chunks.insert(index, (hash, len));
        true
    }

    /// The chunk the prefix needs next, if it is stored.
    pub(crate) fn wanted(&self) -> Option<u32> {
        self.chunks.contains_key(&self.next).then_some(self.next)
    }

    /// Hashes chunk `wanted()`'s bytes into the prefix (after what is owed).
    pub(crate) fn absorb(&mut self, bytes: &[u8]) {
        self.settle();
        self.prefix.update(bytes);
        self.total += bytes.len() as u64;
        self.next += 1;
    }

    /// Adds chunk `wanted()`'s bytes to the prefix, to be hashed by [`Progress::settle`].
    pub(crate) fn owe(&mut self, bytes: bytes::Bytes) {
        self.total += bytes.len() as u64;
        self.next += 1;
        self.owed.push(bytes);
    }

    /// Hashes what is owed into the prefix.
    pub(crate) fn settle(&mut self) {
        for b in self.owed.drain(..) {
            self.prefix.update(&b);
        }
    }

    /// What the chunks add up to, if every stored chunk is in the prefix.
    pub(crate) fn digest(&self) -> Option<UploadDigest> {
        if self.chunks.len() != self.next as usize {
            return None;
        }
        let mut root = ChunkHasher::new(CHUNK_SIZE as u32);
        let mut regular = true;
        for (&i, (hash, len)) in &self.chunks {
            root.push(hash);
            let last = i + 1 == self.next;
            regular &= *len as usize == CHUNK_SIZE || last && *len as usize <= CHUNK_SIZE;
        }
        Some(UploadDigest {
            chunks: self.next,
            total: self.total,
            sha256: Sha256(
                self.owed
                    .iter()
                    .fold(self.prefix.clone(), |h, b| h.chain_update(b))
                    .finalize()
                    .into(),
            ),
            root: root.finish(),
            regular,
        })
    }
}

/// Adds chunk `index` (`data`, hashing to `sha256`), just stored, to upload `id`'s progress,
/// and hashes into the prefix every stored chunk it now reaches (those above a gap are read
/// back). `None`: the progress can no longer be trusted (the upload is finalised by a scan).
pub(super) fn advance(
    chunks: &redb::Table<(u128, u32), &[u8]>,
    id: u128,
    mut p: Progress,
    index: u32,
    data: &bytes::Bytes,
    sha256: crate::model::Sha256,
    budget: &super::held::Budget,
) -> Result<Option<Progress>, super::StoreError> {
    if !p.record(index, sha256, data.len()) {
        return Ok(None);
    }
    // A re-sent chunk's earlier bytes are never hashed in its place.
    p.held.remove(&index);
    if p.wanted() == Some(index) {
        p.owe(data.clone());
    } else if index > p.next {
        if let Some(kept) = budget.hold(data) {
            p.held.insert(index, kept);
        }
    }
    while let Some(n) = p.wanted() {
        if let Some(kept) = p.held.remove(&n) {
            p.owe(kept.into_bytes());
            continue;
        }
        match chunks.get((id, n)).map_err(super::StoreError::from_db)? {
            Some(v) => p.absorb(v.value()),
            None => return Ok(None),
        }
    }
    Ok(Some(p))
}

/// Whether upload `id`'s stored chunks are the bytes `meta` describes (size and SHA-256): from
/// `progress` when it accounts for every stored chunk, else read back.
pub(super) fn stored_is(
    chunks: &redb::Table<(u128, u32), &[u8]>,
    id: u128,
    progress: Option<&Progress>,
    meta: &super::ReportMeta,
) -> Result<bool, super::StoreError> {
    Ok(match progress.and_then(Progress::digest) {
        Some(d) => d.sha256 == meta.sha256 && d.total == meta.size,
        None => {
            let scan = super::scan_chunks(chunks, id, 0, |_| {})?;
            scan.sha256 == meta.sha256 && scan.total == meta.size
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunk(n: u8, len: usize) -> Vec<u8> {
        vec![n; len]
    }

    /// Chunks out of order, a re-send of the same bytes, and the digest equals the file's.
    #[test]
    fn out_of_order_chunks_make_the_files_hash_and_root() {
        let parts = [chunk(1, CHUNK_SIZE), chunk(2, CHUNK_SIZE), chunk(3, 10)];
        let file: Vec<u8> = parts.concat();
        let mut p = Progress::new();
        for i in [1usize, 2, 0, 1] {
            assert!(p.record(i as u32, Sha256::digest(&parts[i]), parts[i].len()));
            while let Some(n) = p.wanted() {
                // Owed (hashed at commit) or hashed at once: the same prefix either way.
                if n == 1 {
                    p.owe(bytes::Bytes::copy_from_slice(&parts[1]));
                } else {
                    p.absorb(&parts[n as usize]);
                }
            }
        }
        let owing = p.digest().unwrap();
        p.settle();
        assert!(p.owed.is_empty());
        let d = p.digest().unwrap();
        assert_eq!(d, owing, "what is owed counts before it is settled");
        assert_eq!(d.sha256, Sha256::digest(&file));
        assert_eq!(d.root, ChunkRoot::of(&file, CHUNK_SIZE as u32));
        assert_eq!((d.chunks, d.total, d.regular), (3, file.len() as u64, true));
        assert!(
            !p.record(0, Sha256::digest(b"other"), 5),
            "a hashed chunk replaced"
        );
        let mut gap = Progress::new();
        gap.record(1, Sha256::digest(&parts[1]), parts[1].len());
        assert_eq!(gap.digest(), None, "a chunk above a gap");
        let mut short = Progress::new();
        for (i, c) in [chunk(1, 10), chunk(2, 10)].iter().enumerate() {
            short.record(i as u32, Sha256::digest(c), c.len());
            short.absorb(c);
        }
        assert!(!short.digest().unwrap().regular);
    }
}
