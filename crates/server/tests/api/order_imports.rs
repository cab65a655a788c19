//! Bulk import of historical orders (issue 8) on both databases, through the use cases
//! the CLI drives: duplicates in the file and against stored orders, malformed lines with
//! their line numbers, the exact payment total, an idempotent rerun, a resume after the
//! importer stopped between batches (as after kill -9), permissions, and merchant
//! isolation; and the HTTP routes (`POST /api/v1/orders/imports` fed in small frames,
//! the run list and detail). `both_dbs!` runs `omnihub check` after each.

use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode, header};
use omnihub_app::orders::bulk_import::{
    self as bulk, FileIdentity, ImportRun, ParsedBatch, ParsedLine,
};
use omnihub_app::{Actor, Error, Principal, RequestMeta};
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Currency;
use omnihub_domain::orders::historic;
use omnihub_testkit::omnihub_store::with_conn;
use omnihub_testkit::{TestApp, both_dbs};
use serde_json::json;

use crate::fixtures;
use crate::orders::shop;

async fn actor(app: &TestApp, m: MerchantId, email: &str, perms: &[Permission]) -> Actor {
    let id = fixtures::staff(app, Some(m), email, perms).await;
    Actor {
        principal: Principal::User {
            id,
            email: email.to_owned(),
        },
        platform: false,
        merchant: Some(m),
        permissions: perms.iter().copied().collect::<PermissionSet>(),
        mfa_enrolment_required: false,
        meta: RequestMeta::default(),
    }
}

const IMPORTER: [Permission; 2] = [Permission::OrdersRead, Permission::OrdersManage];

/// One historic order line of the file: `lines` are (sku, quantity, unit price) and the
/// payments split the total as given.
fn order(id: &str, lines: &[(&str, i64, &str)], total: &str, payments: &[&str]) -> String {
    let lines: Vec<_> = lines
        .iter()
        .map(|(sku, q, p)| json!({"sku": sku, "quantity": q, "unit_price": p}))
        .collect();
    let payments: Vec<_> = payments
        .iter()
        .enumerate()
        .map(|(i, a)| json!({"method": "card", "amount": a, "installments": 3, "sequence": i + 1}))
        .collect();
    json!({
        "status": "delivered",
        "order": {"external_id": id, "currency": "CNY", "placed_at": "2021-03-04T05:06:07Z",
                  "payment_status": "paid", "lines": lines, "total": total},
        "payments": payments,
    })
    .to_string()
}

/// The test file: 12 lines, of which 1 blank, 2 duplicates (one of them against an
/// earlier batch), 3 malformed (lines 4, 8 and 11); 6 orders whose payments total
/// 1,000.08.
fn file(sku: &str) -> String {
    [
        order("H-1", &[(sku, 2, "10.00")], "20.00", &["20.00"]),
        order("H-2", &[(sku, 1, "99.99")], "99.99", &["50.00", "49.99"]),
        order("H-3", &[(sku, 3, "33.33")], "99.99", &["99.99"]),
        "{\"status\": \"delivered\", \"order\": ".to_owned(),
        order("H-4", &[(sku, 1, "300.00")], "300.00", &["300.00"]),
        order("H-2", &[(sku, 1, "1.00")], "1.00", &["1.00"]),
        String::new(),
        order("H-5", &[("NO-SUCH-SKU", 1, "5.00")], "5.00", &["5.00"]),
        order("H-5", &[(sku, 4, "100.00")], "400.00", &["400.00"]),
        order("H-6", &[(sku, 1, "80.10")], "80.10", &["80.10"]),
        order("H-7", &[(sku, 1, "7.00")], "7.00", &["7.0.0"]),
        order("H-1", &[(sku, 2, "10.00")], "20.00", &["20.00"]),
    ]
    .join("\n")
        + "\n"
}

fn identity(text: &str) -> FileIdentity {
    FileIdentity {
        name: "history.ndjson".to_owned(),
        size: text.len() as u64,
        digest: format!("test-{}", text.len()),
    }
}

/// The file from byte `from` (line `line`) in batches of `size` non-blank lines, as the
/// CLI's reader makes them.
fn batches(text: &str, from: u64, line: u64, size: usize) -> Vec<ParsedBatch> {
    let cny = Currency::parse("CNY").unwrap();
    let (mut offset, mut line) = (from, line);
    let mut out = Vec::new();
    let mut current = ParsedBatch::default();
    for raw in text[from as usize..].split_inclusive('\n') {
        offset += raw.len() as u64;
        line += 1;
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            current.lines.push(ParsedLine {
                line,
                order: historic::parse_line(trimmed.as_bytes(), cny),
            });
        }
        current.end_offset = offset;
        current.end_line = line;
        if current.lines.len() == size {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.lines.is_empty() {
        out.push(current);
    }
    out
}

/// Opens (or resumes) the import and writes at most `max` batches; completes the run
/// when the file is done.
async fn import(
    app: &TestApp,
    who: &Actor,
    m: MerchantId,
    channel: ChannelId,
    text: &str,
    max: usize,
) -> Result<ImportRun, Error> {
    let mut importer = bulk::open_import(&app.app, who, m, channel, &identity(text)).await?;
    let start = importer.run()?;
    let all = batches(text, start.committed_offset, start.committed_line, 4);
    let stop = all.len() > max;
    for b in all.into_iter().take(max) {
        importer.write_batch(b).await?;
    }
    if stop {
        importer.run()
    } else {
        importer.finish().await
    }
}

/// (orders, lines, payments, sum of payments, distinct numbers) of the channel.
async fn stored(app: &TestApp, m: MerchantId) -> (i64, i64, i64, i64, i64) {
    let mut tx = app.app.db.begin_read().await.unwrap();
    let m = m.as_uuid();
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM orders WHERE merchant_id = $1), \
         (SELECT COUNT(*) FROM order_lines WHERE merchant_id = $1), \
         (SELECT COUNT(*) FROM payments WHERE merchant_id = $1), \
         (SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payments WHERE merchant_id = $1), \
         (SELECT COUNT(DISTINCT number) FROM orders WHERE merchant_id = $1)";
    with_conn!(&mut tx, |c| sqlx::query_as(SQL).bind(m).fetch_one(c).await).unwrap()
}

fn problems(run: &(ImportRun, Vec<bulk::MalformedLine>)) -> Vec<u64> {
    run.1.iter().map(|p| p.line).collect()
}

both_dbs! {
    async fn a_history_file_imports_with_duplicates_malformed_lines_and_the_exact_total(app: TestApp) {
        let s = shop(app, "acme").await;
        let who = actor(app, s.m, "importer@acme.test", &IMPORTER).await;
        let channel: ChannelId = s.api.parse().unwrap();
        let text = file(&s.skus[0].1);
        let run = import(app, &who, s.m, channel, &text, usize::MAX).await.unwrap();
        assert_eq!((run.imported, run.duplicates, run.malformed), (6, 2, 3), "{run:?}");
        assert_eq!(run.payment_total.amount_text(), "1000.08");
        assert_eq!((run.status.as_str(), run.committed_line, run.committed_offset), ("completed", 12, text.len() as u64));
        let got = bulk::get_import(&app.app, &who, s.m, run.id).await.unwrap();
        assert_eq!(problems(&got), vec![4, 8, 11]);
        assert!(got.1[1].reason.contains("NO-SUCH-SKU"), "{:?}", got.1);
        assert!(got.1[2].reason.contains("payments[0].amount"), "{:?}", got.1);
        // 6 orders, one line each, 7 payments (H-2 paid twice) summing to the run's total;
        // every order its own number.
        assert_eq!(stored(app, s.m).await, (6, 6, 7, 100_008, 6));
        let detail = omnihub_app::orders::list_orders(&app.app, &who, s.m, Default::default()).await.unwrap();
        assert!(detail.items.iter().all(|o| o.status.code() == "delivered" && o.queue.is_none()), "historic orders wait in no queue");
        let actions = app.audit_actions(Some(s.m)).await;
        assert!(actions.contains(&"order_import.start".to_owned()) && actions.contains(&"order_import.complete".to_owned()), "{actions:?}");
        assert_eq!(actions.iter().filter(|a| *a == "order_import.batch").count(), 3, "one entry per batch of 4 lines: {actions:?}");
    }

    async fn a_rerun_of_the_same_file_imports_nothing_twice(app: TestApp) {
        let s = shop(app, "acme").await;
        let who = actor(app, s.m, "importer@acme.test", &IMPORTER).await;
        let channel: ChannelId = s.api.parse().unwrap();
        let text = file(&s.skus[0].1);
        import(app, &who, s.m, channel, &text, usize::MAX).await.unwrap();
        let again = import(app, &who, s.m, channel, &text, usize::MAX).await.unwrap();
        assert_eq!((again.imported, again.duplicates, again.malformed), (0, 8, 3), "{again:?}");
        assert_eq!(again.payment_total.amount_text(), "0.00");
        assert_eq!(stored(app, s.m).await, (6, 6, 7, 100_008, 6));
        let runs = bulk::list_imports(&app.app, &who, s.m, 50).await.unwrap();
        assert_eq!(runs.len(), 2, "a completed file starts a new run: {runs:?}");
    }

    async fn an_import_stopped_between_batches_resumes_with_no_duplicate_and_no_gap(app: TestApp) {
        let s = shop(app, "acme").await;
        let who = actor(app, s.m, "importer@acme.test", &IMPORTER).await;
        let channel: ChannelId = s.api.parse().unwrap();
        let text = file(&s.skus[0].1);
        // The first batch commits, then the importer dies (nothing else is written).
        let first = import(app, &who, s.m, channel, &text, 1).await.unwrap();
        assert_eq!((first.status.as_str(), first.imported, first.malformed, first.committed_line), ("running", 3, 1, 4));
        assert_eq!(stored(app, s.m).await.0, 3);
        let resumed = import(app, &who, s.m, channel, &text, usize::MAX).await.unwrap();
        assert_eq!(resumed.id, first.id, "the same run resumes");
        assert_eq!((resumed.imported, resumed.duplicates, resumed.malformed), (6, 2, 3), "{resumed:?}");
        assert_eq!(resumed.payment_total.amount_text(), "1000.08");
        assert_eq!(stored(app, s.m).await, (6, 6, 7, 100_008, 6));
        let got = bulk::get_import(&app.app, &who, s.m, resumed.id).await.unwrap();
        assert_eq!(problems(&got), vec![4, 8, 11], "no malformed line twice or missing");
        let mut tx = app.app.db.begin_read().await.unwrap();
        let m = s.m.as_uuid();
        let numbers: Vec<String> = with_conn!(&mut tx, |c| sqlx::query_scalar("SELECT number FROM orders WHERE merchant_id = $1 ORDER BY number").bind(m).fetch_all(c).await).unwrap();
        let want: Vec<String> = (1..=6).map(|n| format!("{n}")).collect();
        let got: Vec<String> = numbers.iter().map(|n| n.trim_start_matches(|c: char| !c.is_ascii_digit()).trim_start_matches('0').to_owned()).collect();
        assert_eq!(got, want, "order numbers 1..6 without a gap: {numbers:?}");
    }

    async fn importing_needs_orders_manage_and_runs_stay_within_their_merchant(app: TestApp) {
        let s = shop(app, "acme").await;
        let channel: ChannelId = s.api.parse().unwrap();
        let reader = actor(app, s.m, "reader@acme.test", &[Permission::OrdersRead]).await;
        let text = file(&s.skus[0].1);
        let denied = import(app, &reader, s.m, channel, &text, usize::MAX).await;
        assert!(matches!(denied, Err(Error::MissingPermission(Permission::OrdersManage))), "{denied:?}");
        assert_eq!(stored(app, s.m).await.0, 0);
        let who = actor(app, s.m, "importer@acme.test", &IMPORTER).await;
        let run = import(app, &who, s.m, channel, &text, usize::MAX).await.unwrap();
        let other = fixtures::merchant(app, "other", "Other").await.id;
        let stranger = actor(app, other, "importer@other.test", &IMPORTER).await;
        assert!(bulk::list_imports(&app.app, &stranger, other, 50).await.unwrap().is_empty());
        let hidden = bulk::get_import(&app.app, &stranger, other, run.id).await;
        assert!(matches!(hidden, Err(Error::NotFound { .. })), "{hidden:?}");
        let cross = bulk::list_imports(&app.app, &stranger, s.m, 50).await;
        assert!(cross.is_err(), "another merchant's runs are refused");
        let into_other = import(app, &stranger, other, channel, &text, usize::MAX).await;
        assert!(matches!(into_other, Err(Error::NotFound { .. })), "another merchant's channel: {into_other:?}");
    }

    async fn the_api_streams_an_import_and_lists_runs_per_merchant(app: TestApp) {
        let s = shop(app, "acme").await;
        let text = file(&s.skus[0].1);
        // 7-byte frames: lines arrive split across frames.
        let chunks: Vec<Result<Bytes, std::io::Error>> = text.as_bytes().chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let auth = format!("Bearer {}", s.clerk);
        let path = format!("/api/v1/orders/imports?channel_id={}&file_name=old-shop.ndjson", s.api);
        let headers = [(header::AUTHORIZATION, auth.as_str()), (header::CONTENT_TYPE, "application/x-ndjson")];
        let r = app.request(Method::POST, &path, &headers, Body::from_stream(futures_util::stream::iter(chunks))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let run = r.json();
        assert_eq!((run["imported"].as_u64(), run["duplicates"].as_u64(), run["malformed"].as_u64()), (Some(6), Some(2), Some(3)), "{run}");
        assert_eq!((run["payment_total"].as_str(), run["status"].as_str(), run["lines"].as_u64()), (Some("1000.08"), Some("completed"), Some(12)));
        let lines: Vec<u64> = run["malformed_lines"].as_array().unwrap().iter().map(|l| l["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, vec![4, 8, 11]);
        let list = app.get_as(&s.clerk, "/api/v1/orders/imports").await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.json().as_array().unwrap().len(), 1);
        let id = run["id"].as_str().unwrap();
        let one = app.get_as(&s.clerk, &format!("/api/v1/orders/imports/{id}")).await.json();
        assert_eq!(one["malformed_lines"].as_array().unwrap().len(), 3);
        assert_eq!(one["file_name"], "old-shop.ndjson");
        // Without orders.manage: refused, nothing stored.
        let reader = fixtures::staff_token(app, Some(s.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        let auth = format!("Bearer {reader}");
        let headers = [(header::AUTHORIZATION, auth.as_str()), (header::CONTENT_TYPE, "application/x-ndjson")];
        let denied = app.request(Method::POST, &path, &headers, Body::from(text.clone())).await;
        denied.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert_eq!(stored(app, s.m).await.0, 6);
        // Another merchant sees no run and cannot open this one.
        let other = fixtures::merchant(app, "other", "Other").await.id;
        let stranger = fixtures::staff_token(app, Some(other), "clerk@other.test", &IMPORTER).await;
        assert_eq!(app.get_as(&stranger, "/api/v1/orders/imports").await.json().as_array().unwrap().len(), 0);
        assert_eq!(app.get_as(&stranger, &format!("/api/v1/orders/imports/{id}")).await.status, StatusCode::NOT_FOUND);
    }
}
