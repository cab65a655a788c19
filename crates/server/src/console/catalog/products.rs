//! The product list: search (name, SKU code, barcode), filters (category with its
//! subtree, brand, status), cursor paging, and CSV/XLSX export of the same selection.
//! An htmx request (live search) gets only the table rows. A page is one product query
//! plus the brand and category lists (for names and filters), whatever the catalogue size.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnihub_app::catalog::products::{ListQuery, Page};
use omnihub_app::catalog::transfer::{ExportFormat, export};
use omnihub_app::catalog::{self, Product};

use super::super::forms::{app_error, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{Choice, Taxonomy, choose_merchant, opt_id, status_class, status_label};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Products per page.
const PAGE: u32 = 50;

/// The list's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filters {
    /// Search text.
    pub q: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Brand id.
    pub brand: Option<String>,
    /// Category id.
    pub category: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
}

impl Filters {
    fn query(&self, cursor: bool) -> ListQuery {
        ListQuery {
            status: self.status.clone().filter(|s| !s.is_empty()),
            brand_id: opt_id(self.brand.as_deref()),
            category_id: opt_id(self.category.as_deref()),
            search: self.q.clone().filter(|s| !s.trim().is_empty()),
            cursor: if cursor {
                opt_id(self.cursor.as_deref())
            } else {
                None
            },
            limit: Some(PAGE),
        }
    }

    /// The filters as a query string (without the cursor), for export and paging links.
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("brand", &self.brand),
            ("category", &self.category),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// One product row.
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub category: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub status_class: &'static str,
    pub version: i64,
    pub updated: String,
}

/// The rows and the next-page link, shared by the page and the partial.
pub struct Rows {
    pub rows: Vec<ProductRow>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog/products.html")]
struct ListPage {
    ctx: PageContext,
    filters: Filters,
    statuses: Vec<Choice>,
    brands: Vec<Choice>,
    categories: Vec<Choice>,
    list: Rows,
    export_query: String,
}

#[derive(Template)]
#[template(path = "catalog/products_partial.html")]
struct ListPartial {
    ctx: PageContext,
    list: Rows,
}

fn rows(ctx: &PageContext, page: Page<Product>, tax: &Taxonomy, filters: &Filters) -> Rows {
    let brands = tax.brand_names();
    let categories = tax.category_names();
    let t = ctx.t;
    let rows = page
        .items
        .into_iter()
        .map(|p| {
            let code = p.status.code();
            ProductRow {
                id: p.id.to_string(),
                brand: p
                    .brand_id
                    .and_then(|b| brands.get(&b).cloned())
                    .unwrap_or_default(),
                category: p
                    .category_id
                    .and_then(|c| categories.get(&c).cloned())
                    .unwrap_or_default(),
                name: p.name,
                status: status_label(t, code),
                status_code: code,
                status_class: status_class(code),
                version: p.version,
                updated: when(p.updated_at),
            }
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        let q = filters.query_string();
        let sep = if q.is_empty() { "" } else { "&" };
        format!("/admin/catalog/products?{q}{sep}cursor={c}")
    });
    Rows { rows, next }
}

fn status_choices(t: &super::Tr, selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: t.cat_all.to_owned(),
        selected: selected.is_empty(),
    }];
    out.extend(
        omnihub_domain::catalog::ProductStatus::CODES
            .iter()
            .map(|c| Choice {
                value: (*c).to_owned(),
                label: status_label(t, c).to_owned(),
                selected: *c == selected,
            }),
    );
    out
}

/// The product list, or only its rows for htmx.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    headers: HeaderMap,
    ApiQuery(filters): ApiQuery<Filters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let tax = match Taxonomy::load(&state, &user.actor, merchant).await {
        Ok(tax) => tax,
        Err(err) => return app_error(ctx, err),
    };
    let page = match catalog::list(&state.app, &user.actor, merchant, filters.query(true)).await {
        Ok(page) => page,
        Err(err) => return app_error(ctx, err),
    };
    let list = rows(&ctx, page, &tax, &filters);
    let nonce = ctx.nonce.clone();
    if headers.contains_key("hx-request") && !headers.contains_key("hx-boosted") {
        return render(StatusCode::OK, &nonce, &ListPartial { ctx, list });
    }
    let t = ctx.t;
    let none = t.cat_all;
    let page = ListPage {
        statuses: status_choices(t, filters.status.as_deref().unwrap_or_default()),
        brands: tax.brand_choices(filters.brand.as_deref().unwrap_or_default(), none),
        categories: tax.category_choices(filters.category.as_deref().unwrap_or_default(), none),
        export_query: filters.query_string(),
        filters,
        list,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

async fn export_as(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    filters: &Filters,
    format: ExportFormat,
) -> Response {
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    match export(
        &state.app,
        &user.actor,
        merchant,
        filters.query(false),
        format,
    )
    .await
    {
        Ok(file) => {
            let disposition = format!("attachment; filename=\"{}\"", file.file_name);
            let mut response = (StatusCode::OK, file.bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The selection as CSV.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(filters): ApiQuery<Filters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    export_as(&state, &user, ctx, &filters, ExportFormat::Csv).await
}

/// The selection as an Excel workbook.
pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(filters): ApiQuery<Filters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    export_as(&state, &user, ctx, &filters, ExportFormat::Xlsx).await
}
