//! Hostile backup files: a v2 file with any byte changed — and its end record recomputed, so
//! the row checks are reached, not just the checksum — is refused or restored, never a panic
//! (redb would panic decoding a row of the wrong length or bad UTF-8), and what `verify_backup`
//! accepts `restore` restores to the same totals.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::{restore, verify_backup, MAGIC};
use crate::store::testing::two_chunk_report;

fn record(out: &mut Vec<u8>, tag: u8, fields: &[&[u8]]) {
    out.push(tag);
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
}

/// A v2 file's records (without the end record): a report with two chunks, a mailbox
/// partner (a key of fixed and variable parts), a log row.
fn body() -> (Vec<u8>, u64) {
    let meta = two_chunk_report(7);
    let id = 7u128.to_le_bytes();
    let chunk = |i: u32| [&id[..], &i.to_le_bytes()].concat();
    let partner = [&[3u8; 32][..], b"cav-milano"].concat();
    let zero = 0u64.to_le_bytes();
    let mut out = MAGIC.to_vec();
    let records: Vec<(u8, Vec<&[u8]>)> = vec![
        (b'S', vec![b"trust"]),
        (b'G', vec![b"directory.json", b"{}"]),
        (b'S', vec![b"reports"]),
        (b'G', vec![&id, &[]]),
        (b'S', vec![b"chunks"]),
        (b'G', vec![&[], b"abc"]),
        (b'G', vec![&[], b"def"]),
        (b'S', vec![b"mailbox_partners"]),
        (b'G', vec![&partner, &[1]]),
        (b'S', vec![b"log_by_report"]),
        (b'G', vec![&id, &zero]),
    ];
    let meta = serde_json::to_vec(&meta).unwrap();
    let (c0, c1) = (chunk(0), chunk(1));
    for (i, (tag, mut fields)) in records.into_iter().enumerate() {
        match i {
            3 => fields[1] = &meta,
            5 => fields[0] = &c0,
            6 => fields[0] = &c1,
            _ => {}
        }
        record(&mut out, tag, &fields);
    }
    (out, 11)
}

fn sealed(mut body: Vec<u8>, records: u64) -> Vec<u8> {
    let digest = Sha256::digest(&body);
    body.push(b'E');
    body.extend_from_slice(&records.to_le_bytes());
    body.extend_from_slice(&digest);
    body
}

#[test]
fn the_hand_built_file_restores() {
    let (b, n) = body();
    let file = sealed(b, n);
    let summary = verify_backup(file.as_slice()).unwrap();
    assert_eq!((summary.reports, summary.chunks, summary.bytes), (1, 2, 6));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(restore(file.as_slice(), dir.path()).unwrap(), summary);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_changed_byte_is_refused_or_restored_never_a_panic(at in 0usize..10_000, to in any::<u8>()) {
        let (mut b, n) = body();
        let at = MAGIC.len() + at % (b.len() - MAGIC.len());
        b[at] = to;
        let file = sealed(b, n);
        if let Ok(summary) = verify_backup(file.as_slice()) {
            let dir = tempfile::tempdir().unwrap();
            prop_assert_eq!(restore(file.as_slice(), dir.path()).unwrap(), summary);
        }
    }
}
