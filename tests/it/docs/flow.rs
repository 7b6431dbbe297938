//! The throwaway network the documents are run against, and how one block is run on it.
//!
//! Every person of the guides has a home folder under one temporary root (the coordinator,
//! the operator — root on the server —, three officers, an auditor); the server's paths
//! (`/var/lib/approdo`, `/etc/approdo`, `/run/approdo`, …) live under the same root. A block's
//! text is changed only by the substitution table ([`Net::substitutions`]), then given to
//! `bash -e -o pipefail` with the person's `HOME`, `approdo` (the binary under test) first on
//! `PATH`, and two shims before it: `systemctl` (start/stop/restart of `approdo`: runs
//! `approdo serve --config …/approdo.toml` as the unit's `ExecStart=` does) and `chown` (the
//! test has no user `approdo`; it records what it was asked).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::blocks::Block;

/// Who runs a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// Someone trying the demo from a checkout.
    Demo,
    /// The network coordinator (offline machine: network.key, partners.toml).
    Coordinator,
    /// The server's administrator (root on the server).
    Operator,
    /// Officer 1, 2 or 3. Officer 1 follows the officer guide; its identity has a passphrase.
    Officer(u8),
    /// An auditor.
    Auditor,
}

/// The network under test.
pub struct Net {
    /// Temporary root: homes and the server's paths.
    pub root: PathBuf,
    _dir: tempfile::TempDir,
    /// Onion host (`….onion`) the relay answers for.
    pub onion: String,
    /// The relay's SOCKS5 port.
    pub relay_port: u16,
    /// Port the demo server of README.md / docs/operator.md listens on.
    pub demo_port: u16,
    /// The passphrase of officer 1's identity.
    pub passphrase: String,
    /// Today, as `date +%F` prints it (the backup file's name).
    pub today: String,
    /// Background `server` blocks, killed at the end.
    servers: Vec<Child>,
}

impl Net {
    /// Lays out the folders and the shims; starts the relay.
    pub fn new(bin: &Path) -> Net {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        for p in [
            "demo",
            "coordinator",
            "operator",
            "officer1",
            "officer2",
            "officer3",
            "auditor",
            "var/lib/tor/approdo",
            "etc/approdo",
            "run/approdo",
            "var/backups",
            "shims",
        ] {
            std::fs::create_dir_all(root.join(p)).expect("mkdir");
        }
        let onion = approdo::outreach::OnionAddress::from_public_key(&[7; 32]).to_string();
        std::fs::write(
            root.join("var/lib/tor/approdo/hostname"),
            format!("{onion}\n"),
        )
        .expect("hostname");
        let relay_port = super::relay::start(onion.clone(), root.join("run/approdo/approdo.sock"));
        let demo_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let today = String::from_utf8(
            Command::new("date")
                .arg("+%F")
                .output()
                .expect("date")
                .stdout,
        )
        .expect("utf-8")
        .trim()
        .to_owned();
        let net = Net {
            root,
            _dir: dir,
            onion,
            relay_port,
            demo_port,
            passphrase: "correct horse battery staple 7".into(),
            today,
            servers: Vec::new(),
        };
        net.write_shims(bin);
        net
    }

    fn write_shims(&self, bin: &Path) {
        let conf = self.root.join("var/lib/approdo/approdo.toml");
        let log = self.root.join("operator/approdo.service.log");
        let pid = self.root.join("run/approdo.pid");
        let systemctl = format!(
            r#"#!/usr/bin/env bash
# systemctl for the doc test: only `start|stop|restart approdo`, as ops/approdo.service runs it.
set -u
conf={conf:?}; log={log:?}; pid={pid:?}; bin={bin:?}
stop() {{
  [ -f "$pid" ] || return 0
  p=$(cat "$pid"); kill -TERM "$p" 2>/dev/null
  while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
  rm -f "$pid"
}}
start() {{
  : > "$log.now"
  "$bin" serve --config "$conf" > "$log.now" 2>&1 &
  echo $! > "$pid"
  while ! grep -q '^approdo serving' "$log.now"; do
    if ! kill -0 "$(cat "$pid")" 2>/dev/null; then
      cat "$log.now" >> "$log"; cat "$log.now" >&2; rm -f "$pid"
      echo "systemctl (doc test shim): approdo.service failed to start" >&2; exit 1
    fi
    sleep 0.05
  done
  cat "$log.now" >> "$log"
}}
[ "${{2:-}}" = approdo ] || {{ echo "systemctl shim: only approdo, not $*" >&2; exit 1; }}
case "$1" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  *) echo "systemctl shim: $1 not supported" >&2; exit 1 ;;
esac
"#
        );
        let chown = format!(
            "#!/usr/bin/env bash\n# chown for the doc test (no user approdo here): records the call.\necho \"chown $*\" >> {:?}\n",
            self.root.join("operator/chown.log")
        );
        for (name, text) in [("systemctl", systemctl), ("chown", chown)] {
            let p = self.root.join("shims").join(name);
            std::fs::write(&p, text).expect("shim");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }

    /// The home (and working folder) of `who`.
    pub fn home(&self, who: Who) -> PathBuf {
        self.root.join(match who {
            Who::Demo => "demo".to_owned(),
            Who::Coordinator => "coordinator".to_owned(),
            Who::Operator => "operator".to_owned(),
            Who::Officer(n) => format!("officer{n}"),
            Who::Auditor => "auditor".to_owned(),
        })
    }

    /// A path of the server (`/var/lib/approdo` → under the root).
    pub fn server_path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    /// Doc text → the test's values, in this order, each applied once.
    pub fn substitutions(&self) -> Vec<(String, String)> {
        let r = self.root.display().to_string();
        let mut s: Vec<(String, String)> = vec![
            (
                "cargo run --release -- serve --demo".into(),
                format!("approdo serve --demo --listen 127.0.0.1:{}", self.demo_port),
            ),
            ("cargo run --release --".into(), "approdo".into()),
            (
                "http://127.0.0.1:8080".into(),
                format!("http://127.0.0.1:{}", self.demo_port),
            ),
            ("<address>.onion".into(), self.onion.clone()),
            (
                "socks5h://127.0.0.1:9050".into(),
                format!("socks5h://127.0.0.1:{}", self.relay_port),
            ),
            ("2026-11-28".into(), self.today.clone()),
        ];
        for p in [
            "/var/lib/approdo",
            "/var/lib/tor/approdo",
            "/etc/approdo",
            "/run/approdo",
            "/var/backups/approdo",
        ] {
            s.push((p.into(), format!("{r}{p}")));
        }
        s
    }

    /// The block's text as the test runs it.
    pub fn substitute(&self, block: &Block, extra: &[(&str, String)]) -> String {
        let mut text = block.text.clone();
        let mut all: Vec<(String, String)> = extra
            .iter()
            .map(|(a, b)| ((*a).to_owned(), b.clone()))
            .collect();
        all.extend(self.substitutions());
        // Each key once, over the original text: a value is never substituted again.
        let mut marks = BTreeMap::new();
        for (i, (from, _)) in all.iter().enumerate() {
            let mark = format!("\u{1}{i}\u{1}");
            if text.contains(from.as_str()) {
                text = text.replace(from.as_str(), &mark);
                marks.insert(mark, i);
            }
        }
        for (mark, i) in marks {
            text = text.replace(&mark, &all[i].1);
        }
        text
    }

    fn command(&self, who: Who, bin: &Path, script: &str) -> Command {
        let home = self.home(who);
        let path = format!(
            "{}:{}:{}",
            self.root.join("shims").display(),
            bin.parent().expect("bin dir").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("bash");
        c.args(["-e", "-o", "pipefail", "-c", script])
            .current_dir(&home)
            .env("HOME", &home)
            .env("PATH", path)
            .env_remove("APPRODO_PASSPHRASE")
            .stdin(Stdio::null());
        if who == Who::Officer(1) {
            c.env("APPRODO_PASSPHRASE", &self.passphrase);
        }
        c
    }

    /// Runs `script` as `who`; `Ok(stdout)` or `Err(what went wrong, with both outputs)`.
    pub fn sh(&self, who: Who, bin: &Path, script: &str) -> Result<String, String> {
        let out = self.command(who, bin, script).output().expect("spawn bash");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "as {who:?}, exit {:?}:\n--- script\n{script}\n--- stdout\n{stdout}--- stderr\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Starts a `server` block in the background; returns once it prints `approdo serving`.
    /// Starts a block that keeps running; ready (and its first line returned) when it prints
    /// `approdo serving http…` (the server) or its local address (`approdo desk`).
    pub fn spawn_server(&mut self, who: Who, bin: &Path, script: &str) -> Result<String, String> {
        let mut child = self
            .command(who, bin, &format!("exec {}", script.trim()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn bash");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("approdo serving http") || line.starts_with("http://127.0.0.1:")
                {
                    let _ = tx.send(line);
                }
            }
        });
        let ready = rx.recv_timeout(Duration::from_secs(120));
        self.servers.push(child);
        if let Ok(line) = ready {
            Ok(line)
        } else {
            Err(format!(
                "as {who:?}: {script} did not print `approdo serving http…`"
            ))
        }
    }

    /// Stops the background servers (SIGKILL, as a closed terminal would end them).
    pub fn stop_servers(&mut self) {
        for mut c in self.servers.drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.stop_servers();
        let _ = Command::new(self.root.join("shims/systemctl"))
            .args(["stop", "approdo"])
            .status();
    }
}
