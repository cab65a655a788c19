//! Test fixtures for staff with chosen permissions: merchants made through the app layer,
//! users made through the store, and a custom role (no MFA requirement) holding exactly the
//! permissions a test needs. Custom roles have no store function yet, so their two rows are
//! written with SQL here.

use axum::http::StatusCode;
use omnihub_app::merchants::{Merchant, MerchantInput};
use omnihub_app::{Actor, passwords};
use omnihub_domain::access::{Permission, Scope};
use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_testkit::omnihub_store::staff::{self, NewStaffUser};
use omnihub_testkit::omnihub_store::{access, with_conn};
use omnihub_testkit::{TestApp, json};

/// Every fixture user's password.
pub const PASSWORD: &str = "fixture passphrase 12345";

/// Creates a merchant as the system operator.
pub async fn merchant(app: &TestApp, code: &str, name: &str) -> Merchant {
    let input = MerchantInput {
        code: code.into(),
        name: name.into(),
        time_zone: None,
        currency: None,
    };
    omnihub_app::merchants::create(&app.app, &Actor::system(), input)
        .await
        .unwrap()
}

/// Every merchant-scoped permission (what a merchant owner holds).
pub fn all_merchant_permissions() -> Vec<Permission> {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.scope() == Scope::Merchant)
        .collect()
}

/// A staff user of `merchant` (platform staff for `None`) holding exactly `permissions`
/// through a custom role that does not require MFA; returns the user's id.
pub async fn staff(
    app: &TestApp,
    merchant: Option<MerchantId>,
    email: &str,
    permissions: &[Permission],
) -> UserId {
    let hash = passwords::hash(
        &NewPassword::parse(PASSWORD).unwrap(),
        app.app.hash_cost,
        app.app.entropy.as_ref(),
    )
    .await
    .unwrap();
    let email = Email::parse(email).unwrap();
    let mut tx = app.app.db.begin_write().await.unwrap();
    let new = NewStaffUser {
        merchant,
        email: &email,
        display_name: "fixture",
        password_hash: &hash,
        is_platform_admin: false,
    };
    let id = UserId::from_uuid(app.app.ids.new_id());
    let user = staff::insert(&mut tx, id, &new, app.app.now())
        .await
        .unwrap();
    let role = app.app.ids.new_id();
    let scope = if merchant.is_some() {
        "merchant"
    } else {
        "platform"
    };
    let code = format!("fixture_{}", role.simple());
    let merchant_uuid = merchant.map(|m| m.as_uuid());
    with_conn!(&mut tx, |c| sqlx::query(
        "INSERT INTO roles (id, merchant_id, code, name, description, scope, built_in, requires_mfa, created_at, updated_at) \
         VALUES ($1, $2, $3, $3, 'test fixture', $4, FALSE, FALSE, 0, 0)"
    )
    .bind(role)
    .bind(merchant_uuid)
    .bind(&code)
    .bind(scope)
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    for p in permissions {
        with_conn!(&mut tx, |c| sqlx::query(
            "INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)"
        )
        .bind(role)
        .bind(p.code())
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    access::grant_role(&mut tx, user.id, role, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Signs in through the API and returns the bearer token.
pub async fn login(app: &TestApp, email: &str) -> String {
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "login: {}",
        response.text()
    );
    assert_eq!(response.json()["mfa_required"], false);
    response.json()["token"].as_str().unwrap().to_owned()
}

/// [`staff`] then [`login`].
pub async fn staff_token(
    app: &TestApp,
    merchant: Option<MerchantId>,
    email: &str,
    permissions: &[Permission],
) -> String {
    staff(app, merchant, email, permissions).await;
    login(app, email).await
}
