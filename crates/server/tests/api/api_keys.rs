//! API keys: creation (shown once), scopes within the creator's permissions, bearer use,
//! revocation, expiry, tenancy, audit and the console page.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::access::BuiltInRole;
use omnihub_domain::api_keys::PresentedKey;
use omnihub_domain::clock::Clock;
use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_testkit::omnihub_store::{self as store};
use omnihub_testkit::{ADMIN_EMAIL, TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

const MERCHANT_HEADER: HeaderName = HeaderName::from_static("x-omnihub-merchant");

/// `POST /api/v1/api-keys` as `token`, acting in `merchant` if given.
pub(crate) async fn post_key(
    app: &TestApp,
    token: &str,
    merchant: Option<&str>,
    body: &Value,
) -> TestResponse {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        (header::CONTENT_TYPE, "application/json"),
        (header::AUTHORIZATION, auth.as_str()),
    ];
    if let Some(m) = merchant {
        headers.push((MERCHANT_HEADER, m));
    }
    app.request(
        Method::POST,
        "/api/v1/api-keys",
        &headers,
        Body::from(body.to_string()),
    )
    .await
}

/// Creates a key with `scopes` and returns the creation response.
pub(crate) async fn new_key(
    app: &TestApp,
    token: &str,
    merchant: Option<&str>,
    scopes: &[&str],
) -> Value {
    let response = post_key(
        app,
        token,
        merchant,
        &json!({"name": "Warehouse sync", "scopes": scopes}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

/// A GET as `token`, acting in `merchant` if given.
pub(crate) async fn get_in(
    app: &TestApp,
    token: &str,
    merchant: Option<&str>,
    path: &str,
) -> TestResponse {
    let auth = format!("Bearer {token}");
    let mut headers = vec![(header::AUTHORIZATION, auth.as_str())];
    if let Some(m) = merchant {
        headers.push((MERCHANT_HEADER, m));
    }
    app.request(Method::GET, path, &headers, Body::empty())
        .await
}

/// Creates a merchant and returns its id.
pub(crate) async fn merchant(app: &TestApp, admin: &str, code: &str) -> String {
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/merchants",
            Some(admin),
            &json!({"code": code, "name": code}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_owned()
}

/// A staff user with built-in `roles`, created through the store (there is no user API on
/// this branch yet), returned with their id.
pub(crate) async fn staff_user(
    app: &TestApp,
    email: &str,
    merchant: Option<MerchantId>,
    roles: &[BuiltInRole],
) -> UserId {
    let password = NewPassword::parse("a long staff passphrase").unwrap();
    let hash = omnihub_app::passwords::hash(&password, app.app.hash_cost, app.app.entropy.as_ref())
        .await
        .unwrap();
    let email = Email::parse(email).unwrap();
    let mut tx = app.app.db.begin_write().await.unwrap();
    let new = store::staff::NewStaffUser {
        merchant,
        email: &email,
        display_name: "Staff",
        password_hash: &hash,
        is_platform_admin: false,
    };
    let id = UserId::from_uuid(app.app.ids.new_id());
    let row = store::staff::insert(&mut tx, id, &new, app.app.now())
        .await
        .unwrap();
    for role in roles {
        store::access::grant_role(&mut tx, row.id, role.id(), None, 0)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    id
}

/// Signs a staff user in (enrolling MFA when a role requires it) and returns the token.
pub(crate) async fn sign_in(app: &TestApp, email: &str) -> String {
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "a long staff passphrase"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let token = login.json()["token"].as_str().unwrap().to_owned();
    let me = app.get_as(&token, "/api/v1/api-keys").await;
    if me.status == StatusCode::FORBIDDEN && me.json()["code"] == "mfa-enrolment-required" {
        let enrol = app
            .send_json(
                Method::POST,
                "/api/v1/auth/mfa/enrol",
                Some(&token),
                &json!({}),
            )
            .await
            .json();
        let code =
            omnihub_app::mfa::code_at(enrol["secret"].as_str().unwrap(), app.clock.now()).unwrap();
        let confirm = app
            .send_json(
                Method::POST,
                "/api/v1/auth/mfa/confirm",
                Some(&token),
                &json!({"code": code}),
            )
            .await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text());
    }
    token
}

/// Stores a key directly (as if made when its creator held more permissions) and returns
/// the whole key.
pub(crate) async fn stored_key(
    app: &TestApp,
    creator: UserId,
    merchant: Option<MerchantId>,
    scopes: &str,
) -> String {
    let key = PresentedKey::generate(
        omnihub_app::entropy::random_bytes(app.app.entropy.as_ref()),
        omnihub_app::entropy::random_bytes(app.app.entropy.as_ref()),
    );
    let mut tx = app.app.db.begin_write().await.unwrap();
    let new = store::api_keys::NewApiKey {
        id: app.app.ids.new_id(),
        created_by: creator,
        name: "legacy",
        prefix: key.prefix().as_ref(),
        secret_hash: &omnihub_app::auth::token_hash(key.expose()),
        scopes,
        expires_at: None,
    };
    store::api_keys::insert(&mut tx, merchant, &new, app.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    key.expose().to_owned()
}

/// The audit entries of a chain (`platform` or a merchant id).
pub(crate) async fn audit_entries(app: &TestApp, chain: &str) -> Vec<store::audit::AuditRow> {
    let mut tx = app.app.db.begin_read().await.unwrap();
    store::audit::chain_page(&mut tx, chain, 0, 1000)
        .await
        .unwrap()
}

both_dbs! {
    async fn an_admin_creates_a_key_that_is_shown_once_and_works_as_a_bearer_token(app: TestApp) {
        // Arrange
        let admin = app.admin_token().await;
        // Act
        let created = new_key(app, &admin, None, &["merchants.manage", "settings.manage"]).await;
        // Assert: the whole key, once, in the documented shape.
        let key = created["key"].as_str().unwrap();
        let prefix = created["prefix"].as_str().unwrap();
        assert!(key.starts_with(&format!("ohk_{prefix}_")), "{key}");
        assert_eq!(key.len(), 4 + 12 + 1 + 64);
        assert_eq!(created["scopes"], json!(["settings.manage", "merchants.manage"]));
        assert_eq!(created["status"], "active");
        assert_eq!(created["merchant_id"], Value::Null);
        assert_eq!(created["expires_at"], Value::Null);
        assert_eq!(created["last_used_at"], Value::Null);
        let id = created["id"].as_str().unwrap();
        let shown = app.get_as(&admin, &format!("/api/v1/api-keys/{id}")).await.json();
        assert!(shown.get("key").is_none() && !shown.to_string().contains(&key[17..]), "the secret is never shown again");
        // The key authenticates as itself, with its creator as the user.
        assert_eq!(app.get_as(key, "/api/v1/merchants").await.status, StatusCode::OK);
        assert_eq!(app.get_as(key, "/api/v1/auth/me").await.json()["email"], ADMIN_EMAIL);
        // ...and its last use is recorded.
        app.clock.advance(jiff::SignedDuration::from_mins(5));
        assert_eq!(app.get_as(key, "/api/v1/api-keys").await.status, StatusCode::OK);
        let shown = app.get_as(&admin, &format!("/api/v1/api-keys/{id}")).await.json();
        assert_eq!(shown["last_used_at"], app.clock.now().to_string());
        // A tampered secret is not the key.
        let tampered = format!("{}{}", &key[..key.len() - 1], if key.ends_with('0') { '1' } else { '0' });
        app.get_as(&tampered, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn keys_belong_to_a_merchant_or_the_platform_and_are_listed_per_owner(app: TestApp) {
        let admin = app.admin_token().await;
        let acme = merchant(app, &admin, "acme").await;
        let globex = merchant(app, &admin, "globex").await;
        let merchant_key = new_key(app, &admin, Some(&acme), &["settings.manage", "orders.read"]).await;
        let platform_key = new_key(app, &admin, None, &["merchants.manage"]).await;
        assert_eq!(merchant_key["merchant_id"], acme.as_str());

        let listed = get_in(app, &admin, Some(&acme), "/api/v1/api-keys").await.json();
        let ids: Vec<&Value> = listed["items"].as_array().unwrap().iter().map(|k| &k["id"]).collect();
        assert_eq!(ids, [&merchant_key["id"]]);
        let listed = app.get_as(&admin, "/api/v1/api-keys").await.json();
        let ids: Vec<&Value> = listed["items"].as_array().unwrap().iter().map(|k| &k["id"]).collect();
        assert_eq!(ids, [&platform_key["id"]]);
        assert!(get_in(app, &admin, Some(&globex), "/api/v1/api-keys").await.json()["items"].as_array().unwrap().is_empty());
        // Another owner's key is not found, not forbidden.
        let path = format!("/api/v1/api-keys/{}", merchant_key["id"].as_str().unwrap());
        app.get_as(&admin, &path).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        get_in(app, &admin, Some(&globex), &path).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(get_in(app, &admin, Some(&acme), &path).await.status, StatusCode::OK);

        // The merchant's key acts in its merchant only, whatever header it sends.
        let key = merchant_key["key"].as_str().unwrap();
        assert_eq!(app.get_as(key, &format!("/api/v1/merchants/{acme}")).await.status, StatusCode::OK);
        app.get_as(key, &format!("/api/v1/merchants/{globex}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        let own = get_in(app, key, Some(&globex), "/api/v1/api-keys").await.json();
        assert_eq!(own["items"][0]["id"], merchant_key["id"]);
        // A key for a merchant that does not exist cannot be made.
        post_key(app, &admin, Some("01940000-0000-7000-8000-000000000000"), &json!({"name": "x", "scopes": ["orders.read"]})).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn invalid_keys_are_refused_field_by_field(app: TestApp) {
        let admin = app.admin_token().await;
        let acme = merchant(app, &admin, "acme").await;
        let cases: &[(&str, Option<&str>, Value, &str, &str)] = &[
            ("no scopes", None, json!({"name": "k", "scopes": []}), "scopes", "required"),
            ("unknown scope", None, json!({"name": "k", "scopes": ["orders.nuke"]}), "scopes", "unknown"),
            ("platform scope on a merchant's key", Some(&acme), json!({"name": "k", "scopes": ["merchants.manage"]}), "scopes", "platform_scope"),
            ("blank name", None, json!({"name": "  ", "scopes": ["orders.read"]}), "name", "invalid"),
            ("expiry in the past", None, json!({"name": "k", "scopes": ["orders.read"], "expires_at": "2020-01-01T00:00:00Z"}), "expires_at", "invalid"),
            ("malformed expiry", None, json!({"name": "k", "scopes": ["orders.read"], "expires_at": "next week"}), "expires_at", "invalid"),
            ("two expiries", None, json!({"name": "k", "scopes": ["orders.read"], "expires_at": "2027-01-01T00:00:00Z", "expires_in_days": 5}), "expires_at", "invalid"),
            ("zero days", None, json!({"name": "k", "scopes": ["orders.read"], "expires_in_days": 0}), "expires_in_days", "invalid"),
        ];
        for (case, merchant, body, field, code) in cases {
            let problem = post_key(app, &admin, *merchant, body).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
            let errors = problem["errors"].as_array().unwrap();
            assert!(errors.iter().any(|e| e["field"] == *field && e["code"] == *code), "{case}: {problem}");
        }
        // Every broken rule at once.
        let problem = post_key(app, &admin, None, &json!({"name": "", "scopes": []})).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
        assert!(app.get_as(&admin, "/api/v1/api-keys").await.json()["items"].as_array().unwrap().is_empty(), "nothing was written");
    }

    async fn scopes_must_be_among_the_creators_own_permissions(app: TestApp) {
        // A platform user whose only role is merchant_owner holds every merchant permission
        // but no platform permission.
        staff_user(app, "owner@omnihub.test", None, &[BuiltInRole::MerchantOwner]).await;
        let owner = sign_in(app, "owner@omnihub.test").await;
        let problem = post_key(app, &owner, None, &json!({"name": "k", "scopes": ["orders.read", "merchants.manage"]})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["errors"][0]["field"], "scopes");
        assert_eq!(problem["errors"][0]["code"], "not_held");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("merchants.manage"));
        assert_eq!(post_key(app, &owner, None, &json!({"name": "k", "scopes": ["orders.read"]})).await.status, StatusCode::CREATED);
    }

    async fn a_key_lacking_a_permission_gets_403_and_cannot_make_keys(app: TestApp) {
        let admin = app.admin_token().await;
        let reader = new_key(app, &admin, None, &["merchants.manage"]).await;
        let reader = reader["key"].as_str().unwrap();
        let problem = app.get_as(reader, "/api/v1/api-keys").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert!(problem["detail"].as_str().unwrap().contains("settings.manage"));
        // Only a person may create keys, even with settings.manage.
        let manager = new_key(app, &admin, None, &["settings.manage"]).await;
        let manager = manager["key"].as_str().unwrap();
        post_key(app, manager, None, &json!({"name": "child", "scopes": ["settings.manage"]})).await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
        // Without settings.manage, a person cannot either.
        staff_user(app, "ops@omnihub.test", None, &[BuiltInRole::ComplianceReviewer]).await;
        let reviewer = sign_in(app, "ops@omnihub.test").await;
        post_key(app, &reviewer, None, &json!({"name": "k", "scopes": ["catalog.read"]})).await
            .assert_problem(StatusCode::FORBIDDEN, "missing-permission");
    }

    async fn a_revoked_key_is_401_at_once_and_revocation_is_audited_once(app: TestApp) {
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage"]).await;
        let (id, key) = (created["id"].as_str().unwrap(), created["key"].as_str().unwrap());
        assert_eq!(app.get_as(key, "/api/v1/merchants").await.status, StatusCode::OK);
        let revoked = app.send_json(Method::POST, &format!("/api/v1/api-keys/{id}/revoke"), Some(&admin), &json!({})).await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
        assert_eq!(revoked.json()["status"], "revoked");
        assert_eq!(revoked.json()["revoked_at"], app.clock.now().to_string());
        app.get_as(key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        // Revoking again changes nothing; DELETE revokes too.
        let again = app.send_json(Method::POST, &format!("/api/v1/api-keys/{id}/revoke"), Some(&admin), &json!({})).await;
        assert_eq!(again.json()["revoked_at"], revoked.json()["revoked_at"]);
        let other = new_key(app, &admin, None, &["merchants.manage"]).await;
        let deleted = app.request(Method::DELETE, &format!("/api/v1/api-keys/{}", other["id"].as_str().unwrap()), &[(header::AUTHORIZATION, &format!("Bearer {admin}"))], Body::empty()).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        app.get_as(other["key"].as_str().unwrap(), "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let unknown = "/api/v1/api-keys/01940000-0000-7000-8000-000000000000/revoke";
        app.send_json(Method::POST, unknown, Some(&admin), &json!({})).await.assert_problem(StatusCode::NOT_FOUND, "not-found");

        let entries = audit_entries(app, "platform").await;
        let revokes: Vec<_> = entries.iter().filter(|e| e.action == "api_key.revoke" && e.entity_id.as_deref() == Some(id)).collect();
        assert_eq!(revokes.len(), 1);
        assert_eq!(revokes[0].actor_label, ADMIN_EMAIL);
        let chains = omnihub_app::audit::verify(&app.app).await.unwrap();
        assert!(chains.iter().all(|c| c.ok()), "{chains:?}");
    }

    async fn a_checked_key_is_remembered_for_two_seconds_unless_the_app_changes_access(app: TestApp) {
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage"]).await;
        let (id, key) = (created["id"].as_str().unwrap(), created["key"].as_str().unwrap());
        assert_eq!(app.get_as(key, "/api/v1/merchants").await.status, StatusCode::OK);
        // Revoked behind the app's back (as another instance would): the cache answers until
        // its two seconds are up, then the database refuses.
        let mut tx = app.app.db.begin_write().await.unwrap();
        store::api_keys::revoke(&mut tx, None, id.parse().unwrap(), app.app.now()).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        app.clock.advance(jiff::SignedDuration::from_millis(1_999));
        assert_eq!(app.get_as(key, "/api/v1/merchants").await.status, StatusCode::OK);
        app.clock.advance(jiff::SignedDuration::from_millis(1));
        app.get_as(key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        // A refusal is never remembered: the next request asks the database again.
        app.get_as(key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        // Through the app, a change takes effect at once even while the key is remembered.
        let other = new_key(app, &admin, None, &["merchants.manage"]).await;
        let (other_id, other_key) = (other["id"].as_str().unwrap(), other["key"].as_str().unwrap());
        assert_eq!(app.get_as(other_key, "/api/v1/merchants").await.status, StatusCode::OK);
        let revoked = app.send_json(Method::POST, &format!("/api/v1/api-keys/{other_id}/revoke"), Some(&admin), &json!({})).await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
        app.get_as(other_key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn creation_is_audited_without_the_secret(app: TestApp) {
        let admin = app.admin_token().await;
        let acme = merchant(app, &admin, "acme").await;
        let created = new_key(app, &admin, Some(&acme), &["orders.read"]).await;
        let key = created["key"].as_str().unwrap();
        let entries = audit_entries(app, &acme).await;
        let entry = entries.iter().find(|e| e.action == "api_key.create").expect("api_key.create entry");
        assert_eq!(entry.entity_type, "api_key");
        assert_eq!(entry.entity_id.as_deref(), created["id"].as_str());
        assert_eq!(entry.actor_type, "user");
        let after: Value = serde_json::from_str(entry.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(after["prefix"], created["prefix"]);
        assert_eq!(after["scopes"], json!(["orders.read"]));
        for e in &entries {
            let text = format!("{e:?}");
            assert!(!text.contains(&key[17..]), "the secret leaked into the audit log: {text}");
        }
    }

    async fn an_expired_key_is_401(app: TestApp) {
        let admin = app.admin_token().await;
        let created = post_key(app, &admin, None, &json!({"name": "temp", "scopes": ["merchants.manage"], "expires_in_days": 1})).await.json();
        assert_eq!(created["expires_at"], (app.clock.now() + jiff::SignedDuration::from_hours(24)).to_string());
        let key = created["key"].as_str().unwrap();
        app.clock.advance(jiff::SignedDuration::from_hours(23));
        assert_eq!(app.get_as(key, "/api/v1/merchants").await.status, StatusCode::OK);
        app.clock.advance(jiff::SignedDuration::from_hours(1));
        app.get_as(key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let admin = app.admin_token().await; // the first session has expired meanwhile
        let shown = app.get_as(&admin, &format!("/api/v1/api-keys/{}", created["id"].as_str().unwrap())).await.json();
        assert_eq!(shown["status"], "expired");
        // An explicit instant works too.
        let at = post_key(app, &admin, None, &json!({"name": "until", "scopes": ["merchants.manage"], "expires_at": "2030-01-01T00:00:00+08:00"})).await.json();
        assert_eq!(at["expires_at"], "2029-12-31T16:00:00Z");
    }

    async fn a_key_acts_within_its_creators_current_permissions(app: TestApp) {
        let admin = app.admin_token().await;
        let acme: MerchantId = merchant(app, &admin, "acme").await.parse().unwrap();
        // A key made when its creator could manage settings; today they only do operations.
        let creator = staff_user(app, "ops@acme.test", Some(acme), &[BuiltInRole::Operations]).await;
        let key = stored_key(app, creator, Some(acme), "orders.read settings.manage").await;
        app.get_as(&key, "/api/v1/api-keys").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // Granting the creator settings.manage again widens the key at once...
        let mut tx = app.app.db.begin_write().await.unwrap();
        store::access::grant_role(&mut tx, creator.as_uuid(), BuiltInRole::MerchantOwner.id(), None, 0).await.unwrap();
        tx.commit().await.unwrap();
        // Written straight to the store, so the app's callers cache must be told (the use
        // cases that grant roles forget it themselves; ADR 0027).
        app.app.callers.forget_all();
        assert_eq!(app.get_as(&key, "/api/v1/api-keys").await.status, StatusCode::OK);
        // ...but never beyond the key's scopes, nor to another merchant.
        app.get_as(&key, "/api/v1/merchants").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // The app layer reports the narrowed permissions.
        let (actor, user) = omnihub_app::auth::authenticate(&app.app, &key, None, Default::default()).await.unwrap();
        assert_eq!(user.id, creator);
        assert_eq!(actor.permissions.codes(), ["orders.read", "settings.manage"]);
        assert_eq!(actor.merchant, Some(acme));
        assert!(!actor.platform && !actor.mfa_enrolment_required);
        assert!(matches!(actor.principal, omnihub_app::Principal::ApiKey { created_by, .. } if created_by == creator));
        assert!(actor.person().is_err());
        // A platform admin's merchant key never carries platform permissions.
        let platform_scoped = stored_key(app, UserId::from_uuid(admin_id(app).await), Some(acme), "merchants.manage orders.read").await;
        let (actor, _) = omnihub_app::auth::authenticate(&app.app, &platform_scoped, None, Default::default()).await.unwrap();
        assert_eq!(actor.permissions.codes(), ["orders.read"]);
    }

    async fn the_api_keys_page_needs_a_session_and_creates_shows_once_and_revokes(app: TestApp) {
        let anonymous = app.get("/admin/api-keys").await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        assert_eq!(anonymous.header("location"), Some("/admin/login?next=/admin/api-keys"));

        let session = app.console_login().await;
        let page = app.request(Method::GET, "/admin/api-keys", &[(header::COOKIE, &session.cookie), (header::ACCEPT_LANGUAGE, "en")], Body::empty()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("API keys") && html.contains("Platform keys") && html.contains("No API keys yet."));
        assert!(html.contains(&format!("name=\"csrf_token\" value=\"{}\"", session.csrf)));
        assert!(html.contains("href=\"/admin/api-keys\" aria-current=\"page\""), "the nav link is current");

        // Without the CSRF token nothing is created.
        let forged = app.request(Method::POST, "/admin/api-keys", &[(header::COOKIE, &session.cookie), (header::CONTENT_TYPE, "application/x-www-form-urlencoded")], Body::from("name=x&scopes=orders.read")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let created = app.console_post(&session, "/admin/api-keys", &[("name", "ERP"), ("scopes", "merchants.manage"), ("scopes", "orders.read"), ("expires_in_days", "30")]).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text());
        assert_eq!(created.header("cache-control"), Some("no-store"));
        let html = created.text();
        let key = html.split("<code class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert!(key.starts_with("ohk_"), "{key}");
        assert!(html.contains("orders.read merchants.manage"));
        assert_eq!(app.get_as(&key, "/api/v1/merchants").await.status, StatusCode::OK);

        // Shown once: the list no longer carries it.
        let listed = app.console_get(&session, "/admin/api-keys").await.text();
        assert!(!listed.contains(&key) && listed.contains("ERP"));
        let id = listed.split("data-key-id=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

        let invalid = app.console_post(&session, "/admin/api-keys", &[("name", "no scopes")]).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.text().contains("data-testid=\"api-key-error\""));

        let revoked = app.console_post(&session, &format!("/admin/api-keys/{id}/revoke"), &[]).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        app.get_as(&key, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let zh = app.console_get(&session, "/admin/api-keys").await.text();
        assert!(zh.contains("已吊销") && zh.contains("API 密钥"), "Chinese by default");
        // An API key is no console session.
        let admin = app.admin_token().await;
        let other = new_key(app, &admin, None, &["settings.manage"]).await;
        let cookie = format!("omnihub_session={}", other["key"].as_str().unwrap());
        let as_key = app.request(Method::GET, "/admin/api-keys", &[(header::COOKIE, &cookie)], Body::empty()).await;
        assert_eq!(as_key.status, StatusCode::SEE_OTHER);
    }
}

/// The platform administrator's user id.
async fn admin_id(app: &TestApp) -> uuid::Uuid {
    let mut tx = app.app.db.begin_read().await.unwrap();
    store::staff::find_by_email(&mut tx, &Email::parse(ADMIN_EMAIL).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}
