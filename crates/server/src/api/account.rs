//! The signed-in user's own account: the MFA sign-in step, MFA enrolment, password,
//! sessions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::{auth, mfa};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::LoginResponse;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_mfa))
        .routes(routes!(logout_everywhere))
        .routes(routes!(change_password))
        .routes(routes!(sessions))
        .routes(routes!(mfa_enrol))
        .routes(routes!(mfa_confirm))
        .routes(routes!(mfa_disable))
        .routes(routes!(mfa_recovery_codes))
}

/// The second sign-in step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginMfaRequest {
    /// The token `POST /api/v1/auth/login` returned with `mfa_required: true`.
    pub mfa_token: String,
    /// A 6-digit TOTP code, or an unused recovery code (`xxxxx-xxxxx`).
    pub code: String,
}

/// Completes sign-in with a TOTP or recovery code; the token becomes a full session.
#[utoipa::path(post, path = "/api/v1/auth/login/mfa", tag = "auth", request_body = LoginMfaRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 401, description = "Unknown or expired MFA token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Account locked after repeated failures", body = Problem, content_type = "application/problem+json")
))]
async fn login_mfa(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginMfaRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let user = mfa::complete_login(&state.app, &body.mfa_token, &body.code).await?;
    let expires_at = (state.app.now() + auth::SESSION_ABSOLUTE).to_string();
    Ok(Json(LoginResponse {
        token: body.mfa_token,
        token_type: "Bearer",
        expires_at,
        user: user.into(),
        mfa_required: false,
    }))
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    /// Count.
    pub sessions_ended: u64,
}

/// Ends every session of the signed-in user, this one included.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = SessionsEnded),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
async fn logout_everywhere(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<SessionsEnded>> {
    let sessions_ended = auth::logout_everywhere(&state.app, &auth.actor).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The current password.
    pub current_password: String,
    /// The new one (12-128 characters, not a common password).
    pub new_password: String,
}

/// Changes the signed-in user's password; every other session of theirs ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePassword, security(("bearer" = [])), responses(
    (status = 204, description = "Changed"),
    (status = 422, description = "Wrong current password or weak new one", body = Problem, content_type = "application/problem+json")
))]
async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    auth::change_password(
        &state.app,
        &auth.actor,
        &auth.token,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A live session of the signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// A stable identifier (hash prefix; the token itself is never stored).
    pub id: String,
    /// `api` or `console`.
    pub channel: String,
    /// Signed in at (RFC 3339).
    pub created_at: String,
    /// Last used at (RFC 3339).
    pub last_seen_at: String,
    /// Ends at the latest (RFC 3339).
    pub expires_at: String,
    /// Client address at sign-in.
    pub client_address: Option<String>,
    /// User agent at sign-in.
    pub user_agent: Option<String>,
    /// Whether it is the session making this request.
    pub current: bool,
}

/// The signed-in user's live sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = Vec<SessionDto>)
))]
async fn sessions(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<SessionDto>>> {
    let list = auth::sessions(&state.app, &auth.actor, &auth.token).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SessionDto {
                id: s.id,
                channel: s.channel,
                created_at: s.created_at.to_string(),
                last_seen_at: s.last_seen_at.to_string(),
                expires_at: s.expires_at.to_string(),
                client_address: s.client_address,
                user_agent: s.user_agent,
                current: s.current,
            })
            .collect(),
    ))
}

/// A new TOTP seed to add to an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaEnrolment {
    /// Base32 seed, to type in.
    pub secret: String,
    /// `otpauth://` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG markup).
    pub qr_svg: String,
}

/// Starts MFA enrolment (allowed even while a role's MFA requirement blocks everything else).
#[utoipa::path(post, path = "/api/v1/auth/mfa/enrol", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = MfaEnrolment),
    (status = 409, description = "Already enrolled", body = Problem, content_type = "application/problem+json")
))]
async fn mfa_enrol(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<MfaEnrolment>> {
    let e = mfa::enrol(&state.app, &auth.actor).await?;
    Ok(Json(MfaEnrolment {
        secret: e.secret,
        otpauth_uri: e.otpauth_uri,
        qr_svg: e.qr_svg,
    }))
}

/// A TOTP code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    /// The 6-digit code from the authenticator app.
    pub code: String,
}

/// One-time recovery codes, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each works once in place of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// Confirms enrolment with a first code; returns recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/mfa/confirm", tag = "auth", request_body = MfaCode, security(("bearer" = [])), responses(
    (status = 200, body = RecoveryCodes),
    (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json")
))]
async fn mfa_confirm(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MfaCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    Ok(Json(RecoveryCodes {
        recovery_codes: mfa::confirm(&state.app, &auth.actor, &body.code).await?,
    }))
}

/// Replaces the recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/mfa/recovery-codes", tag = "auth", request_body = MfaCode, security(("bearer" = [])), responses(
    (status = 200, body = RecoveryCodes)
))]
async fn mfa_recovery_codes(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MfaCode>,
) -> ApiResult<Json<RecoveryCodes>> {
    Ok(Json(RecoveryCodes {
        recovery_codes: mfa::regenerate_recovery_codes(&state.app, &auth.actor, &body.code).await?,
    }))
}

/// Turning MFA off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaDisable {
    /// The current password.
    pub password: String,
    /// A current TOTP code.
    pub code: String,
}

/// Turns MFA off; refused while a role of the user requires it.
#[utoipa::path(post, path = "/api/v1/auth/mfa/disable", tag = "auth", request_body = MfaDisable, security(("bearer" = [])), responses(
    (status = 204, description = "Disabled"),
    (status = 409, description = "A role requires MFA", body = Problem, content_type = "application/problem+json")
))]
async fn mfa_disable(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<MfaDisable>,
) -> ApiResult<StatusCode> {
    mfa::disable(&state.app, &auth.actor, &body.password, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}
