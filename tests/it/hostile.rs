//! Hostile envelopes at the officer's CLI: sealed to a real demo officer and opened with
//! `approdo decrypt`, each is refused with a message, writes nothing outside `--out` (and
//! nothing at all), while a good one is unpacked with files 0600 and folders 0700.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common;

/// A tar entry written with raw header fields (bypassing the tar crate's own path checks).
fn raw_entry(
    out: &mut Vec<u8>,
    name: &[u8],
    kind: tar::EntryType,
    size: u64,
    data: &[u8],
    link: &[u8],
) {
    let mut h = tar::Header::new_ustar();
    {
        let old = h.as_old_mut();
        old.name = [0; 100];
        old.name[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
        old.linkname = [0; 100];
        old.linkname[..link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    }
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
}

fn envelope(entries: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut tar = Vec::new();
    let report = common::report_json("hostile");
    raw_entry(
        &mut tar,
        b"report.json",
        tar::EntryType::Regular,
        report.len() as u64,
        &report,
        b"",
    );
    entries(&mut tar);
    tar.extend(std::iter::repeat_n(0u8, 1024));
    let padded = approdo::envelope::padme(tar.len() as u64) as usize;
    tar.resize(padded, 0);
    tar
}

fn decrypt(work: &Path, name: &str, plain: &[u8]) -> (bool, String) {
    let mut sealed = Vec::new();
    approdo::envelope::seal_to(&mut sealed, &common::recipients("tratta-milano"), plain).unwrap();
    let file = work.join(format!("{name}.age"));
    std::fs::write(&file, &sealed).unwrap();
    let identity = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("keys/demo/secret/tratta-milano-1.key");
    let out = work.join(format!("out-{name}"));
    let (ok, stdout, stderr) = common::approdo(&[
        "decrypt",
        "--identity",
        identity.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    (ok, format!("{stdout}{stderr}"))
}

#[test]
fn hostile_envelopes_are_refused_and_write_nothing_anywhere() {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    use tar::EntryType::{Char, Fifo, Link, Regular, Symlink};
    // name, path in the tar, type, declared size, data, link target, how many such entries.
    type Case = (
        &'static str,
        &'static [u8],
        tar::EntryType,
        u64,
        &'static [u8],
        &'static [u8],
        usize,
    );
    let cases: &[Case] = &[
        (
            "traversal",
            b"attachments/../../evil.txt",
            Regular,
            4,
            b"evil",
            b"",
            1,
        ),
        ("dotdot", b"../evil.txt", Regular, 4, b"evil", b"", 1),
        (
            "absolute",
            b"/tmp/approdo-evil-absolute",
            Regular,
            4,
            b"evil",
            b"",
            1,
        ),
        (
            "symlink",
            b"attachments/link",
            Symlink,
            0,
            b"",
            b"/etc/passwd",
            1,
        ),
        (
            "hardlink",
            b"attachments/hard",
            Link,
            0,
            b"",
            b"report.json",
            1,
        ),
        ("device", b"attachments/dev", Char, 0, b"", b"", 1),
        ("fifo", b"attachments/fifo", Fifo, 0, b"", b"", 1),
        (
            "huge",
            b"attachments/huge.bin",
            Regular,
            1 << 40,
            b"x",
            b"",
            1,
        ),
        (
            "bad-utf8",
            b"attachments/\xff\xfe.bin",
            Regular,
            1,
            b"x",
            b"",
            1,
        ),
        (
            "outside-attachments",
            b"other/file.txt",
            Regular,
            1,
            b"x",
            b"",
            1,
        ),
        // A tar bomb: more entries than any report has (each named apart).
        ("bomb", b"attachments/f", Regular, 1, b"x", b"", 20_000),
    ];
    for &(name, path, kind, size, data, link, count) in cases {
        let plain = envelope(|t| {
            for i in 0..count {
                let path = if count == 1 {
                    path.to_vec()
                } else {
                    [path, i.to_string().as_bytes()].concat()
                };
                raw_entry(t, &path, kind, size, data, link);
            }
        });
        let (ok, said) = decrypt(&work, name, &plain);
        assert!(!ok, "{name} was accepted: {said}");
        assert!(said.contains("error"), "{name}: a message: {said}");
        let out = work.join(format!("out-{name}"));
        let left = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "{name} left files in --out");
    }
    let n = cases.len();
    // Nothing anywhere but the inputs and (empty or absent) output folders.
    assert!(!Path::new("/tmp/approdo-evil-absolute").exists());
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        1,
        "nothing beside work/"
    );
    for e in std::fs::read_dir(&work).unwrap().flatten() {
        let name = e.file_name().into_string().unwrap();
        assert!(
            name.ends_with(".age") || name.starts_with("out-"),
            "unexpected {name}"
        );
    }
    assert!(!work.join("evil.txt").exists() && !root.path().join("evil.txt").exists());

    // A good envelope: files 0600, folders 0700.
    let plain = approdo::envelope::pack(
        &common::report_json("good"),
        &[("a.txt".into(), b"hello".to_vec())],
    )
    .unwrap();
    let (ok, said) = decrypt(&work, "good", &plain);
    assert!(ok, "{said}");
    let out = work.join("out-good");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out.join("report.json")), 0o600);
    assert_eq!(mode(&out.join("attachments/a.txt")), 0o600);
    assert_eq!(mode(&out.join("attachments")), 0o700);
    eprintln!("hostile: {n} envelopes refused, nothing written");
}
