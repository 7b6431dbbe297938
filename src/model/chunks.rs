//! The chunk root (`approdo.chunks/v1`): a hash of the per-chunk hashes of an age file cut
//! into chunks of one size, the last one possibly shorter. The page can compute it with
//! WebCrypto (one-shot, native even at Tor Browser's "Safer" level) a chunk at a time, where a
//! streaming SHA-256 of the whole file would run in slow JavaScript; the signed receipt carries
//! it beside the whole file's SHA-256, so the page checks the promise against what it sent.
//!
//! `root = SHA-256("approdo.chunks/v1 " || decimal chunk size || "\n" || SHA-256(chunk 0) ||
//! SHA-256(chunk 1) || …)`. Vectors: `tests/vectors/chunks.json` (made with Python's
//! hashlib), checked here and by `web/test/chunks.test.mjs`; docs/auditor.md shows how to
//! recompute it with coreutils.

use std::fmt;

use sha2::Digest;

use super::Sha256;

/// The tag that starts the hashed input (and names the format).
pub const CHUNK_ROOT_TAG: &str = "approdo.chunks/v1";

/// A file's chunk size and chunk root: what a receipt's `chunks <size> <root>` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRoot {
    /// The chunk size the file was cut at (the last chunk may be shorter).
    pub size: u32,
    /// The root.
    pub root: Sha256,
}

impl ChunkRoot {
    /// The root of `data` cut into chunks of `size` bytes.
    pub fn of(data: &[u8], size: u32) -> Self {
        let mut h = ChunkHasher::new(size);
        for chunk in data.chunks(size.max(1) as usize) {
            h.push_chunk(chunk);
        }
        h.finish()
    }
}

impl fmt::Display for ChunkRoot {
    /// `<size> <root hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.size, self.root)
    }
}

/// Builds a chunk root from the chunks (or their hashes) in order.
#[derive(Clone)]
pub struct ChunkHasher {
    size: u32,
    hasher: sha2::Sha256,
}

impl ChunkHasher {
    /// A root over chunks of `size` bytes.
    pub fn new(size: u32) -> Self {
        let mut hasher = sha2::Sha256::new();
        hasher.update(format!("{CHUNK_ROOT_TAG} {size}\n").as_bytes());
        ChunkHasher { size, hasher }
    }

    /// Adds the next chunk by its SHA-256.
    pub fn push(&mut self, chunk_sha256: &Sha256) {
        self.hasher.update(chunk_sha256.0);
    }

    /// Adds the next chunk's bytes.
    pub fn push_chunk(&mut self, chunk: &[u8]) {
        self.push(&Sha256::digest(chunk));
    }

    /// The root.
    pub fn finish(self) -> ChunkRoot {
        ChunkRoot {
            size: self.size,
            root: Sha256(self.hasher.finalize().into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The same vectors as the page's `web/test/chunks.test.mjs`.
    #[test]
    fn vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/chunks.json")).unwrap();
        let size =
            |c: &serde_json::Value| u32::try_from(c["chunk_size"].as_u64().unwrap()).unwrap();
        for c in v["cases"].as_array().unwrap() {
            let data = hex::decode(c["input"].as_str().unwrap()).unwrap();
            let got = ChunkRoot::of(&data, size(c));
            assert_eq!(got.root.to_hex(), c["root"].as_str().unwrap(), "{c}");
            assert_eq!(got.size, size(c));
        }
        for c in v["filled"].as_array().unwrap() {
            let fill = hex::decode(c["fill"].as_str().unwrap()).unwrap()[0];
            let data = vec![fill; usize::try_from(c["length"].as_u64().unwrap()).unwrap()];
            assert_eq!(
                Sha256::digest(&data).to_hex(),
                c["sha256"].as_str().unwrap()
            );
            let got = ChunkRoot::of(&data, size(c));
            assert_eq!(got.root.to_hex(), c["root"].as_str().unwrap(), "{c}");
            assert_eq!(
                got.to_string(),
                format!("{} {}", size(c), c["root"].as_str().unwrap())
            );
        }
    }

    #[test]
    fn the_size_is_bound_and_the_hash_list_is_not_the_file_hash() {
        let data = b"0123456789";
        assert_ne!(ChunkRoot::of(data, 4).root, ChunkRoot::of(data, 5).root);
        assert_ne!(ChunkRoot::of(data, 16).root, Sha256::digest(data));
        let mut by_hash = ChunkHasher::new(4);
        for c in data.chunks(4) {
            by_hash.push(&Sha256::digest(c));
        }
        assert_eq!(by_hash.finish(), ChunkRoot::of(data, 4));
    }
}
