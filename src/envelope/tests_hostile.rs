//! Hostile archives built by hand: every one must be refused by
//! [`unpack()`], write nothing outside the output folder, and leave no
//! partial files inside it.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use tar::{EntryType, Header};

use super::*;

fn report() -> Vec<u8> {
    format!(r#"{{"schema":"{SCHEMA}"}}"#).into_bytes()
}

/// A ustar header with the name bytes written directly into the name field
/// (so `..`, absolute and non-UTF-8 names are possible).
fn header(name: &[u8], ty: EntryType, size: u64) -> Header {
    let mut h = Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_entry_type(ty);
    h.set_cksum();
    h
}

/// A hand-built tar stream.
#[derive(Default)]
struct Tar(Vec<u8>);

impl Tar {
    fn raw(mut self, h: &Header, data: &[u8]) -> Self {
        self.0.extend_from_slice(h.as_bytes());
        self.0.extend_from_slice(data);
        let fill = (512 - data.len() % 512) % 512;
        self.0.resize(self.0.len() + fill, 0);
        self
    }
    fn file(self, name: &[u8], data: &[u8]) -> Self {
        self.raw(&header(name, EntryType::Regular, data.len() as u64), data)
    }
    fn report(self) -> Self {
        self.file(b"report.json", &report())
    }
    /// A valid first attachment, so that refusal must also clean it up.
    fn start(self) -> Self {
        self.report().file(b"attachments/ok.txt", b"fine")
    }
    /// End-of-archive marker plus Padmé padding, like the packer.
    fn finish(mut self) -> Vec<u8> {
        self.0.resize(self.0.len() + 1024, 0);
        self.0.resize(padme(self.0.len() as u64) as usize, 0);
        self.0
    }
}

/// Unpacks into a new and into an existing empty folder; both must fail and
/// leave nothing behind. Returns the first error.
fn refused_with(tar: &[u8], limits: &Limits) -> EnvelopeError {
    let tmp = tempfile::tempdir().unwrap();
    let sandbox = tmp.path().join("sandbox");
    fs::create_dir(&sandbox).unwrap();
    let new_out = sandbox.join("out");
    let err = unpack(tar, &new_out, limits).unwrap_err();
    assert!(!new_out.exists(), "created folder left behind after: {err}");
    assert_eq!(fs::read_dir(&sandbox).unwrap().count(), 0, "wrote outside");

    let existing = sandbox.join("existing");
    fs::create_dir(&existing).unwrap();
    assert!(unpack(tar, &existing, limits).is_err());
    assert_eq!(fs::read_dir(&existing).unwrap().count(), 0, "partial files");
    assert_eq!(fs::read_dir(&sandbox).unwrap().count(), 1, "wrote outside");
    err
}

fn refused(tar: &[u8]) -> EnvelopeError {
    refused_with(tar, &Limits::default())
}

fn assert_unsafe(tar: &[u8]) {
    let err = refused(tar);
    assert!(matches!(err, EnvelopeError::UnsafeEntry { .. }), "{err:?}");
}

#[test]
fn the_baseline_is_accepted() {
    let tar = Tar::default().start().finish();
    let tmp = tempfile::tempdir().unwrap();
    let got = unpack(&tar[..], &tmp.path().join("out"), &Limits::default()).unwrap();
    assert_eq!(got.attachments, [("ok.txt".to_owned(), 4)]);
    // An explicit attachments/ folder entry is tolerated.
    let tar = Tar::default()
        .report()
        .raw(&header(b"attachments/", EntryType::Directory, 0), b"")
        .file(b"attachments/a", b"a")
        .finish();
    unpack(&tar[..], &tmp.path().join("out2"), &Limits::default()).unwrap();
}

#[test]
fn path_traversal_and_odd_names() {
    let names: &[&[u8]] = &[
        b"../evil",
        b"/etc/x",
        b"attachments/../../x",
        b"attachments/..",
        b"attachments/.",
        b"attachments/",
        b"attachments/a/b",
        b"attachments//a",
        b"attachments/a\\b",
        b"attachments\\a",
        b"attachments/\xff\xfe",
        b"attachments/a\x1bb",
        b"./report.json",
        b"other.txt",
        b"/attachments/a",
    ];
    for name in names {
        assert_unsafe(&Tar::default().start().file(name, b"evil").finish());
    }
    assert!(!Path::new("/etc/x").exists());
}

#[test]
fn disguised_names_are_unpacked_under_what_they_really_are() {
    // "photo<RLO>gpj.exe" displays as "photoexe.jpg": the officer gets "photo_gpj.exe".
    let tar = Tar::default()
        .report()
        .file("attachments/photo\u{202e}gpj.exe".as_bytes(), b"MZ")
        .file("attachments/a\u{200b}\u{2066}b".as_bytes(), b"x")
        .finish();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let got = unpack(&tar[..], &out, &Limits::default()).unwrap();
    let names: Vec<&str> = got.attachments.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["photo_gpj.exe", "a__b"]);
    assert!(out.join("attachments/photo_gpj.exe").is_file());
    for entry in fs::read_dir(out.join("attachments")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.chars().any(is_hidden_char), "{name:?}");
    }
}

#[test]
fn ustar_prefix_cannot_smuggle_traversal() {
    let mut h = header(b"x", EntryType::Regular, 4);
    h.as_ustar_mut().unwrap().prefix[..14].copy_from_slice(b"attachments/..");
    h.set_cksum();
    assert_unsafe(&Tar::default().start().raw(&h, b"evil").finish());
}

#[test]
fn links_devices_and_folders() {
    let mut symlink = header(b"attachments/link", EntryType::Symlink, 0);
    symlink.set_link_name_literal("/etc/passwd").unwrap();
    symlink.set_cksum();
    let mut hard = header(b"attachments/hard", EntryType::Link, 0);
    hard.set_link_name_literal("report.json").unwrap();
    hard.set_cksum();
    let mut chr = header(b"attachments/null", EntryType::Char, 0);
    chr.set_device_major(1).unwrap();
    chr.set_device_minor(3).unwrap();
    chr.set_cksum();
    let cases = [
        symlink,
        hard,
        chr,
        header(b"attachments/blk", EntryType::Block, 0),
        header(b"attachments/fifo", EntryType::Fifo, 0),
        header(b"attachments/sub/", EntryType::Directory, 0),
        header(b"sub/", EntryType::Directory, 0),
        header(b"attachments/sparse", EntryType::GNUSparse, 0),
        header(b"attachments/cont", EntryType::Continuous, 0),
        header(b"././@LongLink", EntryType::GNULongName, 0),
        header(b"pax", EntryType::XHeader, 0),
        header(b"paxg", EntryType::XGlobalHeader, 0),
    ];
    for h in &cases {
        assert_unsafe(&Tar::default().start().raw(h, b"").finish());
    }
}

#[test]
fn pax_header_renaming_is_refused() {
    // Built with tar::Builder: a long name makes it emit a GNU long-name entry.
    let mut b = tar::Builder::new(Vec::new());
    let r = report();
    let mut h = Header::new_gnu();
    h.set_size(r.len() as u64);
    h.set_mode(0o600);
    b.append_data(&mut h, "report.json", &r[..]).unwrap();
    let long = format!("attachments/{}", "x".repeat(120));
    b.append_data(&mut h.clone(), long, &b"data"[..]).unwrap();
    let plain = b.into_inner().unwrap();
    let mut tar = plain;
    tar.resize(padme(tar.len() as u64) as usize, 0);
    assert_unsafe(&tar);
}

#[test]
fn report_rules() {
    // Duplicate report.json.
    assert_unsafe(&Tar::default().start().report().finish());
    // Duplicate attachment.
    assert_unsafe(
        &Tar::default()
            .start()
            .file(b"attachments/ok.txt", b"2")
            .finish(),
    );
    // report.json not first.
    let err = refused(
        &Tar::default()
            .file(b"attachments/a", b"a")
            .report()
            .finish(),
    );
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err:?}");
    // Missing entirely (empty archive).
    let err = refused(&Tar::default().finish());
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err:?}");
    // Wrong schema, not JSON, not an object.
    for bad in [&b"{}"[..], b"not json", b"[]"] {
        refused(&Tar::default().file(b"report.json", bad).finish());
    }
    // Too large.
    let limits = Limits {
        max_report_json: 10,
        ..Limits::default()
    };
    let err = refused_with(&Tar::default().report().finish(), &limits);
    assert!(matches!(err, EnvelopeError::Limit { .. }), "{err:?}");
}

#[test]
fn tar_bomb_is_refused_before_writing() {
    let huge = header(b"attachments/bomb", EntryType::Regular, 1 << 40);
    let err = refused(&Tar::default().start().raw(&huge, b"").finish());
    assert!(matches!(err, EnvelopeError::Limit { .. }), "{err:?}");
    // Even with no size limit, the missing data is detected and cleaned up.
    let limits = Limits {
        max_total: u64::MAX,
        ..Limits::default()
    };
    refused_with(&Tar::default().start().raw(&huge, b"").finish(), &limits);
}

#[test]
fn too_many_entries() {
    let mut tar = Tar::default().report();
    for i in 0..1999 {
        tar = tar.file(format!("attachments/f{i}").as_bytes(), b"");
    }
    let err = refused(&tar.finish());
    assert!(matches!(err, EnvelopeError::Limit { .. }), "{err:?}");
}

#[test]
fn checksum_and_truncation() {
    let mut tar = Tar::default().start().finish();
    tar[1024 + 5] ^= 1; // name field of the second header
    assert_unsafe(&tar);
    let tar = Tar::default().start().finish();
    for cut in [100, 512, 1000, 1536, 2048] {
        refused(&tar[..cut]);
    }
}

#[test]
fn padding_must_be_exact_and_zero() {
    let good = Tar::default().start().finish();
    let mut nonzero = good.clone();
    *nonzero.last_mut().unwrap() = 1;
    let mut fill = good.clone();
    fill[512 + report().len()] = b'x'; // block fill after report.json
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 512]);
    let shorter = &good[..good.len() - 512];
    let mut one_zero_block = Tar::default().start().0;
    one_zero_block.extend_from_slice(&[0; 512]);
    for bad in [&nonzero[..], &fill, &longer, shorter, &one_zero_block] {
        let err = refused(bad);
        assert!(matches!(err, EnvelopeError::Malformed(_)), "{err:?}");
    }
}

#[test]
fn pre_existing_symlink_in_out_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("attachments")).unwrap();
    let tar = Tar::default().start().finish();
    let err = unpack(&tar[..], &out, &Limits::default()).unwrap_err();
    assert!(matches!(err, EnvelopeError::OutDir { .. }), "{err:?}");
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(!out.join("report.json").exists());
    // The symlink (not ours) is left alone.
    assert!(fs::symlink_metadata(out.join("attachments"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn messages_do_not_echo_archive_names() {
    let tar = Tar::default()
        .start()
        .file(b"attachments/SECRET\x1b[31m/x", b"")
        .finish();
    let msg = refused(&tar).to_string();
    assert!(!msg.contains("SECRET"), "{msg}");
}
