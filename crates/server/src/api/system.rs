//! Operational endpoints: liveness, readiness, Prometheus metrics and the system status.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use omnihub_app::system::{self, Readiness};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(status))
}

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process can answer.
    pub status: &'static str,
}

/// Liveness: the process is up and serving HTTP. Does not touch the database.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessReport {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Whether the database answered.
    pub database: bool,
    /// Whether every migration this binary carries is applied.
    pub migrations_current: bool,
    /// Migration versions missing, if any.
    pub missing_migrations: Vec<i64>,
}

/// Readiness: the database is reachable and its schema current; 503 otherwise, so a load
/// balancer sends no traffic to an instance that cannot serve it.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, body = ReadinessReport),
    (status = 503, description = "Database unreachable or migrations pending", body = ReadinessReport)
))]
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let (status, report) = match system::readiness(&state.app).await {
        Readiness::Ready => (
            StatusCode::OK,
            ReadinessReport {
                status: "ready",
                database: true,
                migrations_current: true,
                missing_migrations: vec![],
            },
        ),
        Readiness::DatabaseUnreachable => (
            StatusCode::SERVICE_UNAVAILABLE,
            ReadinessReport {
                status: "not_ready",
                database: false,
                migrations_current: false,
                missing_migrations: vec![],
            },
        ),
        Readiness::MigrationsPending { missing } => (
            StatusCode::SERVICE_UNAVAILABLE,
            ReadinessReport {
                status: "not_ready",
                database: true,
                migrations_current: false,
                missing_migrations: missing,
            },
        ),
    };
    (status, Json(report))
}

/// Prometheus metrics in the text exposition format: `http_requests_total` and
/// `http_request_duration_seconds` by method, route and status, and `db_pool_*` gauges.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text format", content_type = "text/plain; version=0.0.4")
))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state.metrics.render(&state.app.db.pool_stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// System status as shown on the console's first page.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemStatusDto {
    /// Build version.
    pub version: String,
    /// `sqlite` or `postgresql`.
    pub database_backend: String,
    /// Applied migration versions.
    pub migrations_applied: Vec<i64>,
    /// Migration versions this binary carries.
    pub migrations_expected: Vec<i64>,
    /// Whether the schema is current.
    pub migrations_current: bool,
    /// When the process started (RFC 3339).
    pub started_at: String,
    /// Seconds since start.
    pub uptime_seconds: i64,
}

/// The system status: version, database backend, migrations and uptime.
#[utoipa::path(get, path = "/api/v1/system/status", tag = "operations", responses(
    (status = 200, body = SystemStatusDto),
    (status = 503, body = Problem)
))]
async fn status(State(state): State<AppState>) -> ApiResult<Json<SystemStatusDto>> {
    let s = system::status(&state.app).await?;
    Ok(Json(SystemStatusDto {
        version: s.version.to_owned(),
        database_backend: s.backend.name().to_owned(),
        migrations_current: s.migrations.is_current(),
        migrations_applied: s.migrations.applied,
        migrations_expected: s.migrations.expected,
        started_at: s.started_at.to_string(),
        uptime_seconds: s.uptime.as_secs(),
    }))
}
