//! Witnesses (C2SP tlog-witness, tlog-cosignature): nobody has to trust that the server shows
//! everyone the same log.
//!
//! - [`cosign`]: Ed25519 `cosignature/v1` keys, signing and checking a quorum;
//! - [`state`]: the witness itself — `add-checkpoint` checks a log's new checkpoint against
//!   the last one it cosigned (consistency proof, RFC 6962) and persists the new one atomically
//!   before it answers (`approdo witness serve`, an NGO can host it);
//! - [`http`]: the witness's HTTP interface (`POST /add-checkpoint`, `GET /<origin
//!   hash>/checkpoint`);
//! - [`relay`]: `approdo witness-relay`, run by any partner or auditor: reads the log over the
//!   onion, builds consistency proofs from its tiles, collects cosignatures from the witnesses
//!   the signed directory lists, and hands them back to the server, which serves the
//!   checkpoint cosigned (the server itself never makes an outbound connection).
//!
//! - [`follow`]: an officer's view of the log between pulls (consistency, fork evidence).
//!
//! Verifiers (`audit log`, `pull`) require the directory's quorum of cosignatures.

pub mod cosign;
pub mod follow;
pub mod http;
pub mod relay;
pub mod state;

pub use cosign::{verified_cosignatures, CosignatureVerifier, Cosigned, Cosigner};

/// Errors of witnesses, cosignatures and the relay.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// A key file or key text is malformed.
    #[error("{0}")]
    Key(String),
    /// A note does not parse or a known key's signature fails.
    #[error("signed note: {0}")]
    Note(String),
    /// The witness's state could not be read or written.
    #[error("witness state {path}: {reason}")]
    State { path: String, reason: String },
    /// A request to a witness or the server failed.
    #[error("{0}")]
    Remote(String),
    /// The log the server now shows does not extend the one seen before.
    #[error(
        "the server's log is not the one you saw before: rolled back or forked. Both checkpoints \
         are saved in {evidence} (evidence for your coordinator and auditors); do not trust this \
         server until they have looked.\nseen before:\n{before}\nserved now:\n{now}"
    )]
    Fork {
        before: String,
        now: String,
        evidence: String,
    },
    /// Not enough witnesses cosigned.
    #[error("{got} of the {need} witness cosignatures the directory requires ({missing})")]
    Quorum {
        got: usize,
        need: usize,
        missing: String,
    },
}

/// The cosignatures of `note` by `witnesses`, if at least `quorum` of them verify; else a
/// [`WitnessError::Quorum`] naming the witnesses missing.
pub fn require_quorum(
    note: &[u8],
    witnesses: &[CosignatureVerifier],
    quorum: u32,
) -> Result<Vec<Cosigned>, WitnessError> {
    let got = verified_cosignatures(note, witnesses)?;
    if got.len() >= quorum as usize {
        return Ok(got);
    }
    let missing: Vec<&str> = witnesses
        .iter()
        .map(CosignatureVerifier::witness)
        .filter(|w| !got.iter().any(|c| c.witness == *w))
        .collect();
    Err(WitnessError::Quorum {
        got: got.len(),
        need: quorum as usize,
        missing: format!("missing: {}", missing.join(", ")),
    })
}
