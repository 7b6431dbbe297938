//! The witnesses a network relies on (issue 18): listed in the signed directory with a quorum
//! (`[[witness]]` tables and `witness_quorum` in partners.toml), checked here, used by
//! `audit log`, `audit store`, `pull --network-key` and the server's cosignature hand-back.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Directory, KeyError};

/// One witness a network relies on.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// Its C2SP cosignature/v1 verifier key (`name+id+base64(0x04 || key)`).
    pub key: String,
    /// Where it listens (`witness-relay` sends there), e.g. `http://….onion`.
    pub url: String,
}

impl Directory {
    /// The listed witnesses' keys, checked (distinct names).
    pub fn witness_verifiers(&self) -> Result<Vec<crate::witness::CosignatureVerifier>, KeyError> {
        let mut names = HashSet::new();
        let mut out = Vec::new();
        for w in &self.witnesses {
            let v = crate::witness::CosignatureVerifier::new(&w.key)
                .map_err(|e| KeyError::InvalidDirectory(e.to_string()))?;
            if !names.insert(v.witness().to_owned()) {
                return Err(KeyError::InvalidDirectory(format!(
                    "witness {} is listed twice",
                    v.witness()
                )));
            }
            out.push(v);
        }
        Ok(out)
    }
}
