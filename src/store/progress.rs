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
//! scans the stored chunks as before.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use redb::ReadableTable;
use sha2::Digest;

use crate::model::{ChunkHasher, ChunkRoot, Sha256};

use super::CHUNK_SIZE;

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

/// The progress of every tracked upload, shared by the writer (the only one to change it) and
/// the finalising route (which reads it).
#[derive(Clone, Default)]
pub(crate) struct Tracked {
    map: Arc<Mutex<HashMap<u128, Progress>>>,
    /// What every upload's chunks above a gap may hold in memory ([`super::held`]).
    budget: super::held::Budget,
}

impl Tracked {
    fn lock(&self) -> MutexGuard<'_, HashMap<u128, Progress>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What upload `id`'s chunks add up to, if it is tracked and every stored chunk hashed.
    pub(crate) fn digest(&self, id: u128) -> Option<UploadDigest> {
        self.lock().get(&id).and_then(Progress::digest)
    }

    /// Takes `id`'s progress out (the writer, before a transaction changes it).
    pub(crate) fn take(&self, id: u128) -> Option<Progress> {
        self.lock().remove(&id)
    }

    /// Puts back what a committed transaction left (`None`: no longer tracked).
    pub(crate) fn publish(&self, staged: HashMap<u128, Option<Progress>>) {
        let mut map = self.lock();
        for (id, p) in staged {
            match p {
                Some(p) if map.len() < MAX_TRACKED || map.contains_key(&id) => {
                    map.insert(id, p);
                }
                _ => {
                    map.remove(&id);
                }
            }
        }
    }

    /// Bytes of chunks above a gap held now ([`super::held`]).
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.budget.used()
    }

    /// How many uploads are tracked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One transaction's view: progress taken out of [`Tracked`] and changed, published only if
/// the transaction commits (dropped otherwise, which leaves those uploads untracked).
pub(crate) struct Staged<'a> {
    tracked: &'a Tracked,
    changed: HashMap<u128, Option<Progress>>,
}

impl<'a> Staged<'a> {
    pub(crate) fn new(tracked: &'a Tracked) -> Self {
        Staged {
            tracked,
            changed: HashMap::new(),
        }
    }

    /// `id`'s progress as this transaction left it so far (taken out: put it back with
    /// [`Staged::put`], or leave it out to stop tracking the upload).
    pub(crate) fn take(&mut self, id: u128) -> Option<Progress> {
        match self.changed.remove(&id) {
            Some(p) => {
                // Marked so that publishing removes it unless put back.
                self.changed.insert(id, None);
                p
            }
            None => {
                self.changed.insert(id, None);
                self.tracked.take(id)
            }
        }
    }

    /// The memory budget of chunks kept above a gap.
    pub(crate) fn budget(&self) -> super::held::Budget {
        self.tracked.budget.clone()
    }

    /// Sets `id`'s progress.
    pub(crate) fn put(&mut self, id: u128, p: Progress) {
        self.changed.insert(id, Some(p));
    }

    /// Commits `txn` while a second thread hashes what this transaction's progress owes, then
    /// publishes that progress if the commit succeeded. Hashed on this thread when no thread
    /// can be started.
    pub(crate) fn commit_settling(
        mut self,
        txn: redb::WriteTransaction,
    ) -> Result<(), redb::CommitError> {
        let owing: Vec<&mut Progress> = self
            .changed
            .values_mut()
            .flatten()
            .filter(|p| !p.owed.is_empty())
            .collect();
        let (committed, settled) = if owing.is_empty() {
            (txn.commit(), true)
        } else {
            std::thread::scope(|s| {
                let hasher = std::thread::Builder::new()
                    .name("approdo-hash".into())
                    .spawn_scoped(s, move || owing.into_iter().for_each(Progress::settle));
                let committed = txn.commit();
                match hasher.map(|h| h.join()) {
                    Ok(Ok(())) => (committed, true),
                    Ok(Err(panic)) => std::panic::resume_unwind(panic),
                    Err(_) => (committed, false),
                }
            })
        };
        if !settled {
            self.changed
                .values_mut()
                .flatten()
                .for_each(Progress::settle);
        }
        committed.map(|()| self.publish())
    }

    /// The transaction committed: what it changed becomes the tracked state.
    pub(crate) fn publish(self) {
        self.tracked.publish(self.changed);
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

    /// A transaction that does not commit leaves the upload untracked.
    #[test]
    fn only_committed_progress_is_published() {
        let t = Tracked::default();
        let mut s = Staged::new(&t);
        s.put(7, Progress::new());
        s.publish();
        assert!(t.digest(7).is_some());
        let mut failed = Staged::new(&t);
        let mut p = failed.take(7).unwrap();
        p.record(0, Sha256::digest(b"x"), 1);
        failed.put(7, p);
        drop(failed);
        assert_eq!(t.len(), 0, "the transaction failed: 7 is untracked");
        let mut s = Staged::new(&t);
        assert!(s.take(7).is_none());
        s.publish();
        assert_eq!(t.len(), 0);
    }
}
