//! The ways she may write her codename. Every accepted spelling leads to the same canonical
//! text — list words, lower case, joined by one space — which alone goes into the KDF, so every
//! spelling opens the same mailbox. Identical in the page script (`web/src/codename.js`),
//! checked by the shared vectors in `tests/vectors/codename.json`.
//!
//! - **Words**, in any case, separated by spaces or hyphens: any word of the EFF list (so a
//!   codename given out before some words were withheld still opens its mailbox).
//! - **Digits**, script-neutral, for her whose keyboard or reading is not Latin: each word of
//!   the *fresh* list (the words new codenames are drawn from, `web/wordlist/withheld.txt`
//!   taken out, in list order) is its 4-digit position (0000–7458) followed by a Damm check
//!   digit, so a group of 5 digits is one word and a mistyped or swapped digit is caught
//!   in its group instead of opening some other, empty mailbox. Groups may be typed together
//!   or apart; ASCII, Arabic-Indic, Extended Arabic-Indic (Urdu, Persian), Devanagari,
//!   Bengali and full-width digits are all read as the same digits.
//!
//! Words and digit groups may be mixed: each part is read on its own.

/// Digits per word in the digit spelling: 4 for the position, 1 for the check.
pub const GROUP: usize = 5;

/// The zero of every digit script accepted (each script's digits are 10 consecutive code points).
const ZEROS: [u32; 6] = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xFF10];

/// The Damm algorithm's quasigroup (H. Michael Damm, 2004): detects every single-digit error
/// and every swap of adjacent digits.
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// The value of a digit of any accepted script.
pub fn digit(c: char) -> Option<u8> {
    let c = u32::from(c);
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&c))
        .and_then(|z| u8::try_from(c - z).ok())
}

/// The Damm check digit of `digits` (0 when `digits` already ends with its check digit).
pub fn damm(digits: &[u8]) -> u8 {
    digits
        .iter()
        .fold(0, |i, &d| DAMM[usize::from(i)][usize::from(d % 10)])
}

/// The 5 ASCII digits of the word at `index` of the fresh list.
pub fn group(index: usize) -> String {
    let d = [
        (index / 1000 % 10) as u8,
        (index / 100 % 10) as u8,
        (index / 10 % 10) as u8,
        (index % 10) as u8,
    ];
    let mut s: String = d.iter().map(|&x| char::from(b'0' + x)).collect();
    s.push(char::from(b'0' + damm(&d)));
    s
}

/// The position a group of [`GROUP`] digit values stands for, if its check digit holds.
pub fn index(group: &[u8]) -> Option<usize> {
    if group.len() != GROUP || damm(group) != 0 {
        return None;
    }
    Some(
        group[..4]
            .iter()
            .fold(0usize, |n, &d| n * 10 + usize::from(d)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damm_catches_every_single_error_and_adjacent_swap() {
        assert_eq!(damm(&[5, 7, 2]), 4, "the published example");
        for i in 0..10_000 {
            let g = group(i);
            let d: Vec<u8> = g.chars().filter_map(digit).collect();
            assert_eq!(index(&d), Some(i));
            for p in 0..GROUP {
                for v in 0..10 {
                    let mut e = d.clone();
                    if e[p] == v {
                        continue;
                    }
                    e[p] = v;
                    assert_eq!(index(&e), None, "{g} with digit {p} = {v}");
                }
                if p + 1 < GROUP && d[p] != d[p + 1] {
                    let mut e = d.clone();
                    e.swap(p, p + 1);
                    assert_eq!(index(&e), None, "{g} swapped at {p}");
                }
            }
        }
    }

    #[test]
    fn digits_of_every_script_read_the_same() {
        for (text, want) in [("0", 0), ("٧", 7), ("۷", 7), ("७", 7), ("৭", 7), ("７", 7)] {
            let c = text.chars().next().unwrap_or('x');
            assert_eq!(digit(c), Some(want), "{text}");
        }
        assert_eq!(digit('a'), None);
        assert_eq!(digit('٪'), None);
    }
}
