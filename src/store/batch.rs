//! One batch of writer commands applied in one write transaction: what each command does to
//! the tables, whether the commit is durable (only when a command needs it), what the batch
//! hashes of resumable uploads (published once it commits) and the room its chunks free and
//! take. The queue and the loop that gathers a batch are the writer's ([`super::writer`]).

use redb::{Durability, ReadableTable};

use super::progress::{advance, stored_is, Progress, Staged, Tracked};
use super::tlog;
use super::writer::{Command, Op};
use super::{parse_meta, StoreError, CHUNKS, PENDING, REPORTS, RESUMABLE, TRUST};
use crate::model::ReportState;
use crate::transparency::Entry;

/// Removes the chunks of `id`; returns how many bytes they held (space the store can reuse).
pub(super) fn delete_chunks(
    chunks: &mut redb::Table<(u128, u32), &[u8]>,
    id: u128,
) -> Result<u64, StoreError> {
    let mut freed = 0u64;
    chunks
        .retain_in((id, 0)..=(id, u32::MAX), |_, v| {
            freed += super::space::footprint(v.len());
            false
        })
        .map_err(StoreError::from_db)?;
    Ok(freed)
}

pub(super) type Results = Vec<Result<bool, StoreError>>;

pub(super) fn apply(
    db: &redb::Database,
    batch: &[Command],
    usage: &super::space::Usage,
    tracked: &Tracked,
) -> Result<Results, StoreError> {
    // What this transaction hashes of resumable uploads: published only once it commits.
    let mut staged = Staged::new(tracked);
    // Room of chunks removed and written by this batch (what the store holds and can reuse).
    let (mut freed, mut written) = (0u64, 0u64);
    let mut txn = db.begin_write().map_err(StoreError::from_db)?;
    let durable = batch.iter().any(|c| c.op.durable());
    txn.set_durability(if durable {
        Durability::Immediate
    } else {
        Durability::None
    })
    .map_err(StoreError::from_db)?;
    let mut results = Vec::with_capacity(batch.len());
    {
        let mut reports = txn.open_table(REPORTS).map_err(StoreError::from_db)?;
        let mut chunks = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        let mut pending = txn.open_table(PENDING).map_err(StoreError::from_db)?;
        let mut resumable = txn.open_table(RESUMABLE).map_err(StoreError::from_db)?;
        for cmd in batch {
            let r = match &cmd.op {
                Op::Begin { id, day } => {
                    pending.insert(*id, *day).map_err(StoreError::from_db)?;
                    Ok(true)
                }
                Op::Put { id, index, data } => {
                    // Only uploads still pending may write (an aborted one may not resurrect).
                    if pending.get(*id).map_err(StoreError::from_db)?.is_some() {
                        written += super::space::footprint(data.len());
                        chunks
                            .insert((*id, *index), data.as_ref())
                            .map_err(StoreError::from_db)?;
                        Ok(true)
                    } else {
                        Ok(false)
                    }
                }
                Op::Finish {
                    id,
                    meta,
                    begun,
                    last,
                    binding,
                } => {
                    let was_pending = pending.remove(*id).map_err(StoreError::from_db)?.is_some();
                    if *begun && !was_pending {
                        // Aborted meanwhile (or swept): its chunks are gone.
                        Err(StoreError::NotFound)
                    } else {
                        if let Some((index, data)) = last {
                            written += super::space::footprint(data.len());
                            chunks
                                .insert((*id, *index), data.as_ref())
                                .map_err(StoreError::from_db)?;
                        }
                        reports
                            .insert(*id, meta.as_slice())
                            .map_err(StoreError::from_db)?;
                        super::binding::put(&txn, *id, binding.as_ref())?;
                        tlog::queue(&txn, &parse_meta(*id, meta)?.log_entry())?;
                        Ok(true)
                    }
                }
                Op::Abort { id } => {
                    staged.take(*id);
                    resumable.remove(*id).map_err(StoreError::from_db)?;
                    if pending.remove(*id).map_err(StoreError::from_db)?.is_some() {
                        freed += delete_chunks(&mut chunks, *id)?;
                    }
                    Ok(true)
                }
                Op::BeginResumable { id, day, partner } => {
                    pending.insert(*id, *day).map_err(StoreError::from_db)?;
                    resumable
                        .insert(*id, partner.as_str())
                        .map_err(StoreError::from_db)?;
                    staged.put(*id, Progress::new());
                    Ok(true)
                }
                Op::PutResumable {
                    id,
                    index,
                    data,
                    sha256,
                } => {
                    let live = resumable.get(*id).map_err(StoreError::from_db)?.is_some();
                    // Chunks arrive a few at a time ([`super::CHUNK_WINDOW`], enforced by
                    // the slots); as a backstop one must be stored a little below this one.
                    let reach = 2 * super::CHUNK_WINDOW;
                    let follows = *index < reach
                        || chunks
                            .range((*id, *index - reach)..(*id, *index))
                            .map_err(StoreError::from_db)?
                            .next()
                            .is_some();
                    if !live {
                        Err(StoreError::NotFound)
                    } else if !follows {
                        Err(StoreError::OutOfOrder)
                    } else {
                        written += super::space::footprint(data.len());
                        // A re-sent chunk replaces the one stored: its room is reused.
                        if let Some(old) = chunks
                            .insert((*id, *index), data.as_ref())
                            .map_err(StoreError::from_db)?
                        {
                            freed += super::space::footprint(old.value().len());
                        }
                        if let Some(p) = staged.take(*id) {
                            let budget = staged.budget();
                            if let Some(p) =
                                advance(&chunks, *id, p, *index, data, *sha256, &budget)?
                            {
                                staged.put(*id, p);
                            }
                        }
                        Ok(true)
                    }
                }
                Op::FinishResumable { id, meta, binding } => {
                    let parsed = parse_meta(*id, meta)?;
                    let live = resumable.get(*id).map_err(StoreError::from_db)?.is_some();
                    // The receipt signs `parsed.sha256`: it must be the hash of the bytes
                    // stored, here, in this transaction (issue 15, finalize race) — as hashed
                    // while they were stored (`progress`), else read back.
                    let progress = staged.take(*id);
                    let same = live && stored_is(&chunks, *id, progress.as_ref(), &parsed)?;
                    if live && !same {
                        if let Some(p) = progress {
                            staged.put(*id, p);
                        }
                        results.push(Err(StoreError::Changed));
                        continue;
                    }
                    resumable.remove(*id).map_err(StoreError::from_db)?;
                    pending.remove(*id).map_err(StoreError::from_db)?;
                    if live {
                        reports
                            .insert(*id, meta.as_slice())
                            .map_err(StoreError::from_db)?;
                        super::binding::put(&txn, *id, binding.as_ref())?;
                        tlog::queue(&txn, &parsed.log_entry())?;
                        Ok(true)
                    } else {
                        Err(StoreError::NotFound)
                    }
                }
                Op::SetState {
                    id,
                    partner,
                    state,
                    signed,
                } => {
                    let found = match reports.get(*id).map_err(StoreError::from_db)? {
                        Some(v) => {
                            let meta = parse_meta(*id, v.value())?;
                            (meta.partner.as_str() == partner).then_some(meta)
                        }
                        None => None,
                    };
                    match found {
                        Some(mut meta) => {
                            if *state == ReportState::Acknowledged
                                && meta.state != ReportState::Acknowledged
                            {
                                tlog::queue(
                                    &txn,
                                    &Entry::Ack {
                                        id: meta.id.to_string(),
                                        partner: meta.partner.to_string(),
                                        sha256: meta.sha256.to_string(),
                                        officer: signed.as_ref().map(|s| s.0.clone()),
                                        signature: signed.as_ref().map(|s| s.1.clone()),
                                    },
                                )?;
                            }
                            meta.set_state(*state, crate::model::Day::today());
                            let json = serde_json::to_vec(&meta)
                                .map_err(|e| StoreError::Db(e.to_string()))?;
                            reports
                                .insert(*id, json.as_slice())
                                .map_err(StoreError::from_db)?;
                            Ok(true)
                        }
                        None => Ok(false),
                    }
                }
                Op::Delete {
                    id,
                    partner,
                    reason,
                    ..
                } => {
                    let owned = match reports.get(*id).map_err(StoreError::from_db)? {
                        Some(v) => parse_meta(*id, v.value())?.partner.as_str() == partner,
                        None => false,
                    };
                    if owned {
                        reports.remove(*id).map_err(StoreError::from_db)?;
                        super::binding::put(&txn, *id, None)?;
                        super::cases::remove_all(&txn, *id)?;
                        freed += delete_chunks(&mut chunks, *id)?;
                        tlog::queue(
                            &txn,
                            &Entry::Deleted {
                                id: format!("{id:032x}"),
                                reason: reason.clone(),
                            },
                        )?;
                    }
                    Ok(owned)
                }
                Op::Ping | Op::Erase => Ok(true),
                Op::Mailbox(op) => super::mailbox::apply(&txn, op),
                Op::Case(op) => {
                    let owned = match reports.get(op.report).map_err(StoreError::from_db)? {
                        Some(v) => parse_meta(op.report, v.value())?.partner.as_str() == op.partner,
                        None => false,
                    };
                    if owned {
                        super::cases::apply(&txn, op)
                    } else {
                        Ok(false)
                    }
                }
                Op::SetTrust { key, value } => {
                    let mut t = txn.open_table(TRUST).map_err(StoreError::from_db)?;
                    t.insert(*key, value.as_slice())
                        .map_err(StoreError::from_db)?;
                    Ok(true)
                }
                Op::IntegrateLog(key, time, every) => {
                    tlog::integrate(&txn, key, *time, *every).map(|_| true)
                }
            };
            results.push(r);
        }
    }
    staged.commit_settling(txn).map_err(StoreError::from_db)?;
    if freed > 0 {
        // redb hands the pages a transaction freed back for reuse only when a later
        // transaction commits: one empty durable commit now, so the room the accounting
        // below counts as reusable is reusable (a cancelled upload's room at once).
        let empty = db.begin_write().map_err(StoreError::from_db)?;
        empty.commit().map_err(StoreError::from_db)?;
    }
    usage.account(freed, written);
    Ok(results)
}
