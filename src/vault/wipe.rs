//! Wiping: overwrite a file with zeros, sync, then remove it. On a journaling or copy-on-write
//! file system or an SSD this is best effort (the old blocks may survive elsewhere); full-disk
//! encryption is what protects a lost laptop (docs/security.md) — wiping shortens how long a
//! readable copy lingers.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Overwrites `path` with zeros, syncs it and removes it.
pub fn wipe_file(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_file() {
        let mut f = OpenOptions::new().write(true).open(path)?;
        let zeros = vec![0u8; 64 * 1024];
        let mut left = meta.len();
        while left > 0 {
            let n = usize::try_from(left).unwrap_or(usize::MAX).min(zeros.len());
            // A silent empty write here would leave the file unwiped.
            f.write_all(zeros.get(..n).expect("n is at most zeros.len()"))?;
            left -= n as u64;
        }
        f.sync_all()?;
    }
    fs::remove_file(path)
}

/// Wipes every file under `dir` (not following symbolic links), then removes the folders.
pub fn wipe_tree(dir: &Path) -> io::Result<u64> {
    let mut wiped = 0;
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        wipe_file(dir)?;
        return Ok(1);
    }
    for e in fs::read_dir(dir)? {
        let p = e?.path();
        if fs::symlink_metadata(&p)?.is_dir() {
            wiped += wipe_tree(&p)?;
        } else {
            wipe_file(&p)?;
            wiped += 1;
        }
    }
    fs::remove_dir(dir)?;
    Ok(wiped)
}
