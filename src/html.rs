//! HTML, in one place: the escaper, [`Html`] (markup that is escaped by construction), the
//! page templates of `web/templates/` ([`TEMPLATES`], the one list the manifest hashes) and
//! the one fill ([`Template::fill`]), with named `{{placeholders}}`.
//!
//! Markup comes only from compiled-in text (a template, a literal) and values only enter it
//! escaped: an [`Html`] is made by [`Html::text`] (escapes), [`Html::markup`] (a `&'static str`
//! literal), [`Template::fill`], [`Html::words`] (a translated sentence), joining [`Html`]s, or
//! the [`crate::html!`] macro, whose format string is a literal and whose arguments must be
//! [`Html`] already. There is no way to make one from a `String` outside this file (a test
//! greps the sources for one). A fill refuses a template whose placeholders
//! and values differ, so a placeholder left in a page or a value that goes nowhere is an
//! error, not a page that looks fine.

use std::collections::BTreeSet;
use std::fmt;

/// Escapes text for HTML (and XML) element content and attribute values: `& < > " '`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markup safe to put in a page: escaped text, compiled-in markup, or a filled template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Text, escaped.
    pub fn text(s: &str) -> Html {
        Html(escape(s))
    }

    /// Compiled-in markup (a literal: nothing from a request can be `'static`).
    pub fn markup(s: &'static str) -> Html {
        Html(s.to_owned())
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Appends `more`.
    pub fn push(&mut self, more: &Html) {
        self.0.push_str(&more.0);
    }

    /// Whether there is no markup at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A sentence (a translated string) with its `{name}` placeholders filled, in one pass:
    /// the sentence is escaped, each value is markup already ([`Html::text`] for text), a
    /// placeholder without a value stays as written, and a value that itself looks like
    /// `{name}` is not filled again.
    pub fn words(sentence: &str, values: &[(&str, &Html)]) -> Html {
        let mut out = Html::default();
        let mut rest = sentence;
        while let Some(open) = rest.find('{') {
            let (before, after) = (&rest[..open], &rest[open + 1..]);
            out.push(&Html::text(before));
            let value = after.find('}').and_then(|close| {
                let (_, v) = values.iter().find(|(k, _)| *k == &after[..close])?;
                Some((*v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push(&Html::markup("{"));
                    rest = after;
                }
            }
        }
        out + &Html::text(rest)
    }

    /// `items` with `separator` between them.
    pub fn join(items: &[Html], separator: &Html) -> Html {
        let mut out = Html::default();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(separator);
            }
            out.push(item);
        }
        out
    }

    /// For [`crate::html!`] only: a literal format string filled with [`Html`] arguments.
    #[doc(hidden)]
    pub fn __formatted(s: String) -> Html {
        Html(s)
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromIterator<Html> for Html {
    fn from_iter<I: IntoIterator<Item = Html>>(iter: I) -> Html {
        Html(iter.into_iter().map(|h| h.0).collect())
    }
}

impl std::ops::Add<&Html> for Html {
    type Output = Html;
    fn add(mut self, more: &Html) -> Html {
        self.push(more);
        self
    }
}

/// What [`crate::html!`] accepts as an argument: markup, and numbers (nothing to escape).
pub trait Fragment {
    /// The argument as markup.
    fn fragment(&self) -> &dyn fmt::Display;
}

impl Fragment for Html {
    fn fragment(&self) -> &dyn fmt::Display {
        self
    }
}

impl<T: Fragment> Fragment for &T {
    fn fragment(&self) -> &dyn fmt::Display {
        (**self).fragment()
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Fragment for $t {
            fn fragment(&self) -> &dyn fmt::Display {
                self
            }
        }
    )*};
}
numbers!(u16, u32, u64, usize);

/// `format!` for markup: a literal format string, arguments (all positional, or all named)
/// that are [`Html`] (or numbers) — a `&str` or `String` does not compile; escape it with [`Html::text`] first.
/// Do not capture variables inside the format string (`{x}`): that bypasses the check (a unit
/// test, `no_html_macro_captures_a_variable`, fails on one).
#[macro_export]
macro_rules! html {
    ($fmt:literal, $($name:ident = $arg:expr),+ $(,)?) => {
        $crate::html::Html::__formatted(format!(
            $fmt, $($name = $crate::html::Fragment::fragment(&$arg)),+
        ))
    };
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::html::Html::__formatted(format!(
            $fmt $(, $crate::html::Fragment::fragment(&$arg))*
        ))
    };
}

/// A page template of `web/templates/`, compiled in.
#[derive(Debug)]
pub struct Template {
    /// Its file name in `web/templates/` (and its key in the manifest).
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// The report form (`/report`, and a refused no-JS form filled again).
pub const REPORT: Template = Template {
    name: "report.html",
    text: include_str!("../web/templates/report.html"),
};

/// The frame of every page.
pub const PAGE: Template = Template {
    name: "page.html",
    text: include_str!("../web/templates/page.html"),
};

/// The mailbox login form.
pub const MAILBOX: Template = Template {
    name: "mailbox.html",
    text: include_str!("../web/templates/mailbox.html"),
};

/// Every template the site renders: the manifest hashes exactly these
/// (`http::assets::Site::for_network`), and a test keeps it equal to `web/templates/`.
pub const TEMPLATES: &[Template] = &[REPORT, PAGE, MAILBOX];

/// A template and its values do not match.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    /// A placeholder has no value (it would show in the page).
    #[error("template {template}: no value for the placeholder {{{{{name}}}}}; give one")]
    Missing {
        /// The template.
        template: &'static str,
        /// The placeholder.
        name: String,
    },
    /// A value has no placeholder (it would be lost).
    #[error("template {template}: the value {name} has no {{{{{name}}}}} to go in; remove it or add the placeholder")]
    Extra {
        /// The template.
        template: &'static str,
        /// The value's name.
        name: String,
    },
}

/// A placeholder name: lower-case letters, digits and `_`.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Template {
    /// A template written in the code (a literal), for small pieces of markup.
    pub const fn inline(text: &'static str) -> Template {
        Template {
            name: "(inline)",
            text,
        }
    }

    /// The names of its `{{placeholders}}`.
    pub fn placeholders(&self) -> BTreeSet<&'static str> {
        let mut out = BTreeSet::new();
        let mut rest = self.text;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            match after.find("}}") {
                Some(close) if is_name(&after[..close]) => {
                    out.insert(&after[..close]);
                    rest = &after[close + 2..];
                }
                _ => rest = after,
            }
        }
        out
    }

    /// The template with every `{{name}}` replaced by its value, in one pass (a value that
    /// itself holds `{{…}}` stays as it is). Every placeholder needs a value and every value a
    /// placeholder.
    pub fn fill(&self, values: &[(&str, Html)]) -> Result<Html, FillError> {
        let mut used = vec![false; values.len()];
        let mut out = String::with_capacity(self.text.len() * 2);
        let mut rest = self.text;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let name = after.find("}}").map(|close| (&after[..close], close));
            match name {
                Some((name, close)) if is_name(name) => {
                    let i = values.iter().position(|(k, _)| *k == name).ok_or_else(|| {
                        FillError::Missing {
                            template: self.name,
                            name: name.to_owned(),
                        }
                    })?;
                    used[i] = true;
                    out.push_str(values[i].1.as_str());
                    rest = &after[close + 2..];
                }
                _ => {
                    out.push_str("{{");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        if let Some(i) = used.iter().position(|u| !u) {
            return Err(FillError::Extra {
                template: self.name,
                name: values[i].0.to_owned(),
            });
        }
        Ok(Html(out))
    }
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
