//! The machine code of every refusal: the `code` field of the API's JSON errors, beside the
//! human `error` sentence, and the code of each no-JavaScript refusal (`nojs::Refusal::code`),
//! so the two paths name a refusal the same way. A code is stable once released: clients may
//! match on it (never on the English `error`). docs/api.md lists every code with its status;
//! a test keeps that table and this enum the same list.

/// A refusal's stable machine code (`snake_case` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: the request is malformed (query, JSON, path, a form field).
    BadRequest,
    /// 400: the body is not an acceptable sealed report.
    NotSealed,
    /// 400: the upload broke off; nothing was stored.
    Interrupted,
    /// 404: no partner of the directory has this id.
    UnknownPartner,
    /// 404: no such report (or upload) for this client.
    NotFound,
    /// 404: no such endpoint.
    NoRoute,
    /// 413: larger than the drop box accepts.
    TooLarge,
    /// 429: too many requests of this kind.
    RateLimited,
    /// 429: too many uploads in progress on the server.
    TooManyUploads,
    /// 429: this tor circuit holds its share of the upload slots.
    CircuitShare,
    /// 429: too many bytes wait to be finalised.
    PendingFull,
    /// 503: a bounded pool is full; `Retry-After` says when to try again.
    Busy,
    /// 409: the request conflicts with the upload's (or the log's) state.
    Conflict,
    /// 401: missing, forged or expired session, or a failed challenge.
    Unauthorized,
    /// 403: the session (or form token) may not do this.
    Forbidden,
    /// 428: solve a proof of work first.
    PowRequired,
    /// 507: the disk is full; nothing was stored.
    Full,
    /// 500: anything unexpected (no detail is sent).
    Internal,
}

impl ErrorCode {
    /// Every code, in the order docs/api.md lists them.
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::BadRequest,
        ErrorCode::NotSealed,
        ErrorCode::Interrupted,
        ErrorCode::UnknownPartner,
        ErrorCode::NotFound,
        ErrorCode::NoRoute,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::TooManyUploads,
        ErrorCode::CircuitShare,
        ErrorCode::PendingFull,
        ErrorCode::Busy,
        ErrorCode::Conflict,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::PowRequired,
        ErrorCode::Full,
        ErrorCode::Internal,
    ];

    /// The code as the JSON `code` field spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::NotSealed => "not_sealed",
            ErrorCode::Interrupted => "interrupted",
            ErrorCode::UnknownPartner => "unknown_partner",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NoRoute => "no_route",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooManyUploads => "too_many_uploads",
            ErrorCode::CircuitShare => "circuit_share",
            ErrorCode::PendingFull => "pending_full",
            ErrorCode::Busy => "busy",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::PowRequired => "pow_required",
            ErrorCode::Full => "full",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code a JSON error carries, if this build knows it.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The HTTP status the API answers with this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::NotSealed | ErrorCode::Interrupted => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::UnknownPartner | ErrorCode::NotFound | ErrorCode::NoRoute => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::PowRequired => 428,
            ErrorCode::RateLimited
            | ErrorCode::TooManyUploads
            | ErrorCode::CircuitShare
            | ErrorCode::PendingFull => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Busy => 503,
            ErrorCode::Full => 507,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// docs/api.md's table and this enum are the same list, with the same statuses: a code
    /// added here without its row (or a row for a code that does not exist) fails.
    #[test]
    fn every_code_is_documented_with_its_status() {
        let doc = include_str!("../../docs/api.md");
        let rows: Vec<(String, u16)> = doc
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code.to_owned(), cells.get(2)?.parse().ok()?))
            })
            .collect();
        let want: Vec<(String, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.status()))
            .collect();
        assert_eq!(
            rows, want,
            "docs/api.md's error table and ErrorCode::ALL differ"
        );
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            // ALL holds every variant: a new one fails to compile here until it is listed.
            let listed = match c {
                ErrorCode::BadRequest
                | ErrorCode::NotSealed
                | ErrorCode::Interrupted
                | ErrorCode::UnknownPartner
                | ErrorCode::NotFound
                | ErrorCode::NoRoute
                | ErrorCode::TooLarge
                | ErrorCode::RateLimited
                | ErrorCode::TooManyUploads
                | ErrorCode::CircuitShare
                | ErrorCode::PendingFull
                | ErrorCode::Busy
                | ErrorCode::Conflict
                | ErrorCode::Unauthorized
                | ErrorCode::Forbidden
                | ErrorCode::PowRequired
                | ErrorCode::Full
                | ErrorCode::Internal => true,
            };
            assert!(listed);
        }
    }
}
