//! The post-quantum hybrid `mlkem768x25519` recipient (src/agekeys): the known-answer
//! identity → recipient check shared with typage (`tests/vectors/hybrid-kat.json`, checked on
//! the JS side by `web/test/hybrid.test.mjs`), sealing and opening through the envelope, the
//! refusal to mix post-quantum and X25519 recipients, and the crate versions the hand-composed
//! KEM was verified with (the CCTV vectors themselves run in `cctv.rs`).

use std::io::Read;
use std::path::PathBuf;

use age::secrecy::ExposeSecret;
use approdo::agekeys::{Identity, Recipient};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn hybrid_known_answer_identity_to_recipient() {
    let kat: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/vectors/hybrid-kat.json")).unwrap(),
    )
    .unwrap();
    let id: Identity = kat["identity"].as_str().unwrap().parse().unwrap();
    assert!(id.is_hybrid());
    let recipient = id.to_public().to_string();
    assert_eq!(recipient, kat["recipient"].as_str().unwrap());
    assert_eq!(
        id.to_string().expose_secret(),
        kat["identity"].as_str().unwrap()
    );
    let parsed: Recipient = recipient.parse().unwrap();
    assert!(parsed.is_hybrid());
    assert_eq!(parsed.to_string(), recipient);
}

/// The versions the hand-composed X-Wing (src/agekeys/xwing.rs) was verified with against the
/// CCTV vectors and typage. A change here means: rerun those, then update this list.
#[test]
fn hybrid_crate_versions_are_the_verified_ones() {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    for (name, version) in [
        ("ml-kem", "0.2.3"),
        ("kem", "0.3.0-pre.0"),
        ("hpke", "0.12.0"),
        ("sha3", "0.10.9"),
        ("x25519-dalek", "2.0.1"),
        ("age", "0.12.1"),
        ("age-core", "0.12.0"),
    ] {
        let versions: Vec<&str> = lock
            .split("[[package]]")
            .filter(|p| p.contains(&format!("\nname = \"{name}\"\n")))
            .filter_map(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'))
            .collect();
        assert_eq!(
            versions,
            vec![version],
            "Cargo.lock has {name} {versions:?}; the mlkem768x25519 code was verified with \
             {version}: rerun the CCTV vectors and typage interop before changing this"
        );
    }
}

#[test]
fn hybrid_seal_open_and_no_mixing() {
    let officers: Vec<Identity> = (0..3).map(|_| Identity::generate(true)).collect();
    let recipients: Vec<Recipient> = officers.iter().map(Identity::to_public).collect();
    let plain: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let mut sealed = Vec::new();
    approdo::envelope::seal_to(&mut sealed, &recipients, &plain[..]).unwrap();
    let shape = approdo::admission::inspect_header(&sealed)
        .unwrap()
        .unwrap();
    assert_eq!((shape.x25519, shape.hybrid), (0, 3));
    // ~1.6 KB per post-quantum stanza.
    assert!(shape.header_len > 3 * 1500 && shape.header_len < 3 * 1600 + 200);
    for officer in &officers {
        let mut out = Vec::new();
        approdo::envelope::open(&sealed[..], std::slice::from_ref(officer))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain);
    }
    let stranger = Identity::generate(true);
    assert!(approdo::envelope::open(&sealed[..], &[stranger]).is_err());

    let mut mixed = recipients.clone();
    mixed.push(Identity::generate(false).to_public());
    let err = approdo::envelope::seal_to(Vec::new(), &mixed, &plain[..]).unwrap_err();
    assert!(
        matches!(err, approdo::envelope::EnvelopeError::MixedRecipients),
        "{err}"
    );
}
