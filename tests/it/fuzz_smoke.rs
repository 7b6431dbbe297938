//! The fuzz smoke run of the test command: every committed seed (`fuzz/seeds/<target>/`, a
//! small curated set per target) and every regression input (`fuzz/regressions/<target>/`,
//! inputs that once crashed a target), then 2 000 seeded mutations of them per target (byte
//! flips, truncations, insertions, splices), through the same functions the cargo-fuzz
//! targets call (`approdo::fuzzing`). The corpus a long run grows (`fuzz/corpus/`) stays out
//! of git and out of this test, so the test is the same on every machine. Long runs:
//! `ops/fuzz` (see docs/security.md).

use rand::{Rng, SeedableRng};

/// A fuzz target body.
type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("upload_header", approdo::fuzzing::upload_header),
    ("envelope_unpack", approdo::fuzzing::envelope_unpack),
    ("directory", approdo::fuzzing::directory),
    ("codename", approdo::fuzzing::codename),
    ("proxy_line", approdo::fuzzing::proxy_line),
    ("log_notes", approdo::fuzzing::log_notes),
    ("form_fields", approdo::fuzzing::form_fields),
    ("report_show", approdo::fuzzing::report_show),
    ("tile_paths", approdo::fuzzing::tile_paths),
];

const MUTATIONS: usize = 2_000;

fn mutate(rng: &mut rand::rngs::StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut d = seeds[rng.gen_range(0..seeds.len())].clone();
    for _ in 0..rng.gen_range(1..8) {
        match rng.gen_range(0..5) {
            0 if !d.is_empty() => {
                let i = rng.gen_range(0..d.len());
                d[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !d.is_empty() => d.truncate(rng.gen_range(0..d.len())),
            2 => {
                let i = rng.gen_range(0..=d.len());
                d.insert(i, rng.gen());
            }
            3 => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                let cut = rng.gen_range(0..=other.len());
                d.extend_from_slice(&other[cut..]);
            }
            _ if !d.is_empty() => {
                let i = rng.gen_range(0..d.len());
                d[i] = *[0u8, 0xff, b'\n', b' ', b'/', b'0']
                    .get(rng.gen_range(0..6))
                    .unwrap();
            }
            _ => {}
        }
    }
    d
}

/// Every file of a folder (sorted by content, so the mutations do not depend on the order the
/// file system lists them in).
fn read_inputs(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.file_name() != "README.md")
        .map(|e| {
            std::fs::read(e.path()).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()))
        })
        .collect();
    inputs.sort();
    inputs
}

/// Every target of `fuzz/Cargo.toml` is replayed here (and nothing else).
#[test]
fn every_fuzz_target_is_in_the_smoke_test() {
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"),
    )
    .unwrap();
    let mut bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "approdo-fuzz")
        .collect();
    bins.sort();
    let mut here: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    here.sort();
    assert_eq!(bins, here);
}

#[test]
fn every_corpus_and_its_mutations_hold_the_fuzz_properties() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, run) in TARGETS {
        let mut seeds = read_inputs(&fuzz.join("seeds").join(name));
        assert!(!seeds.is_empty(), "{name} has seeds in fuzz/seeds/{name}/");
        let regressions = fuzz.join("regressions").join(name);
        if regressions.exists() {
            seeds.extend(read_inputs(&regressions));
        }
        seeds.sort();
        for s in &seeds {
            run(s);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x00a9_90d0);
        for _ in 0..MUTATIONS {
            run(&mutate(&mut rng, &seeds));
        }
        total += seeds.len() + MUTATIONS;
    }
    eprintln!("fuzz smoke: {total} inputs over {} targets", TARGETS.len());
}
