//! `approdo outreach`: printable cards in every core language (or those asked for).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::keys::{demo, NetworkPublicKey, SignedDirectory};
use crate::outreach::{self, Language, OnionAddress};

#[derive(Debug, Args)]
pub(crate) struct OutreachArgs {
    /// The site's onion address, as in tor's `hostname` file (56 characters + .onion).
    #[arg(long)]
    onion: String,
    /// Folder for the cards (created if missing; cards already there are replaced).
    #[arg(long)]
    out: PathBuf,
    /// Languages, comma-separated, e.g. it,ar,ur [default: the 14 core languages].
    #[arg(long, value_delimiter = ',')]
    lang: Vec<String>,
    /// The signed directory whose partners the card names [default: the DEMO directory].
    #[arg(long, requires = "network_key")]
    directory: Option<PathBuf>,
    /// The network public key the directory must verify against.
    #[arg(long, requires = "directory")]
    network_key: Option<PathBuf>,
}

pub(crate) fn run(a: OutreachArgs) -> anyhow::Result<ExitCode> {
    let onion = OnionAddress::parse(&a.onion)?;
    let directory = match (&a.directory, &a.network_key) {
        (Some(d), Some(k)) => SignedDirectory::read(&NetworkPublicKey::read(k)?, d, None)
            .context("the directory does not verify; refusing to name its partners")?,
        _ => {
            eprintln!(
                "approdo: naming the DEMO partners; give --directory and --network-key for your network"
            );
            demo::directory()?
        }
    };
    let names: Vec<&str> = directory
        .directory()
        .partners
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let languages: Vec<&Language> = if a.lang.is_empty() {
        outreach::languages()?.iter().collect()
    } else {
        a.lang
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| outreach::language(l))
            .collect::<Result<_, _>>()?
    };
    let written = outreach::write_cards(&a.out, &languages, &onion, &names)?;
    for l in &languages {
        if !l.reviewed {
            eprintln!(
                "approdo: the {} ({}) text is not yet reviewed by a native speaker",
                l.name, l.code
            );
        }
    }
    println!(
        "wrote {} files for {} language(s) into {}; open index.html to print",
        written.len(),
        languages.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
