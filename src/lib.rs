//! approdo — an end-to-end encrypted drop box for safe reporting.
//!
//! Threat model in brief: reports are sealed with age to a partner's officers' X25519 keys
//! (or post-quantum hybrid `mlkem768x25519` keys, for a partner whose officers all have one)
//! before they reach the server (in the browser, or by any age client); the server checks
//! only their shape and stores ciphertext in one redb file, with no address, user agent or
//! exact time anywhere; officers prove they hold a listed key to download their partner's
//! reports and decrypt them on their own machine; the partner directory is signed by an
//! offline network key, so a server cannot slip in a key of its own without the signature
//! failing; `approdo audit` checks a copy of the store with no key that decrypts.
//!
//! Without JavaScript the server seals the form as it arrives, in memory (files spooled to disk
//! encrypted to a key that never leaves the request), and records that it did. Replies reach
//! her only through a mailbox her codename opens; the server files them under an id derived
//! from the codename that says nothing about the report.
//!
//! Modules: [`model`] (ids, days, states, digests, the API's report summary: the leaf every
//! layer names), [`agefile`] (the one place age files are sealed and opened), [`agekeys`] (the age key types: X25519 and the post-quantum hybrid
//! `mlkem768x25519`, the one place primitives are composed by hand), [`envelope`] (the plaintext format: tar + `report.json` + Padmé), [`admission`]
//! (what a valid sealed upload looks like), [`policy`] (the security headers every response carries), [`pow`] (the proof-of-work rule), [`keys`] (network key, officer identities, the
//! signed directory, the demo network), [`store`] (redb tables, chunks, the group-commit
//! writer, resumable uploads), [`html`](mod@html) (the escaper, typed markup, the page templates and their one fill), [`http`] (actix routes, pages, the no-JavaScript path), [`server`] (the composition root:
//! settings → store, state, jobs, sockets),
//! [`transparency`] (the Merkle log of every store, deletion, directory and acknowledgement,
//! signed checkpoints, receipts), [`codename`] (reply keys and mailbox ids from a codename),
//! [`reply`] (what officers send to a mailbox and how a report asks for it), [`client`] (the
//! officer's HTTP client), [`audit`] (store, log and site audits), [`config`] (the production
//! configuration and the refusal of DEMO keys), [`admin`] (the admin socket live backups go
//! through), [`cli`] (subcommands), [`outreach`] (printable cards with the onion address),
//! [`stats`] (publishable counts over pulled reports), [`vault`] (the officer's reports kept
//! sealed at rest), [`desk`] (her local inbox over the vault), [`case`] (case state
//! records sealed to a partner's officers).

pub mod admin;
pub mod admission;
pub mod agefile;
pub mod agekeys;
pub mod audit;
pub mod case;
pub mod cli;
pub mod client;
pub mod codename;
pub mod config;
pub mod desk;
pub mod envelope;
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
pub mod html;
pub mod http;
pub mod intake;
pub mod keys;
pub mod locale;
pub mod model;
pub mod outreach;
pub mod policy;
pub mod pow;
pub mod reply;
pub mod server;
#[cfg(test)]
mod sources;
pub mod stats;
pub mod store;
pub mod transparency;
pub mod vault;
pub mod witness;
