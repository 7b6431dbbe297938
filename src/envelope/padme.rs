//! Padmé length padding (Nikitin et al., "Reducing Metadata Leakage from
//! Encrypted Files and Communication with PURBs", PETS 2019).
//!
//! The envelope plaintext is padded with zeros up to `padme(len)`, so that the
//! ciphertext length leaks at most O(log log len) bits about the content size,
//! with at most ~12% overhead.

/// Padmé-padded length of `len`, or `None` if it does not fit in a `u64`.
///
/// For `len < 2` the result is `len`. Otherwise, with E = floor(log2 len),
/// S = floor(log2 E) + 1 and lastBits = E - S, the result is `len` rounded up
/// to a multiple of 2^lastBits.
pub fn checked_padme(len: u64) -> Option<u64> {
    if len < 2 {
        return Some(len);
    }
    let e = u64::from(63 - len.leading_zeros()); // floor(log2 len), >= 1
    let s = u64::from(63 - e.leading_zeros()) + 1; // floor(log2 e) + 1
    let last_bits = u32::try_from(e.checked_sub(s)?).ok()?;
    let bit_mask = 1u64.checked_shl(last_bits)?.checked_sub(1)?;
    Some(len.checked_add(bit_mask)? & !bit_mask)
}

/// Padmé-padded length of `len` (see [`checked_padme`]).
///
/// Saturates at `u64::MAX` for lengths within 2^57 of `u64::MAX`, which no
/// envelope can reach (see [`crate::envelope::Limits`]); the properties
/// `padme(l) >= l`, idempotence and monotonicity still hold.
pub fn padme(len: u64) -> u64 {
    checked_padme(len).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        let cases: &[(u64, u64)] = &[
            (0, 0),
            (1, 1),
            (2, 2),
            (3, 3),
            (4, 4),
            (7, 7),
            (8, 8),
            (9, 10),      // E=3, S=2, lastBits=1
            (11, 12),     // E=3, S=2, lastBits=1
            (17, 18),     // E=4, S=3, lastBits=1
            (33, 36),     // E=5, S=3, lastBits=2
            (100, 104),   // E=6, S=3, lastBits=3
            (129, 144),   // E=7, S=3, lastBits=4
            (1000, 1024), // E=9, S=4, lastBits=5
            (1025, 1088), // E=10, S=4, lastBits=6
            (1536, 1536),
            (10_000, 10_240),                       // E=13, S=4, lastBits=9
            ((1 << 20) + 1, (1 << 20) + (1 << 15)), // E=20, S=5, lastBits=15
            ((1 << 32) + 1, (1 << 32) + (1 << 26)), // E=32, S=6, lastBits=26
        ];
        for &(l, p) in cases {
            assert_eq!(padme(l), p, "padme({l})");
        }
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        assert_eq!(checked_padme(u64::MAX), None);
        assert_eq!(padme(u64::MAX), u64::MAX);
        assert_eq!(padme(u64::MAX - 1), u64::MAX);
        // The largest exactly representable Padmé value.
        let top = !((1u64 << 57) - 1);
        assert_eq!(checked_padme(top), Some(top));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn at_least_len_and_idempotent(l in any::<u64>()) {
            let p = padme(l);
            prop_assert!(p >= l);
            prop_assert_eq!(padme(p), p);
        }

        #[test]
        fn monotonic(a in any::<u64>(), b in any::<u64>()) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(padme(lo) <= padme(hi));
        }

        #[test]
        fn monotonic_neighbours(l in 0u64..(1 << 40)) {
            prop_assert!(padme(l) <= padme(l + 1));
        }

        #[test]
        fn overhead_at_most_12_percent(l in 2u64..(1 << 48)) {
            let overhead = padme(l) - l;
            prop_assert!(overhead * 100 <= l * 12, "padme({}) = {}", l, padme(l));
        }
    }
}
