//! Replies: what an officer sends to a victim's codename mailbox, and how a report asks for
//! them.
//!
//! A report (or a follow-up) that wants replies carries `reply: {recipient, mailbox}` in its
//! `report.json` (both derived from her codename, see [`crate::codename`]). An officer seals a
//! [`Reply`] (`"schema": "approdo.reply/v1"`, JSON) to that recipient with age and posts it to
//! the mailbox; only her codename opens it. The officer signs the sealed reply
//! ([`signed`]); the name shown above it comes from the directory entry the signature
//! verifies against, never from `partner_name`. The server stores the age file and its
//! signature under the mailbox id and nothing else.

pub mod binding;
pub mod send;
pub mod signed;

pub use binding::MailboxBinding;
pub use signed::{ReplySignature, SignatureError, SIGNED_SCHEMA};

use std::io::Read;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The reply schema tag.
pub const SCHEMA: &str = "approdo.reply/v1";
/// Longest reply plaintext (a message and an appointment, not files).
pub const MAX_PLAINTEXT: usize = 64 * 1024;
/// Longest sealed reply the server accepts (the plaintext limit plus age's overhead).
pub const MAX_SEALED: usize = MAX_PLAINTEXT + 4096;

/// Errors from sealing or opening replies.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The report does not ask for replies (no `reply` object) or it is malformed.
    #[error("this report has no reply address (she chose no mailbox, or report.json is damaged)")]
    NoReplyAddress,
    /// The reply recipient is not an age X25519 recipient.
    #[error("the reply recipient in report.json is not an age X25519 recipient")]
    BadRecipient,
    /// The message is empty or too long.
    #[error("the reply is empty or longer than {MAX_PLAINTEXT} bytes")]
    Size,
    /// The sealed reply does not open with this codename or is not a reply.
    #[error("this message cannot be opened with this codename")]
    Unreadable,
    /// age refused to encrypt.
    #[error("encryption failed: {0}")]
    Encrypt(String),
}

/// Where replies to a report go: both parts come from her codename.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReplyAddress {
    /// The age recipient (`age1…`) replies are sealed to.
    pub recipient: String,
    /// The mailbox id (64 hex digits) the server files them under.
    pub mailbox: String,
}

impl ReplyAddress {
    /// The address in a pulled report's `report.json`.
    pub fn from_report_json(json: &serde_json::Value) -> Result<Self, ReplyError> {
        let addr: ReplyAddress = json
            .get("reply")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or(ReplyError::NoReplyAddress)?;
        addr.check()?;
        Ok(addr)
    }

    /// Checks the shape of both parts.
    pub fn check(&self) -> Result<(), ReplyError> {
        age::x25519::Recipient::from_str(&self.recipient).map_err(|_| ReplyError::BadRecipient)?;
        let hex_ok = self.mailbox.len() == 64
            && self
                .mailbox
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex_ok {
            Ok(())
        } else {
            Err(ReplyError::NoReplyAddress)
        }
    }
}

/// An appointment an officer proposes: a help desk, a time, and the phrase she says there.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Appointment {
    /// The help desk (a neutral drop-in place and its address).
    pub desk: String,
    /// When, in words ("Tuesday 3 December, 10:00–12:00").
    pub time: String,
    /// The meeting phrase she says at the desk instead of a name.
    pub phrase: String,
}

/// What a partner tells her about her report without writing to her ("received", "read",
/// "answered"): a reply whose `status` is set and whose message may be empty, sealed and signed
/// like any reply. Her page shows the furthest one per report, in plain words.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SharedStatus {
    /// Her report reached the partner.
    Received,
    /// An officer read it.
    Read,
    /// An officer answered it.
    Answered,
}

impl SharedStatus {
    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "received" => Some(Self::Received),
            "read" => Some(Self::Read),
            "answered" => Some(Self::Answered),
            _ => None,
        }
    }

    /// The wire name (`mailbox.shared_<name>` is her sentence for it).
    pub fn name(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Read => "read",
            Self::Answered => "answered",
        }
    }
}

/// The plaintext of a reply.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reply {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The partner's id (follow-ups are sealed to this partner).
    pub partner: String,
    /// The partner's name as the officer's CLI read it from the directory. Informational
    /// only: pages show the name of the partner whose key signed the reply.
    pub partner_name: String,
    /// The report (or follow-up) this answers.
    pub in_reply_to: String,
    /// The message.
    pub message: String,
    /// A proposed appointment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Appointment>,
    /// A status shared with her ([`SharedStatus`]); the message may then be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SharedStatus>,
}

impl Reply {
    /// Seals the reply to `to` (binary age, one X25519 recipient).
    pub fn seal(&self, to: &ReplyAddress) -> Result<Vec<u8>, ReplyError> {
        to.check()?;
        let json = serde_json::to_vec(self).map_err(|e| ReplyError::Encrypt(e.to_string()))?;
        if (self.message.trim().is_empty() && self.status.is_none()) || json.len() > MAX_PLAINTEXT {
            return Err(ReplyError::Size);
        }
        let recipient = age::x25519::Recipient::from_str(&to.recipient)
            .map_err(|_| ReplyError::BadRecipient)?;
        crate::agefile::seal(std::iter::once(&recipient as &dyn age::Recipient), &json)
            .map(crate::agefile::Sealed::into_bytes)
            .map_err(|e| ReplyError::Encrypt(e.to_string()))
    }

    /// Opens a sealed reply with the identity of her codename (on her side).
    pub fn open(sealed: &[u8], identity: &age::x25519::Identity) -> Result<Reply, ReplyError> {
        let r = crate::agefile::open(sealed, std::iter::once(identity as &dyn age::Identity))
            .map_err(|_| ReplyError::Unreadable)?;
        Reply::read(r)
    }

    /// Opens a reply for the mailbox page without JavaScript, on the server, with the identity
    /// her codename gives for that one request ([`crate::agefile::open_nojs_mailbox_reply`]).
    pub fn open_nojs_mailbox_reply(
        sealed: &[u8],
        identity: &age::x25519::Identity,
    ) -> Result<Reply, ReplyError> {
        let r = crate::agefile::open_nojs_mailbox_reply(sealed, identity)
            .map_err(|_| ReplyError::Unreadable)?;
        Reply::read(r)
    }

    fn read(r: impl Read) -> Result<Reply, ReplyError> {
        let mut json = zeroize::Zeroizing::new(Vec::new());
        r.take(MAX_PLAINTEXT as u64 + 1)
            .read_to_end(&mut json)
            .map_err(|_| ReplyError::Unreadable)?;
        let reply: Reply = serde_json::from_slice(&json).map_err(|_| ReplyError::Unreadable)?;
        if reply.schema != SCHEMA {
            return Err(ReplyError::Unreadable);
        }
        Ok(reply)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_with_the_codename_only() {
        let keys = crate::codename::Codename::generate().derive().unwrap();
        let other = crate::codename::Codename::generate().derive().unwrap();
        let to = ReplyAddress {
            recipient: keys.recipient().to_string(),
            mailbox: keys.mailbox.clone(),
        };
        let reply = Reply {
            schema: SCHEMA.into(),
            partner: "cav-milano".into(),
            partner_name: "CAV".into(),
            in_reply_to: "00".repeat(16),
            message: "We read your message.".into(),
            appointment: Some(Appointment {
                desk: "Desk".into(),
                time: "Tuesday".into(),
                phrase: "blue umbrella".into(),
            }),
            status: None,
        };
        let sealed = reply.seal(&to).unwrap();
        assert_eq!(Reply::open(&sealed, keys.identity()).unwrap(), reply);
        assert!(Reply::open(&sealed, other.identity()).is_err());
        let empty = Reply {
            message: " ".into(),
            ..reply
        };
        assert!(matches!(empty.clone().seal(&to), Err(ReplyError::Size)));
        // A status alone is a message.
        let status = Reply {
            status: Some(SharedStatus::Read),
            appointment: None,
            ..empty
        };
        let sealed = status.seal(&to).unwrap();
        assert_eq!(Reply::open(&sealed, keys.identity()).unwrap(), status);
        let json = serde_json::json!({"reply": {"recipient": "age1nope", "mailbox": keys.mailbox}});
        assert!(ReplyAddress::from_report_json(&json).is_err());
        assert!(ReplyAddress::from_report_json(&serde_json::json!({})).is_err());
    }
}
