//! A product's history: its versions (who, when, which fields changed) and the
//! field-by-field difference between two chosen versions (by default the last edit).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::catalog::{self, history};
use omnihub_domain::catalog::ProductId;

use super::super::forms::{app_error, parse_id, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::choose_merchant;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Which versions to compare.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Compare {
    /// The older version.
    pub from: Option<i64>,
    /// The newer version.
    pub to: Option<i64>,
}

/// A version row.
pub struct VersionRow {
    pub version: i64,
    pub who: String,
    pub when: String,
    pub changed: String,
}

/// One changed field.
pub struct ChangeRow {
    pub path: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "catalog/history.html")]
struct HistoryPage {
    ctx: PageContext,
    id: String,
    name: String,
    versions: Vec<VersionRow>,
    from: i64,
    to: i64,
    changes: Option<Vec<ChangeRow>>,
}

fn shown(value: Option<serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

/// The history page.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(compare): ApiQuery<Compare>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let (app, actor) = (&state.app, &user.actor);
    let loaded = async {
        let id: ProductId = parse_id(&raw, "product")?;
        let product = catalog::get(app, actor, merchant, id).await?;
        let versions = history::history(app, actor, merchant, id).await?;
        let latest = product.version;
        let to = compare.to.unwrap_or(latest);
        let from = compare.from.unwrap_or(to - 1);
        let changes = if from >= 1 && to >= 1 && from != to {
            Some(history::diff_versions(app, actor, merchant, id, from, to).await?)
        } else {
            None
        };
        Ok::<_, Error>((product, versions, from, to, changes))
    };
    let (product, versions, from, to, changes) = match loaded.await {
        Ok(found) => found,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = HistoryPage {
        id: product.id.to_string(),
        name: product.name,
        versions: versions
            .into_iter()
            .map(|v| VersionRow {
                version: v.version,
                who: v.actor_label,
                when: when(v.created_at),
                changed: v.changed.join(", "),
            })
            .collect(),
        from,
        to,
        changes: changes.map(|list| {
            list.into_iter()
                .map(|c| ChangeRow {
                    path: c.path,
                    before: shown(c.before),
                    after: shown(c.after),
                })
                .collect()
        }),
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}
