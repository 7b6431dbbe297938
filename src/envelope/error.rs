//! The single error type of the envelope module, [`EnvelopeError`].
//!
//! Messages are lowercase, give enough context to act on, and never include
//! report content, attachment names taken from an archive, or key material.
//! Attachments are identified by their 1-based position instead of by name.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while packing, sealing, opening or unpacking an envelope.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The report JSON is not a valid UTF-8 JSON object.
    #[error("report.json is not a valid JSON object ({0}); fix the report data and try again")]
    InvalidReport(String),

    /// The report JSON has no `schema` field or an unknown one.
    #[error("report.json has a missing or unsupported \"schema\"; expected \"{expected}\" (the envelope may come from a newer version)")]
    WrongSchema {
        /// The schema this version understands.
        expected: &'static str,
    },

    /// An attachment name cannot be stored safely.
    #[error("attachment {index} has an unusable name: {reason}; rename the file and try again")]
    BadAttachmentName {
        /// 1-based position of the attachment.
        index: usize,
        /// What is wrong with the name.
        reason: &'static str,
    },

    /// Two attachments have the same name.
    #[error("attachment {index} has the same name as an earlier attachment; rename one of them")]
    DuplicateAttachment {
        /// 1-based position of the second attachment with that name.
        index: usize,
    },

    /// An attachment reader delivered a different number of bytes than announced.
    #[error("attachment {index} was announced as {expected} bytes but {actual} bytes could be read; the file may have changed while packing, try again")]
    AttachmentLength {
        /// 1-based position of the attachment.
        index: usize,
        /// Announced length.
        expected: u64,
        /// Bytes actually available (capped at `expected + 1`).
        actual: u64,
    },

    /// Reading an attachment failed while packing.
    #[error("could not read attachment {index}: {source}")]
    ReadAttachment {
        /// 1-based position of the attachment.
        index: usize,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The envelope would exceed a size or count limit.
    #[error("{what} exceeds the limit of {limit}; {hint}")]
    Limit {
        /// What exceeded the limit.
        what: &'static str,
        /// The limit.
        limit: u64,
        /// What the user can do.
        hint: &'static str,
    },

    /// Writing the envelope or the ciphertext to its destination failed.
    #[error("could not write the envelope output: {0}; check free space and permissions")]
    WriteOutput(#[source] io::Error),

    /// Reading the plaintext to seal failed.
    #[error("could not read the envelope plaintext to seal: {0}")]
    ReadPlaintext(#[source] io::Error),

    /// No recipients were given for sealing.
    #[error("no recipients given; add at least one partner public key (age1...)")]
    NoRecipients,

    /// Post-quantum (`age1pq1…`) and X25519 recipients in one file: the X25519 stanzas would
    /// undo the post-quantum protection.
    #[error("post-quantum (age1pq1...) and X25519 (age1...) recipients cannot share a file; a partner's officers must all use one kind")]
    MixedRecipients,

    /// age refused to set up encryption.
    #[error("could not set up encryption to the given recipients")]
    Encrypt,

    /// The input is not an age file this program can open.
    #[error("this is not a valid age-encrypted envelope ({reason}); check that you picked the right file")]
    NotAnEnvelope {
        /// Short description of the problem.
        reason: &'static str,
    },

    /// None of the identities can decrypt the envelope.
    #[error("none of the given keys can open this envelope; check that you are using the right key file")]
    WrongKey,

    /// Reading or authenticating the ciphertext failed.
    #[error("could not read or authenticate the envelope: {0}; the file may be truncated or tampered with, ask for it to be sent again")]
    ReadCiphertext(#[source] io::Error),

    /// An archive entry was refused as unsafe or malformed.
    #[error("envelope entry {index} refused: {reason}; the envelope is damaged or was not made by approdo, do not trust it")]
    UnsafeEntry {
        /// 1-based position of the entry in the archive.
        index: usize,
        /// Why the entry was refused.
        reason: &'static str,
    },

    /// The archive structure (order, end marker, padding) is wrong.
    #[error("envelope is malformed: {0}; the envelope is damaged or was not made by approdo, do not trust it")]
    Malformed(&'static str),

    /// The output folder cannot be used.
    #[error("cannot unpack into {}: {reason}; choose a new or empty folder", path.display())]
    OutDir {
        /// The folder.
        path: PathBuf,
        /// Why it cannot be used.
        reason: &'static str,
    },

    /// Writing an unpacked file or folder failed.
    #[error("could not write {what} in {}: {source}; check free space and permissions", dir.display())]
    WriteFile {
        /// The output folder.
        dir: PathBuf,
        /// What was being written ("report.json", "attachment 2", ...), never a name from the archive.
        what: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}
