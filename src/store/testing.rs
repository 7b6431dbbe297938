//! What the store's unit tests share: a stored three-byte "report" of cav-milano, as a
//! finished upload leaves it (no age file: the tests look at rows, the log and retention), and
//! the row of a two-chunk report that the hand-built backup files hold.

#![allow(clippy::unwrap_used)]

use super::{ReportMeta, ReportState, Store};
use crate::model::{Day, ReportId, SealedBy, Sha256};

/// Stores a report of cav-milano that arrived on `day`; its id.
pub(crate) async fn put_report(store: &Store, day: u32) -> ReportId {
    let upload = store.upload(Day(day));
    let id = upload.id();
    let meta = ReportMeta {
        id,
        partner: "cav-milano".parse().unwrap(),
        day: Day(day),
        size: 3,
        sealed: SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256: Sha256([0; 32]),
        chunks: 1,
    };
    upload
        .finish(meta, Some(bytes::Bytes::from_static(b"age")))
        .await
        .unwrap();
    id
}

/// The row of report `id` of cav-milano in the hand-built backup files (`backup::v1`,
/// `backup::tests_hostile`): two chunks ("abc" and "def"), six bytes, received on day 20 000.
pub(crate) fn two_chunk_report(id: u128) -> ReportMeta {
    ReportMeta {
        id: ReportId(id),
        partner: "cav-milano".parse().unwrap(),
        day: Day(20_000),
        size: 6,
        sealed: SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256: Sha256([1; 32]),
        chunks: 2,
    }
}
