//! `approdo show DIR/<id>`: a pulled report as a readable summary (Italian and English labels,
//! urgency and safety first). The work is in [`crate::intake::show`].

use std::io::Write;
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
    let mut out = std::io::stdout().lock();
    for (i, path) in a.reports.iter().enumerate() {
        let text = crate::intake::show_path(path)
            .with_context(|| format!("cannot show {}", path.display()))?;
        let written = if i > 0 { writeln!(out) } else { Ok(()) }
            .and_then(|()| out.write_all(text.as_bytes()))
            .and_then(|()| out.flush());
        match written {
            // `approdo show … | head`: the reader has what it wanted.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            other => other.context("writing the summary")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
