//! Directory parsing and verification on arbitrary bytes: never panics, never verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = approdo::keys::demo::network_public_key() else {
        return;
    };
    let split = data
        .first()
        .map(|b| *b as usize % (data.len() + 1))
        .unwrap_or(0);
    let (bytes, sig) = data.split_at(split);
    assert!(approdo::keys::SignedDirectory::verify(&key, bytes.to_vec(), sig.to_vec()).is_err());
    // With the real signature, only the real directory verifies.
    let ok = approdo::keys::SignedDirectory::verify(
        &key,
        data.to_vec(),
        approdo::keys::demo::SIGNATURE.to_vec(),
    );
    assert_eq!(ok.is_ok(), data == approdo::keys::demo::DIRECTORY);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = approdo::keys::Directory::from_partners_toml(text);
    }
});
