//! approdo's integration tests: one binary, real servers on port 0, real redb files, the Go
//! reference `age`, the C2SP CCTV vectors.

#![allow(clippy::unwrap_used)]

mod attack_budgets;
mod attack_directories;
mod attack_door;
mod attack_erase;
mod attack_finalise;
mod attack_kdf;
mod attack_log;
mod attack_replies;
mod attack_uploads;
mod audit;
mod backup;
mod case;
mod case_chain;
mod cctv;
mod ci;
mod common;
mod crash;
mod desk;
mod desk_needs;
mod desk_share;
mod docs;
mod faults;
mod fuzz_smoke;
mod golden;
mod headers;
mod health;
mod hostile;
mod hybrid;
mod hybrid_server;
mod inproc;
mod intake;
mod interop;
mod keys;
mod mailbox;
mod nojs;
mod notrace;
mod officer;
mod outreach;
mod proxy;
mod pull;
mod retention;
mod rotation;
mod rotation_pq;
mod slow;
mod stats;
mod submit;
mod tamper;
mod tamper_pins;
mod tor;
mod transparency;
mod uploads;
mod vault;
mod witness;
