//! The single writer thread: drains queued commands into one write transaction (group commit).
//! The transaction is durable (fsync) only when a command in the batch needs it — finishing an
//! upload, changing a report, a health ping — so streams of chunks cost no fsync each.
//! What a batch does to the tables, in its one transaction, is [`super::batch`]'s.

use tokio::sync::{mpsc, oneshot};

use super::batch::apply;
use super::progress::Tracked;
use super::StoreError;
use crate::model::ReportState;

/// Most commands in one transaction.
const MAX_BATCH: usize = 512;
/// Most chunk bytes in one transaction.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

pub(super) enum Op {
    Begin {
        id: u128,
        day: u32,
    },
    Put {
        id: u128,
        index: u32,
        data: bytes::Bytes,
    },
    Finish {
        id: u128,
        meta: Vec<u8>,
        begun: bool,
        last: Option<(u32, bytes::Bytes)>,
        binding: Option<[u8; 48]>,
    },
    Abort {
        id: u128,
    },
    SetState {
        id: u128,
        partner: String,
        state: ReportState,
        /// The officer's key and signature, for the log's acknowledgement entry.
        signed: Option<(String, String)>,
    },
    Delete {
        id: u128,
        partner: String,
        /// Why, for the transparency log.
        reason: String,
        /// Erase the file once nothing is queued (a sweep erases once, at its end).
        erase: bool,
    },
    /// Erase deleted bytes from the file once nothing is queued (`erase`).
    Erase,
    Ping,
    /// A resumable upload: pending row plus its partner, durable.
    BeginResumable {
        id: u128,
        day: u32,
        partner: String,
    },
    /// A chunk of a resumable upload, durable; `index` must follow the last stored chunk.
    /// `sha256` is the hash of `data` (made by the caller, off this thread).
    PutResumable {
        id: u128,
        index: u32,
        data: bytes::Bytes,
        sha256: crate::model::Sha256,
    },
    /// Makes a validated resumable upload a report.
    FinishResumable {
        id: u128,
        meta: Vec<u8>,
        binding: Option<[u8; 48]>,
    },
    /// A write to the codename mailboxes, durable.
    Mailbox(super::mailbox::MailboxOp),
    /// A case record ([`super::cases`]).
    Case(super::cases::CaseOp),
    /// Sets a row of the `trust` table (e.g. the cosigned checkpoint), durable.
    SetTrust {
        key: &'static str,
        value: Vec<u8>,
    },
    /// Appends the queued log entries and signs a checkpoint.
    /// (key, time, interval in seconds)
    IntegrateLog(std::sync::Arc<crate::transparency::LogKey>, u64, u64),
}

pub(super) struct Command {
    pub op: Op,
    pub reply: Option<oneshot::Sender<Result<bool, StoreError>>>,
}

impl Op {
    pub(super) fn durable(&self) -> bool {
        !matches!(self, Op::Begin { .. } | Op::Put { .. })
    }
}

/// Runs until every sender is gone, then drops its handle on the database.
pub(super) fn run(
    db: super::erase::DbCell,
    data: &std::path::Path,
    rx: mpsc::UnboundedReceiver<Command>,
    usage: std::sync::Arc<super::space::Usage>,
    tracked: Tracked,
) {
    run_batches(&db, data, rx, &usage, &tracked);
    drop(db);
}

fn run_batches(
    cell: &super::erase::DbCell,
    data: &std::path::Path,
    mut rx: mpsc::UnboundedReceiver<Command>,
    usage: &super::space::Usage,
    tracked: &Tracked,
) {
    // A batch deleted reports: their ciphertext is erased from the file as soon as nothing
    // else is queued (`erase`), one rewrite for every deletion since the last.
    let mut erase_due = false;
    loop {
        let first = match rx.try_recv() {
            Ok(cmd) => cmd,
            Err(mpsc::error::TryRecvError::Empty) if erase_due => {
                erase_due = false;
                super::erase::erase_logged(cell, data);
                usage.compacted();
                continue;
            }
            Err(mpsc::error::TryRecvError::Empty) => match rx.blocking_recv() {
                Some(cmd) => cmd,
                None => break,
            },
            Err(mpsc::error::TryRecvError::Disconnected) => {
                if erase_due {
                    super::erase::erase_logged(cell, data);
                }
                break;
            }
        };
        let db = cell.get();
        let db = db.as_ref();
        let mut batch = vec![first];
        let mut bytes = 0usize;
        while batch.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(cmd) => {
                    if let Op::Put { data, .. } = &cmd.op {
                        bytes += data.len();
                    }
                    batch.push(cmd);
                }
                Err(_) => break,
            }
        }
        let results = apply(db, &batch, usage, tracked);
        match results {
            Ok(results) => {
                for (cmd, r) in batch.into_iter().zip(results) {
                    erase_due |= matches!(cmd.op, Op::Erase)
                        || matches!(cmd.op, Op::Delete { erase: true, .. })
                            && matches!(r, Ok(true));
                    if let Some(reply) = cmd.reply {
                        let _ = reply.send(r);
                    }
                }
            }
            Err(e) => {
                // The whole transaction failed: every command in it failed.
                let full = matches!(e, StoreError::Full);
                for cmd in batch {
                    if let Some(reply) = cmd.reply {
                        let _ = reply.send(Err(if full {
                            StoreError::Full
                        } else {
                            StoreError::Db(e.to_string())
                        }));
                    }
                }
            }
        }
    }
}
