//! Codename parsing on arbitrary text (what a victim may type, or an attacker may post):
//! never panics; what parses is normalised and re-parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = approdo::codename::Codename::parse(text) {
            let again =
                approdo::codename::Codename::parse(c.expose()).map(|c2| c2.expose().to_owned());
            assert_eq!(again.ok().as_deref(), Some(c.expose()));
        }
    }
});
