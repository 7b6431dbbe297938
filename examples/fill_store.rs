//! Benchmark helper: fills a store with N small sealed reports through the store's own API
//! (group commit, one log entry each), then integrates the log once and reports the time.
//!
//!   cargo run --release --example fill_store -- DATA_DIR 100000
//!   /usr/bin/time -v target/release/approdo audit store --data DATA_DIR

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use approdo::model::{Day, ReportState, SealedBy};
use approdo::store::{ReportMeta, Store};
use sha2::{Digest, Sha256};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (data, n) = (
        std::path::PathBuf::from(&args[1]),
        args[2].parse::<usize>().unwrap(),
    );
    let directory = approdo::keys::demo::directory().unwrap();
    let partner = directory
        .directory()
        .partner("lavoro-milano")
        .unwrap()
        .clone();
    let report = br#"{"schema":"approdo.report/v1","language":"en","description":"bench"}"#;
    let plain = approdo::envelope::pack(report, &[]).unwrap();
    let mut sealed = Vec::new();
    approdo::envelope::seal_to(
        &mut sealed,
        &partner.age_recipients().unwrap(),
        plain.as_slice(),
    )
    .unwrap();
    let sha = approdo::model::Sha256(Sha256::digest(&sealed).into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&data, &directory).unwrap();
        let t0 = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..n {
            let (store, sealed, sha, partner) = (store.clone(), sealed.clone(), sha, partner.id.clone());
            tasks.spawn(async move {
                let up = store.upload(Day::today());
                let meta = ReportMeta {
                    id: up.id(),
                    partner,
                    day: Day::today(),
                    size: sealed.len() as u64,
                    sealed: SealedBy::Client,
                    state: ReportState::Received,
                    sha256: sha,
                    chunks: 1,
                    acknowledged: None,
                };
                up.finish(meta, Some(bytes::Bytes::from(sealed))).await.unwrap();
            });
            if i % 512 == 511 {
                while tasks.join_next().await.is_some() {}
            }
        }
        while tasks.join_next().await.is_some() {}
        let stored = t0.elapsed();
        let t1 = Instant::now();
        store.integrate_log(0, 86_400).await.unwrap();
        let integrated = t1.elapsed();
        println!(
            "{n} reports of {} bytes stored in {:.1} s; log integration of {n} entries {:.2} s = {:.1} µs per entry",
            sealed.len(),
            stored.as_secs_f64(),
            integrated.as_secs_f64(),
            integrated.as_secs_f64() * 1e6 / n as f64
        );
        let closer = store.closer();
        drop(store);
        closer.wait(std::time::Duration::from_secs(60));
    });
}
