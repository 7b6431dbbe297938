//! The checks of a submission as types: a [`HeaderShape`] validated against its partner is a
//! [`PartnerHeader`], and only that completes, once the whole file is in, into a
//! [`ValidSubmission`] — what both upload routes need before they store a report.

use super::{check_recipients, envelope_len, HeaderShape, ValidationError, NONCE_LEN};

impl HeaderShape {
    /// Checks the stanzas against `partner`'s recipients ([`check_recipients`]): the header of
    /// a file the partner's officers, and no one else, can open.
    pub fn validate(
        self,
        partner: &crate::keys::Partner,
    ) -> Result<PartnerHeader, ValidationError> {
        check_recipients(&self, partner.recipients.len(), partner.is_pq())?;
        Ok(PartnerHeader(self))
    }
}

/// A header that fits its partner; [`PartnerHeader::complete`] checks the rest once the whole
/// file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerHeader(HeaderShape);

impl PartnerHeader {
    /// With the whole file's length (`total` bytes): the payload after header and nonce must
    /// be an age STREAM of an approdo envelope's length ([`envelope_len`]).
    pub fn complete(self, total: u64) -> Result<ValidSubmission, ValidationError> {
        let header = (self.0.header_len + NONCE_LEN) as u64;
        let plaintext = envelope_len(total.saturating_sub(header))?;
        Ok(ValidSubmission {
            shape: self.0,
            total,
            plaintext,
        })
    }
}

/// A sealed upload that passed every check the server applies before it stores one: an age v1
/// header for the partner's recipients, and a payload of an envelope's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidSubmission {
    /// The header's shape.
    pub shape: HeaderShape,
    /// Bytes of the whole file.
    pub total: u64,
    /// Bytes of the (Padmé-padded) envelope inside.
    pub plaintext: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::inspect_header;
    use super::*;

    fn seal(n: usize, len: usize) -> Vec<u8> {
        let recipients: Vec<age::x25519::Recipient> = (0..n)
            .map(|_| age::x25519::Identity::generate().to_public())
            .collect();
        crate::agefile::seal(
            recipients.iter().map(|r| r as &dyn age::Recipient),
            &vec![7u8; len],
        )
        .unwrap()
        .into_bytes()
    }

    #[test]
    fn a_submission_is_valid_for_its_partner_only_and_when_whole() {
        let partner = |n: usize| crate::keys::Partner {
            id: "cav-milano".parse().unwrap(),
            name: "CAV".into(),
            description: String::new(),
            languages: vec![],
            recipients: (0..n)
                .map(|_| age::x25519::Identity::generate().to_public().to_string())
                .collect(),
            officer_keys: vec![],
            summary: Default::default(),
            default_for_unsure: false,
        };
        let len = crate::envelope::padme(5000) as usize;
        let file = seal(2, len);
        let shape = inspect_header(&file).unwrap().unwrap();
        let header = shape.validate(&partner(2)).unwrap();
        let valid = header.complete(file.len() as u64).unwrap();
        assert_eq!(
            (valid.total, valid.plaintext),
            (file.len() as u64, len as u64)
        );
        assert_eq!(
            shape.validate(&partner(3)),
            Err(ValidationError::StanzaCount {
                got: 2,
                expected: 3
            })
        );
        assert!(
            header.complete(file.len() as u64 - 1).is_err(),
            "a truncated file"
        );
    }
}
