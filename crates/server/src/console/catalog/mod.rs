//! Console pages for the catalogue (issue 4): the product list with search and filters,
//! the product editor with its SKUs, the review queue, categories and brands, history with
//! diffs, CSV import and CSV/XLSX export, and the catalogue settings. Every page calls the
//! use cases of `omnihub_app::catalog` (the same as `/api/v1/catalog`) in the merchant the
//! user acts in: merchant staff their own, platform staff the one chosen on the Merchants
//! page (without one, a page says so instead of failing).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use omnihub_app::catalog::taxonomy::{self, Brand, Category};
use omnihub_app::{Actor, Error};
use omnihub_domain::catalog::{BrandId, CategoryId, ProductStatus};
use omnihub_domain::ids::MerchantId;

use super::{PageContext, Tr, render};
use crate::state::AppState;

mod editor;
mod editor_form;
mod history;
mod products;
mod review;
mod settings;
mod taxonomy_pages;
mod transfer;

/// The catalogue routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/catalog/products",
            get(products::list_page).post(editor::create),
        )
        .route("/catalog/products/export.csv", get(products::export_csv))
        .route("/catalog/products/export.xlsx", get(products::export_xlsx))
        .route("/catalog/products/new", get(editor::new_page))
        .route(
            "/catalog/products/{id}",
            get(editor::edit_page).post(editor::update),
        )
        .route("/catalog/products/{id}/skus", post(editor::add_sku))
        .route(
            "/catalog/products/{id}/skus/{sku}",
            post(editor::update_sku),
        )
        .route(
            "/catalog/products/{id}/status/{action}",
            post(editor::change_status),
        )
        .route("/catalog/products/{id}/history", get(history::page))
        .route("/catalog/review", get(review::queue_page))
        .route("/catalog/review/{id}", post(review::decide))
        .route(
            "/catalog/categories",
            get(taxonomy_pages::categories_page).post(taxonomy_pages::create_category),
        )
        .route(
            "/catalog/categories/{id}/rename",
            post(taxonomy_pages::rename_category),
        )
        .route(
            "/catalog/categories/move",
            post(taxonomy_pages::move_category),
        )
        .route(
            "/catalog/brands",
            get(taxonomy_pages::brands_page).post(taxonomy_pages::create_brand),
        )
        .route("/catalog/brands/{id}", post(taxonomy_pages::rename_brand))
        .route(
            "/catalog/import",
            get(transfer::import_page).post(transfer::import_submit),
        )
        .route(
            "/catalog/settings",
            get(settings::page).post(settings::save),
        )
}

#[derive(Template)]
#[template(path = "catalog/choose_merchant.html")]
struct ChooseMerchantPage {
    ctx: PageContext,
}

/// The page shown to platform staff who have not chosen a merchant to act in.
pub(super) fn choose_merchant(ctx: PageContext) -> Response {
    let nonce = ctx.nonce.clone();
    render(StatusCode::CONFLICT, &nonce, &ChooseMerchantPage { ctx })
}

/// The label of a product status code.
pub(super) fn status_label(t: &Tr, code: &str) -> &'static str {
    match code {
        "draft" => t.cat_status_draft,
        "in_review" => t.cat_status_in_review,
        "approved" => t.cat_status_approved,
        "rejected" => t.cat_status_rejected,
        "listed" => t.cat_status_listed,
        "delisted" => t.cat_status_delisted,
        _ => "?",
    }
}

/// "Level k of N" for a product in review, else the status label.
pub(super) fn status_text(t: &Tr, status: ProductStatus) -> String {
    match status {
        ProductStatus::InReview { level, of } => format!(
            "{} · {}",
            t.cat_status_in_review,
            t.cat_review_level
                .replace("{level}", &level.to_string())
                .replace("{of}", &of.to_string())
        ),
        other => status_label(t, other.code()).to_owned(),
    }
}

/// The CSS badge class of a status.
pub(super) fn status_class(code: &str) -> &'static str {
    match code {
        "listed" | "approved" => "ok",
        "rejected" => "err",
        "in_review" => "warn",
        _ => "muted",
    }
}

/// A choice of a `<select>`: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The merchant's brands and categories, loaded once per page (two queries) to name
/// and choose them.
pub(super) struct Taxonomy {
    pub brands: Vec<Brand>,
    pub categories: Vec<Category>,
}

impl Taxonomy {
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        merchant: MerchantId,
    ) -> Result<Self, Error> {
        let brands = taxonomy::list_brands(&state.app, actor, merchant).await?;
        let categories = taxonomy::list_categories(&state.app, actor, merchant, None).await?;
        Ok(Self { brands, categories })
    }

    pub fn brand_names(&self) -> HashMap<BrandId, String> {
        self.brands.iter().map(|b| (b.id, b.name.clone())).collect()
    }

    pub fn category_names(&self) -> HashMap<CategoryId, String> {
        self.categories
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }

    /// Brand choices with `selected` marked (first: none).
    pub fn brand_choices(&self, selected: &str, none: &str) -> Vec<Choice> {
        let mut out = vec![Choice {
            value: String::new(),
            label: none.to_owned(),
            selected: selected.is_empty(),
        }];
        out.extend(self.brands.iter().map(|b| Choice {
            value: b.id.to_string(),
            label: b.name.clone(),
            selected: b.id.to_string() == selected,
        }));
        out
    }

    /// Category choices in tree order, indented by depth (first: none).
    pub fn category_choices(&self, selected: &str, none: &str) -> Vec<Choice> {
        let mut out = vec![Choice {
            value: String::new(),
            label: none.to_owned(),
            selected: selected.is_empty(),
        }];
        out.extend(self.categories.iter().map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{}{}", indent(c.depth), c.name),
            selected: c.id.to_string() == selected,
        }));
        out
    }
}

/// Non-breaking spaces for a tree depth (from 1).
pub(super) fn indent(depth: i64) -> String {
    "\u{a0}\u{a0}\u{a0}".repeat(usize::try_from(depth.saturating_sub(1)).unwrap_or(0))
}

/// Parses an optional id from a form or query value (blank: none; malformed: none).
pub(super) fn opt_id<T: std::str::FromStr>(raw: Option<&str>) -> Option<T> {
    raw.map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| v.parse().ok())
}
