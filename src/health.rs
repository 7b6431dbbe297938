//! The health check the operator monitors: `ok`, or `degraded` with reasons that name what is
//! wrong and never a secret, a report or a partner. It is degraded when the store refuses
//! writes (a durable empty commit fails), when the disk reserve or the store cap is reached
//! (reports get 507), or when the last integration of the transparency log failed.
//!
//! Served as `GET /healthz` (200 or 503, JSON) and on the admin socket (`health`), which is
//! what `approdo health --config FILE` asks: the public socket under tor's PROXY line answers
//! nothing that does not start with that line, and the admin socket needs no tor.

use std::sync::{Arc, Mutex};

use crate::store::{SpacePolicy, Store, StoreError};

/// Bytes a report needs at least (one chunk): below this room, every report gets 507.
const ONE_REPORT: u64 = crate::store::CHUNK_SIZE as u64;

/// What the health check reads; cheap to clone.
#[derive(Clone)]
pub struct Health {
    store: Store,
    space: SpacePolicy,
    /// The last integration's failure, if the last one failed.
    log_failure: Arc<Mutex<Option<String>>>,
    /// Standing reasons found at start (a refused configured directory).
    standing: Arc<Mutex<Vec<String>>>,
}

/// The answer: no reasons means ok.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    /// `ok` or `degraded`.
    pub status: String,
    /// Why it is degraded, one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl Status {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.reasons.is_empty()
    }

    fn from_reasons(reasons: Vec<String>) -> Self {
        let status = if reasons.is_empty() { "ok" } else { "degraded" };
        Status {
            status: status.to_owned(),
            reasons,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_ok() {
            write!(f, "ok")
        } else {
            write!(f, "degraded: {}", self.reasons.join("; "))
        }
    }
}

impl Health {
    /// A health check of `store` under the operator's space `policy`.
    pub fn new(store: Store, space: SpacePolicy) -> Self {
        Health {
            store,
            space,
            log_failure: Arc::default(),
            standing: Arc::default(),
        }
    }

    /// Adds a reason that holds until the server restarts.
    pub fn degrade(&self, reason: String) {
        self.standing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(reason);
    }

    /// Records how the last integration of the log went.
    pub fn log_integrated(&self, result: &Result<(), StoreError>) {
        let mut failure = self.log_failure.lock().unwrap_or_else(|p| p.into_inner());
        *failure = result.as_ref().err().map(ToString::to_string);
    }

    /// Checks everything (one durable empty commit included).
    pub async fn check(&self) -> Status {
        let mut reasons = self
            .standing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Err(e) = self.store.ping().await {
            reasons.push(format!("the store refuses writes ({e})"));
        }
        // Reports get 507 when one more chunk has no room: say which limit is reached.
        if self.store.room_for(ONE_REPORT, self.space).is_err() {
            let free = self.store.free_bytes().unwrap_or(0);
            let held = self.store.held_bytes();
            match self.space.max_store {
                Some(cap) if free >= self.space.min_free.saturating_add(2 * ONE_REPORT) => reasons
                    .push(format!(
                        "the store reached its cap: {} MiB held of {} MiB (--max-store-mib); \
                         reports get 507",
                        held / (1024 * 1024),
                        cap / (1024 * 1024)
                    )),
                _ => reasons.push(format!(
                    "the disk reserve is reached: {} MiB free, {} MiB kept free \
                     (--min-free-mib); reports get 507",
                    free / (1024 * 1024),
                    self.space.min_free / (1024 * 1024)
                )),
            }
        }
        let failure = self
            .log_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(e) = failure {
            reasons.push(format!("the transparency log cannot integrate ({e})"));
        }
        Status::from_reasons(reasons)
    }
}
