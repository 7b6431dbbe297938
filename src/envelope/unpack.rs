//! Safe unpacking of a decrypted envelope into a folder.
//!
//! This code faces hostile input. It accepts only what the packer writes:
//! regular files named `report.json` (first, exactly once) and
//! `attachments/<one normal component>`, optionally an `attachments/` folder
//! entry, then the tar end-of-archive marker and zero padding up to exactly
//! `padme(archive length)`. Everything else (links, devices, FIFOs, other
//! folders, PAX/GNU extension headers, sparse files, odd names, duplicates,
//! oversize entries) is refused before anything is written for it.
//!
//! Files are created with `create_new` (never following or replacing an
//! existing path) and mode 0600, folders with mode 0700. On any error,
//! everything this call created is removed again (best effort).

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::Path;

use super::memory::Sink;
use super::outdir::Output;
use super::pack::{block_round, BLOCK};
use super::{
    checked_padme, name_problem, validate_report, EnvelopeError, ATTACHMENTS_DIR, REPORT_NAME,
};

/// Limits applied while unpacking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum sum of entry sizes, checked against declared sizes before writing.
    pub max_total: u64,
    /// Maximum number of archive entries (including `report.json`).
    pub max_entries: usize,
    /// Maximum size of `report.json`.
    pub max_report_json: u64,
}

impl Default for Limits {
    /// 4 GiB total, 1000 entries, 1 MiB report.
    fn default() -> Self {
        Self {
            max_total: 4 << 30,
            max_entries: 1000,
            max_report_json: 1 << 20,
        }
    }
}

/// What [`unpack()`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Unpacked {
    /// The parsed `report.json` (also written to `out_dir/report.json`).
    pub report: serde_json::Value,
    /// Attachment names and sizes, in archive order (written to `out_dir/attachments/`).
    pub attachments: Vec<(String, u64)>,
    /// Total plaintext length read, padding included.
    pub plaintext_len: u64,
}

/// Streams a (decrypted) envelope into `out_dir`, which must exist and be
/// empty, or not exist yet (then it is created with mode 0700; its parent
/// must exist).
///
/// Reads `plaintext` to its very end, so that age's final-chunk
/// authentication is checked. On error, files and folders created by this
/// call are removed.
pub fn unpack(
    plaintext: impl Read,
    out_dir: &Path,
    limits: &Limits,
) -> Result<Unpacked, EnvelopeError> {
    let mut out = Output::prepare(out_dir)?;
    let mut input = CountingReader {
        inner: plaintext,
        count: 0,
    };
    let result = unpack_into(&mut input, &mut out, limits);
    if result.is_err() {
        out.clean_up();
    }
    result
}

pub(super) fn unpack_into<R: Read, S: Sink>(
    input: &mut CountingReader<R>,
    out: &mut S,
    limits: &Limits,
) -> Result<Unpacked, EnvelopeError> {
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut report = None;
    let mut attachments = Vec::new();
    let mut declared_total = 0u64;
    let mut index = 0usize;
    let mut block = [0u8; BLOCK as usize];
    loop {
        if read_full(input, &mut block)? != block.len() {
            return Err(EnvelopeError::Malformed(
                "the archive ends without an end-of-archive marker (truncated)",
            ));
        }
        if block.iter().all(|b| *b == 0) {
            break;
        }
        index += 1;
        if index > limits.max_entries {
            return Err(EnvelopeError::Limit {
                what: "number of entries in the envelope",
                limit: limits.max_entries as u64,
                hint: "raise the entry limit only if you trust the sender",
            });
        }
        let refuse = |reason| EnvelopeError::UnsafeEntry { index, reason };
        let header = tar::Header::from_byte_slice(&block);
        check_checksum(&block, header).map_err(refuse)?;
        let name = entry_name(header);
        let size = header
            .entry_size()
            .map_err(|_| refuse("the size field is unreadable"))?;
        let kind = classify(header.entry_type(), &name, size).map_err(refuse)?;
        if index == 1 && kind != Kind::Report {
            return Err(EnvelopeError::Malformed(
                "report.json must be the first entry",
            ));
        }
        if !seen.insert(name) {
            return Err(refuse("the name occurs twice"));
        }
        declared_total = declared_total
            .checked_add(size)
            .filter(|t| *t <= limits.max_total)
            .ok_or(EnvelopeError::Limit {
                what: "total size of the envelope contents",
                limit: limits.max_total,
                hint: "raise the size limit only if you trust the sender",
            })?;
        match kind {
            Kind::AttachmentsDir => {
                out.attachments_folder()?;
            }
            Kind::Report => {
                if size > limits.max_report_json {
                    return Err(EnvelopeError::Limit {
                        what: "report.json size",
                        limit: limits.max_report_json,
                        hint: "raise the report limit only if you trust the sender",
                    });
                }
                let mut json = Vec::new();
                input
                    .by_ref()
                    .take(size)
                    .read_to_end(&mut json)
                    .map_err(EnvelopeError::ReadCiphertext)?;
                if json.len() as u64 != size {
                    return Err(truncated());
                }
                let value = validate_report(&json)?;
                let mut file = out.create_file(None)?;
                file.write_all(&json)
                    .map_err(|e| out.write_error(REPORT_NAME.to_owned(), e))?;
                out.done(None, file);
                report = Some(value);
            }
            Kind::Attachment(att_name) => {
                let what = format!("attachment {}", attachments.len() + 1);
                let mut file = out.create_file(Some(&att_name))?;
                copy_exact(input, &mut file, size, |e| out.write_error(what.clone(), e))?;
                out.done(Some(&att_name), file);
                attachments.push((att_name, size));
            }
        }
        skip_block_padding(input, size)?;
    }
    let Some(report) = report else {
        return Err(EnvelopeError::Malformed("the envelope is empty"));
    };
    if read_full(input, &mut block)? != block.len() || block.iter().any(|b| *b != 0) {
        return Err(EnvelopeError::Malformed(
            "the end-of-archive marker is incomplete",
        ));
    }
    let tar_end = input.count;
    let padded =
        checked_padme(tar_end).ok_or(EnvelopeError::Malformed("the envelope is too long"))?;
    check_padding(input, padded - tar_end)?;
    Ok(Unpacked {
        report,
        attachments,
        plaintext_len: input.count,
    })
}

/// What an accepted entry is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Report,
    AttachmentsDir,
    Attachment(String),
}

/// Accepts only the entry types and names the packer writes.
fn classify(ty: tar::EntryType, name: &[u8], size: u64) -> Result<Kind, &'static str> {
    if ty.is_pax_global_extensions()
        || ty.is_pax_local_extensions()
        || ty.is_gnu_longname()
        || ty.is_gnu_longlink()
    {
        return Err("PAX and GNU extension headers are not allowed");
    }
    if ty.is_symlink() {
        return Err("symbolic links are not allowed");
    }
    if ty.is_hard_link() {
        return Err("hard links are not allowed");
    }
    if ty.is_character_special() || ty.is_block_special() || ty.is_fifo() {
        return Err("devices and FIFOs are not allowed");
    }
    if ty.is_gnu_sparse() {
        return Err("sparse files are not allowed");
    }
    if ty.is_dir() {
        let is_attachments = name.strip_suffix(b"/").unwrap_or(name) == ATTACHMENTS_DIR.as_bytes();
        return if is_attachments && size == 0 {
            Ok(Kind::AttachmentsDir)
        } else {
            Err("folders other than attachments/ are not allowed")
        };
    }
    if ty != tar::EntryType::Regular {
        return Err("only regular files are allowed");
    }
    if name == REPORT_NAME.as_bytes() {
        return Ok(Kind::Report);
    }
    if name.first() == Some(&b'/') {
        return Err("absolute paths are not allowed");
    }
    let Some(rest) = name
        .strip_prefix(ATTACHMENTS_DIR.as_bytes())
        .and_then(|r| r.strip_prefix(b"/"))
    else {
        return Err("only report.json and attachments/<name> are allowed");
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return Err("the name is not valid UTF-8");
    };
    // Hidden characters (a right-to-left override that shows "photo<RLO>gpj.exe" as
    // "photoexe.jpg") become `_`: the officer sees what the name really is, and the report is
    // not lost for its name.
    let rest = super::neutralise(rest);
    match name_problem(&rest) {
        Some(_) => Err("the attachment name is not a single safe file name"),
        None => Ok(Kind::Attachment(rest.into_owned())),
    }
}

/// The full entry path: ustar `prefix/name`, or just `name`, each cut at the first NUL.
fn entry_name(header: &tar::Header) -> Vec<u8> {
    fn cut(field: &[u8]) -> &[u8] {
        field.split(|b| *b == 0).next().unwrap_or_default()
    }
    let name = cut(&header.as_old().name);
    match header.as_ustar().map(|u| cut(&u.prefix)) {
        Some(prefix) if !prefix.is_empty() => [prefix, b"/", name].concat(),
        _ => name.to_vec(),
    }
}

/// Verifies the header checksum (unsigned sum, checksum field counted as spaces).
fn check_checksum(block: &[u8; BLOCK as usize], header: &tar::Header) -> Result<(), &'static str> {
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    match header.cksum() {
        Ok(c) if c == sum => Ok(()),
        _ => Err("the header checksum is wrong"),
    }
}

fn truncated() -> EnvelopeError {
    EnvelopeError::Malformed("the archive is truncated")
}

/// Reads until `buf` is full or the input ends; returns the number of bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, EnvelopeError> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(EnvelopeError::ReadCiphertext(e)),
        }
    }
    Ok(filled)
}

/// Copies exactly `size` bytes from `input` to `file`.
fn copy_exact<R: Read>(
    input: &mut R,
    file: &mut impl Write,
    size: u64,
    write_error: impl Fn(io::Error) -> EnvelopeError,
) -> Result<(), EnvelopeError> {
    // Large writes: fewer system calls when attachments are big.
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = size;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let chunk = buf.get_mut(..want).expect("want is at most buf.len()");
        let n = read_full(input, chunk)?;
        if n == 0 {
            return Err(truncated());
        }
        file.write_all(
            chunk
                .get(..n)
                .expect("read_full returns at most the chunk's length"),
        )
        .map_err(&write_error)?;
        left -= n as u64;
    }
    Ok(())
}

/// Reads the zero fill after an entry's data up to the next block boundary.
fn skip_block_padding<R: Read>(input: &mut R, size: u64) -> Result<(), EnvelopeError> {
    let pad = block_round(size).unwrap_or(size) - size;
    let mut buf = [0u8; BLOCK as usize];
    let chunk = buf
        .get_mut(..pad as usize)
        .expect("padding to a block boundary is shorter than a block");
    if read_full(input, chunk)? != chunk.len() {
        return Err(truncated());
    }
    if chunk.iter().any(|b| *b != 0) {
        return Err(EnvelopeError::Malformed(
            "an entry's block fill is not zero",
        ));
    }
    Ok(())
}

/// Checks that exactly `len` zero bytes follow, then the end of the input.
fn check_padding<R: Read>(input: &mut R, mut len: u64) -> Result<(), EnvelopeError> {
    let mut buf = vec![0u8; 64 * 1024];
    while len > 0 {
        let want = buf.len().min(usize::try_from(len).unwrap_or(usize::MAX));
        let chunk = buf.get_mut(..want).expect("want is at most buf.len()");
        let n = read_full(input, chunk)?;
        if n == 0 {
            return Err(EnvelopeError::Malformed(
                "the padding is shorter than the Padmé length",
            ));
        }
        let read = chunk
            .get(..n)
            .expect("read_full returns at most the chunk's length");
        if read.iter().any(|b| *b != 0) {
            return Err(EnvelopeError::Malformed(
                "non-zero bytes after the end of the archive",
            ));
        }
        len -= n as u64;
    }
    // Read to the real end, so the decryptor authenticates the last chunk.
    if read_full(input, &mut [0u8; 1])? != 0 {
        return Err(EnvelopeError::Malformed(
            "the padding is longer than the Padmé length",
        ));
    }
    Ok(())
}

/// Counts the bytes read through it.
pub(super) struct CountingReader<R> {
    pub(super) inner: R,
    pub(super) count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count = self.count.saturating_add(n as u64);
        Ok(n)
    }
}
