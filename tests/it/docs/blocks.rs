//! The command blocks of README.md and docs/*.md, read with pulldown-cmark.
//!
//! A block is a fenced code block whose info string starts with `sh`. The words after `sh`
//! say what the doc test does with it (GitHub shows only the first word):
//!
//! - `id=NAME`: run by the doc test, at the step of [`super::flow`] that names it;
//! - `server`: with `id=`, a command that keeps running (started in the background, ready when
//!   it prints `approdo serving http://…`);
//! - `no-test`: not run, for a reason the doc test lists ([`super::NOT_RUN`]).

use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// One `sh` block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The file, relative to the repository (`docs/officer.md`).
    pub file: String,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// `id=NAME`, if given.
    pub id: Option<String>,
    /// Marked `no-test`.
    pub no_test: bool,
    /// Marked `server`.
    pub server: bool,
    /// The commands, as written.
    pub text: String,
}

impl Block {
    /// `docs/officer.md#pull`, or `docs/officer.md:12` for a block without an id.
    pub fn name(&self) -> String {
        match &self.id {
            Some(id) => format!("{}#{id}", self.file),
            None => format!("{}:{}", self.file, self.line),
        }
    }
}

/// The documents the doc test reads: README.md and every docs/*.md, sorted.
pub fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.insert(0, root.join("README.md"));
    docs
}

/// Every `sh` block of one document, in document order. Panics on an unknown word in an info
/// string, so a typo cannot turn a block off.
pub fn blocks(root: &Path, path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).expect("read a document");
    let file = path
        .strip_prefix(root)
        .expect("under the repository")
        .display()
        .to_string();
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (event, range) in Parser::new(&text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let mut words = info.split_whitespace();
                if words.next() != Some("sh") {
                    continue;
                }
                let line = text[..range.start].matches('\n').count() + 1;
                let mut b = Block {
                    file: file.clone(),
                    line,
                    id: None,
                    no_test: false,
                    server: false,
                    text: String::new(),
                };
                for w in words {
                    match w {
                        "no-test" => b.no_test = true,
                        "server" => b.server = true,
                        _ => match w.strip_prefix("id=") {
                            Some(id) => b.id = Some(id.to_owned()),
                            None => panic!(
                                "{file}:{line}: unknown word {w:?} in a sh block's info string \
                                 (known: id=NAME, server, no-test; see tests/it/docs/blocks.rs)"
                            ),
                        },
                    }
                }
                open = Some(b);
            }
            Event::Text(t) => {
                if let Some(b) = open.as_mut() {
                    b.text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = open.take() {
                    out.push(b);
                }
            }
            _ => {}
        }
    }
    out
}
