//! `approdo witness-relay`: carries checkpoints from the log to its witnesses and the
//! cosignatures back (c2sp.org/tlog-witness's client side).
//!
//! One run: fetch the server's checkpoint (`/log/checkpoint`) and check it with the pinned log
//! key; for each witness of the signed directory, learn the size it last cosigned (an
//! `old 0` request answers 409 with it), prove consistency from that size to the checkpoint
//! from the log's tiles (every tile authenticated against the checkpoint), send
//! `add-checkpoint` and keep the cosignature line it returns; then post the lines to the
//! server (`POST /api/v1/log/cosignatures`), which checks each against the directory before it
//! serves them. A witness that has seen a larger tree than the server now shows, or refuses
//! the proof, is reported: that is a rollback or a fork, and its 409/422 is the evidence.

use base64::prelude::{Engine, BASE64_STANDARD};
use tlog_tiles::{Checkpoint, TileHashReader};

use super::{CosignatureVerifier, WitnessError};
use crate::transparency::client::HttpLog;
use crate::transparency::LogVerifier;

/// A witness to ask: its key (from the directory) and where it listens.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub verifier: CosignatureVerifier,
    /// The submission prefix (`http://…`, no trailing `/add-checkpoint`).
    pub url: String,
}

/// What one run did.
#[derive(Debug, Default)]
pub struct Relayed {
    /// The checkpoint's size.
    pub size: u64,
    /// Witnesses that cosigned.
    pub cosigned: Vec<String>,
    /// Witnesses that did not, with why.
    pub failed: Vec<(String, String)>,
    /// How many cosignatures the server now serves with its checkpoint.
    pub served: u64,
}

/// One relay run against `server` (through `agent`, which may go through tor).
pub fn relay(
    agent: &ureq::Agent,
    server: &str,
    log: &LogVerifier,
    witnesses: &[Endpoint],
) -> Result<Relayed, WitnessError> {
    let base = server.trim_end_matches('/');
    let note = crate::audit::get_limited(agent, base, "/log/checkpoint", 1 << 16)
        .map_err(WitnessError::Remote)?;
    let cp = log
        .checkpoint(&note)
        .map_err(|e| WitnessError::Remote(format!("the server's checkpoint: {e}")))?;
    let mut out = Relayed {
        size: cp.size(),
        ..Relayed::default()
    };
    let tiles = HttpLog { agent, base };
    let mut lines = String::new();
    for w in witnesses {
        match ask(agent, w, &cp, &note, &tiles) {
            Ok(line) => {
                lines.push_str(&line);
                out.cosigned.push(w.verifier.witness().to_owned());
            }
            Err(why) => out.failed.push((w.verifier.witness().to_owned(), why)),
        }
    }
    if !lines.is_empty() {
        let mut body = note.clone();
        body.extend_from_slice(lines.as_bytes());
        let answer: serde_json::Value = agent
            .post(&format!("{base}/api/v1/log/cosignatures"))
            .set("Content-Type", "text/plain; charset=utf-8")
            .send_bytes(&body)
            .map_err(|e| WitnessError::Remote(format!("handing the cosignatures back: {e}")))?
            .into_json()
            .map_err(|e| WitnessError::Remote(e.to_string()))?;
        out.served = answer["cosignatures"].as_u64().unwrap_or_default();
    }
    Ok(out)
}

/// Sends the checkpoint to one witness; its cosignature line, or why not.
fn ask(
    agent: &ureq::Agent,
    w: &Endpoint,
    cp: &Checkpoint,
    note: &[u8],
    tiles: &HttpLog<'_>,
) -> Result<String, String> {
    let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
    let mut old = 0u64;
    for _ in 0..3 {
        if old > cp.size() {
            return Err(format!(
                "it has cosigned {old} entries and the server now shows {}: the log was rolled back or forked",
                cp.size()
            ));
        }
        let proof = if old == 0 || old == cp.size() {
            Vec::new()
        } else {
            let reader = crate::transparency::client::Reader(tiles);
            let hr = TileHashReader::new(cp.size(), *cp.hash(), &reader);
            tlog_tiles::prove_tree(cp.size(), old, &hr).map_err(|e| format!("proof: {e}"))?
        };
        let mut body = format!("old {old}\n").into_bytes();
        for h in &proof {
            body.extend_from_slice(BASE64_STANDARD.encode(h.0).as_bytes());
            body.push(b'\n');
        }
        body.push(b'\n');
        body.extend_from_slice(note);
        match agent.post(&url).send_bytes(&body) {
            Ok(resp) => {
                let text = resp.into_string().map_err(|e| e.to_string())?;
                return text
                    .lines()
                    .find(|l| l.starts_with('\u{2014}'))
                    .map(|l| format!("{l}\n"))
                    .ok_or_else(|| "it answered without a cosignature".to_owned());
            }
            Err(ureq::Error::Status(409, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                old = text
                    .trim()
                    .parse()
                    .map_err(|_| format!("409 without a size: {text:?}"))?;
            }
            Err(ureq::Error::Status(code, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                return Err(format!("{code}: {}", text.trim()));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("the witness's size kept changing".into())
}
