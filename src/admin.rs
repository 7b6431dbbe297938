//! The admin socket: `DATA/admin.sock`, a unix socket inside the 0700 data directory, so only
//! the server's own user (and root) can reach it — never tor, which forwards to the public
//! socket. It answers one command per connection, a line of text:
//!
//! - `backup` → the `approdo.backup/v2` stream of a consistent snapshot (see
//!   `src/store/backup.rs` for the format); an error is sent as an `X`
//!   record with a message instead of the end record.
//! - `health` → one line of JSON, [`crate::health::Status`] (what `approdo health` prints).
//!
//! A running server holds redb's lock on its file, so this is how `approdo backup` reads a
//! live store without stopping it.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::health::{Health, Status};
use crate::store::{BackupError, Store};

/// The admin socket's file name in the data directory.
pub const SOCKET: &str = "admin.sock";

/// Errors of the admin socket.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The socket could not be created or reached.
    #[error("admin socket {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The backup itself failed.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// No server answers on the admin socket.
    #[error("no server answers on {0}: is approdo running? (`systemctl status approdo`; run this as root or as user approdo)")]
    NotRunning(PathBuf),
    /// The server's answer is not a health status.
    #[error("the server's answer on {path} is not a health status: {answer}")]
    Answer { path: PathBuf, answer: String },
}

/// Where the admin socket of `data` lives.
pub fn socket_path(data: &Path) -> PathBuf {
    data.join(SOCKET)
}

/// Binds `DATA/admin.sock` (0600; a stale file from a crash is replaced: the store's lock
/// already proves no other server uses this data directory).
pub fn bind(data: &Path) -> Result<std::os::unix::net::UnixListener, AdminError> {
    let path = socket_path(data);
    let err = |source| AdminError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
        _ => {}
    }
    let listener = std::os::unix::net::UnixListener::bind(&path).map_err(err)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    listener.set_nonblocking(true).map_err(err)?;
    Ok(listener)
}

/// Serves admin commands until the task is dropped (abort it before closing the store). Runs
/// on the server's runtime.
pub async fn serve(listener: std::os::unix::net::UnixListener, store: Store, health: Health) {
    let listener = match actix_web::rt::net::UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("approdo: admin socket: {e}");
            return;
        }
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let Ok(stream) = stream.into_std() else {
            continue;
        };
        let (store, health) = (store.clone(), health.clone());
        let runtime = tokio::runtime::Handle::current();
        actix_web::rt::task::spawn_blocking(move || {
            if let Err(e) = answer(stream, &store, &health, &runtime) {
                eprintln!("approdo: admin socket: {e}");
            }
        });
    }
}

fn answer(
    stream: UnixStream,
    store: &Store,
    health: &Health,
    runtime: &tokio::runtime::Handle,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut line = String::new();
    BufReader::new((&stream).take(64)).read_line(&mut line)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, &stream);
    match line.trim() {
        "backup" => match store.backup_blocking(&mut out) {
            Ok(_) => out.flush(),
            Err(e) => {
                let _ = write!(out, "X{e}");
                out.flush()?;
                Err(std::io::Error::other(format!("backup failed: {e}")))
            }
        },
        "health" => {
            let status = runtime.block_on(health.check());
            serde_json::to_writer(&mut out, &status).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
            out.flush()
        }
        other => {
            let _ = write!(
                out,
                "X unknown command {:?}",
                other.chars().take(32).collect::<String>()
            );
            out.flush()
        }
    }
}

/// Asks the server running on `data` for a backup and copies it to `out`. `Ok(None)` when no
/// server answers there (take an offline backup instead).
pub fn request_backup(data: &Path, out: &mut impl Write) -> Result<Option<u64>, AdminError> {
    let path = socket_path(data);
    let Some(mut stream) = connect(&path)? else {
        return Ok(None);
    };
    let err = |source| AdminError::Io {
        path: path.clone(),
        source,
    };
    stream.write_all(b"backup\n").map_err(err)?;
    let copied = std::io::copy(&mut stream, out).map_err(err)?;
    Ok(Some(copied))
}

/// Asks the server running on `data` for its health.
pub fn request_health(data: &Path) -> Result<Status, AdminError> {
    let path = socket_path(data);
    let err = |source| AdminError::Io {
        path: path.clone(),
        source,
    };
    let mut stream = connect(&path)?.ok_or_else(|| AdminError::NotRunning(path.clone()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(err)?;
    stream.write_all(b"health\n").map_err(err)?;
    let mut answer = String::new();
    BufReader::new((&stream).take(64 * 1024))
        .read_line(&mut answer)
        .map_err(err)?;
    serde_json::from_str(answer.trim()).map_err(|_| AdminError::Answer {
        path: path.clone(),
        answer: answer.chars().take(200).collect(),
    })
}

/// Connects to the admin socket at `path`; `None` when no server answers there.
fn connect(path: &Path) -> Result<Option<UnixStream>, AdminError> {
    match UnixStream::connect(path) {
        Ok(s) => Ok(Some(s)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(source) => Err(AdminError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}
