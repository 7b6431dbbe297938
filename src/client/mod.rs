//! The officer's HTTP client: challenge login, list, download, acknowledge, delete, and
//! submitting an already-sealed file. Works over Tor through a SOCKS proxy.

use std::io::Read;
use std::time::Duration;

use serde::Deserialize;

use crate::model::{ReportId, ReportSummary};

mod cases;
mod login;

/// Errors talking to a server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("the server refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// The server could not be reached.
    #[error("cannot reach the server: {0}; check --server (and --proxy for an onion address)")]
    Transport(String),
    /// The answer is not what the API promises.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// None of the identities is an officer key in the server's directory.
    #[error("none of the identities in the file is an officer key of a partner on this server")]
    NotAnOfficer,
    /// `--proxy` is not a proxy URL this client speaks.
    #[error("cannot use the proxy {0:?}: give --proxy socks5h://HOST:PORT (tor: socks5h://127.0.0.1:9050)")]
    BadProxy(String),
    /// The challenge did not decrypt with the identity.
    #[error("the login challenge did not decrypt with your identity")]
    Challenge,
}

impl From<ureq::Error> for ClientError {
    fn from(e: ureq::Error) -> Self {
        match e {
            ureq::Error::Status(status, resp) => {
                let message = resp
                    .into_json::<serde_json::Value>()
                    .ok()
                    .and_then(|v| v.get("error").and_then(|m| m.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| "no detail".into());
                ClientError::Refused { status, message }
            }
            ureq::Error::Transport(t) => ClientError::Transport(t.to_string()),
        }
    }
}

/// An HTTP agent builder for every command that talks to a server, through `proxy` if given.
///
/// Tor users write `socks5h://127.0.0.1:9050` (the `h`: the proxy resolves the host name, as
/// an onion address requires); `socks5://` means the same here, because the client never
/// resolves names itself when it goes through a SOCKS5 proxy. `socks4a://` and `http://` are
/// taken as ureq takes them.
///
/// Timeouts: a connection that stalls for 300 s (reading or writing) fails. A direct connect
/// fails after 60 s; through a proxy, tor's own circuit timeouts bound the connect, because
/// ureq 2.12's SOCKS connect with a deadline waits out the whole deadline even when the proxy
/// answered at once (a lost wake-up in `stream::connect_socks`), so no deadline is set there
/// and no overall request timeout either (it would set one).
///
/// Every request says it is Tor Browser ([`USER_AGENT`]), not `ureq/…`: a server should not be
/// able to pick out the auditors' and officers' requests (and serve them something else) by a
/// fixed client string.
pub fn agent_builder(proxy: Option<&str>) -> Result<ureq::AgentBuilder, ClientError> {
    let builder = ureq::AgentBuilder::new()
        .user_agent(USER_AGENT)
        .timeout_read(Duration::from_secs(300))
        .timeout_write(Duration::from_secs(300));
    let Some(p) = proxy else {
        return Ok(builder.timeout_connect(Duration::from_secs(60)));
    };
    let normalized = match p.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("socks5h") => {
            format!("socks5://{rest}")
        }
        Some((scheme, _))
            if ["socks5", "socks", "socks4", "socks4a", "http"]
                .iter()
                .any(|s| scheme.eq_ignore_ascii_case(s)) =>
        {
            p.to_owned()
        }
        _ => return Err(ClientError::BadProxy(p.to_owned())),
    };
    let proxy = ureq::Proxy::new(&normalized).map_err(|_| ClientError::BadProxy(p.to_owned()))?;
    Ok(builder.timeout_connect(Duration::MAX).proxy(proxy))
}

/// The `User-Agent` of Tor Browser 14 (Firefox ESR 128), which every visitor sends.
pub const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A connection to one server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    /// The partner of the logged-in session.
    pub partner: Option<String>,
    /// The logged-in officer's signing key (for acknowledgements).
    signer: Option<ed25519_dalek::SigningKey>,
}

#[derive(Deserialize)]
struct ListAnswer {
    reports: Vec<ReportSummary>,
}

impl Client {
    /// A client for `server` (e.g. `http://127.0.0.1:8080` or an onion URL), optionally through
    /// a proxy such as `socks5://127.0.0.1:9050`.
    pub fn new(server: &str, proxy: Option<&str>) -> Result<Self, ClientError> {
        let builder = agent_builder(proxy)?;
        Ok(Client {
            agent: builder.build(),
            base: server.trim_end_matches('/').to_owned(),
            token: None,
            partner: None,
            signer: None,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn authed(&self, req: ureq::Request) -> ureq::Request {
        match &self.token {
            Some(t) => req.set("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    /// Uses an existing session token (for tests and scripts).
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The session token, if logged in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The partner's reports.
    pub fn list(&self) -> Result<Vec<ReportSummary>, ClientError> {
        let answer: ListAnswer = self
            .authed(self.agent.get(&self.url("/api/v1/officer/reports")))
            .call()?
            .into_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(answer.reports)
    }

    /// A streaming reader of one report's age file.
    pub fn download(
        &self,
        id: ReportId,
    ) -> Result<Box<dyn Read + Send + Sync + 'static>, ClientError> {
        let resp = self
            .authed(
                self.agent
                    .get(&self.url(&format!("/api/v1/officer/reports/{id}"))),
            )
            .call()?;
        Ok(resp.into_reader())
    }

    /// Marks a report acknowledged, signing "decrypted `id`, ciphertext `sha256`" with the
    /// logged-in officer's signing key (the transparency log records the signature).
    pub fn acknowledge(&self, id: ReportId, sha256: &str) -> Result<(), ClientError> {
        use base64::prelude::{Engine, BASE64_STANDARD};
        use ed25519_dalek::Signer;
        let req = self.authed(
            self.agent
                .post(&self.url(&format!("/api/v1/officer/reports/{id}/ack"))),
        );
        match &self.signer {
            Some(key) => {
                let sig = key.sign(&crate::keys::officer::ack_message(&id.to_string(), sha256));
                req.send_json(serde_json::json!({
                    "officer_key": BASE64_STANDARD.encode(key.verifying_key().as_bytes()),
                    "signature": BASE64_STANDARD.encode(sig.to_bytes()),
                }))?;
            }
            None => {
                req.call()?;
            }
        }
        Ok(())
    }

    /// Deletes a report.
    pub fn delete(&self, id: ReportId) -> Result<(), ClientError> {
        self.authed(
            self.agent
                .delete(&self.url(&format!("/api/v1/officer/reports/{id}"))),
        )
        .call()?;
        Ok(())
    }

    /// The directory's bytes and signature bytes.
    pub fn directory(&self) -> Result<(Vec<u8>, Vec<u8>), ClientError> {
        let get = |path: &str| -> Result<Vec<u8>, ClientError> {
            let mut out = Vec::new();
            self.agent
                .get(&self.url(path))
                .call()?
                .into_reader()
                .take(4 * 1024 * 1024)
                .read_to_end(&mut out)
                .map_err(|e| ClientError::Transport(e.to_string()))?;
            Ok(out)
        };
        Ok((
            get("/api/v1/directory")?,
            get("/api/v1/directory/signature")?,
        ))
    }

    /// Signs a sealed reply to `report` with the logged-in officer's key and files it in a
    /// codename mailbox; returns the message id.
    pub fn post_reply(
        &self,
        mailbox: &str,
        report: &str,
        sealed: &[u8],
    ) -> Result<String, ClientError> {
        use base64::prelude::{Engine, BASE64_STANDARD};
        let (Some(signer), Some(partner)) = (&self.signer, &self.partner) else {
            return Err(ClientError::Protocol(
                "log in with an officer identity before replying".into(),
            ));
        };
        let signed = crate::reply::ReplySignature::sign(signer, mailbox, report, partner, sealed)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let answer: serde_json::Value = self
            .authed(self.agent.post(&self.url("/api/v1/replies")))
            .send_json(serde_json::json!({
                "mailbox": mailbox,
                "report": report,
                "age": BASE64_STANDARD.encode(sealed),
                "officer_key": signed.officer_key,
                "signature": signed.signature,
            }))?
            .into_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        answer
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Protocol("the server gave no reply id".into()))
    }

    /// Posts a sealed age file for `partner`, with the proof of work the server asks for (see
    /// [`Client::proof_of_work`]); returns the server's JSON answer.
    pub fn submit(&self, partner: &str, sealed: &[u8]) -> Result<serde_json::Value, ClientError> {
        self.submit_bound(partner, sealed, None)
    }

    /// [`Client::submit`], bound to the mailbox the report asks replies in
    /// ([`crate::reply::binding`]).
    pub fn submit_bound(
        &self,
        partner: &str,
        sealed: &[u8],
        binding: Option<&crate::reply::MailboxBinding>,
    ) -> Result<serde_json::Value, ClientError> {
        // The price can rise between asking and sending (slots filled meanwhile): then the
        // server answers 428 and we solve again at the new price.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .agent
                .post(&self.url(&format!("/api/v1/submissions?partner={partner}")))
                .set("Content-Type", "application/octet-stream");
            if let Some(pow) = self.proof_of_work()? {
                req = req.set(crate::pow::HEADER, &pow);
            }
            if let Some(b) = binding {
                req = req.set(crate::reply::binding::HEADER, &b.to_string());
            }
            match req.send_bytes(sealed) {
                Err(ureq::Error::Status(428, _)) if attempt < 4 => continue,
                answer => {
                    return answer?
                        .into_json()
                        .map_err(|e| ClientError::Protocol(e.to_string()))
                }
            }
        }
    }

    /// Solves the server's current proof of work (`GET /api/v1/pow`, docs/security.md): the
    /// `X-Approdo-PoW` header value, or `None` when the server asks none.
    pub fn proof_of_work(&self) -> Result<Option<String>, ClientError> {
        #[derive(Deserialize)]
        struct Pow {
            challenge: String,
            bits: u32,
        }
        let pow: Pow = self
            .agent
            .get(&self.url("/api/v1/pow"))
            .call()?
            .into_json()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        if pow.bits == 0 {
            return Ok(None);
        }
        if pow.bits > 32 {
            return Err(ClientError::Protocol(format!(
                "the server asks a proof of work of {} bits, more than any client can pay",
                pow.bits
            )));
        }
        let n = crate::pow::solve(&pow.challenge, pow.bits);
        Ok(Some(format!("{}:{n}", pow.challenge)))
    }
}
