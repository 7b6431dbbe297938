//! What every response carries (DESIGN.md, "Rules that hold everywhere"): the security
//! headers. A leaf: the server's middleware ([`crate::http`]) sends them and the site audit
//! ([`crate::audit`]) expects them, both from here, so the audit does not read the server's
//! own code to learn what the server should do.

/// The Content-Security-Policy of every page (`font-src 'self'`: the Bengali subset the site
/// serves where a device has no Bengali font, web/fonts/README.md).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
