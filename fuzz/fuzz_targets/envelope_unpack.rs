//! The officer-side unpacker on arbitrary (already decrypted) envelopes: never panics, never
//! writes outside the output folder, and leaves nothing behind when it refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(root) = tempfile::tempdir() else {
        return;
    };
    let out = root.path().join("out");
    let limits = approdo::envelope::Limits {
        max_total: 1 << 20,
        max_entries: 64,
        max_report_json: 64 * 1024,
    };
    let result = approdo::envelope::unpack(data, &out, &limits);
    // Only `out` may exist in the root.
    let entries: Vec<_> = std::fs::read_dir(root.path())
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        entries.iter().all(|n| n == "out"),
        "wrote outside --out: {entries:?}"
    );
    if result.is_err() {
        let left = std::fs::read_dir(&out).map(|r| r.count()).unwrap_or(0);
        assert_eq!(left, 0, "a refused envelope left files");
    }
});
