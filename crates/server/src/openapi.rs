//! The OpenAPI 3 document, generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` with an embedded Swagger UI at `/api/docs` (no internet needed).

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::api::oauth::ClientBasicAuth;

/// Top-level information merged with the paths collected from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Omnihub API",
        description = "Omnichannel commerce operations: catalog, stock, orders, fulfilment, payments, after-sales, customers and purchasing.\n\nErrors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. Lists use cursor pagination (`limit`, `cursor` → `next_cursor`). Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/login`.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "operations", description = "Health, readiness, metrics and system status"),
        (name = "auth", description = "Sign-in and sessions"),
        (name = "merchants", description = "Merchants (tenants) and their settings"),
        (name = "users", description = "Staff users: create, list, disable; a merchant's first owner"),
        (name = "roles", description = "Built-in and custom roles, and the permission catalogue"),
        (name = "access-requests", description = "Role and permission changes, effective once a second approver approves them"),
        (name = "audit", description = "The hash-chained audit log: search, CSV export, verification"),
        (name = "api-keys", description = "API keys for integrations: `Authorization: Bearer ohk_…`"),
        (name = "oauth", description = "OAuth 2.0 client-credentials grant for API keys"),
        (name = "catalog", description = "Products, SKUs, brands, categories, listing review, history, import/export and sellability. Money is `{\"amount\": \"19.90\", \"currency\": \"CNY\"}` (decimal text)"),
        (name = "inventory", description = "Locations, stock levels, the movement ledger, receipts, adjustments with approval, transfers, stocktakes, reservations, alerts and events. Quantities are whole units (JSON integers); conflicts are 409 problems with stable codes such as `insufficient-stock`"),
        (name = "channels", description = "Sales channels: registry, status, write-only credentials, linked locations and channel listings"),
        (name = "orders", description = "Orders from every channel: intake (our API, CSV, Shopify and WooCommerce webhooks), review, allocation, work queues, cancellation and the timeline"),
        (name = "fulfilment", description = "Pick waves and pick lists, packing by scan, and shipments that consume the reserved stock"),
        (name = "tracking", description = "Shipment tracking: carrier accounts, the signed carrier webhook, tracking CSV import, shipments with their events, and the shopper's public look-up by order number and e-mail or phone"),
        (name = "payments", description = "Payments per order (card, Alipay, WeChat Pay, digital RMB, bank transfer, cash on delivery, marketplace): record, capture, fail, refund; the order's payment status derived from them; signed provider notifications. Card numbers are refused with `card-number-refused`"),
        (name = "invoices", description = "Invoices and credit notes for orders: gap-free numbering per merchant and year, buyer title and unified social credit code, void, full credit notes and a printable HTML page"),
        (name = "outbox", description = "Push-back to channels: fulfilment, tracking and cancellation updates queued in the same transaction as the change and delivered with retries; list, inspect and retry dead events"),
    ),
    modifiers(&BearerAuth, &ClientBasicAuth),
    components(schemas(crate::error::Problem, crate::error::ProblemField))
)]
struct ApiInfo;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The full document: top-level information plus the collected paths, with the answers
/// every operation can give documented once here rather than on each handler.
pub fn document(paths: Document) -> Document {
    let mut doc = ApiInfo::openapi();
    doc.merge(paths);
    doc.info.version = omnihub_app::system::VERSION.to_owned();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            ids_are_uuids(operation);
            page_limits(operation);
            common_problems(operation);
        }
    }
    doc
}

/// Path parameters named `id` or `…_id` are parsed as UUIDs (any other text is a 400), so
/// the document says so and clients and generators need not guess.
fn ids_are_uuids(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(p) = parameter else { continue };
        let is_id = p.name == "id" || p.name.ends_with("_id");
        if p.parameter_in == ParameterIn::Path && is_id {
            p.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into(),
            );
        }
    }
}

/// Every list takes `limit` from 1 to [`crate::api::MAX_LIMIT`]; an `Idempotency-Key` is
/// 1-255 printable ASCII characters (`omnihub_app::idempotency::valid_key`).
fn page_limits(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(p) = parameter else { continue };
        let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() else {
            continue;
        };
        if p.parameter_in == ParameterIn::Query && p.name == "limit" {
            o.minimum = Some(1_u32.into());
            o.maximum = Some(crate::api::MAX_LIMIT.into());
        }
        if p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("idempotency-key") {
            o.min_length = Some(1);
            o.max_length = Some(255);
            o.pattern = Some("^[ -~]{1,255}$".to_owned());
        }
    }
}

/// The problems the shared extractors and middleware give on any operation
/// (crates/server/src/error.rs), added where a handler's annotation does not list them.
fn common_problems(operation: &mut Operation) {
    let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let body = operation.request_body.as_ref().map(|b| match b {
        RefOr::T(b) => b.content.contains_key("application/json"),
        RefOr::Ref(_) => false,
    });
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    };
    if has_input || secured || body.is_some() {
        add(
            "400",
            "A parameter or header that cannot be read (`invalid-parameter`), or a body that is not JSON (`malformed-json`)",
        );
    }
    if secured {
        add(
            "401",
            "Missing, invalid or expired credentials (`unauthenticated`)",
        );
    }
    if let Some(json) = body {
        add(
            "413",
            "The body is over the size limit (`payload-too-large`)",
        );
        add(
            "415",
            "The body is not of the documented content type (`unsupported-media-type`)",
        );
        if json {
            add(
                "422",
                "JSON of the wrong shape, naming the field (`invalid-body`)",
            );
        }
    }
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .into()
}
