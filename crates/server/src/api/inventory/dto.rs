//! DTOs shared by the inventory routes: stock levels, ledger entries, SKU/quantity lines,
//! and the paging helpers. Times are RFC 3339 text; quantities are whole units.

use jiff::Timestamp;
use omnihub_app::inventory::{Movement, Page as AppPage, ReceiptLine, StockLevel};
use omnihub_domain::catalog::SkuId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::Page;
use crate::api::users::Paging;
use crate::error::ApiError;

/// RFC 3339 text of an instant.
pub(super) fn ts(t: Timestamp) -> String {
    t.to_string()
}

/// The page size and cursor, checked (a 400 problem when the limit is out of range). The
/// cursor stays opaque text: the use case checks it came from the same list.
pub(super) fn paging(
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<(Option<String>, Option<u32>), ApiError> {
    let (cursor, limit) = Paging { limit, cursor }.parse::<String>()?;
    Ok((cursor, Some(limit)))
}

/// An API page from an app page (the app already knows whether more follow).
pub(super) fn page<T, U: From<T>>(p: AppPage<T>) -> Page<U> {
    Page {
        items: p.items.into_iter().map(U::from).collect(),
        next_cursor: p.next_cursor,
    }
}

/// One SKU and a number of units.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    /// SKU id.
    #[schema(value_type = String, format = Uuid)]
    pub sku_id: SkuId,
    /// Units (positive, at most 1,000,000,000).
    pub quantity: i64,
}

impl From<LineBody> for ReceiptLine {
    fn from(l: LineBody) -> Self {
        Self {
            sku_id: l.sku_id,
            quantity: l.quantity,
        }
    }
}

/// Lines as the app takes them.
pub(super) fn lines(body: Vec<LineBody>) -> Vec<ReceiptLine> {
    body.into_iter().map(ReceiptLine::from).collect()
}

/// The stock of one SKU at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLevelDto {
    /// SKU id.
    pub sku_id: String,
    /// SKU code.
    pub sku_code: String,
    /// Location id.
    pub location_id: String,
    /// Location code.
    pub location_code: String,
    /// Physically on hand.
    pub on_hand: i64,
    /// Held for open reservations.
    pub reserved: i64,
    /// `on_hand - reserved`: what can still be sold (negative only with backorders).
    pub available: i64,
    /// Dispatched from another location, not yet received here.
    pub incoming: i64,
    /// Available at or below the low-stock threshold or reorder point.
    pub low_stock: bool,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<StockLevel> for StockLevelDto {
    fn from(l: StockLevel) -> Self {
        Self {
            sku_id: l.sku_id.to_string(),
            sku_code: l.sku_code,
            location_id: l.location_id.to_string(),
            location_code: l.location_code,
            on_hand: l.on_hand,
            reserved: l.reserved,
            available: l.available,
            incoming: l.incoming,
            low_stock: l.low_stock,
            updated_at: ts(l.updated_at),
        }
    }
}

/// One entry of the append-only movement ledger: every change of on hand is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementDto {
    /// Id.
    pub id: String,
    /// SKU id.
    pub sku_id: String,
    /// Location id.
    pub location_id: String,
    /// `receipt`, `shipment`, `return_restock`, `adjustment`, `count`, `transfer_out`,
    /// `transfer_in` or `scrap`.
    pub reason: String,
    /// Signed change of on hand.
    pub quantity: i64,
    /// What caused it (PO number, `adjustment:<id>`, `transfer:<id>`, `stocktake:<id>`,
    /// a reservation's reference).
    pub reference: String,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// Who (email or key name).
    pub actor: String,
    /// Free text.
    pub note: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<Movement> for MovementDto {
    fn from(m: Movement) -> Self {
        Self {
            id: m.id.to_string(),
            sku_id: m.sku_id.to_string(),
            location_id: m.location_id.to_string(),
            reason: m.reason.code().to_owned(),
            quantity: m.quantity,
            reference: m.reference,
            actor_type: m.actor_type,
            actor: m.actor_label,
            note: m.note,
            created_at: ts(m.created_at),
        }
    }
}

/// Deserialises a present field (even `null`) as `Some`, so a missing field (`None`) can
/// be told from one set to `null` (`Some(None)`, which clears it).
pub(super) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A SKU named in the path that this merchant does not have is "not found" (the use cases
/// report unknown SKUs as field errors, which fits SKUs named in a body).
pub(super) fn sku_in_path(err: omnihub_app::Error) -> ApiError {
    match err {
        omnihub_app::Error::Validation(fields)
            if fields
                .iter()
                .all(|f| f.code == "unknown" && f.field.ends_with("sku_id")) =>
        {
            omnihub_app::Error::NotFound { entity: "sku" }.into()
        }
        other => other.into(),
    }
}
