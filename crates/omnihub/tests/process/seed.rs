//! `omnihub demo seed` run as the real binary, on SQLite and on PostgreSQL: it seeds a
//! merchant whose data passes `omnihub check`, prints an owner who can sign in (after
//! enrolling in MFA, as owners must) and see orders in many states over the API, and a
//! second run refuses politely.

use std::path::Path;

use omnihub_testkit::{TestApp, TestBackend, backend_enabled};
use serde_json::{Value, json};

use super::{run, start};

/// The printed value after `label` (`email:`, `password:`).
fn printed<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {label} in {stdout}"))
}

/// Signs in as the owner, enrols in MFA (the code computed from the returned seed) and
/// returns the bearer token.
async fn sign_in_as_owner(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> String {
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the printed password signs in");
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = client
        .get(format!("{base}/api/v1/orders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "owners enrol in MFA before anything else"
    );
    let enrolment: Value = client
        .post(format!("{base}/api/v1/auth/mfa/enrol"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = enrolment["secret"].as_str().unwrap();
    let code = omnihub_app::mfa::code_at(secret, jiff::Timestamp::now()).unwrap();
    let confirmed = client
        .post(format!("{base}/api/v1/auth/mfa/confirm"))
        .bearer_auth(&token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        confirmed.status(),
        200,
        "{}",
        confirmed.text().await.unwrap()
    );
    token
}

async fn get(client: &reqwest::Client, token: &str, url: String) -> Value {
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn seed_check_sign_in_and_refuse(dir: &Path, envs: &[(&str, &str)]) {
    let seeded = run(
        dir,
        &["demo", "seed", "--orders", "200", "--days", "30"],
        envs,
    );
    let stdout = String::from_utf8_lossy(&seeded.stdout).into_owned();
    assert!(
        seeded.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    assert!(stdout.contains("orders: 200"), "{stdout}");
    let (email, password) = (
        printed(&stdout, "email:").to_owned(),
        printed(&stdout, "password:").to_owned(),
    );

    let check = run(dir, &["check"], envs);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("ok    inventory.ledger") && report.contains("ok    audit.hash_chains"),
        "{report}"
    );

    let again = run(
        dir,
        &["demo", "seed", "--orders", "200", "--days", "30"],
        envs,
    );
    assert_eq!(again.status.code(), Some(2), "a second seed refuses");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    let server = start(dir, envs);
    owner_sees_a_living_shop(&server.base, &email, &password).await;
}

/// Signed in as the printed owner, the API shows orders in many states, work in the
/// review and exception queues, and the three channels.
async fn owner_sees_a_living_shop(base: &str, email: &str, password: &str) {
    let client = reqwest::Client::new();
    let token = sign_in_as_owner(&client, base, email, password).await;
    let mut statuses = std::collections::BTreeMap::new();
    for status in [
        "allocated",
        "confirmed",
        "on_hold",
        "partially_shipped",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
    ] {
        let page = get(
            &client,
            &token,
            format!("{base}/api/v1/orders?status={status}&limit=500"),
        )
        .await;
        let n = page["items"].as_array().unwrap().len();
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["status"] == status)
        );
        statuses.insert(status, n);
    }
    assert!(
        statuses.values().filter(|n| **n > 0).count() >= 5,
        "orders in many states: {statuses:?}"
    );
    // Tracking delivers the older shipments, so "left the warehouse" counts all three.
    let gone = statuses["shipped"] + statuses["delivered"] + statuses["completed"];
    assert!(
        gone > 2 * statuses["allocated"],
        "most of a month's orders shipped: {statuses:?}"
    );
    let queues = get(&client, &token, format!("{base}/api/v1/orders/queues")).await;
    assert!(
        queues["review"].as_i64().unwrap() > 0 && queues["exception"].as_i64().unwrap() > 0,
        "{queues}"
    );
    let channels = get(&client, &token, format!("{base}/api/v1/channels")).await;
    let platforms: Vec<&str> = channels["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["shopify", "woocommerce", "api"]);
}

#[tokio::test]
async fn demo_seed_builds_a_merchant_the_owner_can_use_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    seed_check_sign_in_and_refuse(dir.path(), &[]).await;
}

#[tokio::test]
async fn demo_seed_builds_a_merchant_the_owner_can_use_on_postgres() {
    if !backend_enabled(TestBackend::Postgres) {
        return;
    }
    let pg = TestApp::spawn_unmigrated(TestBackend::Postgres).await;
    let url = pg.pg_url().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    seed_check_sign_in_and_refuse(dir.path(), &[("DATABASE_URL", &url)]).await;
    pg.close().await;
}
