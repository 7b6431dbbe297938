//! `approdo reply`: answer a pulled report in her codename mailbox, sealed to the reply
//! recipient her report carries and signed with the officer's key (her page shows the name of
//! the partner the signature belongs to); optionally propose an appointment. `--status`
//! instead tells her where her report stands ("received", "read", "answered") without a
//! message, the way the desk shares it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::reports::{login, ServerArgs};
use crate::reply::{Appointment, ReplyAddress};

#[derive(Debug, Args)]
pub(crate) struct ReplyArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The report to answer: its id (a folder in --reports) or the path of its folder.
    #[arg(long)]
    report: String,
    /// The folder `approdo pull --out` wrote the reports to.
    #[arg(long, default_value = ".")]
    reports: PathBuf,
    /// The message.
    #[arg(long, required_unless_present_any = ["file", "status"], conflicts_with = "file")]
    message: Option<String>,
    /// A UTF-8 text file holding the message.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Propose an appointment at this help desk (with --time and --phrase).
    #[arg(long, requires_all = ["time", "phrase"])]
    desk: Option<String>,
    /// When the appointment is, in words.
    #[arg(long, requires = "desk")]
    time: Option<String>,
    /// The meeting phrase she says at the desk instead of her name.
    #[arg(long, requires = "desk")]
    phrase: Option<String>,
    /// Instead of a message: tell her the report was received, read or answered.
    #[arg(long, conflicts_with_all = ["message", "file", "desk"], value_parser = ["received", "read", "answered"])]
    status: Option<String>,
}

pub(crate) fn run(a: ReplyArgs) -> anyhow::Result<ExitCode> {
    let as_path = PathBuf::from(&a.report);
    let folder = if as_path.join("report.json").is_file() {
        as_path
    } else {
        a.reports.join(&a.report)
    };
    let report_json = folder.join("report.json");
    let bytes = std::fs::read(&report_json).with_context(|| {
        format!(
            "reading {}: pull the report first (approdo pull --out DIR), then pass --reports DIR",
            report_json.display()
        )
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", report_json.display()))?;
    // Refused before the passphrase is asked, when the report cannot be answered.
    ReplyAddress::from_report_json(&json)?;
    let in_reply_to = folder
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.parse::<crate::model::ReportId>().is_ok())
        .map(str::to_owned)
        .context("the report folder's name is not a report id (as approdo pull writes it)")?;
    if let Some(status) = a
        .status
        .as_deref()
        .and_then(crate::reply::SharedStatus::parse)
    {
        let client = login(&a.server)?;
        let id = crate::reply::send::share_status(&client, &json, &in_reply_to, status)?;
        println!(
            "status \"{}\" ({id}) is waiting in her mailbox; only her codename opens it",
            status.name()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let message = match (&a.message, &a.file) {
        (Some(m), _) => m.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("reading {} (a UTF-8 text file)", f.display()))?,
        (None, None) => bail!("give the message with --message TEXT or --file FILE"),
    };
    let appointment = match (a.desk, a.time, a.phrase) {
        (Some(desk), Some(time), Some(phrase)) => Some(Appointment { desk, time, phrase }),
        _ => None,
    };
    let client = login(&a.server)?;
    let id = crate::reply::send::send(&client, &json, &in_reply_to, message, appointment)?;
    println!("reply {id} is waiting in her mailbox; only her codename opens it");
    Ok(ExitCode::SUCCESS)
}
