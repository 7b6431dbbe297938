//! Characters that hide or disguise an attachment name: bidirectional controls (an
//! `U+202E RIGHT-TO-LEFT OVERRIDE` makes `photo\u{202e}gpj.exe` display as "photoexe.jpg"),
//! zero-width and other invisible format characters, line and paragraph separators, Hangul
//! fillers and tag characters. One predicate, [`is_hidden_char`], used by every layer that
//! handles a name: the page and the no-JavaScript form replace such characters with `_`
//! (`web/src/envelope.js` keeps the same table), the packer refuses them, unpacking on the
//! officer's side replaces them with `_` (a report is never lost for its names), and
//! `approdo show` prints them as `·`. The table is frozen with the page's in
//! `tests/vectors/names.json`.

use std::borrow::Cow;

/// Inclusive code point ranges of the hidden characters (Unicode general category Cf, Zl,
/// Zp, plus invisible fillers). C0/C1 controls are refused separately, as controls.
pub const HIDDEN_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),   // soft hyphen
    (0x034F, 0x034F),   // combining grapheme joiner
    (0x0600, 0x0605),   // Arabic number signs (prepended format characters)
    (0x061C, 0x061C),   // Arabic letter mark
    (0x06DD, 0x06DD),   // Arabic end of ayah
    (0x070F, 0x070F),   // Syriac abbreviation mark
    (0x0890, 0x0891),   // Arabic pound/piastre mark above
    (0x08E2, 0x08E2),   // Arabic disputed end of ayah
    (0x115F, 0x1160),   // Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),   // Khmer inherent vowels
    (0x180B, 0x180F),   // Mongolian free variation selectors and vowel separator
    (0x200B, 0x200F),   // zero width space, ZWNJ, ZWJ, LRM, RLM
    (0x2028, 0x202E),   // line/paragraph separators, LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x206F),   // word joiner, invisible operators, LRI, RLI, FSI, PDI, deprecated
    (0x3164, 0x3164),   // Hangul filler
    (0xFEFF, 0xFEFF),   // zero width no-break space (BOM)
    (0xFFA0, 0xFFA0),   // halfwidth Hangul filler
    (0xFFF9, 0xFFFB),   // interlinear annotation
    (0x110BD, 0x110BD), // Kaithi number sign
    (0x110CD, 0x110CD), // Kaithi number sign above
    (0x13430, 0x1343F), // Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3), // shorthand format controls
    (0x1D173, 0x1D17A), // musical symbol format controls
    (0xE0000, 0xE007F), // tag characters
];

/// True for a character that is invisible or changes the direction of the text around it.
pub fn is_hidden_char(c: char) -> bool {
    let c = c as u32;
    HIDDEN_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// The name with every hidden character replaced by `_` (borrowed when there is none).
pub fn neutralise(name: &str) -> Cow<'_, str> {
    if name.chars().any(is_hidden_char) {
        Cow::Owned(
            name.chars()
                .map(|c| if is_hidden_char(c) { '_' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/vectors/names.json")).unwrap()
    }

    #[test]
    fn the_table_is_the_one_the_page_keeps() {
        let v = vectors();
        let ranges: Vec<(u32, u32)> = serde_json::from_value(v["hidden_ranges"].clone()).unwrap();
        assert_eq!(
            ranges, HIDDEN_RANGES,
            "update tests/vectors/names.json and web/src/envelope.js together"
        );
    }

    #[test]
    fn vectors_are_neutralised_and_refused_as_stated() {
        let v = vectors();
        for case in v["cases"].as_array().unwrap() {
            let raw = case["raw"].as_str().unwrap();
            let neutral = case["neutralised"].as_str().unwrap();
            assert_eq!(neutralise(raw), neutral, "{raw:?}");
            assert_eq!(
                super::super::name_problem(raw).is_some(),
                case["packer_refuses"].as_bool().unwrap(),
                "{raw:?}"
            );
        }
    }
}
