//! The onion service template (`ops/torrc`) with Debian's real `tor`, offline: tor accepts the
//! rendered file, creates the v3 onion address, and approdo answers on the unix socket tor
//! forwards to. Skips (saying so) only when `tor` is not installed, and fails instead in CI
//! (`common::skip`); ops/setup installs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// Kills and reaps a child process on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tor_installed() -> bool {
    Command::new("tor")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `ops/torrc` with the placeholders filled in, behind the options an offline test needs.
fn render_torrc(dir: &Path, hs_dir: &Path, socket: &Path) -> PathBuf {
    let template =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ops/torrc")).unwrap();
    assert!(template.contains("@HIDDEN_SERVICE_DIR@") && template.contains("@SOCKET@"));
    let data = dir.join("tor-data");
    for d in [&data, &hs_dir.to_owned()] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let text = format!(
        "DataDirectory {}\nSocksPort 0\nDisableNetwork 1\nLog notice stdout\n{}",
        data.display(),
        template
            .replace("@HIDDEN_SERVICE_DIR@", hs_dir.to_str().unwrap())
            .replace("@SOCKET@", socket.to_str().unwrap())
    );
    let path = dir.join("torrc");
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `approdo serve --demo` on a unix socket only; returns once it says it serves.
fn serve_on_socket(data: &Path, socket: &Path) -> Reaped {
    let mut child = common::command()
        .args(["serve", "--demo", "--data"])
        .arg(data)
        .arg("--unix-socket")
        .arg(socket)
        .arg("--proxy-protocol")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Reaped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep reading its output so the server never writes to a closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("approdo serving unix:") {
                let _ = tx.send(());
            }
        }
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "approdo did not start on the unix socket"
    );
    child
}

/// One HTTP/1.0 GET over the unix socket: (status line, body).
pub fn get_over_socket(socket: &Path, path: &str) -> (String, String) {
    let mut s = UnixStream::connect(socket).unwrap();
    // As tor sends it with `HiddenServiceExportCircuitID haproxy` (circuit 0x0001_0002).
    write!(s, "PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 65535 80\r\n").unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: approdo.onion\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn is_v3_onion(name: &str) -> bool {
    name.strip_suffix(".onion").is_some_and(|label| {
        label.len() == 56
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

#[test]
fn real_tor_creates_the_onion_service_and_approdo_answers_on_its_socket() {
    if !tor_installed() {
        common::skip("`tor` is not installed (apt-get install tor; ops/setup installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("approdo.sock");
    let hs_dir = dir.path().join("onion");
    let _server = serve_on_socket(&dir.path().join("data"), &socket);

    let torrc = render_torrc(dir.path(), &hs_dir, &socket);
    let verify = Command::new("tor")
        .args(["--verify-config", "-f"])
        .arg(&torrc)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "tor refuses the template: {}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let _tor = Reaped(
        Command::new("tor")
            .arg("-f")
            .arg(&torrc)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // tor writes the keys and the hostname at start, network or not: wait for the file.
    let hostname = hs_dir.join("hostname");
    let deadline = Instant::now() + Duration::from_secs(60);
    let name = loop {
        if let Ok(text) = std::fs::read_to_string(&hostname) {
            if text.ends_with('\n') {
                break text.trim().to_owned();
            }
        }
        assert!(
            Instant::now() < deadline,
            "tor did not create {} within 60 s",
            hostname.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(is_v3_onion(&name), "not a v3 onion address: {name:?}");
    assert!(hs_dir.join("hs_ed25519_secret_key").is_file());

    // The socket tor forwards to: approdo answers there.
    let (status, body) = get_over_socket(&socket, "/healthz");
    assert!(status.contains(" 200"), "{status}");
    assert!(body.contains("ok"), "{body}");
    let (status, body) = get_over_socket(&socket, "/api/v1/directory");
    assert!(status.contains(" 200"), "{status}");
    assert!(body.contains("\"partners\""), "{body}");
}

#[test]
fn onion_names_are_checked() {
    assert!(is_v3_onion(
        "rx3e5xktegsh2liwyx6srmu5nf3b7xnhmmrcsmftvokwu5eminmdk6id.onion"
    ));
    assert!(!is_v3_onion("example.onion"));
    assert!(!is_v3_onion(
        "RX3E5XKTEGSH2LIWYX6SRMU5NF3B7XNHMMRCSMFTVOKWU5EMINMDK6ID.onion"
    ));
}
