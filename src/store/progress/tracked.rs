//! Where the writer keeps every upload's [`Progress`] ([`Tracked`], shared with the finalising
//! route) and one transaction's changes to it ([`Staged`]): taken out before the transaction
//! changes an upload, published only once it commits ([`Staged::commit_settling`], which
//! hashes what the batch owes while the disk syncs), so a failed transaction leaves the
//! upload untracked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Progress, UploadDigest, MAX_TRACKED};

/// The progress of every tracked upload, shared by the writer (the only one to change it) and
/// the finalising route (which reads it).
#[derive(Clone, Default)]
pub(crate) struct Tracked {
    map: Arc<Mutex<HashMap<u128, Progress>>>,
    /// What every upload's chunks above a gap may hold in memory ([`crate::store::held`]).
    budget: crate::store::held::Budget,
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

    /// Bytes of chunks above a gap held now ([`crate::store::held`]).
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
    pub(crate) fn budget(&self) -> crate::store::held::Budget {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Sha256;

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
