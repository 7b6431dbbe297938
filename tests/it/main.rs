//! approdo's integration tests: one binary, real servers on port 0, real redb files, the Go
//! reference `age`, the C2SP CCTV vectors.

#![allow(clippy::unwrap_used)]

mod audit;
mod backup;
mod cctv;
mod common;
mod crash;
mod golden;
mod interop;
mod keys;
mod mailbox;
mod nojs;
mod officer;
mod retention;
mod rotation;
mod submit;
mod tor;
mod uploads;
mod web;
