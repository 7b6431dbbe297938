//! The crate's own Rust sources, for the tests that hold the code to a rule across every file
//! (no table declared outside the registry, no `html!` capturing a variable).

use std::path::PathBuf;

/// Every `.rs` file under `src/`.
pub(crate) fn rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            panic!("cannot read {}", d.display());
        };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files
}
