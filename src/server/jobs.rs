//! The server's background jobs, each a loop on its own schedule, spawned by
//! [`super::Server::start`] and aborted when the server stops: abandoned uploads collected,
//! old replies expired, the transparency log integrated on its interval, retention swept.
//! None of them records an address, a user agent or a time of a request.

use std::time::{Duration, SystemTime};

use actix_web::web;

use crate::http::AppState;
use crate::model::Day;
use crate::store;

/// Collects resumable uploads past their lifetime (their chunks removed first, so "unknown"
/// means "removed") and forgets circuits not seen for a while.
pub async fn collect_abandoned(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(state.upload_sweep_period());
    loop {
        tick.tick().await;
        state.forget_old_circuits();
        state.collect_expired_uploads().await;
    }
}

/// Removes replies older than `--reply-days`, hourly.
pub async fn expire_replies(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let keep = state.limits.reply_ttl_days;
        let before = Day(Day::today().0.saturating_sub(keep));
        if let Err(e) = state.store.expire_replies(before).await {
            eprintln!("approdo: expiring old replies failed: {e}");
        }
    }
}

/// Integrates the log's queue at every multiple of the interval since the Unix epoch (UTC):
/// with the default of one day, at midnight UTC, so a batch holds one day's entries and a
/// checkpoint tells no more than the day the entries already say. At start it signs a first
/// checkpoint only when the store has none: integrating the queue at every restart would cut
/// the day in two and date its halves.
pub async fn integrate_log(state: web::Data<AppState>) {
    if !state.has_checkpoint().await {
        state.integrate_log_now().await;
    }
    let every = state.limits.log_interval.max(Duration::from_secs(1));
    loop {
        tokio::time::sleep(until_next_multiple(SystemTime::now(), every)).await;
        state.integrate_log_now().await;
    }
}

/// Sweeps retention at start and hourly (`store::run_retention`), recording each sweep with
/// `record_sweep` (counts only).
pub async fn retention(store: store::Store, days: u32) {
    store::run_retention(store, days, record_sweep).await;
}

/// Where retention sweeps are recorded: one line with counts, never an id or a partner. Each
/// deletion is already a leaf of the transparency log, with its reason, written in the same
/// transaction as the deletion (`Store::delete_because`).
fn record_sweep(sweep: Result<store::Sweep, store::StoreError>) {
    match sweep {
        Ok(s) => {
            if !s.deleted.is_empty() {
                eprintln!(
                    "approdo: retention removed {} acknowledged report(s) past their retention period",
                    s.deleted.len()
                );
            }
            if s.waiting > 0 {
                eprintln!(
                    "approdo: {} report(s) unacknowledged for longer than the retention period; they are kept until an officer acknowledges them",
                    s.waiting
                );
            }
        }
        Err(e) => eprintln!("approdo: retention sweep failed: {e}"),
    }
}

/// Time from `now` to the next multiple of `every` since the Unix epoch (never zero).
fn until_next_multiple(now: SystemTime, every: Duration) -> Duration {
    let since = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let every_ms = every.as_millis().max(1);
    let wait = every_ms - since % every_ms;
    Duration::from_millis(u64::try_from(wait).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn integration_falls_on_utc_midnight_with_the_default_interval() {
        let day = Duration::from_secs(86_400);
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        // 2026-12-04 14:23:00 UTC → 9 h 37 min to midnight.
        let t = 20_791 * 86_400 + 14 * 3600 + 23 * 60;
        assert_eq!(
            until_next_multiple(at(t), day),
            Duration::from_secs(9 * 3600 + 37 * 60)
        );
        assert_eq!(until_next_multiple(at(20_792 * 86_400), day), day);
        assert_eq!(
            until_next_multiple(at(7), Duration::from_secs(5)),
            Duration::from_secs(3)
        );
    }
}
