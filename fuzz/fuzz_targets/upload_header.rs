//! The server's upload validator on arbitrary bytes, fed as the network delivers them (in
//! pieces): never panics, agrees with itself whatever the split, and only accepts headers
//! the age crate also parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = approdo::sealed::inspect_header(data);
    // Incremental: feeding a prefix says "more" or reaches the same verdict.
    if let Some(split) = data.first().map(|b| *b as usize % (data.len() + 1)) {
        if let Ok(Some(shape)) = approdo::sealed::inspect_header(&data[..split]) {
            assert_eq!(whole.as_ref().ok().copied().flatten(), Some(shape));
        }
    }
    if let Ok(Some(shape)) = whole {
        assert!(shape.header_len + approdo::sealed::NONCE_LEN <= data.len());
        assert!(shape.grease <= 1);
        let payload = (data.len() - shape.header_len - approdo::sealed::NONCE_LEN) as u64;
        let _ = approdo::sealed::plaintext_len(payload);
    }
    if data.len() >= 8 {
        let n = u64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
        if let Ok(p) = approdo::sealed::plaintext_len(n) {
            assert!(p <= n);
        }
    }
});
