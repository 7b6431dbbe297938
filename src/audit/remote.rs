//! The one HTTP fetcher of the audits that read a live server (`audit log`, `audit site`):
//! built once from `--server` and `--proxy`, it carries the agent every request of an audit
//! goes through — Tor Browser's user agent, the proxy for onion addresses
//! ([`crate::client::agent_builder`]) and no redirect followed: an auditor checks what the
//! server serves at a path, it does not follow the server elsewhere.

use crate::client::{agent_builder, ClientError};
use crate::transparency::client::HttpLog;

/// A server an audit reads, and the agent it reads it with.
pub struct Remote {
    agent: ureq::Agent,
    base: String,
}

impl Remote {
    /// `server` (its URL; a trailing `/` is dropped) through `proxy` (e.g.
    /// `socks5h://127.0.0.1:9050`), if any.
    pub fn new(server: &str, proxy: Option<&str>) -> Result<Self, ClientError> {
        Ok(Self {
            agent: agent_builder(proxy)?.redirects(0).build(),
            base: server.trim_end_matches('/').to_owned(),
        })
    }

    /// The server's URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The agent, for requests other than a plain GET (the site audit's probe, its headers).
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// The server's transparency log, read through the same agent.
    pub fn log(&self) -> HttpLog<'_> {
        HttpLog {
            agent: &self.agent,
            base: &self.base,
        }
    }

    /// `GET <server><path>`, at most `limit` bytes; any answer but 200 (a redirect included)
    /// is an error naming the path.
    pub fn get(&self, path: &str, limit: u64) -> Result<Vec<u8>, String> {
        super::get_limited(&self.agent, &self.base, path, limit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};

    /// A one-shot HTTP server answering `answer` to the first request; its URL.
    fn answer_once(answer: &'static str) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut conn, _)) = listener.accept() {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        url
    }

    #[test]
    fn one_agent_for_the_server_and_the_proxy() {
        let r = Remote::new("http://example.onion/", Some("socks5h://127.0.0.1:9050")).unwrap();
        assert_eq!(r.base(), "http://example.onion");
        assert_eq!(r.log().base, "http://example.onion");
        assert!(matches!(
            Remote::new("http://example.onion", Some("ftp://127.0.0.1:21")),
            Err(ClientError::BadProxy(_))
        ));
    }

    #[test]
    fn a_redirect_is_not_followed() {
        let url = answer_once(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nmoved",
        );
        let err = Remote::new(&url, None)
            .unwrap()
            .get("/log/checkpoint", 1 << 16)
            .unwrap_err();
        assert!(
            err.contains("/log/checkpoint") && err.contains("302"),
            "{err}"
        );
        let url =
            answer_once("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        assert_eq!(Remote::new(&url, None).unwrap().get("/x", 1).unwrap(), b"o");
    }
}
