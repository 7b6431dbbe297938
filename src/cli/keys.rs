//! `approdo network|officer|directory …`: key generation and the signed directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::keys::{
    Directory, NetworkKey, NetworkPublicKey, OfficerIdentity, Passphrase, SignedDirectory,
};

/// The shortest passphrase a new identity accepts (it guards the keys to every report of a
/// partner; scrypt slows guessing, it cannot save a short one).
const MIN_PASSPHRASE_CHARS: usize = 12;

#[derive(Debug, Subcommand)]
pub(crate) enum NetworkCommand {
    /// Generate the network signing key (keep it offline); prints the public key.
    Keygen {
        /// Where to write the secret key (created 0600, never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Also write the public key here.
        #[arg(long)]
        public_out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OfficerCommand {
    /// Generate an officer identity; prints its age1… recipient for the directory.
    Keygen {
        /// Where to write the identity file (created 0600, never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Write the identity unencrypted (demos and tests only).
        #[arg(long)]
        no_passphrase: bool,
        /// A post-quantum hybrid identity (`AGE-SECRET-KEY-PQ-1…`, recipient `age1pq1…`,
        /// age's `mlkem768x25519`): every officer of a partner must then be post-quantum.
        #[arg(long)]
        pq: bool,
    },
    /// Print an identity's public parts: its age1… recipient and its signing key, the two
    /// lines a partner sends to the network coordinator for the directory.
    Show {
        /// The identity file.
        #[arg(long)]
        identity: PathBuf,
    },
    /// Rotate: a new identity first, then every identity of the old file (to open older
    /// reports), in a new file; prints the new age1… recipient for the directory. With
    /// `--pq` the new identity is post-quantum (moving an officer from X25519 to
    /// `mlkem768x25519`; the old X25519 identities stay to open older reports).
    Rotate {
        /// The current identity file (left as it is).
        #[arg(long)]
        identity: PathBuf,
        /// Where to write the new identity file (created 0600, never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Write it unencrypted (demos and tests only).
        #[arg(long)]
        no_passphrase: bool,
        /// A post-quantum hybrid identity (`AGE-SECRET-KEY-PQ-1…`, recipient `age1pq1…`,
        /// age's `mlkem768x25519`): every officer of a partner must then be post-quantum.
        #[arg(long)]
        pq: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DirectoryCommand {
    /// Sign partners.toml into directory.json (+ directory.sig beside it).
    Sign {
        #[arg(long)]
        partners: PathBuf,
        /// The network secret key.
        #[arg(long)]
        key: PathBuf,
        /// Output directory.json; the signature goes to the same name with .sig.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify directory.json and its signature against the network public key.
    Verify {
        #[arg(long, default_value = "keys/demo/directory.json")]
        directory: PathBuf,
        /// The signature file (default: beside the directory, .sig).
        #[arg(long)]
        signature: Option<PathBuf>,
        /// The network public key file.
        #[arg(long, default_value = "keys/demo/network.pub")]
        network_key: PathBuf,
    },
}

pub(crate) fn network(c: NetworkCommand) -> anyhow::Result<ExitCode> {
    let NetworkCommand::Keygen { out, public_out } = c;
    let key = NetworkKey::generate();
    key.write_new(&out).context("writing the network key")?;
    if let Some(p) = public_out {
        std::fs::write(&p, format!("{}\n", key.public()))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    eprintln!(
        "wrote the network signing key to {} (keep it offline)",
        out.display()
    );
    println!("{}", key.public());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn officer(c: OfficerCommand) -> anyhow::Result<ExitCode> {
    let (out, no_passphrase, pq, old) = match c {
        OfficerCommand::Keygen {
            out,
            no_passphrase,
            pq,
        } => (out, no_passphrase, pq, Vec::new()),
        OfficerCommand::Show { identity } => {
            let what = identity.display().to_string();
            for id in OfficerIdentity::read_all(&identity, || {
                Passphrase::obtain(&format!("passphrase for {what}: "), &what)
            })? {
                println!("recipient = \"{}\"", id.recipient());
                println!("officer_key = \"{}\"", id.signing_public()?);
            }
            return Ok(ExitCode::SUCCESS);
        }
        OfficerCommand::Rotate {
            identity,
            out,
            no_passphrase,
            pq,
        } => {
            let what = identity.display().to_string();
            let old = OfficerIdentity::read_all(&identity, || {
                Passphrase::obtain(&format!("passphrase for {what}: "), &what)
            })?;
            (out, no_passphrase, pq, old)
        }
    };
    create_parent_0700(&out)?;
    let identity = OfficerIdentity::generate_kind(pq);
    let passphrase = if no_passphrase {
        None
    } else {
        let p = Passphrase::obtain(
            "passphrase for the new identity: ",
            &out.display().to_string(),
        )?;
        let chars = p.len_chars();
        anyhow::ensure!(
            chars >= MIN_PASSPHRASE_CHARS,
            "a passphrase of {chars} character(s) protects nothing: use at least \
             {MIN_PASSPHRASE_CHARS} (four or five unrelated words are easy to type and hard to \
             guess), or --no-passphrase only on a machine with full-disk encryption that only \
             you use; nothing was written"
        );
        if std::env::var(crate::keys::officer::PASSPHRASE_ENV).is_err() {
            let again = Passphrase::obtain("again: ", &out.display().to_string())?;
            anyhow::ensure!(
                p.matches(&again),
                "the two passphrases differ; nothing was written"
            );
        }
        Some(p)
    };
    let kept = old.len();
    let mut all = vec![identity];
    all.extend(old);
    OfficerIdentity::write_all_new(&all, &out, passphrase.as_ref())
        .context("writing the identity")?;
    let identity = &all[0];
    if kept > 0 {
        eprintln!(
            "kept {kept} earlier identit{} in the new file for older reports; send the new recipient to the coordinator",
            if kept == 1 { "y" } else { "ies" }
        );
    }
    eprintln!(
        "wrote an officer identity to {}{}",
        out.display(),
        if no_passphrase {
            " (NOT protected by a passphrase)"
        } else {
            " (protected by your passphrase)"
        }
    );
    eprintln!(
        "its signing key (for the directory's officer_keys): {}",
        identity.signing_public()?
    );
    println!("{}", identity.recipient());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn directory(c: DirectoryCommand) -> anyhow::Result<ExitCode> {
    match c {
        DirectoryCommand::Sign { partners, key, out } => {
            let text = std::fs::read_to_string(&partners)
                .with_context(|| format!("reading {}", partners.display()))?;
            let dir = Directory::from_partners_toml(&text)
                .with_context(|| format!("in {}", partners.display()))?;
            let key = NetworkKey::read(&key)?;
            let (bytes, sig) = dir.sign(&key)?;
            let sig_path = out.with_extension("sig");
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            std::fs::write(&sig_path, &sig)
                .with_context(|| format!("writing {}", sig_path.display()))?;
            println!(
                "signed directory version {} ({} partners) → {} and {}",
                dir.version,
                dir.partners.len(),
                out.display(),
                sig_path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        DirectoryCommand::Verify {
            directory,
            signature,
            network_key,
        } => {
            let key = NetworkPublicKey::read(&network_key)?;
            let dir = SignedDirectory::read(&key, &directory, signature.as_deref())?;
            let d = dir.directory();
            println!("OK: {} version {} signed by {}", d.network, d.version, key);
            for p in &d.partners {
                println!(
                    "  {} — {} ({} recipients)",
                    p.id,
                    p.name,
                    p.recipients.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Creates the missing folders above a new identity file, 0700 (the officer guide writes
/// `~/approdo/officer.key` before `~/approdo` exists). Existing folders are left as they are.
fn create_parent_0700(file: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating the folder {}", dir.display())),
        _ => Ok(()),
    }
}
