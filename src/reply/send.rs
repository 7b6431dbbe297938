//! Sending a reply to a report, as `approdo reply` and the desk both do: the address comes
//! from the report's `reply` object, the partner name she sees from the directory (only the
//! name above the message; the signature is what her page checks), the reply is sealed to her
//! reply recipient, signed and posted by the logged-in officer's client.

use super::{Appointment, Reply, ReplyAddress, ReplyError, SharedStatus, SCHEMA};
use crate::client::{Client, ClientError};

/// Why a reply was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The report cannot be answered, or the reply could not be sealed.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// The server refused it or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Seals `message` (and `appointment`) to the report `in_reply_to` whose `report.json` is
/// `report`, and posts it to her mailbox; returns the reply's id.
pub fn send(
    client: &Client,
    report: &serde_json::Value,
    in_reply_to: &str,
    message: String,
    appointment: Option<Appointment>,
) -> Result<String, SendError> {
    post(client, report, in_reply_to, message, appointment, None)
}

/// Shares a status with her ("received", "read", "answered"): a reply with no message, sealed
/// and signed the same way; returns its id.
pub fn share_status(
    client: &Client,
    report: &serde_json::Value,
    in_reply_to: &str,
    status: SharedStatus,
) -> Result<String, SendError> {
    post(
        client,
        report,
        in_reply_to,
        String::new(),
        None,
        Some(status),
    )
}

fn post(
    client: &Client,
    report: &serde_json::Value,
    in_reply_to: &str,
    message: String,
    appointment: Option<Appointment>,
    status: Option<SharedStatus>,
) -> Result<String, SendError> {
    let to = ReplyAddress::from_report_json(report)?;
    let partner = client.partner.clone().unwrap_or_default();
    let partner_name = client
        .directory()
        .ok()
        .and_then(|(d, _)| serde_json::from_slice::<crate::keys::Directory>(&d).ok())
        .and_then(|d| d.partner(&partner).map(|p| p.name.clone()))
        .unwrap_or_else(|| partner.clone());
    let reply = Reply {
        schema: SCHEMA.into(),
        partner,
        partner_name,
        in_reply_to: in_reply_to.to_owned(),
        message,
        appointment,
        status,
    };
    let sealed = reply.seal(&to)?;
    Ok(client.post_reply(&to.mailbox, &reply.in_reply_to, &sealed)?)
}
