//! Challenge login: the officer proves she holds an identity by decrypting an age-encrypted
//! challenge (the request signed with her signing key, so the server counts it against her
//! own budget), and the session token, partner and signing key are kept for what follows.

use std::io::Read;

use serde::Deserialize;

use super::{Client, ClientError};
use crate::keys::OfficerIdentity;

#[derive(Deserialize)]
struct ChallengeAnswer {
    challenge_id: String,
    challenge: String,
}

#[derive(Deserialize)]
struct SessionAnswer {
    token: String,
    partner: String,
}

impl Client {
    /// Logs in with the first identity the server knows as an officer key.
    pub fn login(&mut self, identities: &[OfficerIdentity]) -> Result<String, ClientError> {
        for identity in identities {
            let recipient = identity.recipient().to_string();
            let answer = match self
                .agent
                .post(&self.url("/api/v1/officer/challenge"))
                .send_json(challenge_request(identity, &recipient))
            {
                Ok(r) => r,
                Err(ureq::Error::Status(401, _)) => continue,
                Err(e) => return Err(e.into()),
            };
            let answer: ChallengeAnswer = answer
                .into_json()
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            let token = decrypt_challenge(identity, &answer.challenge)?;
            let session: SessionAnswer = self
                .agent
                .post(&self.url("/api/v1/officer/session"))
                .send_json(
                    serde_json::json!({ "challenge_id": answer.challenge_id, "response": token }),
                )?
                .into_json()
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            self.token = Some(session.token);
            self.partner = Some(session.partner.clone());
            self.signer = identity.signing_key().ok();
            return Ok(session.partner);
        }
        Err(ClientError::NotAnOfficer)
    }
}

/// The challenge request, signed with the officer's signing key (the server then counts it
/// against her own budget, which anonymous junk cannot drain).
fn challenge_request(identity: &OfficerIdentity, recipient: &str) -> serde_json::Value {
    use base64::prelude::{Engine, BASE64_STANDARD};
    use ed25519_dalek::Signer;
    let Ok(key) = identity.signing_key() else {
        return serde_json::json!({ "recipient": recipient });
    };
    let minute = crate::keys::officer::current_minute();
    let sig = key.sign(&crate::keys::officer::challenge_message(recipient, minute));
    serde_json::json!({
        "recipient": recipient,
        "officer_key": BASE64_STANDARD.encode(key.verifying_key().as_bytes()),
        "minute": minute,
        "signature": BASE64_STANDARD.encode(sig.to_bytes()),
    })
}

fn decrypt_challenge(identity: &OfficerIdentity, armored: &str) -> Result<String, ClientError> {
    let reader = age::armor::ArmoredReader::new(armored.as_bytes());
    let r = crate::agefile::open(
        reader,
        std::iter::once(identity.age() as &dyn age::Identity),
    )
    .map_err(|_| ClientError::Challenge)?;
    let mut token = String::new();
    r.take(1024)
        .read_to_string(&mut token)
        .map_err(|_| ClientError::Challenge)?;
    Ok(token)
}
