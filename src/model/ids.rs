//! Ids every layer names: a report's (128 random bits), a partner's (a short slug) and a
//! mailbox's (32 bytes derived from her codename).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A report id: 128 random bits, shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportId(pub(crate) u128);

impl ReportId {
    /// A fresh random id.
    pub fn random() -> Self {
        ReportId(rand::random())
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportId({self})")
    }
}

impl FromStr for ReportId {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err("a report id is 32 lowercase hex digits");
        }
        u128::from_str_radix(s, 16)
            .map(ReportId)
            .map_err(|_| "a report id is 32 lowercase hex digits")
    }
}

impl Serialize for ReportId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReportId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A partner id: lowercase letters, digits and `-`, 1 to 63 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnerId(String);

impl PartnerId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PartnerId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(PartnerId(s))
        } else {
            Err(format!(
                "partner id {s:?} must be 1-63 lowercase letters, digits or '-', not starting with '-'"
            ))
        }
    }
}

impl FromStr for PartnerId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PartnerId::try_from(s.to_owned())
    }
}

impl From<PartnerId> for String {
    fn from(p: PartnerId) -> String {
        p.0
    }
}

impl fmt::Display for PartnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox id: what the server indexes replies by (derived from her codename; 64 hex digits
/// on the wire). Never printed: it opens a mailbox's listing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MailboxId(pub [u8; 32]);

impl fmt::Debug for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailboxId(<redacted>)")
    }
}

impl FromStr for MailboxId {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| "a mailbox id is 64 hex digits")?;
        Ok(MailboxId(out))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse() {
        let id = ReportId::random();
        assert_eq!(id.to_string().parse::<ReportId>().unwrap(), id);
        assert!("../../etc".parse::<ReportId>().is_err());
        assert!("ABCDEF00000000000000000000000000"
            .parse::<ReportId>()
            .is_err());
        assert!("cav-milano".parse::<PartnerId>().is_ok());
        assert!("-cav".parse::<PartnerId>().is_err());
    }
}
