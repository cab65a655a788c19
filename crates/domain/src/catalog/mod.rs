//! The catalogue (CAT-1..4, 7): products with options and SKUs, brands, the category tree,
//! the listing review state machine, automatic compliance checks and version diffs.
//!
//! - [`types`]: parsed values (SKU codes, barcodes with check digits, names, weights...).
//! - [`variants`]: options and the SKUs (variants) they generate.
//! - [`state`]: the listing review state machine.
//! - [`rules`]: compliance checks and the category tree's path rules.
//! - [`diff`]: field-level differences between product snapshots.

pub mod diff;
pub mod rules;
pub mod state;
pub mod types;
pub mod variants;

pub use diff::{FieldChange, changed_fields, diff};
pub use rules::{
    CategoryError, CategoryPath, ComplianceFinding, ComplianceInput, DEFAULT_BANNED_WORDS,
    Severity, check_compliance, has_errors,
};
pub use state::{Decision, ProductStatus, ReviewLevels, TransitionError, check_reviewer};
pub use types::{
    Attributes, Barcode, BrandId, BrandName, CatalogValueError, CategoryId, CategoryName,
    Description, ImageUrl, OptionName, OptionValue, ProductId, ProductName, SkuCode, SkuId,
    SkuStatus, Weight,
};
pub use variants::{Combination, ProductOption, VariantError};

/// Snapshot fields whose changes do not affect what a shopper is sold (cost is internal,
/// weight is logistics), so editing them leaves a listed product on sale. Everything else
/// in a snapshot is sale-relevant.
pub const NOT_SALE_RELEVANT: &[&str] = &["cost_minor", "weight_grams"];

/// Whether any of `changes` touches a sale-relevant field.
pub fn is_sale_relevant(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| {
        let last = c.path.rsplit('.').next().unwrap_or_default();
        !NOT_SALE_RELEVANT.contains(&last)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cost_and_weight_edits_are_not_sale_relevant() {
        let before = json!({"name": "Tee", "skus": {"1": {"price_minor": 100, "cost_minor": 50, "weight_grams": 200}}});
        let cost = json!({"name": "Tee", "skus": {"1": {"price_minor": 100, "cost_minor": 60, "weight_grams": 250}}});
        let price = json!({"name": "Tee", "skus": {"1": {"price_minor": 90, "cost_minor": 50, "weight_grams": 200}}});
        assert!(!is_sale_relevant(&diff(&before, &cost)));
        assert!(is_sale_relevant(&diff(&before, &price)));
    }
}
