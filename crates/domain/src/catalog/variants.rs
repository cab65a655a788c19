//! Product options and the variants they generate.
//!
//! A product has up to three options (colour, size, material), each with up to 50 distinct
//! values. Its variants are the cartesian product of the option values (at most 500), and
//! each variant becomes one SKU. A SKU's option values must be exactly one value of every
//! option, and no two SKUs of a product may share the same combination.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::types::{CatalogValueError, OptionName, OptionValue};

/// Most options per product.
pub const MAX_OPTIONS: usize = 3;
/// Most values per option.
pub const MAX_VALUES: usize = 50;
/// Most variants (SKUs) per product.
pub const MAX_VARIANTS: usize = 500;

/// One option and its values, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductOption {
    /// The option's name.
    pub name: OptionName,
    /// Its values, distinct, in display order.
    pub values: Vec<OptionValue>,
}

/// The option values that pick out one variant: option name → value.
pub type Combination = BTreeMap<String, String>;

/// Why a product's options or a SKU's combination was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    /// A name or value was not valid text.
    #[error("{0}")]
    Value(CatalogValueError),
    /// More than [`MAX_OPTIONS`] options.
    #[error("at most {MAX_OPTIONS} options")]
    TooManyOptions,
    /// An option without values, or more than [`MAX_VALUES`].
    #[error("each option needs 1 to {MAX_VALUES} values")]
    ValueCount,
    /// Two options with one name, or one value twice in an option.
    #[error("duplicate option name or value: {0}")]
    Duplicate(String),
    /// The options would make more than [`MAX_VARIANTS`] variants.
    #[error("these options make {0} variants; at most {MAX_VARIANTS} are allowed")]
    TooManyVariants(usize),
    /// A SKU's option values do not name exactly one value of every option.
    #[error("option values must give exactly one known value for each option ({0})")]
    BadCombination(String),
    /// Two SKUs with the same combination.
    #[error("another SKU already has these option values")]
    DuplicateCombination,
    /// A product without options has at most one SKU.
    #[error("a product without options has exactly one SKU")]
    SingleSku,
}

impl VariantError {
    /// A stable code for field errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Value(e) => e.code(),
            Self::Duplicate(_) | Self::DuplicateCombination => "duplicate",
            Self::TooManyOptions | Self::ValueCount | Self::TooManyVariants(_) => "too_many",
            Self::BadCombination(_) | Self::SingleSku => "invalid",
        }
    }
}

/// Parses options given as (name, values) pairs.
pub fn parse_options<'a, I, V>(raw: I) -> Result<Vec<ProductOption>, VariantError>
where
    I: IntoIterator<Item = (&'a str, V)>,
    V: IntoIterator<Item = &'a str>,
{
    let mut options = Vec::new();
    let mut names = BTreeSet::new();
    for (name, values) in raw {
        let name = OptionName::parse(name).map_err(VariantError::Value)?;
        if !names.insert(name.as_ref().to_lowercase()) {
            return Err(VariantError::Duplicate(name.to_string()));
        }
        let mut seen = BTreeSet::new();
        let mut parsed = Vec::new();
        for value in values {
            let value = OptionValue::parse(value).map_err(VariantError::Value)?;
            if !seen.insert(value.as_ref().to_lowercase()) {
                return Err(VariantError::Duplicate(value.to_string()));
            }
            parsed.push(value);
        }
        if parsed.is_empty() || parsed.len() > MAX_VALUES {
            return Err(VariantError::ValueCount);
        }
        options.push(ProductOption {
            name,
            values: parsed,
        });
    }
    if options.len() > MAX_OPTIONS {
        return Err(VariantError::TooManyOptions);
    }
    let count = variant_count(&options);
    if count > MAX_VARIANTS {
        return Err(VariantError::TooManyVariants(count));
    }
    Ok(options)
}

/// How many variants `options` make (1 for a product without options).
pub fn variant_count(options: &[ProductOption]) -> usize {
    options
        .iter()
        .map(|o| o.values.len())
        .fold(1_usize, usize::saturating_mul)
}

/// Every combination of option values, first option slowest (`Red/S, Red/M, Blue/S...`).
/// A product without options has one variant with no values.
pub fn variants(options: &[ProductOption]) -> Vec<Combination> {
    let mut combos = vec![Combination::new()];
    for option in options {
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                option.values.iter().map(move |value| {
                    let mut next = combo.clone();
                    next.insert(option.name.to_string(), value.to_string());
                    next
                })
            })
            .collect();
    }
    combos
}

/// Checks that `combo` names exactly one known value of every option.
pub fn check_combination(
    options: &[ProductOption],
    combo: &Combination,
) -> Result<(), VariantError> {
    let names: Vec<&str> = options.iter().map(|o| o.name.as_ref()).collect();
    let bad = || VariantError::BadCombination(names.join(", "));
    if combo.len() != options.len() {
        return Err(bad());
    }
    for option in options {
        let value = combo.get(option.name.as_ref()).ok_or_else(bad)?;
        if !option.values.iter().any(|v| v.as_ref() == value) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Checks a product's SKU combinations: each valid and none repeated; without options,
/// at most one SKU.
pub fn check_combinations<'a>(
    options: &[ProductOption],
    combos: impl IntoIterator<Item = &'a Combination>,
) -> Result<(), (usize, VariantError)> {
    let mut seen = BTreeSet::new();
    for (i, combo) in combos.into_iter().enumerate() {
        if options.is_empty() && i > 0 {
            return Err((i, VariantError::SingleSku));
        }
        check_combination(options, combo).map_err(|e| (i, e))?;
        if !seen.insert(combo.clone()) {
            return Err((i, VariantError::DuplicateCombination));
        }
    }
    Ok(())
}

/// A SKU code suggested for a variant: the prefix and each value, upper-cased, with runs
/// of characters a SKU code cannot hold replaced by one `-` (`TEE-RED-XL`). Values in other
/// scripts fall back to the variant's position, so codes stay unique.
pub fn suggested_code(prefix: &str, combo: &Combination, position: usize) -> String {
    let mut parts = vec![prefix.trim().to_ascii_uppercase()];
    for value in combo.values() {
        let cleaned: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '-'
                }
            })
            .collect();
        let cleaned = cleaned
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if cleaned.is_empty() {
            parts.push(format!("V{}", position + 1));
            break;
        }
        parts.push(cleaned);
    }
    parts.retain(|p| !p.is_empty());
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Vec<ProductOption> {
        parse_options([
            ("Colour", vec!["Red", "Blue"]),
            ("Size", vec!["S", "M", "L"]),
        ])
        .unwrap()
    }

    #[test]
    fn options_generate_the_cartesian_product_in_order() {
        let v = variants(&opts());
        assert_eq!(v.len(), 6);
        assert_eq!(v[0]["Colour"], "Red");
        assert_eq!(v[0]["Size"], "S");
        assert_eq!(v[5]["Colour"], "Blue");
        assert_eq!(v[5]["Size"], "L");
        assert_eq!(variants(&[]), vec![Combination::new()]);
    }

    #[test]
    fn option_limits_and_duplicates_are_refused() {
        assert!(matches!(
            parse_options([("Colour", vec!["Red", "red"])]),
            Err(VariantError::Duplicate(_))
        ));
        assert_eq!(
            parse_options([("Colour", Vec::<&str>::new())]),
            Err(VariantError::ValueCount)
        );
        let many: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            parse_options([("A", many.clone()), ("B", many.clone())]),
            Err(VariantError::TooManyVariants(2500))
        );
        assert_eq!(
            parse_options([
                ("A", vec!["1"]),
                ("B", vec!["1"]),
                ("C", vec!["1"]),
                ("D", vec!["1"])
            ]),
            Err(VariantError::TooManyOptions)
        );
    }

    #[test]
    fn sku_combinations_must_match_the_options_once_each() {
        let o = opts();
        let all = variants(&o);
        assert!(check_combinations(&o, &all).is_ok());
        let dup = vec![all[0].clone(), all[0].clone()];
        assert_eq!(
            check_combinations(&o, &dup),
            Err((1, VariantError::DuplicateCombination))
        );
        let mut wrong = all[0].clone();
        wrong.insert("Size".into(), "XXL".into());
        assert!(check_combination(&o, &wrong).is_err());
        let two_plain = vec![Combination::new(), Combination::new()];
        assert_eq!(
            check_combinations(&[], &two_plain),
            Err((1, VariantError::SingleSku))
        );
    }

    #[test]
    fn suggested_codes_are_valid_sku_codes() {
        let v = variants(&opts());
        assert_eq!(suggested_code("tee", &v[0], 0), "TEE-RED-S");
        let mut cn = Combination::new();
        cn.insert("颜色".into(), "红色".into());
        assert_eq!(suggested_code("tee", &cn, 3), "TEE-V4");
    }
}
