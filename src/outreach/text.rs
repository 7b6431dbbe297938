//! Text on a card without a layout engine: a conservative width estimate per script, and
//! greedy line wrapping (at spaces; between any two CJK characters). Escaping is
//! [`crate::html::escape`]'s.

fn is_cjk(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFF60)
}

/// Width of `c` in em, on the generous side for common system sans-serif fonts (DejaVu Sans,
/// the widest usual default, sets English at about 0.45 em per character).
fn char_em(c: char) -> f64 {
    match u32::from(c) {
        0x20 | 0xA0 => 0.3,
        0x200E | 0x200F | 0x2066..=0x2069 => 0.0,
        0x0980..=0x09FF => 0.64,
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => 0.52,
        0x0400..=0x04FF => 0.56,
        _ if is_cjk(c) => 1.0,
        _ if c.is_ascii_uppercase() => 0.68,
        _ if c.is_ascii_digit() => 0.58,
        _ if c.is_ascii_punctuation() => 0.36,
        _ => 0.51,
    }
}

/// Estimated width of `s` at `size` (bold is wider).
pub fn width(s: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = s.chars().map(char_em).sum();
    em * size * if bold { 1.08 } else { 1.0 }
}

/// Line height factor: Arabic-script text needs more room above and below.
pub fn line_height(s: &str) -> f64 {
    if s.chars()
        .any(|c| matches!(u32::from(c), 0x0600..=0x06FF | 0xFB50..=0xFDFF))
    {
        1.55
    } else {
        1.3
    }
}

/// Breaks `s` into lines no wider than `max` (a word wider than a line is cut by characters).
pub fn wrap(s: &str, size: f64, bold: bool, max: f64) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        cur.push(c);
        if c == ' ' || is_cjk(c) {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in words {
        let candidate = format!("{line}{word}");
        if width(candidate.trim_end(), size, bold) <= max || line.trim().is_empty() {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_owned());
            line = word;
        }
        // A word too wide on its own line: cut it.
        while width(line.trim_end(), size, bold) > max && line.chars().count() > 1 {
            let mut head = String::new();
            let mut rest = line.chars().peekable();
            while let Some(&c) = rest.peek() {
                if width(&format!("{head}{c}"), size, bold) > max && !head.is_empty() {
                    break;
                }
                head.push(c);
                rest.next();
            }
            lines.push(head);
            line = rest.collect();
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_between_cjk() {
        let lines = wrap("one two three four five six", 4.0, false, 20.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "one two three four five six");
        for l in &lines {
            assert!(width(l, 4.0, false) <= 20.0, "{l}");
        }
        let zh = wrap(
            "遭受暴力、威胁或剥削？你可以安全地寻求帮助。",
            4.0,
            false,
            20.0,
        );
        assert!(zh.len() > 2 && zh.iter().all(|l| width(l, 4.0, false) <= 20.0));
        assert_eq!(zh.concat(), "遭受暴力、威胁或剥削？你可以安全地寻求帮助。");
        let long = wrap("abcdefghijklmnopqrstuvwxyz", 4.0, false, 20.0);
        assert_eq!(long.concat(), "abcdefghijklmnopqrstuvwxyz");
    }
}
