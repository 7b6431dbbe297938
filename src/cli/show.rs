//! `approdo show DIR/<id>`: a pulled report as a readable summary (Italian and English labels,
//! urgency and safety first). The work is in [`crate::intake::show`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Pulled report folders (`approdo pull --out DIR` makes `DIR/<id>/`), or `report.json` files.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
}

pub(crate) fn run(a: ShowArgs) -> anyhow::Result<ExitCode> {
    for (i, path) in a.reports.iter().enumerate() {
        let text = crate::intake::show_path(path)
            .with_context(|| format!("cannot show {}", path.display()))?;
        if i > 0 {
            println!();
        }
        print!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}
