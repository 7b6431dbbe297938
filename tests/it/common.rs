//! Shared test helpers: a real `approdo serve --demo` process on port 0, officer logins with
//! the demo identities, sealing with the library and with Go `age`, raw byte scans.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use approdo::client::Client;
use approdo::keys::{demo, OfficerIdentity};

/// The `approdo` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_approdo"))
}

/// A running server. Killed (SIGKILL) and reaped on drop; the data directory survives if it
/// was given by the caller.
pub struct TestServer {
    pub url: String,
    pub data: PathBuf,
    child: Child,
    _own_dir: Option<tempfile::TempDir>,
    pub stderr_path: PathBuf,
}

impl TestServer {
    /// A demo server in a fresh temporary data directory.
    pub fn start(extra: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let mut s = Self::start_in(&data, extra);
        s._own_dir = Some(dir);
        s
    }

    /// A demo server on `data` (which may hold an earlier server's store).
    pub fn start_in(data: &Path, extra: &[&str]) -> TestServer {
        let mut args = vec!["serve", "--demo", "--listen", "127.0.0.1:0", "--data"];
        args.push(data.to_str().expect("utf-8 path"));
        args.extend_from_slice(extra);
        Self::start_args(data, &args)
    }

    /// `approdo ARGS…` (a `serve` command line that listens on TCP), its output kept beside
    /// `data` like [`TestServer::start_in`]'s.
    pub fn start_args(data: &Path, args: &[&str]) -> TestServer {
        std::fs::create_dir_all(data).expect("data dir");
        let stderr_path = data.with_extension("stderr");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr_path)
            .expect("stderr file");
        let mut child = command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn approdo serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let log = data.with_extension("stdout");
        std::thread::spawn(move || {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("stdout log");
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = writeln!(file, "{line}");
                if let Some(url) = line.strip_prefix("approdo serving http") {
                    let url = format!("http{url}");
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "server did not start: {}",
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
        };
        TestServer {
            url,
            data: data.to_owned(),
            child,
            _own_dir: None,
            stderr_path,
        }
    }

    /// SIGTERM, then waits: a clean shutdown (the store is closed properly). Returns the
    /// server's own temporary folder, if it made one, so its data outlives the server.
    #[must_use = "the data directory is removed when the returned folder is dropped"]
    pub fn stop(mut self) -> Option<tempfile::TempDir> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        self._own_dir.take()
    }

    /// SIGKILL, like a crash or power cut for the process.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's process id (to send it a signal).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the process has exited (after a signal sent with [`TestServer::pid`]).
    pub fn wait_exit(&mut self) {
        let _ = self.child.wait();
    }

    /// Everything the server wrote: stdout and stderr.
    pub fn output(&self) -> Vec<u8> {
        let mut out = std::fs::read(self.data.with_extension("stdout")).unwrap_or_default();
        out.extend(std::fs::read(&self.stderr_path).unwrap_or_default());
        out
    }

    /// An identity file of the demo partner.
    pub fn identity_file(&self, partner: &str) -> PathBuf {
        self.data.join("demo").join(format!("{partner}.key"))
    }

    /// Runs `approdo pull` as the first demo officer of `partner` into `out`.
    pub fn pull(&self, partner: &str, out: &Path) -> (bool, String, String) {
        approdo(&[
            "pull",
            "--server",
            &self.url,
            "--identity",
            self.identity_file(partner).to_str().expect("utf-8 path"),
            "--out",
            out.to_str().expect("utf-8 path"),
        ])
    }

    /// A logged-in officer client of `partner`.
    pub fn officer(&self, partner: &str) -> Client {
        let ids = OfficerIdentity::read_all(&self.identity_file(partner), || {
            panic!("demo keys are clear")
        })
        .expect("identity");
        let mut c = Client::new(&self.url, None).expect("client");
        let p = c.login(&ids).expect("login");
        assert_eq!(p, partner);
        c
    }

    /// POST raw bytes as a submission, with a solved proof of work; returns (status, JSON body).
    pub fn submit_raw(&self, partner: &str, body: &[u8]) -> (u16, serde_json::Value) {
        let resp = ureq::post(&format!(
            "{}/api/v1/submissions?partner={partner}",
            self.url
        ))
        .set(POW_HEADER, &pow(&self.url))
        .send_bytes(body);
        status_json(resp)
    }

    /// [`TestServer::submit_raw`] bound to the mailbox (64 hex digits) the report asks replies
    /// in, as the page sends it.
    pub fn submit_bound(
        &self,
        partner: &str,
        body: &[u8],
        mailbox: &str,
    ) -> (u16, serde_json::Value) {
        let resp = ureq::post(&format!(
            "{}/api/v1/submissions?partner={partner}",
            self.url
        ))
        .set(POW_HEADER, &pow(&self.url))
        .set(BINDING_HEADER, &binding(mailbox))
        .send_bytes(body);
        status_json(resp)
    }
}

/// The mailbox-binding header (`approdo::reply::binding`).
pub const BINDING_HEADER: &str = approdo::reply::binding::HEADER;

/// A fresh binding of `mailbox` (64 hex digits) for [`BINDING_HEADER`].
pub fn binding(mailbox: &str) -> String {
    approdo::reply::MailboxBinding::for_hex(mailbox)
        .expect("a mailbox id")
        .to_string()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (status, JSON) of any ureq result.
pub fn status_json(resp: Result<ureq::Response, ureq::Error>) -> (u16, serde_json::Value) {
    match resp {
        Ok(r) => {
            let s = r.status();
            (s, r.into_json().unwrap_or(serde_json::Value::Null))
        }
        Err(ureq::Error::Status(s, r)) => (s, r.into_json().unwrap_or(serde_json::Value::Null)),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// The demo partner's recipients.
pub fn recipients(partner: &str) -> Vec<approdo::agekeys::Recipient> {
    demo::directory()
        .expect("demo directory")
        .directory()
        .partner(partner)
        .expect("partner")
        .age_recipients()
        .expect("recipients")
}

/// A report.json with a marker in its description.
pub fn report_json(marker: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schema": "approdo.report/v1",
        "language": "it",
        "safe_now": "not sure",
        "description": marker,
    }))
    .expect("json")
}

/// Packs and seals an envelope to a demo partner with the library.
pub fn seal(partner: &str, report: &[u8], attachments: &[(String, Vec<u8>)]) -> Vec<u8> {
    let plain = approdo::envelope::pack(report, attachments).expect("pack");
    let mut out = Vec::new();
    approdo::envelope::seal_to(&mut out, &recipients(partner), plain.as_slice()).expect("seal");
    out
}

/// True when the suite runs in CI (`CI` set to anything but `false`/`0`/empty; `.ci/run` sets
/// `CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "false" | "0"))
}

/// A test that cannot run on this machine (a missing tool, no permission to mount) says why
/// and returns; in CI, which installs everything (`ops/setup`) and runs as root, the same
/// skip is a failure, so a suite cannot pass there by skipping.
pub fn skip(reason: &str) {
    assert!(
        !in_ci(),
        "a test was skipped under CI={}: {reason}",
        std::env::var("CI").unwrap_or_default()
    );
    eprintln!("SKIPPED: {reason}");
}

/// Path of Debian's Go `age`, or a clear failure.
pub fn go_age() -> &'static str {
    let ok = Command::new("age")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the Go reference `age` is needed: apt-get install age (ops/test installs it)"
    );
    "age"
}

/// Counts occurrences of `needle` in every file under `dir` (raw bytes).
pub fn scan(dir: &Path, needle: &[u8]) -> usize {
    let mut hits = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(mut f) = std::fs::File::open(&p) {
                let mut bytes = Vec::new();
                let _ = f.read_to_end(&mut bytes);
                hits += bytes.windows(needle.len()).filter(|w| *w == needle).count();
            }
        }
    }
    hits
}

/// The CLI's state directory for this test run (directory version floors), so tests never
/// read or write the user's own (`APPRODO_STATE_DIR`).
pub fn state_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("state tempdir"))
        .path()
}

/// `approdo` as a command, with the test run's state directory.
pub fn command() -> Command {
    let mut c = Command::new(bin());
    c.env("APPRODO_STATE_DIR", state_dir());
    c
}

/// Runs the approdo CLI; returns (success, stdout, stderr).
pub fn approdo(args: &[&str]) -> (bool, String, String) {
    let out = command().args(args).output().expect("run approdo");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies the server's redb file into a fresh folder (for offline audits of a live store).
pub fn copy_store(data: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data.join("approdo.redb"), dir.path().join("approdo.redb")).expect("copy store");
    dir
}

/// The proof-of-work header every anonymous write sends.
pub const POW_HEADER: &str = approdo::http::pow::HEADER;

/// A solved proof of work for an anonymous write on `url` at its current price (the header's
/// value; any value when the server asks none).
pub fn pow(url: &str) -> String {
    try_pow(url).expect("a proof-of-work challenge")
}

/// The same, `None` if the server does not answer (it may have been killed).
pub fn try_pow(url: &str) -> Option<String> {
    let answer: serde_json::Value = ureq::get(&format!("{url}/api/v1/pow"))
        .call()
        .ok()?
        .into_json()
        .ok()?;
    let challenge = answer["challenge"].as_str()?.to_owned();
    let bits = answer["bits"].as_u64()? as u32;
    Some(format!(
        "{challenge}:{}",
        approdo::http::pow::solve(&challenge, bits)
    ))
}

/// `approdo init` of a real network whose files are in `net` (directory.json, its .sig,
/// network.pub), serving from `net/data`, with `extra` flags; returns (success, stdout, stderr).
pub fn init(net: &Path, extra: &[&str]) -> (bool, String, String) {
    let (data, dir, key) = (
        net.join("data"),
        net.join("directory.json"),
        net.join("network.pub"),
    );
    let mut args = vec!["init", "--data", path_str(&data), "--directory"];
    args.extend([path_str(&dir), "--network-key", path_str(&key)]);
    args.extend_from_slice(extra);
    approdo(&args)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
