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
    type Case = (&'static str, Box<dyn FnOnce(&mut Vec<u8>)>);
    let cases: Vec<Case> = vec![
        (
            "traversal",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"attachments/../../evil.txt",
                    tar::EntryType::Regular,
                    4,
                    b"evil",
                    b"",
                )
            }),
        ),
        (
            "dotdot",
            Box::new(|t| raw_entry(t, b"../evil.txt", tar::EntryType::Regular, 4, b"evil", b"")),
        ),
        (
            "absolute",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"/tmp/approdo-evil-absolute",
                    tar::EntryType::Regular,
                    4,
                    b"evil",
                    b"",
                )
            }),
        ),
        (
            "symlink",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"attachments/link",
                    tar::EntryType::Symlink,
                    0,
                    b"",
                    b"/etc/passwd",
                )
            }),
        ),
        (
            "hardlink",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"attachments/hard",
                    tar::EntryType::Link,
                    0,
                    b"",
                    b"report.json",
                )
            }),
        ),
        (
            "device",
            Box::new(|t| raw_entry(t, b"attachments/dev", tar::EntryType::Char, 0, b"", b"")),
        ),
        (
            "fifo",
            Box::new(|t| raw_entry(t, b"attachments/fifo", tar::EntryType::Fifo, 0, b"", b"")),
        ),
        (
            "huge",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"attachments/huge.bin",
                    tar::EntryType::Regular,
                    1 << 40,
                    b"x",
                    b"",
                )
            }),
        ),
        (
            "bad-utf8",
            Box::new(|t| {
                raw_entry(
                    t,
                    b"attachments/\xff\xfe.bin",
                    tar::EntryType::Regular,
                    1,
                    b"x",
                    b"",
                )
            }),
        ),
        (
            "outside-attachments",
            Box::new(|t| raw_entry(t, b"other/file.txt", tar::EntryType::Regular, 1, b"x", b"")),
        ),
        (
            "bomb",
            Box::new(|t| {
                for i in 0..20_000 {
                    raw_entry(
                        t,
                        format!("attachments/f{i}").as_bytes(),
                        tar::EntryType::Regular,
                        1,
                        b"x",
                        b"",
                    );
                }
            }),
        ),
    ];
    let n = cases.len();
    for (name, add) in cases {
        let (ok, said) = decrypt(&work, name, &envelope(add));
        assert!(!ok, "{name} was accepted: {said}");
        assert!(said.contains("error"), "{name}: a message: {said}");
        let out = work.join(format!("out-{name}"));
        let left = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "{name} left files in --out");
    }
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
