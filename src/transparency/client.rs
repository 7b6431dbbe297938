//! Verifying a log from outside: tiles fetched by path are checked against a signed
//! checkpoint (`tlog_tiles::TileHashReader` authenticates every tile it uses), which gives
//! consistency with an older checkpoint, inclusion of entries, and the entries themselves.

use tlog_tiles::{Hash, HashReader, Tile, TileHashReader, TileReader};

use super::{c2sp_path, LogError, TILE_HEIGHT};

/// Fetches a tile by its C2SP path (`tile/0/000`, `tile/entries/001.p/7`).
pub trait Fetch {
    /// The bytes at `path`, or an error.
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// A server's log over HTTP, through `agent`: [`Fetch`] is `GET <base>/log/<path>` (at most
/// 16 MiB); [`HttpLog::get`] reads any other path of the server.
pub struct HttpLog<'a> {
    pub agent: &'a ureq::Agent,
    /// The server's URL, without a trailing `/`.
    pub base: &'a str,
}

impl HttpLog<'_> {
    /// `GET <base><path>`, at most `limit` bytes.
    pub fn get(&self, path: &str, limit: u64) -> Result<Vec<u8>, String> {
        crate::audit::get_limited(self.agent, self.base, path, limit)
    }

    /// The served checkpoint (at most 64 KiB), `None` while the server has signed none (404).
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, String> {
        use std::io::Read;
        match self
            .agent
            .get(&format!("{}/log/checkpoint", self.base))
            .call()
        {
            Ok(resp) => {
                let mut out = Vec::new();
                resp.into_reader()
                    .take(1 << 16)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("/log/checkpoint: {e}"))?;
                Ok(Some(out))
            }
            Err(ureq::Error::Status(404, _)) => Ok(None),
            Err(e) => Err(format!("/log/checkpoint: {e}")),
        }
    }
}

impl Fetch for HttpLog<'_> {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        self.get(&format!("/log/{path}"), 1 << 24)
    }
}

/// A `tlog_tiles::TileReader` over [`Fetch`] (checks each tile's length).
pub struct Reader<'a, F: Fetch>(pub &'a F);

impl<F: Fetch> TileReader for Reader<'_, F> {
    fn height(&self) -> u8 {
        TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let data = self
                    .0
                    .fetch(&c2sp_path(t))
                    .map_err(tlog_tiles::Error::InvalidInput)?;
                if data.len() != t.width() as usize * tlog_tiles::HASH_SIZE {
                    return Err(tlog_tiles::Error::InvalidTile);
                }
                Ok(data)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// The root of the first `n` leaves, read from tiles authenticated by `(size, root)`.
/// Equal to an older checkpoint's root iff the log only grew since (consistency).
pub fn old_root<F: Fetch>(f: &F, size: u64, root: Hash, n: u64) -> Result<Hash, LogError> {
    if n > size {
        return Err(LogError::Proof(format!(
            "{n} leaves is more than the tree's {size}"
        )));
    }
    let reader = Reader(f);
    let hr = TileHashReader::new(size, root, &reader);
    Ok(tlog_tiles::tree_hash(n, &hr)?)
}

/// Entries `from..to` of the tree `(size, root)`, each checked against its leaf hash.
pub fn entries<F: Fetch>(
    f: &F,
    size: u64,
    root: Hash,
    from: u64,
    to: u64,
) -> Result<Vec<Vec<u8>>, LogError> {
    if from >= to {
        return Ok(Vec::new());
    }
    if to > size {
        return Err(LogError::Proof(format!(
            "entry {to} is past the tree's {size}"
        )));
    }
    let reader = Reader(f);
    let hr = TileHashReader::new(size, root, &reader);
    let indexes: Vec<u64> = (from..to)
        .map(|i| tlog_tiles::stored_hash_index(0, i))
        .collect();
    let leaves = hr.read_hashes(&indexes)?;
    let per = 1u64 << TILE_HEIGHT;
    let mut out = Vec::with_capacity((to - from) as usize);
    let mut n = from / per;
    while n * per < to {
        let width = (size - n * per).min(per);
        let tile = Tile::new(TILE_HEIGHT, 0, n, width as u32, true);
        let bundle = f.fetch(&c2sp_path(&tile)).map_err(LogError::Read)?;
        let mut rest = bundle.as_slice();
        for i in n * per..n * per + width {
            let (len, tail) = match rest {
                [a, b, tail @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), tail),
                _ => {
                    return Err(LogError::Entry {
                        index: i,
                        reason: "entry bundle is cut short".into(),
                    })
                }
            };
            if tail.len() < len {
                return Err(LogError::Entry {
                    index: i,
                    reason: "entry bundle is cut short".into(),
                });
            }
            let (data, next) = tail.split_at(len);
            rest = next;
            if i >= from && i < to {
                let idx = (i - from) as usize;
                if tlog_tiles::record_hash(data) != leaves[idx] {
                    return Err(LogError::Entry {
                        index: i,
                        reason: "does not match its leaf hash in the tree".into(),
                    });
                }
                out.push(data.to_vec());
            }
        }
        n += 1;
    }
    Ok(out)
}

/// Stored hashes kept in memory, in `tlog_tiles::stored_hashes` order (for rebuilding a tree
/// from its entries: the offline audit, tests).
#[derive(Debug, Default)]
pub struct MemHashes(pub Vec<Hash>);

impl HashReader for MemHashes {
    fn read_hashes(&self, idx: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        idx.iter()
            .map(|&i| {
                self.0
                    .get(i as usize)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Checks an inclusion proof of `entry` at `index` in the tree `(size, root)`.
pub fn check_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    entry: &[u8],
) -> Result<(), LogError> {
    tlog_tiles::check_record(
        &proof.to_vec(),
        size,
        root,
        index,
        tlog_tiles::record_hash(entry),
    )?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The RFC 6962 reference tree (certificate-transparency's `merkle_tree_test`): the roots of
    /// the first 1..=8 leaves of its eight test inputs.
    const LEAVES: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn rfc6962_reference_roots_and_every_inclusion_and_consistency_proof() {
        let mut mem = MemHashes::default();
        for (n, leaf) in LEAVES.iter().enumerate() {
            let hs = tlog_tiles::stored_hashes(n as u64, leaf, &mem).unwrap();
            mem.0.extend(hs);
            let root = tlog_tiles::tree_hash(n as u64 + 1, &mem).unwrap();
            assert_eq!(hex::encode(root.0), ROOTS[n], "root of {} leaves", n + 1);
        }
        for size in 1..=8u64 {
            let root = tlog_tiles::tree_hash(size, &mem).unwrap();
            for i in 0..size {
                let p = tlog_tiles::prove_record(size, i, &mem).unwrap();
                check_inclusion(&p, size, root, i, LEAVES[i as usize]).unwrap();
                assert!(check_inclusion(&p, size, root, i, b"forged").is_err());
            }
            for old in 1..=size {
                let p = tlog_tiles::prove_tree(size, old, &mem).unwrap();
                let old_root = tlog_tiles::tree_hash(old, &mem).unwrap();
                tlog_tiles::check_tree(&p, size, root, old, old_root).unwrap();
                assert!(tlog_tiles::check_tree(&p, size, root, old, Hash([0; 32])).is_err());
            }
        }
    }
}
