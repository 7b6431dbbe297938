//! Server-side sealing for the form that works without JavaScript.
//!
//! A multipart upload does not say how large a file is before it ends, but a tar header needs
//! the size first. So each file is first spooled to disk *already encrypted* — to an ephemeral
//! post-quantum hybrid (`mlkem768x25519`) key that exists only in this request's memory, so a
//! spool file recovered from the disk later stays closed even to a quantum computer — then
//! streamed back, decrypted one
//! 64 KiB chunk at a time, into the envelope sealed for the partner. Plaintext is never written
//! to disk; when the request ends the ephemeral key is gone and the spool files are removed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::envelope::{self, AttachmentSource, EnvelopeError};
use crate::store::{StoreError, Upload, CHUNK_SIZE};

struct Spooled {
    name: String,
    len: u64,
    path: PathBuf,
}

/// The encrypted spool of one request. Removes its files on drop.
pub struct Spool {
    dir: PathBuf,
    identity: crate::agekeys::hybrid::Identity,
    files: Vec<Spooled>,
}

/// One file being spooled.
pub struct SpoolWriter {
    inner: age::stream::StreamWriter<BufWriter<File>>,
    name: String,
    len: u64,
    path: PathBuf,
}

impl SpoolWriter {
    /// Appends plaintext (encrypted before it reaches the file).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.len += data.len() as u64;
        self.inner.write_all(data)
    }

    /// Bytes so far.
    pub fn len(&self) -> u64 {
        self.len
    }
}

impl Spool {
    /// A spool under `dir` (created 0700), with a fresh ephemeral key.
    pub fn new(dir: &Path) -> io::Result<Spool> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        Ok(Spool {
            dir: dir.to_owned(),
            identity: crate::agekeys::hybrid::Identity::generate(),
            files: Vec::new(),
        })
    }

    /// Starts spooling a file that will be `attachments/<name>` in the envelope.
    pub fn begin(&self, name: String) -> io::Result<SpoolWriter> {
        let path = self
            .dir
            .join(format!("{:032x}.age", rand::random::<u128>()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let recipient = self.identity.to_public();
        let inner = crate::agefile::seal_writer(
            BufWriter::new(file),
            std::iter::once(&recipient as &dyn age::Recipient),
        )
        .map_err(io::Error::other)?;
        Ok(SpoolWriter {
            inner,
            name,
            len: 0,
            path,
        })
    }

    /// Finishes a file.
    pub fn end(&mut self, w: SpoolWriter) -> io::Result<()> {
        let SpoolWriter {
            inner,
            name,
            len,
            path,
        } = w;
        // Record it first, so it is removed even if finishing fails.
        self.files.push(Spooled { name, len, path });
        inner.finish()?.flush()
    }

    /// Attachment names in envelope order.
    pub fn names(&self) -> Vec<String> {
        self.files.iter().map(|f| f.name.clone()).collect()
    }

    /// Packs `report_json` and the spooled files into an envelope sealed for `recipients`,
    /// written into the store through `upload`. Blocking: run it off the async workers.
    pub fn seal_into(
        &self,
        report_json: &[u8],
        recipients: &[crate::agekeys::Recipient],
        upload: Upload,
    ) -> Result<Sealed, SealError> {
        let mut sources = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let file = File::open(&f.path).map_err(SealError::Spool)?;
            let reader = crate::agefile::open_spool_for_relay(BufReader::new(file), &self.identity)
                .map_err(|e| SealError::Spool(io::Error::other(e)))?;
            sources.push(AttachmentSource {
                name: f.name.clone(),
                len: f.len,
                reader: Box::new(reader),
            });
        }
        let sink = ChunkSink {
            upload,
            buf: Vec::with_capacity(CHUNK_SIZE),
            hasher: Sha256::new(),
            total: 0,
            error: None,
        };
        let mut sealing = envelope::seal_writer(sink, recipients).map_err(SealError::Envelope)?;
        let packed = envelope::pack_to(&mut sealing, report_json, sources);
        let sink = sealing.finish();
        // A store error inside the sink surfaces as an I/O error: report the store error.
        let mut sink = match (packed, sink) {
            (Ok(_), Ok(sink)) => sink,
            (Err(e), _) => return Err(SealError::Envelope(e)),
            (Ok(_), Err(e)) => return Err(SealError::Spool(e)),
        };
        if let Some(e) = sink.error.take() {
            return Err(SealError::Store(e));
        }
        let last = (!sink.buf.is_empty()).then(|| Bytes::from(std::mem::take(&mut sink.buf)));
        Ok(Sealed {
            upload: sink.upload,
            total: sink.total,
            sha256: crate::model::Sha256(sink.hasher.finalize().into()),
            last,
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(&f.path);
        }
    }
}

/// A sealed envelope in the store, not yet made visible.
pub struct Sealed {
    pub upload: Upload,
    pub total: u64,
    pub sha256: crate::model::Sha256,
    pub last: Option<Bytes>,
}

/// Why server-side sealing failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The spool could not be written or read back.
    #[error("spool: {0}")]
    Spool(io::Error),
    /// The envelope refused its input (e.g. too many files).
    #[error("{0}")]
    Envelope(EnvelopeError),
    /// The store refused a chunk.
    #[error("{0}")]
    Store(StoreError),
}

/// Cuts the sealed stream into store chunks, blocking on each write.
struct ChunkSink {
    upload: Upload,
    buf: Vec<u8>,
    hasher: Sha256,
    total: u64,
    error: Option<StoreError>,
}

impl ChunkSink {
    fn flush_chunk(&mut self) -> io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(CHUNK_SIZE),
        ));
        let result = self.upload.write_blocking(chunk);
        result.map_err(|e| {
            let msg = e.to_string();
            self.error = Some(e);
            io::Error::other(msg)
        })
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let take = (CHUNK_SIZE - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        self.hasher.update(&data[..take]);
        self.total += take as u64;
        if self.buf.len() == CHUNK_SIZE {
            self.flush_chunk()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
