//! Which language a page is in: `?lang=<code>` wins, then `Accept-Language` (by q-value,
//! `zh`/`zh-CN` → `zh-Hans`, `pt`/`pt-PT` → `pt-BR`, `tl` → `fil`), then English — Tor
//! Browser asks for `en-US` whatever the person reads, so every page shows the picker on top.

use super::{CORE, FALLBACK};

/// The core language a tag asks for: exact (any case), or by its primary subtag.
fn lookup(tag: &str) -> Option<&'static str> {
    let tag = tag.trim();
    if tag.is_empty() {
        return None;
    }
    if let Some(c) = CORE.iter().find(|c| c.eq_ignore_ascii_case(tag)) {
        return Some(c);
    }
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "zh" => Some("zh-Hans"),
        "pt" => Some("pt-BR"),
        "tl" | "fil" => Some("fil"),
        p => CORE.iter().find(|c| **c == p).copied(),
    }
}

/// The page's language: `query` (`?lang=`) if it names one, else the best of
/// `accept_language`, else [`FALLBACK`].
pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> &'static str {
    if let Some(c) = query.and_then(lookup) {
        return c;
    }
    let mut wanted: Vec<(u16, usize, &str)> = accept_language
        .unwrap_or_default()
        .split(',')
        .take(20)
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })?;
            (q > 0).then_some((q, i, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    wanted
        .iter()
        .find_map(|(_, _, tag)| lookup(tag))
        .unwrap_or(FALLBACK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(Some("ar"), Some("it")), "ar");
        assert_eq!(negotiate(Some("zh-hans"), None), "zh-Hans");
        assert_eq!(negotiate(Some("xx"), Some("fr-FR,fr;q=0.9")), "fr");
        assert_eq!(negotiate(None, Some("de;q=1, uk;q=0.5, it;q=0.8")), "it");
        assert_eq!(negotiate(None, Some("zh-CN")), "zh-Hans");
        assert_eq!(negotiate(None, Some("pt-PT;q=0.3, de")), "pt-BR");
        assert_eq!(negotiate(None, Some("tl")), "fil");
        assert_eq!(negotiate(None, Some("en-US,en;q=0.5")), "en");
        assert_eq!(negotiate(None, Some("it;q=0")), FALLBACK);
        assert_eq!(negotiate(None, Some(";;;,q=,garbage")), FALLBACK);
        assert_eq!(negotiate(None, None), FALLBACK);
    }
}
