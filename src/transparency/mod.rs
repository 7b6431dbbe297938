//! The transparency log: every store, deletion, directory change and acknowledgement is a leaf
//! of an RFC 6962 Merkle tree (`tlog_tiles`), and the tree head is a C2SP checkpoint signed as
//! a C2SP signed note (`signed_note`) by the log key.
//!
//! Entries wait in a queue table, written in the same transaction as the change they record (a
//! report is never visible without its entry). At multiples of a fixed interval since the epoch
//! (`--log-interval`, default one day: midnight UTC) the queue is integrated: its rows are keyed by random 128-bit numbers, so they are
//! appended in an order unrelated to arrival, and the checkpoint never says when a report came.
//! Anyone can fetch the checkpoint and the tiles (C2SP tlog-tiles layout, height 8) and check
//! inclusion and consistency; `approdo audit log` does.
//!
//! - [`entry`]: the leaf format (one JSON object per leaf);
//! - [`key`]: the log's signing key and checkpoint signing;
//! - [`receipt`]: the receipts it signs for accepted reports (with their chunk root);
//! - [`client`]: verifying checkpoints, proofs and tiles (auditors, the CLI).
//!
//! The pure parts only: the log's tables, queueing and integration belong to the store
//! (`store::tlog`), and nothing here imports the store.

pub mod client;
pub mod entry;
pub mod key;
pub mod receipt;

pub use entry::Entry;
pub use key::{checkpoint_time, LogKey, LogVerifier, KEY_FILE};
pub use receipt::Receipt;

/// How often the log signs a checkpoint when nothing is queued: every interval, but at
/// most hourly (a test server integrating every second need not sign every second); auditors
/// call a log frozen after two heartbeats.
pub fn heartbeat(interval: u64) -> u64 {
    interval.max(3600)
}

/// Tile height of the C2SP tlog-tiles layout (256 hashes per tile).
pub const TILE_HEIGHT: u8 = 8;

/// Errors of the transparency log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log key file is missing, malformed or not private.
    #[error("log key {path}: {reason}")]
    Key { path: String, reason: String },
    /// A checkpoint or signed note does not parse or verify.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// An entry does not parse.
    #[error("log entry {index}: {reason}")]
    Entry { index: u64, reason: String },
    /// A proof does not verify.
    #[error("proof: {0}")]
    Proof(String),
    /// The tree's hashes could not be read.
    #[error("reading the log: {0}")]
    Read(String),
}

impl From<tlog_tiles::Error> for LogError {
    fn from(e: tlog_tiles::Error) -> Self {
        LogError::Proof(e.to_string())
    }
}

/// Converts a Go-style tile path (`tile/8/0/x001/234.p/5`, `tile/8/data/…`) to the C2SP
/// tlog-tiles path (`tile/0/x001/234.p/5`, `tile/entries/…`).
pub fn c2sp_path(t: &tlog_tiles::Tile) -> String {
    let go = t.path();
    let rest = go
        .strip_prefix(&format!("tile/{TILE_HEIGHT}/"))
        .unwrap_or(&go);
    match rest.strip_prefix("data/") {
        Some(n) => format!("tile/entries/{n}"),
        None => format!("tile/{rest}"),
    }
}

/// The tile a C2SP path names (`0/x001/234.p/5` or `entries/…`, after `tile/`).
pub fn parse_c2sp_path(rest: &str) -> Option<tlog_tiles::Tile> {
    if !within_tile_bounds(rest) {
        return None;
    }
    let go = match rest.strip_prefix("entries/") {
        Some(n) => format!("tile/{TILE_HEIGHT}/data/{n}"),
        None => format!("tile/{TILE_HEIGHT}/{rest}"),
    };
    let t = tlog_tiles::Tile::from_path(&go).ok()?;
    (t.height() == TILE_HEIGHT).then_some(t)
}

/// The bounds `tlog_tiles::Tile::new` asserts (level below 64, partial width 1..=255 at height
/// 8), checked before `Tile::from_path` is called: tlog_tiles 0.2.0 parses a level up to 255
/// and a partial width of 0 and then panics in that assert (`tile/0/000.p/0`, `tile/64/000`).
/// A path refused here would be refused by `from_path` anyway if it did not panic.
fn within_tile_bounds(rest: &str) -> bool {
    let parts: Vec<&str> = rest.split('/').collect();
    let level_ok = match parts.first() {
        Some(&"entries") => true,
        Some(l) => l.parse::<u8>().is_ok_and(|l| l < 64),
        None => false,
    };
    let width_ok = match parts.len().checked_sub(2).map(|i| parts[i]) {
        Some(p) if p.ends_with(".p") => parts
            .last()
            .and_then(|w| w.parse::<u32>().ok())
            .is_some_and(|w| (1..1u32 << TILE_HEIGHT).contains(&w)),
        _ => true,
    };
    level_ok && width_ok
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_round_trip_in_the_c2sp_layout() {
        for (rest, data) in [
            ("0/000", false),
            ("1/x001/234.p/5", false),
            ("entries/007.p/255", true),
        ] {
            let t = parse_c2sp_path(rest).unwrap();
            assert_eq!(t.is_data(), data);
            assert_eq!(c2sp_path(&t), format!("tile/{rest}"));
        }
        assert!(parse_c2sp_path("../etc/passwd").is_none());
        assert!(parse_c2sp_path("0/1234").is_none());
    }

    #[test]
    fn tile_paths_tlog_tiles_would_panic_on_are_refused() {
        for rest in [
            "0/000.p/0",
            "entries/000.p/0",
            "64/000",
            "255/000",
            "+64/000",
            "0/x001/000.p/0",
            "0/000.p/256",
        ] {
            assert!(parse_c2sp_path(rest).is_none(), "{rest}");
        }
        assert!(parse_c2sp_path("63/000").is_some());
        assert!(parse_c2sp_path("0/000.p/1").is_some());
    }
}
