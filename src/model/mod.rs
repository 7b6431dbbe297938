//! The data model every layer names — ids (report, partner, mailbox), days, how a report was sealed, its states, SHA-256
//! digests, and the report summary of the officer API.
//!
//! A leaf: it imports nothing from the rest of the crate, so the store, the transparency log,
//! the HTTP routes, the client and the auditors all point down to it and never at each other
//! for a type. The store's own rows ([`crate::store::ReportMeta`]) are not here: the disk is
//! not the wire.

mod day;
mod ids;
mod report;
mod sha256;

pub use day::Day;
pub use ids::{MailboxId, PartnerId, ReportId};
pub use report::{ReportState, ReportSummary, SealedBy};
pub use sha256::Sha256;
