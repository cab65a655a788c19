//! The OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for API keys: a key's prefix is
//! its `client_id` and its secret part (or the whole key) its `client_secret`. The access
//! token issued is `oht_…`, valid for an hour, stored as a SHA-256 hash with the scopes
//! granted; it acts like its key (see [`crate::api_keys`]), narrowed to those scopes.
//!
//! Failed client authentication counts against the sign-in throttle: the client address's
//! counter is the one password sign-in uses, and each `client_id` has its own.

use jiff::SignedDuration;
use omnihub_domain::access::PermissionSet;
use omnihub_domain::api_keys::{self as domain, PresentedKey, scopes_to_text};
use omnihub_domain::throttle::{Counter, Policy};
use omnihub_store::api_keys::{self as store, NewAccessToken};
use omnihub_store::throttle::{self, ThrottleRow};
use omnihub_store::{Tx, time};

use crate::api_keys::{ApiKey, Grant, KeyStatus, verified_key};
use crate::audit::{self, Change};
use crate::auth::token_hash;
use crate::context::Principal;
use crate::context::RequestMeta;
use crate::entropy::random_bytes;
use crate::error::Error;
use crate::{Actor, App};

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: SignedDuration = SignedDuration::from_hours(1);
/// The only grant type supported.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// What the `Authorization` header of a token request carried.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum AuthorizationHeader {
    /// No `Authorization` header.
    #[default]
    Absent,
    /// HTTP Basic credentials, already base64- and form-decoded (RFC 6749 §2.3.1).
    Basic {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: String,
    },
    /// Another scheme, or Basic credentials that do not decode.
    Unusable,
}

impl std::fmt::Debug for AuthorizationHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("Absent"),
            Self::Basic { client_id, .. } => write!(f, "Basic({client_id}, <redacted>)"),
            Self::Unusable => f.write_str("Unusable"),
        }
    }
}

/// A token request as received.
#[derive(Clone, Default)]
pub struct TokenRequest {
    /// The form parameters in order, or `None` when the body is not
    /// `application/x-www-form-urlencoded`.
    pub params: Option<Vec<(String, String)>>,
    /// The `Authorization` header.
    pub authorization: AuthorizationHeader,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Option<Vec<&str>> = self
            .params
            .as_ref()
            .map(|p| p.iter().map(|(k, _)| k.as_str()).collect());
        f.debug_struct("TokenRequest")
            .field("params", &names)
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// An issued access token. `Debug` never shows the token.
#[derive(Clone)]
pub struct IssuedToken {
    /// `oht_…`.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// How the client tried to authenticate, which decides how `invalid_client` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `Authorization: Basic` (or another scheme): answer 401 with a Basic challenge.
    Header,
    /// `client_id`/`client_secret` form fields: answer 400.
    Form,
    /// Nothing: answer 401 with a Basic challenge.
    None,
}

/// Why a token request failed: the error codes of RFC 6749 §5.2, plus throttling and the
/// app's own failures.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Malformed: missing or repeated parameter, wrong media type, two client
    /// authentication methods.
    #[error("{0}")]
    InvalidRequest(String),
    /// Client authentication failed.
    #[error("{description}")]
    InvalidClient {
        /// What failed.
        description: String,
        /// How the client tried, which decides the status and challenge.
        method: ClientAuthMethod,
    },
    /// The key (the grant) is revoked or expired.
    #[error("{0}")]
    InvalidGrant(String),
    /// The key may not obtain tokens (its creator is disabled or no longer holds any of its
    /// scopes).
    #[error("{0}")]
    UnauthorizedClient(String),
    /// A grant type other than `client_credentials`.
    #[error("{0}")]
    UnsupportedGrantType(String),
    /// The requested scope is unknown or beyond the key's.
    #[error("{0}")]
    InvalidScope(String),
    /// Too many failed attempts from this client address or for this client id.
    #[error("too many failed attempts; retry in {retry_after_secs} seconds")]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// The database is unavailable or something unexpected happened.
    #[error(transparent)]
    App(#[from] Error),
}

impl From<omnihub_store::StoreError> for OAuthError {
    fn from(err: omnihub_store::StoreError) -> Self {
        Self::App(err.into())
    }
}

impl OAuthError {
    /// The RFC 6749 error code (`temporarily_unavailable` when throttled, `server_error`
    /// for the app's own failures).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient { .. } => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::TooManyAttempts { .. } => "temporarily_unavailable",
            Self::App(_) => "server_error",
        }
    }
}

/// The parameters of a well-formed request.
struct Params {
    grant_type: String,
    scope: Option<String>,
    client_id: String,
    client_secret: String,
    method: ClientAuthMethod,
}

/// Issues an access token for an API key (client-credentials grant). Issuing is audited
/// (`oauth_token.create`) against the key, never with the token.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn token(
    app: &App,
    request: TokenRequest,
    client: &RequestMeta,
) -> Result<IssuedToken, OAuthError> {
    let params = parse(request)?;
    if params.grant_type != CLIENT_CREDENTIALS {
        return Err(OAuthError::UnsupportedGrantType(format!(
            "only grant_type={CLIENT_CREDENTIALS} is supported"
        )));
    }
    let (mut tx, key) = authenticate_client(app, &params, client).await?;
    let (grant, scopes) = match authorise(&mut tx, &key, params.scope.as_deref(), app.now()).await {
        Ok(granted) => granted,
        Err(err) => {
            // Keep the cleared throttle counters: the client did authenticate.
            tx.commit().await?;
            return Err(err);
        }
    };
    let issued = issue(app, &mut tx, &key, grant, &scopes, client).await?;
    tx.commit().await?;
    tracing::info!(api_key_id = %key.id, scope = %issued.scope, "access token issued");
    Ok(issued)
}

/// Counts the attempt against the throttle, checks the client's credentials and, when
/// they are right, clears the counters; returns the open transaction and the key.
async fn authenticate_client(
    app: &App,
    params: &Params,
    client: &RequestMeta,
) -> Result<(Tx, ApiKey), OAuthError> {
    let invalid_client = || OAuthError::InvalidClient {
        description: "unknown client or wrong secret".to_owned(),
        method: params.method,
    };
    let address = client.client_address.as_deref().unwrap_or("unknown");
    let client_id: String = params.client_id.chars().take(64).collect();
    let throttle_keys = [
        (format!("client:{address}"), Policy::CLIENT),
        (format!("oauth_client:{client_id}"), Policy::ACCOUNT),
    ];
    count_attempt(app, &throttle_keys).await?;
    let presented = PresentedKey::from_client_credentials(&params.client_id, &params.client_secret)
        .ok_or_else(invalid_client)?;
    let mut tx = app.db.begin_write().await?;
    let row = verified_key(&mut tx, &presented)
        .await?
        .ok_or_else(invalid_client)?;
    for (key, _) in &throttle_keys {
        throttle::clear(&mut tx, key).await?;
    }
    Ok((tx, ApiKey::try_from(row)?))
}

/// Whether an authenticated key may have a token now, and with which scopes.
async fn authorise(
    tx: &mut Tx,
    key: &ApiKey,
    scope: Option<&str>,
    now: jiff::Timestamp,
) -> Result<(Grant, PermissionSet), OAuthError> {
    match key.status(now) {
        KeyStatus::Active => {}
        KeyStatus::Revoked => {
            return Err(OAuthError::InvalidGrant("the API key is revoked".into()));
        }
        KeyStatus::Expired => {
            return Err(OAuthError::InvalidGrant("the API key has expired".into()));
        }
    }
    let grant = Grant::resolve(tx, key).await?;
    if grant.creator.is_none() || grant.permissions.is_empty() {
        return Err(OAuthError::UnauthorizedClient(
            "the key's creator is disabled or no longer holds any of its scopes".into(),
        ));
    }
    let scopes = domain::token_scopes(scope, &key.scopes)
        .map_err(|e| OAuthError::InvalidScope(e.to_string()))?;
    Ok((grant, scopes))
}

/// Stores a new access token, records the key's use and audits the issue.
async fn issue(
    app: &App,
    tx: &mut Tx,
    key: &ApiKey,
    grant: Grant,
    scopes: &PermissionSet,
    client: &RequestMeta,
) -> Result<IssuedToken, OAuthError> {
    let now = app.now();
    let access_token = domain::access_token(random_bytes(app.entropy.as_ref()));
    let scope = scopes_to_text(scopes);
    let new = NewAccessToken {
        token_hash: &token_hash(&access_token),
        api_key_id: key.id.as_uuid(),
        scopes: &scope,
        expires_at: now + ACCESS_TOKEN_TTL,
    };
    store::insert_token(tx, &new, now).await?;
    store::touch(tx, key.id.as_uuid(), now).await?;
    let actor = Actor {
        principal: Principal::ApiKey {
            id: key.id.as_uuid(),
            created_by: key.created_by,
            name: key.name.clone(),
        },
        platform: key.merchant.is_none(),
        merchant: key.merchant,
        permissions: grant.permissions,
        mfa_enrolment_required: false,
        meta: client.clone(),
    };
    let change = Change {
        action: "oauth_token.create",
        entity_type: "api_key",
        entity_id: Some(key.id.to_string()),
        merchant: key.merchant,
        before: None,
        after: Some(serde_json::json!({"scope": scope, "expires_at": new.expires_at.to_string()})),
    };
    audit::record(app, tx, &actor, change).await?;
    Ok(IssuedToken {
        access_token,
        expires_in: ACCESS_TOKEN_TTL.as_secs(),
        scope,
    })
}

/// Checks the request's shape: a form, no repeated parameter, a grant type, and exactly
/// one client authentication method. Empty parameters count as omitted (RFC 6749 §3.1).
fn parse(request: TokenRequest) -> Result<Params, OAuthError> {
    let form = request.params.ok_or_else(|| {
        OAuthError::InvalidRequest("send the request as application/x-www-form-urlencoded".into())
    })?;
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &form {
        if seen.contains(&name.as_str()) {
            return Err(OAuthError::InvalidRequest(format!(
                "the parameter {name} is given more than once"
            )));
        }
        seen.push(name);
    }
    let param = |name: &str| {
        form.iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let grant_type = param("grant_type")
        .ok_or_else(|| OAuthError::InvalidRequest("grant_type is required".into()))?;
    let scope = param("scope");
    let (form_id, form_secret) = (param("client_id"), param("client_secret"));
    let (client_id, client_secret, method) = match request.authorization {
        AuthorizationHeader::Basic { .. } | AuthorizationHeader::Unusable
            if form_secret.is_some() =>
        {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method: HTTP Basic or form fields, not both".into(),
            ));
        }
        AuthorizationHeader::Basic {
            client_id,
            client_secret,
        } => (client_id, client_secret, ClientAuthMethod::Header),
        AuthorizationHeader::Unusable => {
            return Err(OAuthError::InvalidClient {
                description: "client authentication must use HTTP Basic".into(),
                method: ClientAuthMethod::Header,
            });
        }
        AuthorizationHeader::Absent => match (form_id, form_secret) {
            (Some(id), Some(secret)) => (id, secret, ClientAuthMethod::Form),
            (Some(_), None) => {
                return Err(OAuthError::InvalidClient {
                    description: "client_secret is required".into(),
                    method: ClientAuthMethod::Form,
                });
            }
            (None, _) => {
                return Err(OAuthError::InvalidClient {
                    description:
                        "authenticate the client with HTTP Basic or client_id and client_secret"
                            .into(),
                    method: ClientAuthMethod::None,
                });
            }
        },
    };
    Ok(Params {
        grant_type,
        scope,
        client_id,
        client_secret,
        method,
    })
}

/// Refuses when a key is locked; otherwise counts this attempt as a failure until the
/// client authenticates (so parallel guesses cannot slip past the limit).
async fn count_attempt(app: &App, keys: &[(String, Policy)]) -> Result<(), OAuthError> {
    let now = time::to_db(app.now());
    let mut tx = app.db.begin_write().await?;
    let mut rows = Vec::new();
    for (key, policy) in keys {
        let counter = throttle::get(&mut tx, key)
            .await?
            .map_or_else(Counter::default, |r| Counter {
                failures: r.failures,
                window_started_at: r.window_started_at,
                lockouts: r.lockouts,
                locked_until: r.locked_until,
            });
        if let Some(wait) = counter.locked_for(now) {
            let retry_after_secs = u64::try_from(wait / 1_000_000 + 1).unwrap_or(1);
            return Err(OAuthError::TooManyAttempts { retry_after_secs });
        }
        let c = counter.after_attempt(now, *policy);
        rows.push(ThrottleRow {
            key: key.clone(),
            failures: c.failures,
            window_started_at: c.window_started_at,
            lockouts: c.lockouts,
            locked_until: c.locked_until,
        });
    }
    for row in &rows {
        throttle::put(&mut tx, row).await?;
    }
    tx.commit().await?;
    Ok(())
}
