//! Typed invoice values: ids, kinds, states, the buyer's title and the Chinese unified
//! social credit code (GB 32100-2015) with its check character.

use crate::codes::code_enum;

crate::typed_id!(
    /// An invoice or credit note of one merchant.
    InvoiceId
);

code_enum!(
    /// What a document is: an invoice for an order, or a credit note that reverses (part
    /// of) an issued invoice.
    InvoiceKind {
        /// Bills the buyer.
        Invoice = "invoice",
        /// Credits the buyer against an earlier invoice (refunds).
        CreditNote = "credit_note",
    }
);

code_enum!(
    /// Whether a document counts. Numbers are never reused, so a void one keeps its number.
    InvoiceStatus {
        /// Issued and in force.
        Issued = "issued",
        /// Cancelled by staff; its number stays taken.
        Void = "void",
    }
);

/// Why an invoice value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceValueError {
    /// A unified social credit code is exactly 18 characters.
    #[error("a unified social credit code has 18 characters")]
    CodeLength,
    /// A character outside 0-9 and A-Z without I, O, S, V, Z.
    #[error("character {position} is not allowed in a unified social credit code")]
    CodeCharacter {
        /// 1-based position.
        position: usize,
    },
    /// The 18th character does not match the first seventeen.
    #[error("the check character of the unified social credit code is wrong")]
    CodeCheck,
    /// Empty, too long, or control characters.
    #[error("the buyer title must be 1 to {max} printable characters")]
    BadTitle {
        /// Longest accepted, in characters.
        max: usize,
    },
    /// A sequence of 0 or beyond the format's width.
    #[error("an invoice sequence is 1 to 999999")]
    BadSequence,
}

/// The 31 characters of GB 32100-2015, in value order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1-17 (3^i mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|a| *a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first seventeen characters (already validated).
fn check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (c, w) in body.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(usize::try_from(check).ok()?).copied()
}

/// A Chinese unified social credit code (统一社会信用代码): the tax id on a company
/// invoice. Parsing upper-cases and trims, then checks the alphabet and the check
/// character, so a mistyped code is refused before it is printed on a legal document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct UnifiedSocialCreditCode(String);

impl UnifiedSocialCreditCode {
    /// Parses a code as typed (spaces around it and lower case are accepted).
    pub fn parse(raw: &str) -> Result<Self, InvoiceValueError> {
        let code = raw.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if code.chars().count() != 18 || bytes.len() != 18 {
            return Err(InvoiceValueError::CodeLength);
        }
        if let Some(p) = bytes.iter().position(|c| value_of(*c).is_none()) {
            return Err(InvoiceValueError::CodeCharacter { position: p + 1 });
        }
        let (body, check) = bytes.split_at(17);
        if check_char(body) != check.first().copied() {
            return Err(InvoiceValueError::CodeCheck);
        }
        Ok(Self(code))
    }
}

impl AsRef<str> for UnifiedSocialCreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<UnifiedSocialCreditCode> for String {
    fn from(c: UnifiedSocialCreditCode) -> Self {
        c.0
    }
}

/// The buyer's name as printed on the invoice (抬头): a person or a company.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct BuyerTitle(String);

impl BuyerTitle {
    /// Longest title, in characters.
    pub const MAX: usize = 200;

    /// Trims and checks a title.
    pub fn parse(raw: &str) -> Result<Self, InvoiceValueError> {
        let t = raw.trim();
        let n = t.chars().count();
        if n == 0 || n > Self::MAX || t.chars().any(char::is_control) {
            return Err(InvoiceValueError::BadTitle { max: Self::MAX });
        }
        Ok(Self(t.to_owned()))
    }
}

impl AsRef<str> for BuyerTitle {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<BuyerTitle> for String {
    fn from(t: BuyerTitle) -> Self {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Published codes: the GB 32100-2015 textbook example and codes printed on public
    // registrations (checked by hand against the standard's algorithm).
    const REAL: &[&str] = &[
        "91350100M000100Y43",
        "91110000802100433B",
        "91310000775785552L",
    ];

    #[test]
    fn published_codes_are_accepted() {
        for c in REAL {
            assert_eq!(UnifiedSocialCreditCode::parse(c).unwrap().as_ref(), *c);
        }
        let lower = UnifiedSocialCreditCode::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(lower.as_ref(), "91350100M000100Y43");
    }

    #[test]
    fn the_textbook_check_character_is_computed() {
        assert_eq!(check_char(b"91350100M000100Y4"), Some(b'3'));
    }

    #[test]
    fn broken_codes_are_refused_with_the_reason() {
        let p = UnifiedSocialCreditCode::parse;
        assert_eq!(p("91350100M000100Y4"), Err(InvoiceValueError::CodeLength));
        assert_eq!(p("91350100M000100Y433"), Err(InvoiceValueError::CodeLength));
        assert_eq!(
            p("91350100I000100Y43"),
            Err(InvoiceValueError::CodeCharacter { position: 9 })
        );
        assert_eq!(p("91350100M000100Y44"), Err(InvoiceValueError::CodeCheck));
        assert_eq!(p("９1350100M000100Y4"), Err(InvoiceValueError::CodeLength));
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            BuyerTitle::parse("  上海某某公司 ").unwrap().as_ref(),
            "上海某某公司"
        );
        assert!(BuyerTitle::parse("  ").is_err());
        assert!(BuyerTitle::parse("a\u{7}b").is_err());
        assert!(BuyerTitle::parse(&"x".repeat(201)).is_err());
    }

    proptest! {
        #[test]
        fn changing_one_character_of_a_valid_code_is_refused(
            which in 0usize..3, pos in 0usize..18, replacement in 0usize..31,
        ) {
            let code = REAL[which].as_bytes().to_vec();
            let new = ALPHABET[replacement];
            prop_assume!(code[pos] != new);
            let mut changed = code.clone();
            changed[pos] = new;
            let text = String::from_utf8(changed).unwrap();
            prop_assert!(UnifiedSocialCreditCode::parse(&text).is_err());
        }

        #[test]
        fn every_body_with_its_computed_check_is_accepted(
            body in proptest::collection::vec(0usize..31, 17),
        ) {
            let mut bytes: Vec<u8> = body.iter().map(|i| ALPHABET[*i]).collect();
            let check = check_char(&bytes).unwrap();
            bytes.push(check);
            let text = String::from_utf8(bytes).unwrap();
            prop_assert!(UnifiedSocialCreditCode::parse(&text).is_ok());
        }
    }
}
