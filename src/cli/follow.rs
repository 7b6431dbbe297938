//! Before a pull: the officer's view of the server's log ([`crate::witness::follow`]) is
//! brought up to date, or the pull stops on a rollback or fork.

use std::path::PathBuf;

use super::reports::ServerArgs;
use crate::client::Client;

/// Before a pull: the server's log must extend the one seen at the last pull (and carry the
/// directory's witness quorum when the network key is given); a fork stops the pull.
pub(super) fn follow_log(s: &ServerArgs, network_key: Option<PathBuf>) -> anyhow::Result<()> {
    let Some(state) = crate::keys::floor::state_dir() else {
        eprintln!("warning: no state directory (set APPRODO_STATE_DIR): the log is not followed");
        return Ok(());
    };
    let (witnesses, quorum) = match network_key {
        Some(path) => {
            let key = super::NetworkKeyArg::new(Some(path))?;
            let (bytes, sig) = Client::new(&s.server, s.proxy.as_deref())?.directory()?;
            let dir = key.verify(bytes, sig)?;
            (
                dir.directory().witness_verifiers()?,
                dir.directory().witness_quorum,
            )
        }
        None => (Vec::new(), 0),
    };
    let agent = crate::client::agent_builder(s.proxy.as_deref())?.build();
    use crate::witness::follow::{follow, Followed};
    match follow(&agent, &s.server, &state, &witnesses, quorum)? {
        Followed::NoLog => eprintln!("log: the server has no signed checkpoint yet"),
        Followed::Consistent {
            before,
            size,
            witnesses,
            new_key,
        } => {
            if new_key {
                eprintln!(
                    "warning: this server signs its log with a key you have not seen it use \
                     before; a log key changes only when your network announces it — ask your \
                     coordinator"
                );
            }
            let cosigned = if witnesses.is_empty() {
                String::new()
            } else {
                format!(", cosigned by {}", witnesses.join(", "))
            };
            match before {
                Some(b) => eprintln!(
                    "log: {size} entries, consistent with the {b} you saw before{cosigned}"
                ),
                None => {
                    eprintln!("log: {size} entries, first seen (kept for the next pull){cosigned}")
                }
            }
        }
    }
    Ok(())
}
