//! Her answers, kept for one response when the server refuses a form sent without JavaScript,
//! so the form comes back filled ([`super::form`]) with the question at fault marked. Zeroised
//! on drop, redacted in `Debug`, never `Serialize`, never written anywhere.

use zeroize::Zeroizing;

use super::spec::question;
use crate::html::Html;

/// Her answers, to put back into a form the server refused: in memory for the one response
/// (zeroised on drop, redacted in `Debug`), and the question the refusal is about.
#[derive(Default)]
pub struct Filled {
    values: Vec<(&'static str, Zeroizing<String>)>,
    invalid: Option<(&'static str, String)>,
    /// She had attached files (a browser cannot be given them back: she attaches them again).
    pub files: bool,
    /// It was her answer from the mailbox, not a new report (the report form is not its page).
    pub follow_up: bool,
}

impl std::fmt::Debug for Filled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filled({} values, redacted)", self.values.len())
    }
}

/// Most values kept for a refill (a form has far fewer; a flood of fields is not echoed).
const MAX_FILLED: usize = 200;

impl Filled {
    /// Keeps one posted value of a question, or of `partner` (anything else is not echoed).
    pub fn push(&mut self, name: &str, value: &str) {
        let name = match question(name) {
            Some(q) => q.name,
            None if name == "partner" => "partner",
            None => return,
        };
        if self.values.len() < MAX_FILLED && !value.trim().is_empty() {
            self.values.push((name, Zeroizing::new(value.to_owned())));
        }
    }

    /// Marks the question `name` (or `partner`) as the one at fault, with `message` (plain text).
    pub fn mark(&mut self, name: &'static str, message: &str) {
        self.invalid = Some((name, message.to_owned()));
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether she answered `name` at all.
    pub fn answered(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| *n == name)
    }

    /// Whether she chose `code` for `name`.
    pub fn has(&self, name: &str, code: &str) -> bool {
        self.values
            .iter()
            .any(|(n, v)| *n == name && v.trim() == code)
    }

    /// Her text for `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The reason for `name`, when the refusal is about it.
    pub fn error(&self, name: &str) -> Option<&str> {
        match &self.invalid {
            Some((n, m)) if *n == name => Some(m),
            _ => None,
        }
    }

    /// `aria-invalid` on a field of `name` at fault (empty otherwise).
    pub fn invalid(&self, name: &str) -> Html {
        if self.error(name).is_some() {
            Html::markup(" aria-invalid=\"true\"")
        } else {
            Html::default()
        }
    }

    /// `aria-describedby` for `name`: its reason when at fault, then `more` (other ids).
    pub fn described(&self, name: &str, more: Option<&str>) -> Html {
        let ids: Vec<String> = self
            .error(name)
            .map(|_| format!("error-{name}"))
            .into_iter()
            .chain(more.map(str::to_owned))
            .collect();
        if ids.is_empty() {
            Html::default()
        } else {
            crate::html!(" aria-describedby=\"{}\"", Html::text(&ids.join(" ")))
        }
    }

    /// Both, for a single field.
    pub fn aria(&self, name: &str, more: Option<&str>) -> Html {
        self.invalid(name) + &self.described(name, more)
    }

    /// The reason as a paragraph beside the question (empty when it is not at fault).
    pub fn error_html(&self, name: &str) -> Html {
        self.error(name)
            .map(|m| {
                crate::html!(
                    "<p class=\"field-error\" id=\"error-{}\">{}</p>\n",
                    Html::text(name),
                    Html::text(m)
                )
            })
            .unwrap_or_default()
    }
}
