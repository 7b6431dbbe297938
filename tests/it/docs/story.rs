//! The story's person-sized steps: run a named block as someone, and what people do between
//! the guides' blocks (an officer's lines reaching the coordinator, a victim's report sent
//! through tor, files handed over).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use approdo::client::Client;
use approdo::keys::{NetworkPublicKey, SignedDirectory};

use super::blocks::Block;
use super::flow::{Net, Who};

/// Runs the guides in order. The story, with `[test]` for what people do outside the guides.
pub struct Story {
    pub net: Net,
    pub bin: PathBuf,
    pub blocks: BTreeMap<String, Block>,
    /// Blocks run, in order.
    pub ran: Vec<String>,
    /// Per file, the line of the last block run (document order).
    pub last_line: BTreeMap<String, usize>,
    /// Pending items met.
    pub pending: Vec<String>,
}

impl Story {
    pub fn block(&mut self, name: &str) -> Block {
        let b = self
            .blocks
            .get(name)
            .unwrap_or_else(|| panic!("no sh block {name} (id= in its info string)"))
            .clone();
        assert!(!b.no_test, "{name} is marked no-test but the story runs it");
        let last = self.last_line.entry(b.file.clone()).or_insert(0);
        assert!(
            b.line > *last,
            "{name} runs after a later block of {}: keep the story in document order",
            b.file
        );
        *last = b.line;
        self.ran.push(name.to_owned());
        b
    }

    /// Runs a block as `who`; panics with its outputs when it fails.
    pub fn run(&mut self, name: &str, who: Who, subs: &[(&str, String)]) -> String {
        self.try_run(name, who, subs)
            .unwrap_or_else(|e| panic!("{name} fails as documented:\n{e}"))
    }

    pub fn try_run(
        &mut self,
        name: &str,
        who: Who,
        subs: &[(&str, String)],
    ) -> Result<String, String> {
        let b = self.block(name);
        let script = self.net.substitute(&b, subs);
        eprintln!("doc test: {name} as {who:?}");
        if b.server {
            self.net.spawn_server(who, &self.bin, &script)
        } else {
            self.net.sh(who, &self.bin, &script)
        }
    }

    /// A step of the story not in the guides (what a person does by hand).
    pub fn sh(&self, who: Who, script: &str) -> String {
        self.net
            .sh(who, &self.bin, script)
            .unwrap_or_else(|e| panic!("[test] step failed:\n{e}"))
    }

    /// Whether a pending item is met; a pending item that works now fails the test.
    pub fn pending(&mut self, name: &str, works: bool) -> bool {
        let listed = super::PENDING.iter().any(|(n, _)| *n == name);
        assert!(
            !(listed && works),
            "PENDING item {name:?} works now: remove it from PENDING in tests/it/docs.rs \
             (and run its documented block in the story)"
        );
        if !works {
            assert!(listed, "{name} fails and is not PENDING");
            eprintln!("doc test: PENDING {name}");
            self.pending.push(name.to_owned());
        }
        works
    }

    pub fn onion_url(&self) -> String {
        format!("http://{}", self.net.onion)
    }

    pub fn proxy(&self) -> String {
        format!("socks5h://127.0.0.1:{}", self.net.relay_port)
    }

    /// [test] A victim sends a report to `partner` through tor, sealed to the served directory
    /// (checked against the network key); returns its id.
    pub fn submit(&self, partner: &str, report: serde_json::Value) -> String {
        let client = Client::new(&self.onion_url(), Some(&self.proxy())).expect("client");
        let (bytes, sig) = client.directory().expect("directory through the relay");
        let key = NetworkPublicKey::read(&self.net.home(Who::Coordinator).join("network.pub"))
            .expect("network.pub");
        let signed = SignedDirectory::verify(&key, bytes, sig).expect("directory verifies");
        let recipients = signed
            .directory()
            .partner(partner)
            .expect("partner")
            .age_recipients()
            .expect("recipients");
        let plain = approdo::envelope::pack(&serde_json::to_vec(&report).expect("json"), &[])
            .expect("pack");
        let mut sealed = Vec::new();
        approdo::envelope::seal_to(&mut sealed, &recipients, plain.as_slice()).expect("seal");
        // As the page does: a report asking for replies is bound to its mailbox.
        let binding = report["reply"]["mailbox"]
            .as_str()
            .and_then(approdo::reply::MailboxBinding::for_hex);
        let answer = client
            .submit_bound(partner, sealed.as_slice(), binding.as_ref())
            .expect("submit");
        answer["id"].as_str().expect("an id").to_owned()
    }

    /// [test] Officer `n`'s public lines (`approdo officer show`): (recipients, officer keys).
    pub fn officer_lines(&self, n: u8, file: &str) -> (Vec<String>, Vec<String>) {
        let out = self.sh(
            Who::Officer(n),
            &format!("approdo officer show --identity ~/approdo/{file}"),
        );
        let field = |k: &str| -> Vec<String> {
            out.lines()
                .filter_map(|l| l.strip_prefix(k))
                .map(|v| v.trim_matches('"').to_owned())
                .collect()
        };
        (field("recipient = "), field("officer_key = "))
    }

    /// [test] The coordinator writes partners.toml from what the officers sent.
    pub fn write_partners(&self, version: u32, officer1_key: &str) {
        let (r1, k1) = self.officer_lines(1, officer1_key);
        let (r2, k2) = self.officer_lines(2, "officer.key");
        let (r3, k3) = self.officer_lines(3, "officer.key");
        let q = |v: &[&String]| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // The newest identity of a rotated file is listed; older ones are left out.
        let toml = format!(
            "network = \"Rete doc test\"\nversion = {version}\n\n\
             [[partner]]\nid = \"cav-nord\"\nname = \"Centro Nord\"\ndescription = \"Listening\"\n\
             languages = [\"it\", \"en\"]\nrecipients = [{}]\nofficer_keys = [{}]\n\n\
             [[partner]]\nid = \"cav-sud\"\nname = \"Centro Sud\"\ndescription = \"Shelter\"\n\
             languages = [\"it\"]\nrecipients = [{}]\nofficer_keys = [{}]\n",
            q(&[&r1[0], &r2[0]]),
            q(&[&k1[0], &k2[0]]),
            q(&[&r3[0]]),
            q(&[&k3[0]]),
        );
        std::fs::write(self.net.home(Who::Coordinator).join("partners.toml"), toml)
            .expect("partners.toml");
    }

    /// [test] The coordinator's public files reach `who` (a USB stick, a mail).
    pub fn hand(&self, files: &[&str], to: &Path) {
        for f in files {
            std::fs::copy(self.net.home(Who::Coordinator).join(f), to.join(f)).expect("copy");
        }
    }

    /// [test] The log's public key, as the server announces it.
    pub fn log_key(&self) -> String {
        let agent = approdo::client::agent_builder(Some(&self.proxy()))
            .expect("agent")
            .build();
        agent
            .get(&format!("{}/api/v1/log/key", self.onion_url()))
            .call()
            .expect("log key")
            .into_string()
            .expect("text")
    }
}
