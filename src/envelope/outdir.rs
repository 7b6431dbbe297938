//! The output folder of [`super::unpack()`]: checks that it is new or empty,
//! creates files (`create_new`, mode 0600) and folders (mode 0700) without
//! following pre-existing paths, and remembers everything it created so that
//! a failed unpack can remove it again.
//!
//! Without `openat`-style APIs a local attacker who can write into the output
//! folder while we unpack could still race us; a folder we create is 0700, so
//! only its owner can.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{EnvelopeError, ATTACHMENTS_DIR, REPORT_NAME};

/// The output folder, and everything this call created in it (for clean-up).
pub(crate) struct Output {
    root: PathBuf,
    created_root: bool,
    attachments: Option<PathBuf>,
    files: Vec<PathBuf>,
}

impl Output {
    /// Accepts an empty existing folder (not a symlink) or creates a new one (0700).
    pub(crate) fn prepare(root: &Path) -> Result<Self, EnvelopeError> {
        let refuse = |reason| EnvelopeError::OutDir {
            path: root.to_path_buf(),
            reason,
        };
        let created_root = match fs::symlink_metadata(root) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse("it is a symbolic link"))
            }
            Ok(meta) if !meta.is_dir() => return Err(refuse("it exists and is not a folder")),
            Ok(_) => {
                let mut entries = fs::read_dir(root).map_err(|_| refuse("it cannot be read"))?;
                if entries.next().is_some() {
                    return Err(refuse("it is not empty"));
                }
                false
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                DirBuilder::new()
                    .mode(0o700)
                    .create(root)
                    .map_err(|_| refuse("it cannot be created (does its parent folder exist?)"))?;
                true
            }
            Err(_) => return Err(refuse("it cannot be inspected")),
        };
        Ok(Self {
            root: root.to_path_buf(),
            created_root,
            attachments: None,
            files: Vec::new(),
        })
    }

    pub(crate) fn write_error(&self, what: String, source: io::Error) -> EnvelopeError {
        EnvelopeError::WriteFile {
            dir: self.root.clone(),
            what,
            source,
        }
    }

    /// Creates `attachments/` (0700) once; refuses anything already there.
    pub(crate) fn attachments_dir(&mut self) -> Result<PathBuf, EnvelopeError> {
        if let Some(dir) = &self.attachments {
            return Ok(dir.clone());
        }
        let dir = self.root.join(ATTACHMENTS_DIR);
        if fs::symlink_metadata(&dir).is_ok() {
            return Err(EnvelopeError::OutDir {
                path: self.root.clone(),
                reason: "something named attachments already exists in it",
            });
        }
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| self.write_error(format!("the {ATTACHMENTS_DIR} folder"), e))?;
        self.attachments = Some(dir.clone());
        Ok(dir)
    }

    /// Creates `report.json` (`None`) or `attachments/<name>` new, mode 0600.
    pub(crate) fn create_file(&mut self, attachment: Option<&str>) -> Result<File, EnvelopeError> {
        let (path, what) = match attachment {
            None => (self.root.join(REPORT_NAME), REPORT_NAME.to_owned()),
            Some(name) => (
                self.attachments_dir()?.join(name),
                format!("attachment {}", self.files.len()),
            ),
        };
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| self.write_error(what, e))?;
        self.files.push(path);
        Ok(file)
    }

    /// Best-effort removal of everything this call created.
    pub(crate) fn clean_up(&mut self) {
        for file in self.files.drain(..).rev() {
            let _ = fs::remove_file(file);
        }
        if let Some(dir) = self.attachments.take() {
            let _ = fs::remove_dir(dir);
        }
        if self.created_root {
            let _ = fs::remove_dir(&self.root);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn refuses_attachments_symlink_created_after_the_check() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let mut out = Output::prepare(&root).unwrap();
        assert_eq!(
            fs::metadata(&root).unwrap().permissions().mode() & 0o777,
            0o700
        );
        // Simulates a race: the symlink appears after the emptiness check.
        std::os::unix::fs::symlink(&elsewhere, root.join("attachments")).unwrap();
        assert!(matches!(
            out.create_file(Some("x")),
            Err(EnvelopeError::OutDir { .. })
        ));
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
        // A pre-existing report.json (or symlink) is never opened.
        std::os::unix::fs::symlink(elsewhere.join("r"), root.join("report.json")).unwrap();
        assert!(out.create_file(None).is_err());
        assert!(!elsewhere.join("r").exists());
    }

    #[test]
    fn refuses_unusable_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(tmp.path(), &link).unwrap();
        let missing_parent = tmp.path().join("no/such/dir");
        for root in [&file, &link, &missing_parent, &tmp.path().to_path_buf()] {
            assert!(
                matches!(Output::prepare(root), Err(EnvelopeError::OutDir { .. })),
                "{}",
                root.display()
            );
        }
    }
}
