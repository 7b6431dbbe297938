//! What the store's unit tests share: a stored three-byte "report" of cav-milano, as a
//! finished upload leaves it (no age file: the tests look at rows, the log and retention).

#![allow(clippy::unwrap_used)]

use super::{ReportMeta, ReportState, Store};
use crate::model::{Day, ReportId};

/// Stores a report of cav-milano that arrived on `day`; its id.
pub(crate) async fn put_report(store: &Store, day: u32) -> ReportId {
    let upload = store.upload(Day(day));
    let id = upload.id();
    let meta = ReportMeta {
        id,
        partner: "cav-milano".parse().unwrap(),
        day: Day(day),
        size: 3,
        sealed: crate::model::SealedBy::Client,
        state: ReportState::Received,
        acknowledged: None,
        sha256: crate::model::Sha256([0; 32]),
        chunks: 1,
    };
    upload
        .finish(meta, Some(bytes::Bytes::from_static(b"age")))
        .await
        .unwrap();
    id
}
