//! Disk faults: the data directory on a small real filesystem (a 48 MiB tmpfs) that fills up.
//! The server stays up and answers 507 with a clear message; what it acknowledged stays
//! intact; when space returns it accepts reports again; the audit passes throughout.

use std::path::Path;
use std::process::Command;

use crate::common::{self, TestServer};

/// A tmpfs of `mib` MiB mounted on a fresh folder; unmounted on drop. `None` (with a printed
/// reason) where mounting is not permitted; a failure instead in CI (`common::skip`).
struct SmallFs(tempfile::TempDir);

impl SmallFs {
    fn mount(mib: u32) -> Option<SmallFs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(SmallFs(dir))
        } else {
            common::skip("cannot mount a tmpfs here (needs root, as ops/test has in CI)");
            None
        }
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

fn report(i: usize) -> Vec<u8> {
    let attachment: Vec<u8> = (0..1_000_000u32)
        .map(|j| (j as usize * 31 + i) as u8)
        .collect();
    common::seal(
        "tratta-milano",
        &common::report_json(&format!("disk {i}")),
        &[("f.bin".into(), attachment)],
    )
}

#[test]
fn a_full_disk_answers_507_keeps_what_it_acknowledged_and_recovers() {
    let Some(fs) = SmallFs::mount(48) else { return };
    let data = fs.path().join("data");
    let server = TestServer::start_in(&data, &["--min-free-mib", "4"]);
    // Fill most of the filesystem with something that is not ours.
    let filler = fs.path().join("filler");
    std::fs::write(&filler, vec![0u8; 30 * 1024 * 1024]).unwrap();

    let mut stored = Vec::new();
    let mut refused = None;
    for i in 0..40 {
        let (status, json) = server.submit_raw("tratta-milano", &report(i));
        match status {
            201 => stored.push(json["id"].as_str().unwrap().to_owned()),
            507 => {
                refused = Some(json);
                break;
            }
            other => panic!("unexpected {other}: {json}"),
        }
    }
    let refused = refused.expect("the disk filled up");
    assert!(
        refused["error"].as_str().unwrap().contains("full"),
        "{refused}"
    );
    assert!(!stored.is_empty(), "some reports fit");
    // Still serving; still refusing while full; the mailbox and directory still answer.
    let (status, _) =
        common::status_json(ureq::get(&format!("{}/api/v1/directory", server.url)).call());
    assert_eq!(status, 200);
    assert_eq!(server.submit_raw("tratta-milano", &report(99)).0, 507);

    // Space returns: reports are accepted again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let (status, json) = server.submit_raw("tratta-milano", &report(100));
    assert_eq!(status, 201, "{json}");
    stored.push(json["id"].as_str().unwrap().to_owned());

    // Everything acknowledged pulls intact.
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) = server.pull("tratta-milano", out.path());
    assert!(ok, "{err}");
    for id in &stored {
        assert!(
            out.path().join(id).join("attachments/f.bin").is_file(),
            "{id} pulled"
        );
    }
    let _kept = server.stop();
    let (ok, stdout, err) = common::approdo(&["audit", "store", "--data", data.to_str().unwrap()]);
    assert!(ok, "{stdout}{err}");
}
