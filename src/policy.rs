//! What every response carries (DESIGN.md, "Rules that hold everywhere"): the security
//! headers. A leaf: the server's middleware ([`crate::http`]) sends them and the site audit
//! ([`crate::audit`]) expects them, both from here, so the audit does not read the server's
//! own code to learn what the server should do.

/// The Content-Security-Policy of every page (`font-src 'self'`: the Bengali subset the site
/// serves where a device has no Bengali font, web/fonts/README.md).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of the pages whose script seals a report in a worker (`/assets/seal-worker.js`,
/// web/src/sealer.js): [`CSP`] and `worker-src 'self'`, which DESIGN.md allows for a sealing
/// worker, and nothing else. (CSP 3 lets `script-src 'self'` stand in for a missing
/// `worker-src`; saying it keeps the allowance explicit, and on these pages only.) The report
/// form's handlers set it (`/report`, and a refused no-JS form, which comes back with the
/// same script); the middleware does not overwrite it.
pub const SEALING_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; font-src 'self'; worker-src 'self'; form-action 'self'; \
base-uri 'none'; frame-ancestors 'none'";

/// The pages a GET of which is served with [`SEALING_CSP`] (`approdo audit site` expects it).
pub const SEALING_PAGES: &[&str] = &["/report"];

/// The Content-Security-Policy a GET of `path` is answered with.
pub fn csp_for(path: &str) -> &'static str {
    if SEALING_PAGES.contains(&path) {
        SEALING_CSP
    } else {
        CSP
    }
}

/// Every header we add, as (name, value).
pub const HEADERS: &[(&str, &str)] = &[
    ("Content-Security-Policy", CSP),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sealing_policy_is_the_policy_and_worker_src_self_only() {
        let with: Vec<&str> = SEALING_CSP.split("; ").collect();
        let mut without = with.clone();
        without.retain(|d| *d != "worker-src 'self'");
        assert_eq!(with.len(), without.len() + 1);
        assert_eq!(without.join("; "), CSP);
        assert_eq!(csp_for("/report"), SEALING_CSP);
        assert_eq!(csp_for("/mailbox"), CSP);
        assert_eq!(csp_for("/assets/seal-worker.js"), CSP);
    }
}
