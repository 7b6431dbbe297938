//! The stanzas of a sealed upload: what each kind must look like (X25519, `mlkem768x25519`,
//! grease; everything else refused), and whether their kind and number are the partner's.

use base64::prelude::{Engine, BASE64_STANDARD_NO_PAD};

use super::{HeaderShape, ValidationError, MAX_HEADER};

/// Bytes of one `mlkem768x25519` stanza as age and typage write it.
pub const HYBRID_STANZA_LEN: usize = 18 + 1494 + 1 + 43 + 1;
/// Bytes of one X25519 stanza.
pub const X25519_STANZA_LEN: usize = 10 + 43 + 1 + 43 + 1;
/// Most post-quantum officers one partner may have (so that its header fits; the directory
/// checks it).
pub use crate::agekeys::hybrid::MAX_PER_PARTNER as MAX_HYBRID_RECIPIENTS;

/// Stanza counters while a header is read.
pub(super) struct Counts<'a> {
    pub(super) x25519: &'a mut usize,
    pub(super) hybrid: &'a mut usize,
    pub(super) grease: &'a mut usize,
}

/// True when `args` is one canonical base64 value of `len` bytes (the base64 engine refuses
/// padding and non-zero trailing bits).
fn one_arg_of(args: &[&str], len: usize) -> bool {
    args.len() == 1
        && BASE64_STANDARD_NO_PAD
            .decode(args[0])
            .is_ok_and(|s| s.len() == len)
}

pub(super) fn classify(
    tag: &str,
    args: &[&str],
    body: &[u8],
    c: Counts<'_>,
) -> Result<(), ValidationError> {
    let (x25519, grease) = (c.x25519, c.grease);
    match tag {
        "X25519" => {
            if !one_arg_of(args, 32) || body.len() != 32 {
                return Err(ValidationError::Malformed(
                    "an X25519 stanza has the wrong shape",
                ));
            }
            *x25519 += 1;
        }
        crate::agekeys::hybrid::STANZA_TAG => {
            if !one_arg_of(args, crate::agekeys::xwing::ENC_LEN) || body.len() != 32 {
                return Err(ValidationError::Malformed(
                    "an mlkem768x25519 stanza has the wrong shape",
                ));
            }
            *c.hybrid += 1;
        }
        "scrypt" => return Err(ValidationError::Scrypt),
        t if t.starts_with("mlkem") || t.contains("tag") => {
            return Err(ValidationError::NotX25519(t.to_owned()))
        }
        t if t.ends_with("-grease") => {
            *grease += 1;
            if *grease > 1 {
                return Err(ValidationError::TooMuchGrease);
            }
        }
        t => return Err(ValidationError::Unsupported(t.chars().take(32).collect())),
    }
    Ok(())
}

/// Checks the stanzas against the partner's recipients: their kind (`hybrid`: the partner's
/// officers are all post-quantum) and their number.
pub fn check_recipients(
    shape: &HeaderShape,
    expected: usize,
    hybrid: bool,
) -> Result<(), ValidationError> {
    const PQ: &str = "post-quantum (mlkem768x25519)";
    const CLASSIC: &str = "X25519";
    let got = if hybrid { shape.hybrid } else { shape.x25519 };
    let other = if hybrid { shape.x25519 } else { shape.hybrid };
    if other > 0 {
        let (expected, got) = if hybrid { (PQ, CLASSIC) } else { (CLASSIC, PQ) };
        return Err(ValidationError::WrongKind { expected, got });
    }
    if got == expected {
        Ok(())
    } else {
        Err(ValidationError::StanzaCount { got, expected })
    }
}

/// True when a file sealed to `recipients` recipients of the given kind has a header within
/// [`MAX_HEADER`] (with room for the version line, a grease stanza and the MAC).
pub fn header_fits(recipients: usize, hybrid: bool) -> bool {
    let per = if hybrid {
        HYBRID_STANZA_LEN
    } else {
        X25519_STANZA_LEN
    };
    recipients
        .checked_mul(per)
        .is_some_and(|n| n + 1024 <= MAX_HEADER)
}
