//! Opening an envelope in memory, for the officer's desk: nothing of the plaintext touches the
//! disk. The same hostile-input checks as [`super::unpack()`] apply (one [`Sink`] abstraction
//! under one parser); only `report.json` and, when asked for, one named attachment are kept —
//! every other attachment is read (so age authenticates every chunk) and dropped.

use std::fs::File;
use std::io::{self, Read, Write};

use super::outdir::Output;
use super::unpack::{unpack_into, CountingReader};
use super::{EnvelopeError, Limits, ATTACHMENTS_DIR};

/// Where the unpacker puts what it accepts: a folder ([`Output`]) or memory ([`Memory`]).
pub(crate) trait Sink {
    /// What one entry is written to.
    type W: Write;
    /// The `attachments/` folder entry.
    fn attachments_folder(&mut self) -> Result<(), EnvelopeError>;
    /// A new entry: `report.json` (`None`) or an attachment.
    fn create_file(&mut self, attachment: Option<&str>) -> Result<Self::W, EnvelopeError>;
    /// The entry is complete.
    fn done(&mut self, attachment: Option<&str>, w: Self::W);
    /// A write failed.
    fn write_error(&self, what: String, source: io::Error) -> EnvelopeError;
}

impl Sink for Output {
    type W = File;
    fn attachments_folder(&mut self) -> Result<(), EnvelopeError> {
        self.attachments_dir().map(|_| ())
    }
    fn create_file(&mut self, attachment: Option<&str>) -> Result<File, EnvelopeError> {
        Output::create_file(self, attachment)
    }
    fn done(&mut self, _: Option<&str>, _: File) {}
    fn write_error(&self, what: String, source: io::Error) -> EnvelopeError {
        Output::write_error(self, what, source)
    }
}

/// A writer that keeps its bytes, or drops them.
pub(crate) enum Kept {
    /// Kept.
    Bytes(Vec<u8>),
    /// Dropped (an attachment nobody asked for).
    Dropped,
}

impl Write for Kept {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Kept::Bytes(v) = self {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An envelope opened in memory.
#[derive(Default)]
pub struct Opened {
    /// `report.json`, parsed.
    pub report: serde_json::Value,
    /// Attachment names and sizes, in archive order.
    pub attachments: Vec<(String, u64)>,
    /// The attachment asked for, if the envelope holds it.
    pub wanted: Option<(String, Vec<u8>)>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opened(…)")
    }
}

struct Memory<'a> {
    want: Option<&'a str>,
    wanted: Option<(String, Vec<u8>)>,
}

impl Sink for Memory<'_> {
    type W = Kept;
    fn attachments_folder(&mut self) -> Result<(), EnvelopeError> {
        Ok(())
    }
    fn create_file(&mut self, attachment: Option<&str>) -> Result<Kept, EnvelopeError> {
        Ok(match attachment {
            Some(name) if Some(name) != self.want => Kept::Dropped,
            _ => Kept::Bytes(Vec::new()),
        })
    }
    fn done(&mut self, attachment: Option<&str>, w: Kept) {
        if let (Some(name), Kept::Bytes(bytes)) = (attachment, w) {
            self.wanted = Some((name.to_owned(), bytes));
        }
    }
    fn write_error(&self, what: String, source: io::Error) -> EnvelopeError {
        EnvelopeError::WriteFile {
            dir: ATTACHMENTS_DIR.into(),
            what,
            source,
        }
    }
}

/// Reads a (decrypted) envelope to its end with every check of [`super::unpack()`], keeping
/// `report.json` and the attachment named `want` (if any) in memory.
pub fn unpack_in_memory(
    plaintext: impl Read,
    want: Option<&str>,
    limits: &Limits,
) -> Result<Opened, EnvelopeError> {
    let mut sink = Memory { want, wanted: None };
    let mut input = CountingReader {
        inner: plaintext,
        count: 0,
    };
    let u = unpack_into(&mut input, &mut sink, limits)?;
    Ok(Opened {
        report: u.report,
        attachments: u.attachments,
        wanted: sink.wanted,
    })
}
