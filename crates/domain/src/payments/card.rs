//! Card numbers are never stored (DESIGN.md "Security"): every free-text field of a
//! payment is checked with [`contains_card_number`] and refused when it carries one.
//!
//! A card number here is a run of 13 to 19 digits, single spaces or dashes allowed between
//! them, that passes the Luhn check. Runs of more than 19 digits are not card numbers (long
//! bank references); a 13-19 digit reference that happens to pass Luhn is refused too,
//! which is the safe side to err on.

/// Whether `text` carries something that looks like a card number.
pub fn contains_card_number(text: &str) -> bool {
    let mut digits: Vec<u8> = Vec::new();
    let mut pending_sep = false;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            // to_digit(10) is 0..=9, so the cast is exact.
            digits.push(d as u8);
            pending_sep = false;
        } else if (c == ' ' || c == '-') && !digits.is_empty() && !pending_sep {
            pending_sep = true;
        } else {
            if is_card(&digits) {
                return true;
            }
            digits.clear();
            pending_sep = false;
        }
    }
    is_card(&digits)
}

fn is_card(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && luhn(digits)
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn finds_card_numbers_however_they_are_written() {
        assert!(contains_card_number("4111111111111111"));
        assert!(contains_card_number("card 4111 1111 1111 1111 thanks"));
        assert!(contains_card_number("5500-0000-0000-0004"));
        assert!(contains_card_number("amex 378282246310005"));
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        assert!(!contains_card_number("4111111111111112"));
        assert!(!contains_card_number("order #1001, paid 19.90"));
        assert!(!contains_card_number("2026120112345678901234567"));
        assert!(!contains_card_number("138 0013 8000"));
        assert!(!contains_card_number("4111  1111 1111 1111"));
        assert!(!contains_card_number(""));
    }

    proptest! {
        #[test]
        fn any_luhn_valid_number_is_found_in_any_text(
            body in proptest::collection::vec(0_u8..10, 12..=18),
            prefix in "[a-z ]{0,10}",
            dashes in any::<bool>(),
        ) {
            // Append the check digit that makes the number Luhn-valid.
            let check = (0_u8..10).find(|c| {
                let mut d = body.clone();
                d.push(*c);
                luhn(&d)
            });
            prop_assert!(check.is_some());
            let mut d = body.clone();
            d.extend(check);
            let sep = if dashes { "-" } else { "" };
            let number: Vec<String> = d.iter().map(u8::to_string).collect();
            let text = format!("{prefix}x {} y", number.join(sep));
            prop_assert!(contains_card_number(&text));
        }
    }
}
