//! Codenames: how a victim gets replies without a phone number or an email.
//!
//! A codename is at least 7 words, generated for her and shown once, drawn uniformly from the
//! *fresh* list: the EFF large wordlist without its 4 hyphenated words (a hyphen separates
//! words when she types, so "t-shirt" could never be typed back) and without the 313 words of
//! `web/wordlist/withheld.txt` (violence, the body, police, migration, death: nobody fleeing
//! violence should be handed "strangle" or "deport"), 7459 words. New codenames are drawn
//! from the 7160 of them not in `web/wordlist/not-drawn.txt` (a reading of every word left:
//! violence, the body, police and courts, migration, death, sex and drugs, contempt), which keep
//! their places in the fresh list so the digit spelling is unchanged: 7 words ≈ 89.64 bits.
//! She may type it back as words or as digits ([`spelling`]); every spelling normalises to
//! the same words, so it opens the same mailbox. Version 1 of the derivation
//! (`approdo.codename/v1`), identical in Rust and in the page script (`web/src/codename.js`,
//! checked by the shared vectors in `tests/vectors/codename.json`):
//!
//! 1. normalise: lowercase, words separated by any run of spaces or hyphens, each digit group
//!    replaced by its word, joined by one space;
//! 2. `k = Argon2id(normalised, salt = "approdo.codename/v1", m = 8192 KiB, t = 1, p = 1, 64 bytes)`.
//!    The codename itself carries ≥ 90 bits, so the KDF is defence in depth, not what stops
//!    guessing; its cost is set so that Tor Browser at "Safer" (no JIT, no WebAssembly) derives
//!    in about 2 s on a cheap phone-class CPU (BENCHMARKS.md, "codename KDF");
//! 3. the reply identity is the age X25519 identity whose secret is `k[0..32]`; its recipient
//!    travels inside the encrypted report so officers can seal replies to it;
//! 4. the mailbox id is `SHA-256("approdo.mailbox/v1" || k[32..64])`, the only thing the server
//!    would index: it reveals nothing about the report or the reply key.

use std::fmt;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use rand::Rng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub mod spelling;

/// The EFF large wordlist (CC BY 3.0 US), shared with the page script.
const WORDLIST: &str = include_str!("../../web/wordlist/eff_large_wordlist.txt");
/// The words new codenames never use (shared with the page script).
const WITHHELD: &str = include_str!("../../web/wordlist/withheld.txt");
/// Words of the fresh list new codenames are not drawn from (shared with the page script).
const NOT_DRAWN: &str = include_str!("../../web/wordlist/not-drawn.txt");
/// Words in a codename.
pub const WORDS: usize = 7;
/// Derivation version tag (also the Argon2 salt).
pub const VERSION: &str = "approdo.codename/v1";
/// Argon2id memory, KiB.
pub const M_KIB: u32 = 8_192;
/// Argon2id passes.
pub const T: u32 = 1;

/// Errors from codenames.
#[derive(Debug, thiserror::Error)]
pub enum CodenameError {
    /// Too few words, or a word not in the list.
    #[error("a codename is {WORDS} or more words from the list; check the spelling")]
    Invalid,
    /// The KDF failed (it cannot with these fixed parameters).
    #[error("key derivation failed")]
    Kdf,
}

fn words() -> impl Iterator<Item = &'static str> {
    WORDLIST
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty() && !l.contains('-'))
}

/// The words of a list file (`web/wordlist/*.txt`): one a line, `#` lines are comments.
fn listed(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
}

/// `words` without those of the list file `out`, in order.
fn without(words: impl Iterator<Item = &'static str>, out: &'static str) -> Vec<&'static str> {
    let out: std::collections::HashSet<&str> = listed(out).collect();
    words.filter(|w| !out.contains(w)).collect()
}

/// The fresh list: the EFF words without `web/wordlist/withheld.txt`, in list order (their
/// positions are the digit spelling).
pub fn fresh_words() -> &'static [&'static str] {
    static FRESH: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    FRESH.get_or_init(|| without(words(), WITHHELD))
}

/// The words new codenames are drawn from: the fresh list without `web/wordlist/not-drawn.txt`
/// (those keep their positions in the fresh list, so the digit spelling is unchanged).
pub fn drawn_words() -> &'static [&'static str] {
    static DRAWN: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    DRAWN.get_or_init(|| without(fresh_words().iter().copied(), NOT_DRAWN))
}

/// The words, for checking what she typed.
fn word_set() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| words().collect())
}

/// A codename. Redacted in `Debug`, zeroised on drop, never `Serialize`.
pub struct Codename(Zeroizing<String>);

impl fmt::Debug for Codename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Codename(<redacted>)")
    }
}

impl Codename {
    /// A fresh codename of [`WORDS`] words from the operating system's random source.
    pub fn generate() -> Self {
        let list = drawn_words();
        let mut rng = rand::rngs::OsRng;
        let picked: Vec<&str> = (0..WORDS)
            .map(|_| list[rng.gen_range(0..list.len())])
            .collect();
        Codename(Zeroizing::new(picked.join(" ")))
    }

    /// Parses what she typed, as words or digits ([`spelling`]): normalised to list words,
    /// every word and every digit group checked.
    pub fn parse(typed: &str) -> Result<Self, CodenameError> {
        let lower = Zeroizing::new(typed.to_lowercase());
        let mut out: Vec<&'static str> = Vec::new();
        for part in lower
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
        {
            if part.chars().all(|c| spelling::digit(c).is_some()) {
                let digits: Zeroizing<Vec<u8>> =
                    Zeroizing::new(part.chars().filter_map(spelling::digit).collect());
                if !digits.len().is_multiple_of(spelling::GROUP) {
                    return Err(CodenameError::Invalid);
                }
                for g in digits.chunks(spelling::GROUP) {
                    let word = spelling::index(g)
                        .and_then(|i| fresh_words().get(i))
                        .ok_or(CodenameError::Invalid)?;
                    out.push(word);
                }
            } else {
                out.push(word_set().get(part).ok_or(CodenameError::Invalid)?);
            }
        }
        if out.len() < WORDS {
            return Err(CodenameError::Invalid);
        }
        Ok(Codename(Zeroizing::new(out.join(" "))))
    }

    /// The same codename as digit groups ([`spelling`]), to show her beside the words; `None`
    /// when it holds a withheld word (only codenames given out before the list was curated).
    pub fn digits(&self) -> Option<Zeroizing<String>> {
        let fresh = fresh_words();
        let mut groups = Vec::new();
        for w in self.0.split(' ') {
            let i = fresh.binary_search(&w).ok()?;
            groups.push(spelling::group(i));
        }
        Some(Zeroizing::new(groups.join(" ")))
    }

    /// The normalised text, to show her once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Derives the reply identity and the mailbox id (version 1).
    pub fn derive(&self) -> Result<ReplyKeys, CodenameError> {
        let params = argon2::Params::new(M_KIB, T, 1, Some(64)).map_err(|_| CodenameError::Kdf)?;
        let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut k = Zeroizing::new([0u8; 64]);
        kdf.hash_password_into(self.0.as_bytes(), VERSION.as_bytes(), k.as_mut_slice())
            .map_err(|_| CodenameError::Kdf)?;
        let hrp = bech32::Hrp::parse("age-secret-key-").map_err(|_| CodenameError::Kdf)?;
        let encoded = Zeroizing::new(
            bech32::encode::<bech32::Bech32>(hrp, &k[..32])
                .map_err(|_| CodenameError::Kdf)?
                .to_uppercase(),
        );
        let identity = age::x25519::Identity::from_str(&encoded).map_err(|_| CodenameError::Kdf)?;
        let mut h = Sha256::new();
        h.update(b"approdo.mailbox/v1");
        h.update(&k[32..]);
        Ok(ReplyKeys {
            identity,
            mailbox: hex::encode(h.finalize()),
        })
    }
}

/// What a codename unlocks. Redacted in `Debug`.
pub struct ReplyKeys {
    identity: age::x25519::Identity,
    /// The mailbox id (64 hex digits).
    pub mailbox: String,
}

impl fmt::Debug for ReplyKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ReplyKeys({}, mailbox {})",
            self.recipient(),
            self.mailbox
        )
    }
}

impl ReplyKeys {
    /// The recipient officers seal replies to.
    pub fn recipient(&self) -> age::x25519::Recipient {
        self.identity.to_public()
    }

    /// The identity that opens replies.
    pub fn identity(&self) -> &age::x25519::Identity {
        &self.identity
    }

    /// The identity as an `AGE-SECRET-KEY-1…` string (for the vectors).
    pub fn identity_string(&self) -> Zeroizing<String> {
        Zeroizing::new(self.identity.to_string().expose_secret().to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// SHA-256 of the fresh list joined by newlines (also pinned in web/test/codename.test.mjs).
    const FRESH_SHA256: &str = "d2dc5df5540644dcfbe9ba9559b07127656fe709a6041990f413c7563ae3ea8e";

    #[test]
    fn the_list_has_7772_distinct_words_and_codenames_carry_90_bits() {
        let list: Vec<&str> = words().collect();
        assert_eq!(list.len(), 7772);
        assert_eq!(
            list.iter().collect::<std::collections::HashSet<_>>().len(),
            7772
        );
        assert!((WORDS as f64) * (7772f64).log2() >= 90.0);
        let fresh = fresh_words();
        assert_eq!(fresh.len(), 7459);
        assert!((WORDS as f64) * (fresh.len() as f64).log2() >= 90.0);
        // DESIGN.md: "≈ 90 bits"; the drawn list trades 0.36 bit for 299 words a victim should
        // not be handed (web/wordlist/not-drawn.txt), and may give up to 0.5.
        assert_eq!(drawn_words().len(), 7160);
        assert!((WORDS as f64) * (drawn_words().len() as f64).log2() >= 89.5);
        let c = Codename::generate();
        assert_eq!(c.expose().split(' ').count(), WORDS);
        assert_eq!(format!("{c:?}"), "Codename(<redacted>)");
    }

    /// Every word a codename can be made of can be typed back (a codename with "t-shirt" once
    /// could not: the hyphen splits it).
    #[test]
    fn every_word_of_the_list_parses_back() {
        for w in words() {
            let typed = [w; WORDS].join(" ");
            let c = Codename::parse(&typed).unwrap_or_else(|_| panic!("{w}"));
            assert_eq!(c.expose(), typed);
        }
    }

    /// The fresh list is frozen: the digit spelling of every codename given out depends on it.
    /// Changing `web/wordlist/withheld.txt` needs a new version of the spelling, not a new digest.
    #[test]
    fn the_fresh_list_is_frozen_sorted_and_free_of_withheld_words() {
        let fresh = fresh_words();
        let digest = hex::encode(Sha256::digest(fresh.join("\n").as_bytes()));
        assert_eq!(digest, FRESH_SHA256);
        assert!(
            fresh.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
        for w in [
            "strangle",
            "battered",
            "choking",
            "deport",
            "police",
            "handcuff",
            "graveyard",
        ] {
            assert!(word_set().contains(w) && !fresh.contains(&w), "{w}");
        }
        for _ in 0..200 {
            let c = Codename::generate();
            assert!(c.expose().split(' ').all(|w| fresh.contains(&w)));
            let digits = c.digits().unwrap();
            assert_eq!(digits.len(), WORDS * 6 - 1);
            assert_eq!(Codename::parse(&digits).unwrap().expose(), c.expose());
            let joined: String = digits.chars().filter(|c| *c != ' ').collect();
            assert_eq!(Codename::parse(&joined).unwrap().expose(), c.expose());
        }
    }

    /// The second reading: every word of `not-drawn.txt` is a fresh word (so it keeps its
    /// digits and an old codename holding it still opens its mailbox) and is never drawn.
    #[test]
    fn not_drawn_words_keep_their_digits_and_are_never_drawn() {
        let skip: Vec<&str> = listed(NOT_DRAWN).collect();
        assert_eq!(skip.len(), 299);
        let drawn = drawn_words();
        for w in &skip {
            assert!(fresh_words().contains(w), "{w} is not a fresh word");
            assert!(!drawn.contains(w), "{w} is drawn");
            let old = Codename::parse(&[*w; WORDS].join(" ")).unwrap();
            let digits = old.digits().unwrap();
            assert_eq!(Codename::parse(&digits).unwrap().expose(), old.expose());
        }
        assert_eq!(drawn.len() + skip.len(), fresh_words().len());
        // The same list the page draws from (pinned in web/test/codename.test.mjs too).
        let digest = hex::encode(Sha256::digest(drawn.join("\n").as_bytes()));
        assert_eq!(
            digest,
            "015a92fd1be8f85d988edccd66e70eba640c78ab95ab628eb93a3820c27fe8ae"
        );
        for _ in 0..200 {
            let c = Codename::generate();
            assert!(c.expose().split(' ').all(|w| drawn.contains(&w)));
        }
    }

    #[test]
    fn digits_in_any_script_and_mixed_spellings_give_the_same_words() {
        let c = Codename::parse("abacus abdomen abdominal zoom zoology zoom abacus").unwrap();
        assert!(
            c.digits().is_none(),
            "abdomen is withheld; the old codename still parses"
        );
        let words = "abacus abide zoom zone zebra acorn ablaze";
        let c = Codename::parse(words).unwrap();
        let d = c.digits().unwrap();
        let arabic: String = d
            .chars()
            .map(|ch| match ch.to_digit(10) {
                Some(v) => char::from_u32(0x660 + v).unwrap(),
                None => ch,
            })
            .collect();
        let bengali: String = d
            .chars()
            .map(|ch| match ch.to_digit(10) {
                Some(v) => char::from_u32(0x9E6 + v).unwrap(),
                None => ch,
            })
            .collect();
        for typed in [d.to_string(), arabic, bengali, d.replace(' ', "-")] {
            assert_eq!(Codename::parse(&typed).unwrap().expose(), words, "{typed}");
        }
        let mixed = format!("ABACUS {}", &d[6..]);
        assert_eq!(Codename::parse(&mixed).unwrap().expose(), words);
        // One digit wrong, a group short, a position past the list: refused, never another mailbox.
        let mut wrong = d.to_string().into_bytes();
        wrong[2] = if wrong[2] == b'9' { b'0' } else { wrong[2] + 1 };
        assert!(Codename::parse(std::str::from_utf8(&wrong).unwrap()).is_err());
        assert!(Codename::parse(&d[..d.len() - 1]).is_err());
        let past = spelling::group(7459);
        assert!(Codename::parse(&[past.as_str(); 7].join(" ")).is_err());
    }

    #[test]
    fn parsing_normalises_and_refuses() {
        let c = Codename::parse("  Abacus-ABDOMEN abdominal\tzoom zoology  zoom abacus ").unwrap();
        assert_eq!(
            c.expose(),
            "abacus abdomen abdominal zoom zoology zoom abacus"
        );
        assert!(Codename::parse("abacus abdomen").is_err());
        assert!(Codename::parse("abacus abdomen abdominal zoom zoology zoom notaword").is_err());
    }
}
