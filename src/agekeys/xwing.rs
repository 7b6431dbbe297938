//! The X-Wing KEM (`MLKEM768-X25519`, HPKE KEM id `0x647a`) as an [`hpke::Kem`], so that the
//! HPKE crate (through `age-core`'s `hpke_seal`/`hpke_open`) runs the key schedule and the
//! AEAD: this file holds only the KEM itself.
//!
//! Composed by hand here, and only here (X-Wing, draft-connolly-cfrg-xwing-kem; the same KEM
//! that `filippo.io/hpke-pq` and noble's `ml_kem768_x25519` implement), each step pinned by the
//! CCTV `hybrid*` vectors and by typage interop:
//!
//! * **key expansion**: `SHAKE256(seed, 96)`; bytes 0..64 are ML-KEM-768's `d || z`
//!   (`ml-kem`'s deterministic key generation), bytes 64..96 the X25519 secret;
//! * **combiner**: `SHA3-256(ss_mlkem || ss_x25519 || ct_x25519 || pk_x25519 || "\.//^\")`;
//! * **encodings**: public key `ek_mlkem (1184) || pk_x25519 (32)`, encapsulation
//!   `ct_mlkem (1088) || ct_x25519 (32)`;
//! * **the all-zero check**: an X25519 share that gives an all-zero shared secret (the identity
//!   or a low-order point) is a decapsulation error, which the identity reports as a header
//!   failure (CCTV `hybrid_identity`, `hybrid_low_order`).
//!
//! Same shape as the `age` crate's own `MlKem768P256` (`age::tagpq`), which is not public.

use hpke::generic_array::typenum::{self, Unsigned, U32};
use hpke::{kem::SharedSecret, Deserializable, HpkeError, Serializable};
use ml_kem::kem::{Decapsulate, Encapsulate};
use ml_kem::{Ciphertext, EncodedSizeUser, KemCore, MlKem768};
use rand::{CryptoRng, RngCore};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Digest, Sha3_256, Shake256};
use zeroize::{Zeroize, Zeroizing};

/// The X-Wing combiner's label, `\.//^\`.
const LABEL: &[u8] = b"\\.//^\\";

type KemNct = <MlKem768 as KemCore>::CiphertextSize;
type KemNek = <<MlKem768 as KemCore>::EncapsulationKey as EncodedSizeUser>::EncodedSize;

/// Bytes of a public key (recipient): ML-KEM-768 encapsulation key, then X25519 point.
pub const PUBLIC_KEY_LEN: usize = 1216;
/// Bytes of an encapsulation (`enc`, the stanza argument).
pub const ENC_LEN: usize = 1120;

/// The decapsulation key: the 32-byte seed, expanded when used. Zeroised on drop.
#[derive(Clone)]
pub struct PrivateKey {
    seed: [u8; 32],
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.seed == other.seed
    }
}
impl Eq for PrivateKey {}

impl PrivateKey {
    /// The key for a seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        PrivateKey { seed }
    }

    /// The seed (what the identity string encodes).
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }
}

impl Deserializable for PrivateKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let seed = <[u8; 32]>::try_from(encoded)
            .map_err(|_| HpkeError::IncorrectInputLength(32, encoded.len()))?;
        Ok(PrivateKey { seed })
    }
}

impl Serializable for PrivateKey {
    type OutputSize = U32;
    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.seed);
    }
}

/// The encapsulation key (a recipient).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    ek_pq: <MlKem768 as KemCore>::EncapsulationKey,
    pk_x: x25519_dalek::PublicKey,
}
impl Eq for PublicKey {}

impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        if encoded.len() != PUBLIC_KEY_LEN {
            return Err(HpkeError::IncorrectInputLength(
                PUBLIC_KEY_LEN,
                encoded.len(),
            ));
        }
        let (pq, x) = encoded.split_at(KemNek::USIZE);
        let pq = pq.try_into().map_err(|_| HpkeError::ValidationError)?;
        let x: [u8; 32] = x.try_into().map_err(|_| HpkeError::ValidationError)?;
        let pk_x = x25519_dalek::PublicKey::from(x);
        // A low-order X25519 point gives an all-zero shared secret for every (clamped)
        // scalar: such a recipient is refused here, so sealing to a parsed key cannot fail.
        let probe = x25519_dalek::StaticSecret::from([1u8; 32]);
        if !probe.diffie_hellman(&pk_x).was_contributory() {
            return Err(HpkeError::ValidationError);
        }
        Ok(PublicKey {
            ek_pq: <MlKem768 as KemCore>::EncapsulationKey::from_bytes(pq),
            pk_x,
        })
    }
}

impl Serializable for PublicKey {
    type OutputSize = typenum::Sum<KemNek, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        let (pq, x) = buf.split_at_mut(KemNek::USIZE);
        pq.copy_from_slice(&self.ek_pq.as_bytes());
        x.copy_from_slice(self.pk_x.as_bytes());
    }
}

/// An encapsulation: ML-KEM-768 ciphertext, then the X25519 ephemeral share.
#[derive(Clone)]
pub struct EncappedKey {
    ct_pq: Ciphertext<MlKem768>,
    ct_x: [u8; 32],
}

impl Deserializable for EncappedKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        if encoded.len() != ENC_LEN {
            return Err(HpkeError::IncorrectInputLength(ENC_LEN, encoded.len()));
        }
        let (pq, x) = encoded.split_at(KemNct::USIZE);
        let ct_pq = <[u8; KemNct::USIZE]>::try_from(pq)
            .map_err(|_| HpkeError::ValidationError)?
            .into();
        let ct_x = x.try_into().map_err(|_| HpkeError::ValidationError)?;
        Ok(EncappedKey { ct_pq, ct_x })
    }
}

impl Serializable for EncappedKey {
    type OutputSize = typenum::Sum<KemNct, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        let (pq, x) = buf.split_at_mut(KemNct::USIZE);
        pq.copy_from_slice(&self.ct_pq);
        x.copy_from_slice(&self.ct_x);
    }
}

/// Expanded key material of a seed.
struct Expanded {
    dk_pq: <MlKem768 as KemCore>::DecapsulationKey,
    ek_pq: <MlKem768 as KemCore>::EncapsulationKey,
    sk_x: x25519_dalek::StaticSecret,
    pk_x: x25519_dalek::PublicKey,
}

fn expand(seed: &[u8; 32]) -> Expanded {
    let mut wide = Zeroizing::new([0u8; 96]);
    let mut xof = Shake256::default();
    xof.update(seed);
    xof.finalize_xof().read(wide.as_mut_slice());
    let mut d = Zeroizing::new([0u8; 32]);
    let mut z = Zeroizing::new([0u8; 32]);
    let mut x = [0u8; 32];
    d.copy_from_slice(&wide[..32]);
    z.copy_from_slice(&wide[32..64]);
    x.copy_from_slice(&wide[64..]);
    let (dk_pq, ek_pq) = MlKem768::generate_deterministic(&(*d).into(), &(*z).into());
    let sk_x = x25519_dalek::StaticSecret::from(x);
    x.zeroize();
    let pk_x = x25519_dalek::PublicKey::from(&sk_x);
    Expanded {
        dk_pq,
        ek_pq,
        sk_x,
        pk_x,
    }
}

fn combine(ss_pq: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> SharedSecret<XWing> {
    let mut h = Sha3_256::new();
    Digest::update(&mut h, ss_pq);
    Digest::update(&mut h, ss_x);
    Digest::update(&mut h, ct_x);
    Digest::update(&mut h, pk_x);
    Digest::update(&mut h, LABEL);
    SharedSecret(h.finalize())
}

/// X-Wing, `MLKEM768-X25519`.
pub struct XWing;

impl hpke::Kem for XWing {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = EncappedKey;
    type NSecret = U32;
    const KEM_ID: u16 = 0x647a;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        let e = expand(&sk.seed);
        PublicKey {
            ek_pq: e.ek_pq,
            pk_x: e.pk_x,
        }
    }

    /// Not used by age (identities are 32 random bytes); X-Wing's DeriveKeyPair would be
    /// `SHAKE256(ikm, 32)` as the seed. Kept to satisfy the trait: the seed is SHAKE256 of ikm.
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let mut seed = [0u8; 32];
        let mut xof = Shake256::default();
        xof.update(ikm);
        xof.finalize_xof().read(&mut seed);
        let sk = PrivateKey { seed };
        seed.zeroize();
        let pk = Self::sk_to_pk(&sk);
        (sk, pk)
    }

    fn decap(
        sk: &PrivateKey,
        pk_sender_id: Option<&PublicKey>,
        enc: &EncappedKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        if pk_sender_id.is_some() {
            return Err(HpkeError::DecapError);
        }
        let e = expand(&sk.seed);
        let ss_pq = e
            .dk_pq
            .decapsulate(&enc.ct_pq)
            .map_err(|()| HpkeError::DecapError)?;
        let ss_x = e
            .sk_x
            .diffie_hellman(&x25519_dalek::PublicKey::from(enc.ct_x));
        if !ss_x.was_contributory() {
            // All-zero shared secret: the spec's (and the vectors') header failure.
            return Err(HpkeError::DecapError);
        }
        Ok(combine(
            &ss_pq,
            ss_x.as_bytes(),
            &enc.ct_x,
            e.pk_x.as_bytes(),
        ))
    }

    fn encap<R: CryptoRng + RngCore>(
        pk: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        csprng: &mut R,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        if sender_id_keypair.is_some() {
            return Err(HpkeError::EncapError);
        }
        let (ct_pq, ss_pq) = pk
            .ek_pq
            .encapsulate(csprng)
            .map_err(|()| HpkeError::EncapError)?;
        let ek_x = x25519_dalek::StaticSecret::random_from_rng(&mut *csprng);
        let ct_x = x25519_dalek::PublicKey::from(&ek_x).to_bytes();
        // Contributory: `PublicKey::from_bytes` refuses low-order points.
        let ss_x = ek_x.diffie_hellman(&pk.pk_x);
        let ss = combine(&ss_pq, ss_x.as_bytes(), &ct_x, pk.pk_x.as_bytes());
        Ok((ss, EncappedKey { ct_pq, ct_x }))
    }
}
