//! The codename KDF on the server (no-JavaScript mailbox logins and new no-JavaScript
//! reports), on a small pool of its own.
//!
//! Each derivation is an 8 MiB Argon2id. Run on actix's blocking pool (hundreds of threads,
//! each with its own allocator arena), 600 anonymous logins at once took the server to 4.5 GB
//! and it kept it. Here [`WORKERS`] threads derive one at a time each, at most [`IN_FLIGHT`]
//! requests wait for them, and the next one is refused at once ([`KdfError::Busy`], answered 503 with
//! `Retry-After`): the KDF's memory is at most `WORKERS × 8 MiB`, the same memory each time, and
//! nothing queues without bound. The budget (how many per second) is spent before this.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, Semaphore};

use crate::codename::{Codename, ReplyKeys};

/// Threads deriving at once.
pub const WORKERS: usize = 2;
/// Derivations running or waiting at once; one more is refused.
pub const IN_FLIGHT: usize = 6;
/// Seconds a refused client is asked to wait (`Retry-After`).
pub const RETRY_AFTER_SECS: u32 = 5;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The pool is full: try again in [`RETRY_AFTER_SECS`].
#[derive(Debug, thiserror::Error)]
pub enum KdfError {
    /// Too many derivations are running or waiting.
    #[error("the server is busy deriving keys; try again in a few seconds")]
    Busy,
    /// The derivation failed (or its worker is gone).
    #[error("the key derivation failed")]
    Failed,
}

/// The pool.
pub struct KdfPool {
    jobs: Mutex<mpsc::SyncSender<Job>>,
    permits: Arc<Semaphore>,
}

impl Default for KdfPool {
    fn default() -> Self {
        Self::new(WORKERS, IN_FLIGHT)
    }
}

impl KdfPool {
    /// `workers` threads, at most `in_flight` derivations running or queued.
    pub fn new(workers: usize, in_flight: usize) -> Self {
        let (tx, rx) = mpsc::sync_channel::<Job>(in_flight.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..workers.max(1) {
            let rx = rx.clone();
            // A worker that cannot start leaves the others; with none, jobs fail as Failed.
            let _ = std::thread::Builder::new()
                .name(format!("approdo-kdf-{n}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(p) => p.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        KdfPool {
            jobs: Mutex::new(tx),
            permits: Arc::new(Semaphore::new(in_flight.max(1))),
        }
    }

    /// Derives her keys on the pool, or refuses at once when it is full (mailbox logins: the
    /// request has cost its sender nothing yet).
    pub async fn derive(&self, codename: Codename) -> Result<ReplyKeys, KdfError> {
        let permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| KdfError::Busy)?;
        self.run(codename, permit).await
    }

    /// Derives her keys on the pool, waiting for a place (a no-JS report she has already
    /// written and sent, within the submission budget: refusing it would lose her work). A
    /// waiting request holds its codename only, not the KDF's memory.
    pub async fn derive_waiting(&self, codename: Codename) -> Result<ReplyKeys, KdfError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| KdfError::Failed)?;
        self.run(codename, permit).await
    }

    async fn run(
        &self,
        codename: Codename,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<ReplyKeys, KdfError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let keys = codename.derive();
            drop(codename);
            let _ = tx.send(keys);
            drop(permit);
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_send(job)
            .map_err(|_| KdfError::Busy)?;
        rx.await
            .map_err(|_| KdfError::Failed)?
            .map_err(|_| KdfError::Failed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_bound_it_refuses_at_once_and_then_serves_again() {
        let pool = KdfPool::new(1, 2);
        let c = || Codename::generate();
        let (a, b, d) = tokio::join!(pool.derive(c()), pool.derive(c()), pool.derive(c()));
        let results = [a.is_ok(), b.is_ok(), d.is_ok()];
        assert_eq!(results.iter().filter(|ok| **ok).count(), 2, "{results:?}");
        assert!(matches!(
            [a, b, d].into_iter().find(|r| r.is_err()),
            Some(Err(KdfError::Busy))
        ));
        assert!(pool.derive(c()).await.is_ok());
        // A report already sent waits for its place instead.
        let (a, b, d) = tokio::join!(
            pool.derive_waiting(c()),
            pool.derive_waiting(c()),
            pool.derive_waiting(c())
        );
        assert!(a.is_ok() && b.is_ok() && d.is_ok());
    }
}
