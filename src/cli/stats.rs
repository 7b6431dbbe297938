//! `approdo stats`: counts over pulled reports (or merged raw CSVs), small cells suppressed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::stats::{self, chart, Counts};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Md,
    Svg,
}

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// Folders of pulled reports (`approdo pull --out DIR`), or single report folders.
    dirs: Vec<PathBuf>,
    /// What to count, comma-separated: month and choice fields such as harm_types,help_wanted,
    /// urgency,age_band,gender,where_happened,work_sector.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "month,help_wanted,harm_types"
    )]
    by: Vec<String>,
    /// Cells with fewer reports than this are suppressed. 1 gives exact counts, to share
    /// between partners for --merge only: never publish those.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    min_count: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    format: Format,
    /// Sum raw CSVs of several partners (made with --format csv --min-count 1) instead of
    /// reading reports; --by is then taken from the files.
    #[arg(long, num_args = 1.., conflicts_with = "dirs")]
    merge: Vec<PathBuf>,
}

pub(crate) fn run(a: StatsArgs) -> anyhow::Result<ExitCode> {
    let counts = if !a.merge.is_empty() {
        let files = a
            .merge
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))
                    .map(|t| (p.display().to_string(), t))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Counts::merge(&files)?
    } else {
        if a.dirs.is_empty() {
            bail!("give the folders of pulled reports (approdo pull --out DIR), or --merge CSV…");
        }
        let (fields, by_month) = stats::parse_by(&a.by)?;
        let loaded = stats::load(&a.dirs)?;
        if !loaded.skipped.is_empty() {
            eprintln!(
                "approdo: skipped {} folder(s) without a readable v1 report.json: {}",
                loaded.skipped.len(),
                loaded.skipped.join(", ")
            );
        }
        if loaded.follow_ups > 0 {
            eprintln!(
                "approdo: {} follow-up message(s) not counted",
                loaded.follow_ups
            );
        }
        if by_month && loaded.without_day > 0 {
            eprintln!(
                "approdo: {} report(s) have no meta.json (pulled before it was written): month \"unknown\"",
                loaded.without_day
            );
        }
        Counts::count(&loaded.records, &fields, by_month)
    };
    if a.min_count < 5 {
        eprintln!(
            "approdo: --min-count {}: small numbers are visible; share this only with partners, never publish it",
            a.min_count
        );
    }
    let tables = counts.tables(a.min_count);
    let out = match a.format {
        Format::Csv => tables.csv(),
        Format::Md => tables.markdown(),
        Format::Svg => chart::svg(&tables),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
