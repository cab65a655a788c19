//! Order intake over the API: our own JSON format and CSV import.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnihub_app::orders::{self, Delivery, Intake, IntakeOutcome};
use omnihub_app::{Error as AppError, FieldError};
use omnihub_domain::channels::{ChannelId, ChannelPlatform, OrderTopic};
use omnihub_domain::orders::api_format::ApiOrder;
use omnihub_domain::orders::{IncomingOrder, MappingProblem, Unmappable};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{ImportReportDto, IntakeDto, OrderBody, OrderDetailDto};
use super::merchant;
use crate::api::idempotency as idem;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJsonRaw, ApiQuery, Auth, IdempotencyKey, is_csv};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_order))
        .routes(routes!(import_orders))
}

/// The channel an order is taken in for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelParam {
    /// The channel's id.
    #[param(value_type = String, format = Uuid)]
    pub channel_id: ChannelId,
}

fn problem_field(p: &MappingProblem) -> FieldError {
    let field = match p {
        MappingProblem::Missing { field }
        | MappingProblem::BadQuantity { field, .. }
        | MappingProblem::BadAmount { field, .. }
        | MappingProblem::BadValue { field, .. }
        | MappingProblem::LineWithoutItem { field }
        | MappingProblem::Conflicting { field, .. } => field.clone(),
        MappingProblem::UnknownCurrency { .. } => "currency".to_owned(),
        MappingProblem::NoLines => "lines".to_owned(),
        MappingProblem::Totals(_) => "total".to_owned(),
        _ => "body".to_owned(),
    };
    FieldError::new(field, p.code(), p)
}

/// Our own format is strict: a body it cannot map is the client's mistake (422, nothing
/// stored), unlike a channel's webhook, which is kept as an exception.
fn mapped(body: &ApiOrder) -> Result<IncomingOrder, ApiError> {
    IncomingOrder::try_from(body).map_err(|u: Unmappable| {
        ApiError::App(AppError::Validation(
            u.problems.iter().map(problem_field).collect(),
        ))
    })
}

fn intake_response(i: Intake) -> Result<omnihub_app::idempotency::StoredResponse, AppError> {
    let status = match i.outcome {
        IntakeOutcome::Created => StatusCode::CREATED,
        IntakeOutcome::Duplicate | IntakeOutcome::Updated => StatusCode::OK,
    };
    let dto = IntakeDto {
        outcome: i.outcome.code().to_owned(),
        order: OrderDetailDto::from(i.order),
    };
    idem::json(status, &dto)
}

/// Takes an order in through our own format into a channel. Idempotent twice over: by the
/// channel and `external_id` (the same order again is `200` `duplicate`, a changed body of
/// a held order applies as an update), and by `Idempotency-Key` (the same key and body
/// replay the first response with `Idempotent-Replayed: true`). The order is reviewed and,
/// once confirmed, allocated in the same transaction; a line naming no SKU keeps the order
/// in the exception queue (`unknown_sku`). Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderBody, params(ChannelParam, ("Idempotency-Key" = Option<String>, Header, description = "1-255 printable ASCII characters; the same key with the same body replays the first response")), security(("bearer" = [])), responses(
    (status = 201, description = "Created (it may be held for review or in the exception queue: see `queue`)", body = IntakeDto),
    (status = 200, description = "Already held: `duplicate` or `updated`", body = IntakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors with mapping codes (`bad_amount`, `unknown_currency`, `totals_mismatch`, `no_lines`...), or `idempotency-key-reused`; nothing stored", body = Problem, content_type = "application/problem+json")
))]
async fn create_order(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    ApiQuery(p): ApiQuery<ChannelParam>,
    ApiJsonRaw(body, raw): ApiJsonRaw<ApiOrder>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    let request = idem::request(key.as_deref(), "POST /api/v1/orders", &raw)?;
    let delivery = Delivery {
        channel: p.channel_id,
        source: ChannelPlatform::Api,
        topic: if body.cancelled {
            OrderTopic::Cancelled
        } else {
            OrderTopic::Created
        },
        payload: String::from_utf8_lossy(&raw).into_owned(),
        mapped: Ok(mapped(&body)?),
    };
    let outcome = orders::take_order_once(
        &state.app,
        &auth.actor,
        m,
        &delivery,
        request.as_ref(),
        intake_response,
    )
    .await?;
    Ok(idem::respond(outcome))
}

/// Imports orders from a CSV file (`Content-Type: text/csv`, the template in
/// docs/orders-csv.md) into a channel. Each order is taken in on its own, like
/// `POST /orders`; the report says per order what became of it, with its rows. Orders
/// whose rows are invalid are reported, not stored. Needs `orders.manage`; audited per
/// order.
#[utoipa::path(post, path = "/api/v1/orders/import", tag = "orders", request_body(content = String, content_type = "text/csv", description = "The order CSV template: one row per line, rows of one order share `external_id`"), params(ChannelParam), security(("bearer" = [])), responses(
    (status = 200, body = ImportReportDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The file as a whole is unusable (`file`: not UTF-8, unknown or missing column, too many rows)", body = Problem, content_type = "application/problem+json")
))]
async fn import_orders(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<ChannelParam>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReportDto>> {
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let m = merchant(&auth)?;
    let report = orders::import_csv(&state.app, &auth.actor, m, p.channel_id, &body).await?;
    Ok(Json(report.into()))
}
