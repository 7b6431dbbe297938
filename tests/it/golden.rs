//! Golden vectors shared with the browser code (`web/src/envelope.js`, `web/test/`): the Rust
//! packer and the JS packer must produce the same bytes, and Padmé the same lengths.

use sha2::{Digest, Sha256};

#[test]
fn rust_envelope_matches_the_shared_vectors() {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/envelope.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for pair in v["padme"].as_array().unwrap() {
        let (l, p) = (pair[0].as_u64().unwrap(), pair[1].as_u64().unwrap());
        assert_eq!(approdo::envelope::padme(l), p, "padme({l})");
    }
    for case in v["cases"].as_array().unwrap() {
        let attachments: Vec<(String, Vec<u8>)> = case["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let (len, seed) = (
                    a["len"].as_u64().unwrap() as usize,
                    a["seed"].as_u64().unwrap() as usize,
                );
                (
                    a["name"].as_str().unwrap().to_owned(),
                    (0..len).map(|i| ((i * 7 + seed) % 256) as u8).collect(),
                )
            })
            .collect();
        let bytes =
            approdo::envelope::pack(case["report"].as_str().unwrap().as_bytes(), &attachments)
                .unwrap();
        assert_eq!(
            bytes.len() as u64,
            case["length"].as_u64().unwrap(),
            "{}",
            case["name"]
        );
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            case["sha256"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}
