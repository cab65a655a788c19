//! Sign-in for API clients: exchange email and password for an opaque bearer token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::auth;
use omnihub_app::staff::StaffUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Auth, Client};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When the session ends at the latest (RFC 3339).
    pub expires_at: String,
    /// Who signed in.
    pub user: UserDto,
    /// When true, the token only serves to complete sign-in with
    /// `POST /api/v1/auth/login/mfa`; it grants nothing else.
    pub mfa_required: bool,
}

/// A staff user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Created as a platform administrator.
    pub is_platform_admin: bool,
    /// The merchant the user works for; absent for platform staff.
    pub merchant_id: Option<String>,
    /// Whether MFA is enrolled.
    pub mfa_enabled: bool,
}

impl From<StaffUser> for UserDto {
    fn from(u: StaffUser) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email,
            display_name: u.display_name,
            is_platform_admin: u.is_platform_admin,
            merchant_id: u.merchant.map(|m| m.to_string()),
            mfa_enabled: u.mfa_enabled,
        }
    }
}

/// Signs in with email and password and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Body of the wrong shape", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed attempts for this account or address (`too-many-attempts`)", body = Problem, content_type = "application/problem+json")
))]
async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let signed_in = auth::login(
        &state.app,
        &body.email,
        &body.password,
        &client,
        auth::Channel::Api,
    )
    .await?;
    Ok(Json(LoginResponse {
        token: signed_in.token,
        token_type: "Bearer",
        expires_at: signed_in.expires_at.to_string(),
        user: signed_in.user.into(),
        mfa_required: signed_in.mfa_required,
    }))
}

/// Ends the current session; its token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Signed out"),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth::logout(&state.app, &auth.actor, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserDto),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
async fn me(auth: Auth) -> Json<UserDto> {
    Json(auth.user.into())
}
