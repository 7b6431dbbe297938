//! approdo's integration tests: one binary, real servers on port 0, real redb files, the Go
//! reference `age`, the C2SP CCTV vectors.

#![allow(clippy::unwrap_used)]

mod audit;
mod cctv;
mod common;
mod crash;
mod golden;
mod intake;
mod interop;
mod keys;
mod mailbox;
mod nojs;
mod officer;
mod outreach;
mod stats;
mod submit;
mod transparency;
mod uploads;
mod web;
