//! `approdo desk`: one officer's inbox, served to her own browser on the loopback interface.
//!
//! Invariants:
//!
//! * it listens on a loopback address only, and every request must carry the random per-run
//!   token as the first path segment (`http://127.0.0.1:PORT/TOKEN/`): anything else is `403`,
//!   before any handler runs ([`routes::gate`]);
//! * pages are plain server-rendered HTML under the site's strict CSP (a stylesheet and one
//!   small optional script for desktop notifications, both served by the desk itself, nothing
//!   third-party), `no-store`, `no-referrer`; every page works without the script;
//! * reports stay sealed in the [`crate::vault`]: a page opens one in memory to show it, and an
//!   attachment is decrypted only when asked for, served as a download
//!   (`Content-Disposition: attachment`) — nothing is written to disk in the clear;
//! * the identity is unlocked once, when the desk starts, and kept in memory until it stops;
//! * the desk works offline against the vault; online it syncs at start and on request, and
//!   replies through the same code as `approdo reply`.

mod answer;
mod cases;
mod needs;
mod pages;
mod routes;
mod share;

use std::net::SocketAddr;
use std::sync::Mutex;

use crate::client::Client;
use crate::keys::OfficerIdentity;
use crate::vault::{Index, SyncOptions, Vault};

pub use routes::{configure, gate};

/// Why the desk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// `--listen` is not a loopback address.
    #[error("the desk listens on the loopback interface only (127.0.0.1 or ::1), not {0}")]
    NotLoopback(SocketAddr),
    /// The vault could not be opened.
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
}

/// Where the server is, for syncs and replies.
#[derive(Clone, Debug)]
pub struct Remote {
    /// Its URL.
    pub server: String,
    /// A SOCKS proxy (tor) for an onion address.
    pub proxy: Option<String>,
}

/// One desk run: the token, the unlocked identity, the vault and its opened index.
pub struct Desk {
    token: String,
    vault: Vault,
    ids: Vec<OfficerIdentity>,
    index: Mutex<Index>,
    remote: Remote,
    client: Mutex<Option<Client>>,
    status: Mutex<String>,
    opts: SyncOptions,
    network_key: crate::keys::NetworkPublicKey,
    directory: Mutex<Option<crate::keys::Directory>>,
    name: String,
    /// Each report's case status and who set it, as the last sync (or page) found them; in
    /// memory only.
    statuses:
        Mutex<std::collections::BTreeMap<crate::model::ReportId, (crate::case::Status, String)>>,
    /// The day of each report's latest appointment not closed (`YYYY-MM-DD`), in memory only.
    appointments: Mutex<std::collections::BTreeMap<crate::model::ReportId, String>>,
    /// Reports whose case listing showed a withheld, replayed or reordered record, with the
    /// warnings (in memory; the heads behind them are in the vault's index).
    anomalies: Mutex<std::collections::BTreeMap<crate::model::ReportId, Vec<String>>>,
    /// Hours a report may wait with no status before "Needs you" lists it.
    needs_hours: u64,
    /// Seconds between the page's polls of `needs.json` once notifications are on.
    poll_seconds: u64,
    /// Share "read" with her the first time a report is opened (`--share-read`).
    share_read: bool,
    /// Whether the last exchange with the server worked: offline, report pages do not wait on
    /// the server for the case (Sync tries again).
    online: std::sync::atomic::AtomicBool,
    /// The reply and case forms already posted, by the one-time value each report page puts
    /// in them: the reply's id once sent, "filed" for a case record (`None` while being
    /// sent). A reload of the answer page or a second click sends nothing more. In memory.
    posted: Mutex<std::collections::HashMap<String, Option<String>>>,
}

/// What became of an earlier post of the same form ([`Desk::first_post`]).
pub(super) enum Posted {
    /// First time: the caller sends, then [`Desk::settle`]s.
    First,
    /// Sent already (what it sent) or being sent (`None`).
    Again(Option<String>),
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Desk(<redacted>)")
    }
}

impl Desk {
    /// A desk over `vault` (its index opened with `ids`), with a fresh random token. Case
    /// records are checked against the directory `network_key` signs, and signed `name`.
    pub fn new(
        vault: Vault,
        ids: Vec<OfficerIdentity>,
        remote: Remote,
        retention_days: u32,
        network_key: crate::keys::NetworkPublicKey,
        name: String,
    ) -> Result<Self, DeskError> {
        let index = vault.load_index(&ids)?;
        Ok(Desk {
            token: hex::encode(rand::random::<[u8; 32]>()),
            vault,
            ids,
            index: Mutex::new(index),
            remote,
            client: Mutex::new(None),
            status: Mutex::new("not synced yet: the inbox shows the vault".into()),
            opts: SyncOptions {
                ack: true,
                retention_days,
            },
            network_key,
            directory: Mutex::new(None),
            name,
            statuses: Mutex::new(std::collections::BTreeMap::new()),
            anomalies: Mutex::new(std::collections::BTreeMap::new()),
            appointments: Mutex::new(std::collections::BTreeMap::new()),
            online: std::sync::atomic::AtomicBool::new(true),
            posted: Mutex::new(std::collections::HashMap::new()),
            needs_hours: 24,
            poll_seconds: 60,
            share_read: false,
        })
    }

    /// Records that the form with the one-time value `once` is being sent, unless it was
    /// already (see `posted`). A form without one is always a first post.
    pub(super) fn first_post(&self, once: &str) -> Posted {
        if once.is_empty() {
            return Posted::First;
        }
        let mut posted = self.posted.lock().unwrap_or_else(|p| p.into_inner());
        match posted.get(once) {
            Some(sent) => Posted::Again(sent.clone()),
            None => {
                posted.insert(once.to_owned(), None);
                Posted::First
            }
        }
    }

    /// Records what the post of `once` sent (a reply's id, "filed"); or forgets `once` if
    /// nothing was sent, so the same form can be tried again.
    pub(super) fn settle(&self, once: &str, sent: Option<&str>) {
        if once.is_empty() {
            return;
        }
        let mut posted = self.posted.lock().unwrap_or_else(|p| p.into_inner());
        match sent {
            Some(what) => posted.insert(once.to_owned(), Some(what.to_owned())),
            None => posted.remove(once),
        };
    }

    /// Shares "read" with her when a report is first opened (`--share-read`).
    pub fn with_share_read(mut self, on: bool) -> Self {
        self.share_read = on;
        self
    }

    /// Sets the hours a report may wait untaken before "Needs you" lists it, and how often the
    /// page asks for news once notifications are on.
    pub fn with_needs(mut self, hours: u64, poll_seconds: u64) -> Self {
        self.needs_hours = hours;
        self.poll_seconds = poll_seconds.max(1);
        self
    }

    /// The per-run token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Checks that `addr` is a loopback address.
    pub fn check_listen(addr: SocketAddr) -> Result<(), DeskError> {
        if addr.ip().is_loopback() {
            Ok(())
        } else {
            Err(DeskError::NotLoopback(addr))
        }
    }

    fn set_status(&self, s: String) {
        if let Ok(mut g) = self.status.lock() {
            *g = s;
        }
    }

    /// The last sync's outcome, for the inbox.
    pub fn status(&self) -> String {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Runs `op` with a logged-in client (logging in first if needed).
    fn with_client<T>(
        &self,
        op: impl FnOnce(&mut Client) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut guard = self.client.lock().map_err(|_| "the desk is stopping")?;
        if guard.is_none() {
            let mut c = Client::new(&self.remote.server, self.remote.proxy.as_deref())
                .map_err(|e| e.to_string())?;
            c.login(&self.ids).map_err(|e| e.to_string())?;
            *guard = Some(c);
        }
        match guard.as_mut() {
            Some(c) => op(c),
            None => Err("not logged in".into()),
        }
    }

    /// Replaces the index with a synced one, keeping the case heads filed meanwhile (a report
    /// gone takes its own).
    fn keep_index(&self, mut index: crate::vault::Index) {
        let Ok(mut g) = self.index.lock() else {
            return;
        };
        index.case_heads = std::mem::take(&mut g.case_heads);
        let before = index.case_heads.len();
        let crate::vault::Index {
            reports,
            case_heads,
            ..
        } = &mut index;
        case_heads.retain(|id, _| reports.contains_key(id));
        if index.case_heads.len() != before {
            let _ = self.vault.save_index(&index, &self.ids);
        }
        *g = index;
    }

    /// Syncs the vault with the server (blocking: call off the async workers); on failure the
    /// desk keeps working on the vault and says so.
    pub fn sync(&self) {
        // The index is read under the client's lock, which one sync holds at a time (the Sync
        // button and the periodic sync do not fetch the same reports twice).
        let result = self.with_client(|c| {
            let mut index = self
                .index
                .lock()
                .map(|i| i.clone())
                .map_err(|_| "the desk is stopping")?;
            let s = crate::vault::sync(&self.vault, &mut index, c, &self.ids, &self.opts)
                .map_err(|e| e.to_string())?;
            self.keep_index(index);
            Ok(s)
        });
        match result {
            Ok(s) => {
                self.online
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                self.refresh_statuses();
                self.set_status(format!(
                    "synced: {} new, {} removed, {} on the server{}",
                    s.new.len(),
                    s.removed,
                    s.on_server,
                    if s.failed.is_empty() {
                        String::new()
                    } else {
                        format!(", {} failed (the next sync tries again)", s.failed.len())
                    }
                ));
            }
            Err(e) => {
                self.online
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                // A broken session is dropped, so the next sync logs in again.
                if let Ok(mut g) = self.client.lock() {
                    *g = None;
                }
                self.set_status(format!("offline, showing the vault: {e}"));
            }
        }
    }
}
