//! Opening a stored reply for the page without JavaScript: decrypt with her reply identity,
//! then verify the officer's signature against the served directory, with the report id from
//! inside the reply. Only a verified reply is shown, under the directory's name for the
//! partner that signed it; the name the officer typed (`partner_name`) is never shown.

use super::super::pages::PageLang;
use super::super::AppState;
use crate::codename::ReplyKeys;
use crate::html::Html;
use crate::reply::{Reply, ReplySignature};
use crate::store::MailboxMessage;

/// A reply her codename opened.
pub(super) enum Shown {
    /// The signature verified: show it under `name`.
    Verified { reply: Box<Reply>, name: String },
    /// It opened but its signature is missing or false: hide it, say so.
    Hidden,
}

/// `None` when her codename cannot open it (not hers to see, nor to know of).
pub(super) fn show(state: &AppState, keys: &ReplyKeys, m: &MailboxMessage) -> Option<Shown> {
    let (signed, sealed) = ReplySignature::unframe(&m.sealed);
    let reply = Reply::open_nojs_mailbox_reply(sealed, keys.identity()).ok()?;
    let verified = signed.as_ref().and_then(|s| {
        let partner = s
            .verify(
                state.directory.directory(),
                &keys.mailbox,
                &reply.in_reply_to,
                sealed,
            )
            .ok()?;
        // Follow-ups are sealed to `reply.partner`: it must be the partner who signed.
        (partner.id.as_str() == reply.partner).then(|| partner.name.clone())
    });
    Some(match verified {
        Some(name) => Shown::Verified {
            reply: Box::new(reply),
            name,
        },
        None => Shown::Hidden,
    })
}

/// The line shown in place of a reply that does not verify.
pub(super) fn hidden(l: &PageLang, day: &str) -> Html {
    crate::html!(
        "<article class=\"message hidden-reply\">\n<p role=\"alert\">{}</p>\n</article>\n",
        l.fill("mailbox.hidden", &[("day", day)])
    )
}
