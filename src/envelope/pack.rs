//! Packing: report JSON plus attachments into the deterministic, Padmé-padded
//! ustar plaintext of an envelope.
//!
//! Layout: `report.json`, then `attachments/<name>` entries in the given
//! order, then two 512-byte zero blocks, then zeros up to `padme(len)`. Each
//! header is a plain ustar header (mode 0600, uid/gid 0, mtime 0, empty user
//! and group names); no PAX or GNU extension headers are ever written.

use std::collections::HashSet;
use std::io::{self, BufWriter, Read, Write};

use super::{
    checked_padme, name_problem, validate_report, EnvelopeError, Limits, ATTACHMENTS_DIR,
    REPORT_NAME,
};

/// Size of a tar block.
pub(crate) const BLOCK: u64 = 512;

/// Byte offset and length of the ustar `prefix` field inside a header block.
const PREFIX_OFFSET: usize = 345;
const PREFIX_LEN: usize = 155;

/// One attachment to pack, read from any reader with a known length (so large files stream).
pub struct AttachmentSource<'a> {
    /// File name inside `attachments/` (checked, see [`super::pack_to`]).
    pub name: String,
    /// Exact number of bytes `reader` will deliver.
    pub len: u64,
    /// Source of the content.
    pub reader: Box<dyn Read + 'a>,
}

/// `len` rounded up to a whole number of tar blocks.
pub(crate) fn block_round(len: u64) -> Option<u64> {
    len.checked_add(BLOCK - 1).map(|l| l / BLOCK * BLOCK)
}

/// Streams the padded tar into `out`.
///
/// Checks that `report_json` is a JSON object with `schema == SCHEMA`, that
/// every attachment name is usable and unique, and that the result stays
/// within [`Limits::default()`] (so the envelope can be unpacked). Returns the
/// total plaintext length written (a Padmé value).
pub fn pack_to<W: Write>(
    out: W,
    report_json: &[u8],
    attachments: Vec<AttachmentSource<'_>>,
) -> Result<u64, EnvelopeError> {
    validate_report(report_json)?;
    let limits = Limits::default();
    let report_len = report_json.len() as u64;
    if report_len > limits.max_report_json {
        return Err(EnvelopeError::Limit {
            what: "report.json size",
            limit: limits.max_report_json,
            hint: "shorten the report text",
        });
    }
    if attachments.len() >= limits.max_entries {
        return Err(EnvelopeError::Limit {
            what: "number of attachments",
            limit: limits.max_entries.saturating_sub(1) as u64,
            hint: "send fewer files, for example in a zip archive",
        });
    }

    let too_big = || EnvelopeError::Limit {
        what: "total size of the report and attachments",
        limit: limits.max_total,
        hint: "send fewer or smaller files",
    };
    let mut names = HashSet::new();
    let mut content_total = report_len;
    let mut tar_len = BLOCK
        .checked_add(block_round(report_len).ok_or_else(too_big)?)
        .ok_or_else(too_big)?;
    for (i, a) in attachments.iter().enumerate() {
        let index = i + 1;
        if let Some(reason) = name_problem(&a.name) {
            return Err(EnvelopeError::BadAttachmentName { index, reason });
        }
        if !names.insert(a.name.as_str()) {
            return Err(EnvelopeError::DuplicateAttachment { index });
        }
        content_total = content_total.checked_add(a.len).ok_or_else(too_big)?;
        tar_len = block_round(a.len)
            .and_then(|l| l.checked_add(BLOCK))
            .and_then(|l| l.checked_add(tar_len))
            .ok_or_else(too_big)?;
    }
    if content_total > limits.max_total {
        return Err(too_big());
    }
    tar_len = tar_len.checked_add(2 * BLOCK).ok_or_else(too_big)?;
    let padded = checked_padme(tar_len).ok_or_else(too_big)?;

    let mut w = BufWriter::with_capacity(64 * 1024, out);
    let header = entry_header(REPORT_NAME.as_bytes(), &[], report_len);
    w.write_all(header.as_bytes())
        .map_err(EnvelopeError::WriteOutput)?;
    w.write_all(report_json)
        .map_err(EnvelopeError::WriteOutput)?;
    write_zeros(&mut w, block_round(report_len).unwrap_or(0) - report_len)?;

    for (i, a) in attachments.into_iter().enumerate() {
        let index = i + 1;
        let full = format!("{ATTACHMENTS_DIR}/{}", a.name);
        let header = if full.len() <= 100 {
            entry_header(full.as_bytes(), &[], a.len)
        } else {
            entry_header(a.name.as_bytes(), ATTACHMENTS_DIR.as_bytes(), a.len)
        };
        w.write_all(header.as_bytes())
            .map_err(EnvelopeError::WriteOutput)?;
        copy_exact(a.reader, &mut w, a.len, index)?;
        write_zeros(&mut w, block_round(a.len).unwrap_or(0) - a.len)?;
    }
    write_zeros(&mut w, padded - (tar_len - 2 * BLOCK))?;
    w.flush().map_err(EnvelopeError::WriteOutput)?;
    Ok(padded)
}

/// Convenience: packs in memory.
pub fn pack(
    report_json: &[u8],
    attachments: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, EnvelopeError> {
    let sources = attachments
        .iter()
        .map(|(name, data)| AttachmentSource {
            name: name.clone(),
            len: data.len() as u64,
            reader: Box::new(&data[..]),
        })
        .collect();
    let mut out = Vec::new();
    pack_to(&mut out, report_json, sources)?;
    Ok(out)
}

/// A deterministic ustar header for a regular file. `name` must be at most
/// 100 bytes and `prefix` at most 155 bytes (checked by the callers).
fn entry_header(name: &[u8], prefix: &[u8], size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    put(&mut h.as_old_mut().name, name);
    if let Some(field) = h
        .as_mut_bytes()
        .get_mut(PREFIX_OFFSET..PREFIX_OFFSET + PREFIX_LEN)
    {
        put(field, prefix);
    }
    h.set_size(size);
    h.set_mode(0o600);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    h
}

/// Copies `src` into the start of `field` (left unchanged if it does not fit).
fn put(field: &mut [u8], src: &[u8]) {
    if let Some(dst) = field.get_mut(..src.len()) {
        dst.copy_from_slice(src);
    }
}

/// Writes `n` zero bytes.
fn write_zeros<W: Write>(w: &mut W, mut n: u64) -> Result<(), EnvelopeError> {
    const ZEROS: [u8; 8192] = [0; 8192];
    while n > 0 {
        let step = n.min(ZEROS.len() as u64);
        let chunk = ZEROS
            .get(..step as usize)
            .expect("step is at most ZEROS.len()");
        w.write_all(chunk).map_err(EnvelopeError::WriteOutput)?;
        n -= step;
    }
    Ok(())
}

/// Copies exactly `len` bytes from `reader`, failing if it has fewer or more.
fn copy_exact<W: Write>(
    reader: Box<dyn Read + '_>,
    w: &mut W,
    len: u64,
    index: usize,
) -> Result<(), EnvelopeError> {
    let mut limited = reader.take(len.saturating_add(1));
    let mut buf = vec![0u8; 64 * 1024];
    let mut copied = 0u64;
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(EnvelopeError::ReadAttachment { index, source }),
        };
        let next = copied.saturating_add(n as u64);
        if next > len {
            return Err(EnvelopeError::AttachmentLength {
                index,
                expected: len,
                actual: next,
            });
        }
        w.write_all(
            buf.get(..n)
                .expect("Read::read returns at most the buffer's length"),
        )
        .map_err(EnvelopeError::WriteOutput)?;
        copied = next;
    }
    if copied != len {
        return Err(EnvelopeError::AttachmentLength {
            index,
            expected: len,
            actual: copied,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::envelope::{padme, SCHEMA};

    fn report() -> Vec<u8> {
        format!(r#"{{"schema":"{SCHEMA}","text":"hello"}}"#).into_bytes()
    }

    #[test]
    fn deterministic_and_padded() {
        let atts = vec![
            ("a.txt".to_owned(), b"alpha".to_vec()),
            ("b.bin".to_owned(), vec![0xAB; 3000]),
        ];
        let one = pack(&report(), &atts).unwrap();
        let two = pack(&report(), &atts).unwrap();
        assert_eq!(one, two);
        let len = one.len() as u64;
        assert_eq!(padme(len), len);
        assert_eq!(len % BLOCK, 0);

        let mut archive = tar::Archive::new(&one[..]);
        let mut names = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            assert_eq!(h.entry_type(), tar::EntryType::Regular);
            assert_eq!(h.mode().unwrap(), 0o600);
            assert_eq!(h.mtime().unwrap(), 0);
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            assert!(h.as_ustar().is_some());
            names.push(String::from_utf8(h.path_bytes().into_owned()).unwrap());
        }
        assert_eq!(
            names,
            ["report.json", "attachments/a.txt", "attachments/b.bin"]
        );
    }

    #[test]
    fn long_names_use_the_ustar_prefix() {
        let name = "n".repeat(100);
        let packed = pack(&report(), &[(name.clone(), b"x".to_vec())]).unwrap();
        let mut archive = tar::Archive::new(&packed[..]);
        let paths: Vec<Vec<u8>> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().header().path_bytes().into_owned())
            .collect();
        assert_eq!(paths[1], format!("attachments/{name}").into_bytes());
    }

    #[test]
    fn bad_names_are_refused_with_position() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "a\0b",
            "a\tb",
            &"x".repeat(101),
        ] {
            let atts = vec![
                ("ok".to_owned(), vec![]),
                (bad.to_owned(), b"data".to_vec()),
            ];
            let err = pack(&report(), &atts).unwrap_err();
            assert!(
                matches!(err, EnvelopeError::BadAttachmentName { index: 2, .. }),
                "{bad:?}: {err}"
            );
            assert!(err.to_string().contains("rename"), "{err}");
        }
        let dup = vec![("x".to_owned(), vec![]), ("x".to_owned(), vec![1])];
        assert!(matches!(
            pack(&report(), &dup),
            Err(EnvelopeError::DuplicateAttachment { index: 2 })
        ));
    }

    #[test]
    fn report_is_validated() {
        assert!(matches!(
            pack(b"{}", &[]),
            Err(EnvelopeError::WrongSchema { .. })
        ));
        assert!(matches!(
            pack(b"nope", &[]),
            Err(EnvelopeError::InvalidReport(_))
        ));
        let big = format!(r#"{{"schema":"{SCHEMA}","t":"{}"}}"#, "a".repeat(1 << 20));
        assert!(matches!(
            pack(big.as_bytes(), &[]),
            Err(EnvelopeError::Limit { .. })
        ));
    }

    #[test]
    fn announced_length_must_match() {
        for (len, data) in [(10u64, &b"short"[..]), (2, &b"longer"[..])] {
            let src = AttachmentSource {
                name: "f".to_owned(),
                len,
                reader: Box::new(data),
            };
            let err = pack_to(Vec::new(), &report(), vec![src]).unwrap_err();
            assert!(
                matches!(err, EnvelopeError::AttachmentLength { index: 1, .. }),
                "{err}"
            );
        }
    }

    #[test]
    fn streams_from_a_file() {
        let mut file = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7) as u8).collect();
        file.write_all(&data).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let src = AttachmentSource {
            name: "big.bin".to_owned(),
            len: data.len() as u64,
            reader: Box::new(file),
        };
        let mut out = Vec::new();
        let n = pack_to(&mut out, &report(), vec![src]).unwrap();
        assert_eq!(n, out.len() as u64);
        let expected = pack(&report(), &[("big.bin".to_owned(), data)]).unwrap();
        assert_eq!(out, expected);
    }
}
