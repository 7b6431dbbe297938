//! One report arriving in a single request: chunks are written as they come (the pending row
//! first, so a crash cleans them up), and the report appears only when `finish` commits its
//! metadata durably. Dropping an unfinished upload removes what it wrote.

use bytes::Bytes;
use tokio::sync::oneshot;

use super::writer::{Command, Op};
use super::{ReportMeta, Store, StoreError, CHUNK_SIZE};
use crate::model::{Day, ReportId};

/// The writer's answer to one command.
type Reply = oneshot::Receiver<Result<bool, StoreError>>;

/// A chunk write's answer: `false` means the upload was removed meanwhile (aborted or swept).
fn written(answer: Result<bool, StoreError>) -> Result<(), StoreError> {
    match answer? {
        true => Ok(()),
        false => Err(StoreError::NotFound),
    }
}

impl Store {
    /// Starts an upload. Nothing is written until the first full chunk: a report that fits in
    /// one chunk is stored by a single command when it finishes.
    pub fn upload(&self, day: Day) -> Upload {
        Upload {
            store: self.clone(),
            id: ReportId::random(),
            day,
            next_chunk: 0,
            begun: false,
            done: false,
            binding: None,
        }
    }
}

/// An upload in progress. Dropping it unfinished removes what it wrote.
pub struct Upload {
    store: Store,
    id: ReportId,
    day: Day,
    next_chunk: u32,
    begun: bool,
    done: bool,
    /// The mailbox binding stored with the report ([`crate::reply::binding`]).
    binding: Option<[u8; 48]>,
}

impl Upload {
    /// The id the report will have.
    pub fn id(&self) -> ReportId {
        self.id
    }

    fn send(
        &self,
        op: Op,
        reply: Option<oneshot::Sender<Result<bool, StoreError>>>,
    ) -> Result<(), StoreError> {
        self.store
            .tx
            .send(Command { op, reply })
            .map_err(|_| StoreError::Closed)
    }

    /// Hands the next full chunk to the writer; the receiver says when it is written. The
    /// first call also registers the upload as pending (so a crash cleans it).
    fn put(&mut self, data: Bytes) -> Result<Reply, StoreError> {
        debug_assert!(data.len() <= CHUNK_SIZE);
        if !self.begun {
            self.send(
                Op::Begin {
                    id: self.id.0,
                    day: self.day.0,
                },
                None,
            )?;
            self.begun = true;
        }
        let (reply, rx) = oneshot::channel();
        let index = self.next_chunk;
        self.next_chunk += 1;
        self.send(
            Op::Put {
                id: self.id.0,
                index,
                data,
            },
            Some(reply),
        )?;
        Ok(rx)
    }

    /// Writes the next full chunk and waits until it is written: one chunk of memory per
    /// upload, whatever its size.
    pub async fn write(&mut self, data: Bytes) -> Result<(), StoreError> {
        let rx = self.put(data)?;
        written(rx.await.map_err(|_| StoreError::Closed)?)
    }

    /// [`Upload::write`] for callers on a blocking thread (the no-JavaScript sealing).
    pub fn write_blocking(&mut self, data: Bytes) -> Result<(), StoreError> {
        let rx = self.put(data)?;
        written(rx.blocking_recv().map_err(|_| StoreError::Closed)?)
    }

    /// Stores `binding` with the report when it is finished.
    pub fn bind(&mut self, binding: [u8; 48]) {
        self.binding = Some(binding);
    }

    /// Number of chunks sent so far.
    pub fn chunks(&self) -> u32 {
        self.next_chunk
    }

    /// Writes the last chunk (if any) and the metadata in one durable commit. Returns once it
    /// is on disk; only then does the report exist.
    pub async fn finish(
        mut self,
        meta: ReportMeta,
        last: Option<Bytes>,
    ) -> Result<ReportMeta, StoreError> {
        let json = serde_json::to_vec(&meta).map_err(|e| StoreError::Db(e.to_string()))?;
        let last = last.map(|data| (self.next_chunk, data));
        let (reply, rx) = oneshot::channel();
        self.send(
            Op::Finish {
                id: self.id.0,
                meta: json,
                begun: self.begun,
                last,
                binding: self.binding,
            },
            Some(reply),
        )?;
        let result = rx.await.map_err(|_| StoreError::Closed)?;
        self.done = result.is_ok();
        result.map(|_| meta)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if self.begun && !self.done {
            // Fire and forget: the writer removes the pending row and its chunks.
            let _ = self.send(Op::Abort { id: self.id.0 }, None);
        }
    }
}
