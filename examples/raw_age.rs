//! Raw age through approdo's own seal/open code, for the typage ↔ Rust interop tests
//! (`web/test/interop.test.mjs`): `raw_age encrypt AGE1… < plain > sealed`,
//! `raw_age decrypt IDENTITY_FILE < sealed > plain`, `raw_age recipient IDENTITY_FILE` (the
//! first identity's recipient). Recipients and identities may be X25519 (`age1…`) or
//! post-quantum hybrid (`age1pq1…`, `AGE-SECRET-KEY-PQ-1…`).

use std::io::{BufReader, Read, Write};
use std::str::FromStr;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(arg)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: raw_age encrypt AGE1… | decrypt IDENTITY_FILE");
    };
    let mut stdout = std::io::stdout().lock();
    match mode.as_str() {
        "encrypt" => {
            let r = approdo::agekeys::Recipient::from_str(arg).map_err(anyhow::Error::msg)?;
            approdo::envelope::seal_to(&mut stdout, &[r], std::io::stdin().lock())?;
        }
        "decrypt" => {
            let ids = approdo::keys::OfficerIdentity::read_all(std::path::Path::new(arg), || {
                Err(approdo::keys::KeyError::NoPassphrase(arg.clone()))
            })?;
            let ids: Vec<approdo::agekeys::Identity> =
                ids.iter().map(|i| i.age().clone()).collect();
            let mut plain = approdo::envelope::open(BufReader::new(std::io::stdin().lock()), &ids)?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = plain.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                stdout.write_all(&buf[..n])?;
            }
        }
        "recipient" => {
            let ids = approdo::keys::OfficerIdentity::read_all(std::path::Path::new(arg), || {
                Err(approdo::keys::KeyError::NoPassphrase(arg.clone()))
            })?;
            writeln!(stdout, "{}", ids[0].recipient())?;
        }
        other => anyhow::bail!("unknown mode {other}"),
    }
    stdout.flush()?;
    Ok(())
}
