//! `approdo witness keygen|serve` (a C2SP tlog-witness an NGO can host) and
//! `approdo witness-relay` (carries checkpoints to the directory's witnesses and their
//! cosignatures back to the server). See [`crate::witness`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::transparency::LogVerifier;
use crate::witness::{relay, state::Witness, Cosigner};

/// `approdo witness …`
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Make a witness key: writes the secret (0600) and prints the public key to list in the
    /// network's partners.toml (`[[witness]] key = "…"`).
    Keygen {
        /// The witness's name, a schema-less URL (e.g. `witness.example.org/approdo`).
        #[arg(long)]
        name: String,
        /// Where to write the secret key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the witness: `POST /add-checkpoint`, `GET /<origin hash>/checkpoint`.
    Serve {
        /// The witness's secret key (from `witness keygen`).
        #[arg(long)]
        key: PathBuf,
        /// A log to witness: its verifier key (`approdo.log/…+…+…`, as `/api/v1/log/key`
        /// announces). Repeat for several logs.
        #[arg(long = "log-key", required = true)]
        log_keys: Vec<String>,
        /// The folder that keeps the latest cosigned checkpoint of each log.
        #[arg(long)]
        state: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
    },
}

/// `approdo witness-relay …`
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The drop box (`http://….onion`).
    #[arg(long)]
    server: String,
    /// The network public key (network.pub) that signed the directory listing the witnesses
    /// [default: the DEMO network's].
    #[arg(long)]
    network_key: Option<PathBuf>,
    /// The log's verifier key to pin [default: the one the server announces, trusted on first
    /// use — compare it with the key your network publishes].
    #[arg(long)]
    log_key: Option<String>,
    /// A SOCKS proxy for every request (`socks5h://127.0.0.1:9050` for tor).
    #[arg(long)]
    proxy: Option<String>,
}

pub(crate) fn witness(c: WitnessCommand) -> anyhow::Result<ExitCode> {
    match c {
        WitnessCommand::Keygen { name, out } => {
            let w = Cosigner::generate(&name)?;
            crate::keys::write_new_0600(&out, w.secret_text().as_bytes())?;
            eprintln!("wrote the witness secret key to {} (0600)", out.display());
            println!("{}", w.vkey());
        }
        WitnessCommand::Serve {
            key,
            log_keys,
            state,
            listen,
        } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("reading the witness key {}", key.display()))?;
            let cosigner = Cosigner::parse(&text)?;
            let logs = log_keys
                .iter()
                .map(|k| LogVerifier::new(k.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            let witness = Witness::open(cosigner, logs, &state)?;
            eprintln!("witness key {}", witness.vkey());
            crate::witness::http::serve(witness, &listen)
                .with_context(|| format!("serving the witness on {listen}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn relay(a: RelayArgs) -> anyhow::Result<ExitCode> {
    let key = super::NetworkKeyArg::new(a.network_key)?;
    let client = crate::client::Client::new(&a.server, a.proxy.as_deref())?;
    let (bytes, sig) = client.directory()?;
    let directory = key.verify(bytes, sig)?;
    let dir = directory.directory();
    let verifiers = dir.witness_verifiers()?;
    if verifiers.is_empty() {
        anyhow::bail!("the network's directory lists no witnesses: nothing to relay");
    }
    let witnesses: Vec<relay::Endpoint> = verifiers
        .into_iter()
        .zip(&dir.witnesses)
        .map(|(verifier, entry)| relay::Endpoint {
            verifier,
            url: entry.url.clone(),
        })
        .collect();
    let agent = crate::client::agent_builder(a.proxy.as_deref())?.build();
    let base = a.server.trim_end_matches('/');
    let vkey = match a.log_key {
        Some(k) => k.trim().to_owned(),
        None => {
            let answer: serde_json::Value = agent
                .get(&format!("{base}/api/v1/log/key"))
                .call()
                .context("asking the server for its log key")?
                .into_json()?;
            let vkey = answer["vkey"]
                .as_str()
                .context("the server announces no log key")?
                .to_owned();
            eprintln!(
                "note: using the log key the server announces, {vkey} (pass --log-key to pin it)"
            );
            vkey
        }
    };
    let log = LogVerifier::new(&vkey)?;
    let done = relay::relay(&agent, base, &log, &witnesses)?;
    for w in &done.cosigned {
        println!("cosigned by {w}");
    }
    for (w, why) in &done.failed {
        println!("NOT cosigned by {w}: {why}");
    }
    println!(
        "checkpoint of {} entries: the server serves {} cosignature(s); the directory asks for {}",
        done.size, done.served, dir.witness_quorum
    );
    Ok(
        if done.served >= u64::from(dir.witness_quorum) && done.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
