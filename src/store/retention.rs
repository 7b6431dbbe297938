//! Retention: how long a report stays on the server, and why one was removed.
//!
//! An acknowledged report (an officer of its partner has it) is removed `days` days after the
//! day it was acknowledged — 90 by default. A report nobody acknowledged is **never** removed
//! by retention: it is counted, so the operator can tell partners that something waits. Every
//! removal comes back as a [`Deleted`] with its [`DeletionReason`]; the caller records them
//! (the transparency log will take them as leaves; `approdo serve` prints only a count, never
//! an id). Codename mailboxes expire separately (`--reply-days`, [`Store::expire_replies`]).

use std::fmt;

use super::{ReportMeta, Store, StoreError};
use crate::model::{Day, ReportId, ReportState};

/// Why a report left the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionReason {
    /// Acknowledged on `acknowledged`, kept `days` days since.
    Retention {
        /// The day it was acknowledged (or arrived, for reports acknowledged before approdo
        /// recorded the day).
        acknowledged: Day,
        /// The retention period in force.
        days: u32,
    },
}

impl fmt::Display for DeletionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeletionReason::Retention { acknowledged, days } => write!(
                f,
                "retention: acknowledged {acknowledged}, kept {days} days"
            ),
        }
    }
}

/// One report removed by the server itself. The hook for the transparency log: every sweep
/// returns these, in the order they were deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The report (a random id: it names no one).
    pub id: ReportId,
    /// Why.
    pub reason: DeletionReason,
}

/// The outcome of one retention sweep.
#[derive(Debug, Default)]
pub struct Sweep {
    /// Reports removed, with their reasons.
    pub deleted: Vec<Deleted>,
    /// Reports still unacknowledged after more than the retention period (kept).
    pub waiting: usize,
}

impl ReportMeta {
    /// Sets the state; the first acknowledgement records its day.
    pub(crate) fn set_state(&mut self, state: ReportState, today: Day) {
        if state == ReportState::Acknowledged && self.acknowledged.is_none() {
            self.acknowledged = Some(today);
        }
        self.state = state;
    }

    /// Whether retention removes this report on `today`; `None` to keep it.
    pub fn expired(&self, today: Day, days: u32) -> Option<DeletionReason> {
        if self.state != ReportState::Acknowledged {
            return None;
        }
        let acknowledged = self.acknowledged.unwrap_or(self.day);
        (today.0 >= acknowledged.0.saturating_add(days))
            .then_some(DeletionReason::Retention { acknowledged, days })
    }
}

impl Store {
    /// Removes the acknowledged reports whose retention ran out on `today`; counts the
    /// unacknowledged ones older than `days`. Each removal is one durable delete through the
    /// writer; a report an officer deleted meanwhile is skipped.
    pub async fn sweep_retention(&self, today: Day, days: u32) -> Result<Sweep, StoreError> {
        let store = self.clone();
        let metas = tokio::task::spawn_blocking(move || store.list_blocking(None))
            .await
            .map_err(|e| StoreError::Db(e.to_string()))??;
        let mut sweep = Sweep::default();
        for meta in metas {
            match meta.expired(today, days) {
                Some(reason) => match self
                    .delete_then(meta.id, meta.partner.as_str(), reason.to_string(), false)
                    .await
                {
                    Ok(()) => sweep.deleted.push(Deleted {
                        id: meta.id,
                        reason,
                    }),
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e),
                },
                None => {
                    if meta.state == ReportState::Received
                        && today.0 >= meta.day.0.saturating_add(days)
                    {
                        sweep.waiting += 1;
                    }
                }
            }
        }
        if !sweep.deleted.is_empty() {
            // One erasure for the whole sweep, not one copy of the store per report.
            self.erase_deleted().await?;
        }
        Ok(sweep)
    }
}

/// Sweeps at start and then hourly until the task is dropped; `record` sees every sweep's
/// outcome (that is where deletions get logged).
pub async fn run_retention(
    store: Store,
    days: u32,
    mut record: impl FnMut(Result<Sweep, StoreError>),
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        record(store.sweep_retention(Day::today(), days).await);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::demo;

    use crate::store::testing::put_report as put;

    #[tokio::test]
    async fn acknowledged_reports_expire_unacknowledged_never() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &demo::directory().unwrap()).unwrap();
        let old_unacked = put(&store, 100).await;
        let acked = put(&store, 100).await;
        let fresh = put(&store, 100).await;
        store
            .set_state(acked, "cav-milano", ReportState::Acknowledged, None)
            .await
            .unwrap();
        // Acknowledged "today" (the real today): expires 90 days later, not before.
        let ack_day = store.meta_blocking(acked).unwrap().acknowledged.unwrap();
        assert_eq!(ack_day, Day::today());
        let sweep = store
            .sweep_retention(Day(ack_day.0 + 89), 90)
            .await
            .unwrap();
        assert!(sweep.deleted.is_empty());
        assert_eq!(sweep.waiting, 3 - 1);
        let sweep = store
            .sweep_retention(Day(ack_day.0 + 90), 90)
            .await
            .unwrap();
        assert_eq!(
            sweep.deleted,
            vec![Deleted {
                id: acked,
                reason: DeletionReason::Retention {
                    acknowledged: ack_day,
                    days: 90
                }
            }]
        );
        assert!(matches!(
            store.meta_blocking(acked),
            Err(StoreError::NotFound)
        ));
        // Never acknowledged: kept however old, and counted.
        let sweep = store.sweep_retention(Day(u32::MAX - 1), 90).await.unwrap();
        assert!(sweep.deleted.is_empty());
        assert_eq!(sweep.waiting, 2);
        assert!(store.meta_blocking(old_unacked).is_ok());
        assert!(store.meta_blocking(fresh).is_ok());
    }

    #[test]
    fn legacy_acknowledgements_count_from_arrival() {
        let meta = ReportMeta {
            id: ReportId(1),
            partner: "p".parse().unwrap(),
            day: Day(10),
            size: 0,
            sealed: crate::model::SealedBy::Server,
            state: ReportState::Acknowledged,
            acknowledged: None,
            sha256: crate::model::Sha256([0; 32]),
            chunks: 0,
        };
        assert_eq!(meta.expired(Day(99), 90), None);
        assert!(meta.expired(Day(100), 90).is_some());
        let json = serde_json::to_string(&meta).unwrap();
        assert!(!json.contains("acknowledged\":"), "{json}");
    }
}
