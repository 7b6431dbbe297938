//! Case records a server dropped, replayed or reordered (issue 17).
//!
//! Each officer's records on a report form a chain: her first has `seq 0` and `prev`
//! [`super::NO_PREV`], each next one `seq + 1` and the [`link hash`] of the one
//! before, all inside the signed text. A server that cannot forge records can still list
//! fewer, list one twice, or list them out of order; [`check`] finds each of these in one
//! report's listing, and compares the listing with the [`Heads`] a desk remembers from earlier
//! syncs (kept sealed in its vault), so a dropped *last* record is caught too — by a desk that
//! saw it once. What no desk saw cannot be missed: a record withheld from every desk from the
//! start looks like a record never filed.
//!
//! [`link hash`]: super::SignedCase::link_hash

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{SignedCase, NO_PREV};

/// The last record a desk saw of one officer's chain on one report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: u64,
    /// Its link hash.
    pub hash: String,
}

/// Officer key (base64) → the last record of her chain on one report.
pub type Heads = BTreeMap<String, Head>;

/// Something wrong with a listing. Each says which officer key's chain, never what a record
/// holds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Anomaly {
    /// A record is missing from the middle of a chain, or does not link to the one before.
    #[error("the server withheld or replayed a case record: record {seq} of officer key {officer} is missing")]
    Withheld {
        /// The officer key.
        officer: String,
        /// The first missing sequence number.
        seq: u64,
    },
    /// The chain ends before the record this desk saw earlier.
    #[error("the server withheld or replayed a case record: officer key {officer}'s records end before record {seen}, which this desk saw earlier")]
    Truncated {
        /// The officer key.
        officer: String,
        /// The last sequence number this desk saw.
        seen: u64,
    },
    /// The same record is listed more than once.
    #[error("the server withheld or replayed a case record: record {seq} of officer key {officer} is listed twice")]
    Replayed {
        /// The officer key.
        officer: String,
        /// The sequence number.
        seq: u64,
    },
    /// Two different records, both signed by the officer, claim one place in her chain (two of
    /// her desks filed at once, or the server shows different desks different chains).
    #[error("the server withheld or replayed a case record: two different records claim place {seq} of officer key {officer}")]
    Forked {
        /// The officer key.
        officer: String,
        /// The sequence number.
        seq: u64,
    },
    /// The records are not listed in the order they were filed.
    #[error("the server withheld or replayed a case record: officer key {officer}'s records are listed out of order")]
    Reordered {
        /// The officer key.
        officer: String,
    },
}

/// What [`check`] found, and the heads to remember from now on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// What is wrong, if anything.
    pub anomalies: Vec<Anomaly>,
    /// The furthest record of each chain seen so far (here or before).
    pub heads: Heads,
}

fn short(key: &str) -> String {
    key.chars().take(8).collect()
}

/// Checks the **verified** records of one report, in the order the server listed them,
/// against the heads this desk remembers for that report.
pub fn check(listed: &[&SignedCase], known: &Heads) -> Checked {
    let mut out = Checked {
        heads: known.clone(),
        ..Checked::default()
    };
    let mut by_officer: BTreeMap<&str, Vec<(&SignedCase, String)>> = BTreeMap::new();
    for r in listed {
        // A record whose hash cannot be computed did not verify either; the caller hid it.
        if let Ok(hash) = r.link_hash() {
            by_officer
                .entry(r.officer_key.as_str())
                .or_default()
                .push((r, hash));
        }
    }
    for (key, mut chain) in by_officer {
        let officer = short(key);
        if chain.windows(2).any(|w| w[0].0.seq > w[1].0.seq) {
            out.anomalies.push(Anomaly::Reordered {
                officer: officer.clone(),
            });
        }
        chain.sort_by_key(|(r, _)| r.seq);
        let (mut next, mut prev) = (0u64, NO_PREV.to_owned());
        let mut last: Option<Head> = None;
        for (r, hash) in &chain {
            if let Some(l) = last.as_ref().filter(|l| l.seq == r.seq) {
                out.anomalies.push(if &l.hash == hash {
                    Anomaly::Replayed {
                        officer: officer.clone(),
                        seq: r.seq,
                    }
                } else {
                    Anomaly::Forked {
                        officer: officer.clone(),
                        seq: r.seq,
                    }
                });
                continue;
            }
            if r.seq != next || r.prev != prev {
                out.anomalies.push(Anomaly::Withheld {
                    officer: officer.clone(),
                    seq: next.min(r.seq),
                });
            }
            if let Some(k) = known.get(key).filter(|k| k.seq == r.seq && &k.hash != hash) {
                out.anomalies.push(Anomaly::Forked {
                    officer: officer.clone(),
                    seq: k.seq,
                });
            }
            next = r.seq + 1;
            prev = hash.clone();
            last = Some(Head {
                seq: r.seq,
                hash: hash.clone(),
            });
        }
        if let Some(l) = last {
            let further = known.get(key).is_none_or(|k| k.seq < l.seq);
            if further {
                out.heads.insert(key.to_owned(), l);
            }
        }
    }
    // Chains this desk saw that end early, or are gone.
    for (key, k) in known {
        let listed_max = listed
            .iter()
            .filter(|r| &r.officer_key == key)
            .map(|r| r.seq)
            .max();
        if listed_max.is_none_or(|m| m < k.seq) {
            out.anomalies.push(Anomaly::Truncated {
                officer: short(key),
                seen: k.seq,
            });
        }
    }
    out
}

/// The link of the record `officer_key` files next on a report, given the verified listing
/// and the heads this desk remembers: one past the furthest of both.
pub fn next_link(listed: &[&SignedCase], known: &Heads, officer_key: &str) -> (u64, String) {
    let checked = check(listed, known);
    match checked.heads.get(officer_key) {
        Some(h) => (h.seq + 1, h.hash.clone()),
        None => (0, NO_PREV.to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{CaseRecord, Link, SCHEMA};
    use super::*;

    const REPORT: &str = "0123456789abcdef0123456789abcdef";

    fn chain(n: usize) -> Vec<SignedCase> {
        let directory = crate::keys::demo::directory().unwrap().directory().clone();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("keys/demo/secret/cav-milano-1.key");
        let officer = crate::keys::OfficerIdentity::read_all(&path, || unreachable!())
            .unwrap()
            .remove(0);
        let mut out: Vec<SignedCase> = Vec::new();
        for i in 0..n {
            let record = CaseRecord {
                schema: SCHEMA.into(),
                report: REPORT.into(),
                status: None,
                by: "Maria".into(),
                note: Some(format!("note {i}")),
                reply: None,
                appointment: None,
                appointment_on: None,
                shared: None,
            };
            let prev = out
                .last()
                .map_or_else(|| NO_PREV.to_owned(), |r| r.link_hash().unwrap());
            let link = Link {
                seq: i as u64,
                prev: &prev,
            };
            let signed = record
                .seal(&directory, "cav-milano", &officer, link)
                .unwrap();
            signed.verify(&directory).unwrap();
            out.push(signed);
        }
        out
    }

    fn kinds(c: &Checked) -> Vec<&'static str> {
        c.anomalies
            .iter()
            .map(|a| match a {
                Anomaly::Withheld { .. } => "withheld",
                Anomaly::Truncated { .. } => "truncated",
                Anomaly::Replayed { .. } => "replayed",
                Anomaly::Forked { .. } => "forked",
                Anomaly::Reordered { .. } => "reordered",
            })
            .collect()
    }

    #[test]
    fn a_chain_shows_what_the_server_dropped_replayed_or_reordered() {
        let c = chain(3);
        let all: Vec<&SignedCase> = c.iter().collect();
        let fine = check(&all, &Heads::new());
        assert_eq!(kinds(&fine), Vec::<&str>::new());
        let key = c[0].officer_key.clone();
        assert_eq!(fine.heads[&key].seq, 2);
        assert_eq!(next_link(&all, &Heads::new(), &key).0, 3);
        // Again with what the desk remembers: still fine.
        assert!(check(&all, &fine.heads).anomalies.is_empty());
        // The middle one dropped.
        assert_eq!(kinds(&check(&[&c[0], &c[2]], &Heads::new())), ["withheld"]);
        // The first one dropped.
        assert_eq!(kinds(&check(&[&c[1], &c[2]], &Heads::new())), ["withheld"]);
        // The last one dropped: only a desk that saw it can tell.
        assert!(check(&[&c[0], &c[1]], &Heads::new()).anomalies.is_empty());
        let cut = check(&[&c[0], &c[1]], &fine.heads);
        assert_eq!(kinds(&cut), ["truncated"]);
        // It keeps remembering the furthest one, so the warning stays.
        assert_eq!(cut.heads[&key].seq, 2);
        assert_eq!(next_link(&[&c[0], &c[1]], &fine.heads, &key).0, 3);
        // All dropped.
        assert_eq!(kinds(&check(&[], &fine.heads)), ["truncated"]);
        // One replayed.
        assert_eq!(
            kinds(&check(&[&c[0], &c[1], &c[1], &c[2]], &Heads::new())),
            ["replayed"]
        );
        // Reordered.
        assert_eq!(
            kinds(&check(&[&c[0], &c[2], &c[1]], &Heads::new())),
            ["reordered"]
        );
        // A different record in a place the desk saw: a fork.
        let other = chain(3);
        let forked: Vec<&SignedCase> = vec![&c[0], &c[1], &other[2]];
        assert!(kinds(&check(&forked, &fine.heads)).contains(&"forked"));
        // The signed place cannot be changed without breaking the signature.
        let directory = crate::keys::demo::directory().unwrap().directory().clone();
        let mut moved = c[2].clone();
        moved.seq = 7;
        assert!(moved.verify(&directory).is_err());
        let mut relinked = c[2].clone();
        relinked.prev = c[0].link_hash().unwrap();
        assert!(relinked.verify(&directory).is_err());
        assert!(Anomaly::Withheld {
            officer: "k".into(),
            seq: 1
        }
        .to_string()
        .starts_with("the server withheld or replayed a case record"));
    }
}
