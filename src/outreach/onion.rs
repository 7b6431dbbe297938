//! Onion service addresses (v3): 56 base32 characters and `.onion`, with a checksum over the
//! service's public key, so a typo on a card that would send people nowhere is caught before
//! anything is printed.

use std::fmt;

use sha3::{Digest, Sha3_256};

use super::OutreachError;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const CHECKSUM_DOMAIN: &[u8] = b".onion checksum";
const VERSION: u8 = 3;

/// A checked v3 onion address, kept lowercase and bare (`<56 chars>.onion`, no scheme).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnionAddress(String);

impl OnionAddress {
    /// Accepts `<56 base32>.onion`, optionally with `http://` before and `/` after, in any
    /// case; refuses anything else (other schemes, paths, ports, v2 addresses, bad checksums).
    pub fn parse(input: &str) -> Result<Self, OutreachError> {
        let bad = |why: &str| OutreachError::BadOnion(why.to_owned());
        let mut s = input.trim().to_ascii_lowercase();
        if let Some(rest) = s.strip_prefix("http://") {
            s = rest.to_owned();
        } else if s.contains("://") {
            return Err(bad(
                "only http:// may come before it (onion services need no https)",
            ));
        }
        if let Some(rest) = s.strip_suffix('/') {
            s = rest.to_owned();
        }
        let Some(host) = s.strip_suffix(".onion") else {
            return Err(bad("it must end in .onion"));
        };
        if host.contains(['/', ':', '?', '#', '.']) {
            return Err(bad(
                "give the bare address, without a path, port or sub-domain",
            ));
        }
        if host.len() != 56 {
            return Err(bad(&format!(
                "a v3 address has 56 characters before .onion, this one has {}",
                host.chars().count()
            )));
        }
        let bytes = decode_base32(host)
            .ok_or_else(|| bad("it may only use the letters a–z and digits 2–7"))?;
        let (key, rest) = bytes.split_at(32);
        if rest[2] != VERSION {
            return Err(bad("it is not a version 3 address"));
        }
        if rest[..2] != checksum(key) {
            return Err(bad(
                "its checksum is wrong: a character was probably mistyped",
            ));
        }
        Ok(OnionAddress(format!("{host}.onion")))
    }

    /// The address of the onion service with this ed25519 public key.
    pub fn from_public_key(key: &[u8; 32]) -> Self {
        let mut bytes = key.to_vec();
        bytes.extend_from_slice(&checksum(key));
        bytes.push(VERSION);
        OnionAddress(format!("{}.onion", encode_base32(&bytes)))
    }

    /// `<56 chars>.onion`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OnionAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for OnionAddress {
    type Err = OutreachError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OnionAddress::parse(s)
    }
}

fn checksum(key: &[u8]) -> [u8; 2] {
    let mut h = Sha3_256::new();
    h.update(CHECKSUM_DOMAIN);
    h.update(key);
    h.update([VERSION]);
    let d = h.finalize();
    [d[0], d[1]]
}

/// 56 characters → 35 bytes (no padding: 56 × 5 = 280 bits).
fn decode_base32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(35);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)?;
        acc = (acc << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

fn encode_base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(56);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A well-known public v3 address (DuckDuckGo's), a real checksum.
    const KNOWN: &str = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";

    #[test]
    fn accepts_a_real_address_in_its_usual_spellings() {
        for s in [
            KNOWN.to_owned(),
            format!("http://{KNOWN}/"),
            format!("http://{KNOWN}"),
            format!("{KNOWN}/"),
            KNOWN.to_uppercase(),
        ] {
            assert_eq!(OnionAddress::parse(&s).unwrap().as_str(), KNOWN, "{s}");
        }
    }

    #[test]
    fn round_trips_a_key() {
        let a = OnionAddress::from_public_key(&[7; 32]);
        assert_eq!(a.as_str().len(), 62);
        assert_eq!(OnionAddress::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn refuses_everything_else() {
        let typo = KNOWN.replacen('d', "e", 1);
        for s in [
            "",
            "example.com",
            "https://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
            "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/report",
            "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion:80",
            "expyuzz4wqqyqhjn.onion",
            "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzcza1.onion",
            typo.as_str(),
        ] {
            assert!(OnionAddress::parse(s).is_err(), "{s}");
        }
    }
}
