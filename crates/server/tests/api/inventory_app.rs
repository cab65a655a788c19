//! Inventory use cases called directly (below HTTP), on both databases: locations,
//! receipts and adjustments with approval, transfers, stocktakes, reservations, alerts,
//! and the concurrency guarantees (no oversell under 200 concurrent clients; a random
//! concurrent mix keeps the ledger balanced). `both_dbs!` runs `omnihub check` after each.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use omnihub_app::catalog::{self, ProductInput, ReviewInput, SkuInput, taxonomy};
use omnihub_app::inventory::{
    self as inv, AdjustmentInput, AdjustmentStatus, AlertQuery, CountInput, LevelQuery,
    LocationInput, LocationPatch, LocationQuery, MovementQuery, ReceiptInput, ReceiptLine,
    ReceiveTransferInput, ReserveLine, StocktakeInput, ThresholdsInput, TransferInput,
};
use omnihub_app::{Actor, App, Error, Principal, RequestMeta};
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::catalog::{Decision, SkuId};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    AlertKind, ApprovalThresholds, LocationId, MovementReason, ReservationStatus, StocktakeStatus,
    TransferStatus,
};
use omnihub_testkit::omnihub_store::with_conn;
use omnihub_testkit::{TestApp, both_dbs};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::fixtures;

async fn person(app: &TestApp, merchant: MerchantId, email: &str) -> Actor {
    let perms = [
        Permission::CatalogRead,
        Permission::CatalogWrite,
        Permission::CatalogReview,
        Permission::SettingsManage,
        Permission::InventoryRead,
        Permission::InventoryAdjust,
        Permission::InventoryApprove,
    ];
    let id = fixtures::staff(app, Some(merchant), email, &perms).await;
    Actor {
        principal: Principal::User {
            id,
            email: email.to_owned(),
        },
        platform: false,
        merchant: Some(merchant),
        permissions: perms.into_iter().collect::<PermissionSet>(),
        mfa_enrolment_required: false,
        meta: RequestMeta::default(),
    }
}

/// A merchant, its owner, a second person, and `n` listed SKUs (cost 10.00 each).
async fn setup(app: &TestApp, n: usize) -> (MerchantId, Actor, Actor, Vec<SkuId>) {
    let m = fixtures::merchant(app, "acme", "Acme").await.id;
    let owner = person(app, m, "owner@example.com").await;
    let other = person(app, m, "other@example.com").await;
    let a = &app.app;
    let cat = taxonomy::create_category(a, &owner, m, "Goods", None)
        .await
        .unwrap();
    let mut skus = Vec::new();
    for i in 0..n {
        let input = ProductInput {
            name: format!("Widget {i}"),
            category_id: Some(cat.id),
            description: "A widget".into(),
            images: vec!["https://cdn.example.com/w.jpg".into()],
            skus: vec![SkuInput {
                code: format!("SKU-{i}"),
                price: "25".into(),
                cost: Some("10".into()),
                ..SkuInput::default()
            }],
            ..ProductInput::default()
        };
        let p = catalog::create(a, &owner, m, input).await.unwrap();
        catalog::submit(a, &owner, m, p.id).await.unwrap();
        let approve = ReviewInput {
            level: 1,
            decision: Decision::Approve,
            reason: None,
        };
        catalog::decide(a, &other, m, p.id, approve).await.unwrap();
        let p = catalog::list_for_sale(a, &owner, m, p.id).await.unwrap();
        skus.push(p.skus[0].id);
    }
    (m, owner, other, skus)
}

async fn location(a: &App, actor: &Actor, m: MerchantId, code: &str) -> LocationId {
    let input = LocationInput {
        code: code.into(),
        name: format!("Location {code}"),
        kind: "warehouse".into(),
        country: "CN".into(),
        province: Some("310000".into()),
        city: Some("310100".into()),
        ..LocationInput::default()
    };
    inv::create_location(a, actor, m, input).await.unwrap().id
}

async fn receive(a: &App, actor: &Actor, m: MerchantId, loc: LocationId, sku: SkuId, q: i64) {
    let input = ReceiptInput {
        location_id: Some(loc),
        lines: vec![ReceiptLine {
            sku_id: sku,
            quantity: q,
        }],
        reference: "PO-1".into(),
        note: None,
    };
    inv::receive(a, actor, m, input).await.unwrap();
}

async fn level(
    a: &App,
    actor: &Actor,
    m: MerchantId,
    sku: SkuId,
    loc: LocationId,
) -> (i64, i64, i64, i64) {
    let l = inv::get_level(a, actor, m, sku, loc).await.unwrap();
    (l.on_hand, l.reserved, l.available, l.incoming)
}

fn line(reference: &str, sku: SkuId, loc: LocationId, quantity: i64) -> ReserveLine {
    ReserveLine {
        reference: reference.into(),
        sku_id: sku,
        location_id: loc,
        quantity,
    }
}

fn code(err: Error) -> &'static str {
    match err {
        Error::Conflict { code, .. } | Error::Denied { code, .. } => code,
        Error::Validation(f) => f[0].code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

both_dbs! {
    async fn locations_are_validated_unique_per_merchant_updated_and_filtered(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "wh-sh").await;
        let dup = LocationInput { code: "WH-SH".into(), name: "Again".into(), kind: "store".into(), country: "CN".into(), ..LocationInput::default() };
        let err = inv::create_location(a, &owner, m, dup).await.unwrap_err();
        assert!(matches!(&err, Error::Validation(f) if f[0].field == "code" && f[0].code == "taken"), "{err:?}");
        let bad = LocationInput { code: "bad code".into(), name: " ".into(), kind: "shed".into(), country: "China".into(), ..LocationInput::default() };
        let Error::Validation(f) = inv::create_location(a, &owner, m, bad).await.unwrap_err() else { panic!() };
        let fields: Vec<&str> = f.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name", "kind", "country"]);

        let patch = LocationPatch { active: Some(false), priority: Some(5), city: Some(None), ..LocationPatch::default() };
        let updated = inv::update_location(a, &owner, m, wh, patch).await.unwrap();
        assert_eq!((updated.code.as_str(), updated.active, updated.priority, updated.region.city()), ("WH-SH", false, 5, None));
        location(a, &owner, m, "ST-1").await;
        let active = inv::list_locations(a, &owner, m, LocationQuery { active: Some(true), ..LocationQuery::default() }).await.unwrap();
        assert_eq!(active.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), ["ST-1"]);
        assert_eq!(inv::list_locations(a, &owner, m, LocationQuery::default()).await.unwrap().len(), 2);
        // An inactive location takes no stock.
        let lines = vec![ReceiptLine { sku_id: skus[0], quantity: 1 }];
        let input = ReceiptInput { location_id: Some(wh), lines, reference: "x".into(), note: None };
        assert_eq!(code(inv::receive(a, &owner, m, input).await.unwrap_err()), "location-inactive");
        let other_m = fixtures::merchant(app, "other", "Other").await.id;
        assert!(matches!(inv::get_location(a, &owner, other_m, wh).await.unwrap_err(), Error::NotFound { .. }));
    }

    async fn adjustments_above_the_threshold_wait_for_another_approver(app: TestApp) {
        let (m, owner, other, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        receive(a, &owner, m, wh, skus[0], 20).await;
        inv::update_settings(a, &owner, m, ApprovalThresholds { quantity: Some(5), value_minor: Some(10_000) }).await.unwrap();
        let adj = |delta, reason: &str| AdjustmentInput { sku_id: Some(skus[0]), location_id: Some(wh), delta, reason: reason.into(), note: Some("shelf".into()) };

        let small = inv::adjust(a, &owner, m, adj(-2, "damaged")).await.unwrap();
        assert_eq!((small.status, small.value_minor), (AdjustmentStatus::Applied, Some(2_000)));
        assert_eq!(level(a, &owner, m, skus[0], wh).await, (18, 0, 18, 0));
        assert_eq!(code(inv::adjust(a, &owner, m, adj(3, "damaged")).await.unwrap_err()), "direction");

        // 6 units is above the quantity threshold: pending until someone else approves.
        let big = inv::adjust(a, &owner, m, adj(-6, "scrap")).await.unwrap();
        assert_eq!(big.status, AdjustmentStatus::Pending);
        assert_eq!(level(a, &owner, m, skus[0], wh).await.0, 18);
        assert_eq!(code(inv::decide_adjustment(a, &owner, m, big.id, true, None).await.unwrap_err()), "self-approval");
        let done = inv::decide_adjustment(a, &other, m, big.id, true, Some("ok".into())).await.unwrap();
        assert_eq!((done.status, done.decided_by.as_deref()), (AdjustmentStatus::Applied, Some("other@example.com")));
        assert_eq!(code(inv::decide_adjustment(a, &other, m, big.id, false, None).await.unwrap_err()), "adjustment-decided");
        assert_eq!(level(a, &owner, m, skus[0], wh).await.0, 12);

        let rejected = inv::adjust(a, &owner, m, adj(-12, "lost")).await.unwrap();
        inv::decide_adjustment(a, &other, m, rejected.id, false, None).await.unwrap();
        let queue = inv::list_adjustments(a, &owner, m, Some(AdjustmentStatus::Pending), None, None).await.unwrap();
        assert!(queue.items.is_empty());
        // Below zero is refused, thresholds off: applied at once but not enough stock.
        inv::update_settings(a, &owner, m, ApprovalThresholds::default()).await.unwrap();
        assert_eq!(code(inv::adjust(a, &owner, m, adj(-13, "lost")).await.unwrap_err()), "insufficient-stock");

        // The ledger: newest first, filters and cursor.
        let q = MovementQuery { sku_id: Some(skus[0]), limit: Some(2), ..MovementQuery::default() };
        let page = inv::list_movements(a, &owner, m, q).await.unwrap();
        let reasons: Vec<(MovementReason, i64)> = page.items.iter().map(|mv| (mv.reason, mv.quantity)).collect();
        assert_eq!(reasons, [(MovementReason::Scrap, -6), (MovementReason::Adjustment, -2)]);
        let q = MovementQuery { cursor: page.next_cursor, ..MovementQuery::default() };
        let rest = inv::list_movements(a, &owner, m, q).await.unwrap();
        assert_eq!((rest.items.len(), rest.items[0].reason, rest.items[0].reference.as_str()), (1, MovementReason::Receipt, "PO-1"));
        let actions = app.audit_actions(Some(m)).await;
        assert!(actions.iter().any(|x| x == "stock_adjustment.approve"), "{actions:?}");
    }

    async fn transfers_move_stock_through_transit_and_record_discrepancies(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 2).await;
        let a = &app.app;
        let (from, to) = (location(a, &owner, m, "A").await, location(a, &owner, m, "B").await);
        receive(a, &owner, m, from, skus[0], 10).await;
        receive(a, &owner, m, from, skus[1], 4).await;
        let input = TransferInput { from_location_id: Some(from), to_location_id: Some(to),
            lines: vec![ReceiptLine { sku_id: skus[0], quantity: 6 }, ReceiptLine { sku_id: skus[1], quantity: 5 }], note: None };
        let t = inv::create_transfer(a, &owner, m, input).await.unwrap();
        assert_eq!(t.status, TransferStatus::Draft);
        // Only 4 of the second SKU: dispatch refused, nothing moved.
        assert_eq!(code(inv::dispatch_transfer(a, &owner, m, t.id).await.unwrap_err()), "insufficient-stock");
        assert_eq!(level(a, &owner, m, skus[0], from).await.0, 10);
        inv::cancel_transfer(a, &owner, m, t.id).await.unwrap();
        assert_eq!(code(inv::dispatch_transfer(a, &owner, m, t.id).await.unwrap_err()), "transfer-state");

        let input = TransferInput { from_location_id: Some(from), to_location_id: Some(to),
            lines: vec![ReceiptLine { sku_id: skus[0], quantity: 6 }, ReceiptLine { sku_id: skus[1], quantity: 4 }], note: None };
        let t = inv::create_transfer(a, &owner, m, input).await.unwrap();
        let t = inv::dispatch_transfer(a, &owner, m, t.id).await.unwrap();
        assert_eq!(t.status, TransferStatus::InTransit);
        assert_eq!(level(a, &owner, m, skus[0], from).await, (4, 0, 4, 0));
        assert_eq!(level(a, &owner, m, skus[0], to).await, (0, 0, 0, 6));
        assert_eq!(code(inv::cancel_transfer(a, &owner, m, t.id).await.unwrap_err()), "transfer-state");

        let part = ReceiveTransferInput { lines: vec![ReceiptLine { sku_id: skus[0], quantity: 5 }], close: false };
        let t = inv::receive_transfer(a, &owner, m, t.id, part).await.unwrap();
        assert_eq!(t.status, TransferStatus::PartiallyReceived);
        let over = ReceiveTransferInput { lines: vec![ReceiptLine { sku_id: skus[0], quantity: 2 }], close: false };
        assert_eq!(code(inv::receive_transfer(a, &owner, m, t.id, over).await.unwrap_err()), "over-received");
        let last = ReceiveTransferInput { lines: vec![ReceiptLine { sku_id: skus[1], quantity: 3 }], close: true };
        let t = inv::receive_transfer(a, &owner, m, t.id, last).await.unwrap();
        assert_eq!(t.status, TransferStatus::Received);
        let gaps: Vec<(i64, i64)> = t.lines.iter().map(|l| (l.received, l.discrepancy)).collect();
        assert_eq!(gaps, [(5, 1), (3, 1)]);
        assert_eq!(level(a, &owner, m, skus[0], to).await, (5, 0, 5, 0));
        assert_eq!(level(a, &owner, m, skus[1], to).await, (3, 0, 3, 0));
        let listed = inv::list_transfers(a, &owner, m, inv::TransferQuery { status: Some(TransferStatus::Received), ..Default::default() }).await.unwrap();
        assert_eq!(listed.items.len(), 1);
    }

    async fn stocktakes_account_for_movements_during_the_count(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 3).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        receive(a, &owner, m, wh, skus[0], 10).await;
        receive(a, &owner, m, wh, skus[1], 5).await;
        let st = inv::open_stocktake(a, &owner, m, StocktakeInput { location_id: Some(wh), ..StocktakeInput::default() }).await.unwrap();
        assert_eq!((st.lines.len(), st.uncounted), (2, 2));

        // While counting, 3 of SKU-0 ship; the counter then finds 6 on the shelf.
        inv::reserve(a, &owner, m, &[line("order-1/1", skus[0], wh, 3)]).await.unwrap();
        inv::consume(a, &owner, m, "order-1/1").await.unwrap();
        inv::enter_counts(a, &owner, m, st.id, &[CountInput { sku_id: skus[0], counted: 6 }]).await.unwrap();
        // CSV: SKU-1 counted 5 (no variance) and SKU-2, not in the snapshot, found: 2.
        let bad = "sku_code,counted\nsku-1,5\nNOPE,1\nsku-2,-1\n";
        let report = inv::import_counts_csv(a, &owner, m, st.id, bad.as_bytes()).await.unwrap();
        let errs: Vec<(usize, &str)> = report.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(errs, [(3, "sku_code"), (4, "counted")]);
        assert!(report.stocktake.is_none());
        let good = "\u{feff}sku_code,counted\nsku-1,5\nSKU-2,2\n";
        let st = inv::import_counts_csv(a, &owner, m, st.id, good.as_bytes()).await.unwrap().stocktake.unwrap();
        assert_eq!(st.uncounted, 0);

        let st = inv::post_stocktake(a, &owner, m, st.id).await.unwrap();
        assert_eq!(st.status, StocktakeStatus::Posted);
        let v0 = st.lines.iter().find(|l| l.sku_id == skus[0]).unwrap().variance.unwrap();
        assert_eq!((v0.snapshot, v0.movements_during_count, v0.expected, v0.counted, v0.variance), (10, -3, 7, 6, -1));
        assert_eq!((st.net_variance, st.net_value_minor), (1, 1_000));
        assert_eq!(level(a, &owner, m, skus[0], wh).await.0, 6);
        assert_eq!(level(a, &owner, m, skus[2], wh).await.0, 2);
        assert_eq!(code(inv::enter_counts(a, &owner, m, st.id, &[]).await.unwrap_err()), "stocktake-state");
        let q = MovementQuery { reason: Some(MovementReason::Count), ..MovementQuery::default() };
        assert_eq!(inv::list_movements(a, &owner, m, q).await.unwrap().items.len(), 2);
        let report = inv::variance_report(a, &owner, m, st.id).await.unwrap();
        assert_eq!(report, st);
    }

    async fn reservations_are_all_or_nothing_idempotent_and_consumed_by_shipment(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 2).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        receive(a, &owner, m, wh, skus[0], 5).await;
        receive(a, &owner, m, wh, skus[1], 1).await;

        // The second line cannot be met: neither is reserved.
        let lines = [line("o1/1", skus[0], wh, 2), line("o1/2", skus[1], wh, 2)];
        assert_eq!(code(inv::reserve(a, &owner, m, &lines).await.unwrap_err()), "insufficient-stock");
        assert_eq!(level(a, &owner, m, skus[0], wh).await, (5, 0, 5, 0));
        let lines = [line("o1/1", skus[0], wh, 2), line("o1/2", skus[1], wh, 1)];
        let first = inv::reserve(a, &owner, m, &lines).await.unwrap();
        let again = inv::reserve(a, &owner, m, &lines).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(level(a, &owner, m, skus[0], wh).await, (5, 2, 3, 0));
        let reused = [line("o1/1", skus[0], wh, 3)];
        assert_eq!(code(inv::reserve(a, &owner, m, &reused).await.unwrap_err()), "reference-reused");

        let shipped = inv::consume(a, &owner, m, "o1/1").await.unwrap();
        assert_eq!(shipped.status, ReservationStatus::Consumed);
        assert_eq!(inv::consume(a, &owner, m, "o1/1").await.unwrap(), shipped);
        assert_eq!(level(a, &owner, m, skus[0], wh).await, (3, 0, 3, 0));
        let q = MovementQuery { reference: Some("o1/1".into()), ..MovementQuery::default() };
        let mv = inv::list_movements(a, &owner, m, q).await.unwrap().items;
        assert_eq!((mv.len(), mv[0].reason, mv[0].quantity), (1, MovementReason::Shipment, -2));
        inv::release(a, &owner, m, "o1/2").await.unwrap();
        assert_eq!(inv::release(a, &owner, m, "o1/2").await.unwrap().status, ReservationStatus::Released);
        assert_eq!(code(inv::consume(a, &owner, m, "o1/2").await.unwrap_err()), "reservation-state");
        assert!(matches!(inv::release(a, &owner, m, "nope").await.unwrap_err(), Error::NotFound { .. }));

        // Backorders: only for SKUs that allow them.
        assert_eq!(code(inv::reserve(a, &owner, m, &[line("o2/1", skus[1], wh, 4)]).await.unwrap_err()), "insufficient-stock");
        inv::set_backorder(a, &owner, m, skus[1], true).await.unwrap();
        inv::reserve(a, &owner, m, &[line("o2/1", skus[1], wh, 4)]).await.unwrap();
        assert_eq!(level(a, &owner, m, skus[1], wh).await, (1, 4, -3, 0));
        inv::release(a, &owner, m, "o2/1").await.unwrap();

        // Only listed SKUs can be reserved.
        let product = catalog::list(a, &owner, m, Default::default()).await.unwrap().items[0].id;
        catalog::delist(a, &owner, m, product).await.unwrap();
        assert_eq!(code(inv::reserve(a, &owner, m, &[line("o3/1", skus[0], wh, 1)]).await.unwrap_err()), "sku-not-sellable");

        // Inside the caller's transaction: rolled back with it.
        let mut tx = a.db.begin_write().await.unwrap();
        let err = inv::reserve_in(a, &mut tx, &owner, m, &[line("o4/1", skus[0], wh, 1)]).await.unwrap_err();
        assert_eq!(code(err), "sku-not-sellable");
        drop(tx);
    }

    async fn alerts_are_raised_cleared_acknowledged_and_sent_as_events(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        let t = ThresholdsInput { low_stock: Some(3), reorder_point: Some(5), overstock: Some(20) };
        inv::set_thresholds(a, &owner, m, skus[0], wh, t).await.unwrap();
        // Nothing on hand: out of stock at once.
        let active = |a: &App| { let owner = owner.clone(); let a = a.clone(); async move {
            let q = AlertQuery { active: Some(true), ..AlertQuery::default() };
            inv::list_alerts(&a, &owner, m, q).await.unwrap().items.iter().map(|x| x.kind).collect::<Vec<_>>()
        }};
        assert_eq!(active(a).await, [AlertKind::OutOfStock]);
        receive(a, &owner, m, wh, skus[0], 4).await;
        assert_eq!(active(a).await, [AlertKind::LowStock]);
        receive(a, &owner, m, wh, skus[0], 30).await;
        assert_eq!(active(a).await, [AlertKind::Overstock]);
        let low = LevelQuery { low_stock: true, ..LevelQuery::default() };
        assert!(inv::list_levels(a, &owner, m, low).await.unwrap().items.is_empty());
        inv::reserve(a, &owner, m, &[line("o/1", skus[0], wh, 30)]).await.unwrap();
        assert_eq!(active(a).await, [AlertKind::LowStock, AlertKind::Overstock]);
        let low = LevelQuery { low_stock: true, ..LevelQuery::default() };
        assert_eq!(inv::list_levels(a, &owner, m, low).await.unwrap().items.len(), 1);

        let all = inv::list_alerts(a, &owner, m, AlertQuery::default()).await.unwrap().items;
        let acked = inv::acknowledge_alert(a, &owner, m, all[0].id).await.unwrap();
        assert_eq!(acked.acknowledged.unwrap().0, "owner@example.com");
        let q = AlertQuery { unacknowledged: Some(true), ..AlertQuery::default() };
        assert_eq!(inv::list_alerts(a, &owner, m, q).await.unwrap().items.len(), all.len() - 1);

        let events = inv::events_after(a, m, None, None, 100).await.unwrap();
        let kinds: Vec<(String, String)> = events.iter().map(|e| (e.kind.clone(), e.payload["kind"].as_str().unwrap().to_owned())).collect();
        let expect = [("raised", "out_of_stock"), ("raised", "low_stock"), ("cleared", "out_of_stock"), ("raised", "overstock"),
            ("cleared", "low_stock"), ("raised", "low_stock")];
        let expect: Vec<(String, String)> = expect.iter().map(|(k, a)| (format!("inventory.alert.{k}"), (*a).to_owned())).collect();
        assert_eq!(kinds, expect);
    }

    async fn two_hundred_concurrent_clients_cannot_oversell_fifty_units(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        receive(a, &owner, m, wh, skus[0], 50).await;
        let tasks: Vec<_> = (0..200).map(|i| {
            let (a, owner, sku) = (a.clone(), owner.clone(), skus[0]);
            tokio::spawn(async move { inv::reserve(&a, &owner, m, &[line(&format!("order-{i}/1"), sku, wh, 1)]).await })
        }).collect();
        let (mut ok, mut refused) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(Error::Conflict { code: "insufficient-stock", .. }) => refused += 1,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!((ok, refused), (50, 150));
        assert_eq!(level(a, &owner, m, skus[0], wh).await, (50, 50, 0, 0));
    }

    async fn a_random_concurrent_mix_keeps_the_ledger_balanced(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 3).await;
        let a = &app.app;
        let locs = [location(a, &owner, m, "A").await, location(a, &owner, m, "B").await];
        let world = Arc::new(World { m, owner, skus, locs, on_hand: AtomicI64::new(0), reserved: AtomicI64::new(0) });
        let tasks: Vec<_> = (0..8u64).map(|seed| {
            let (a, w) = (a.clone(), world.clone());
            tokio::spawn(async move { client(&a, &w, seed).await })
        }).collect();
        let mut done = 0;
        for t in tasks {
            done += t.await.unwrap();
        }
        assert!(done > 100, "only {done} operations succeeded");
        let levels = inv::list_levels(a, &world.owner, m, LevelQuery { limit: Some(500), ..LevelQuery::default() }).await.unwrap().items;
        let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
        let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
        assert_eq!((on_hand, reserved), (world.on_hand.load(Ordering::SeqCst), world.reserved.load(Ordering::SeqCst)));
        assert!(levels.iter().all(|l| l.available >= 0 && l.incoming == 0), "{levels:?}");
    }
}

/// The shared state of the random mix: what the totals must come to.
struct World {
    m: MerchantId,
    owner: Actor,
    skus: Vec<SkuId>,
    locs: [LocationId; 2],
    on_hand: AtomicI64,
    reserved: AtomicI64,
}

/// One client of the random mix: 25 seeded operations; conflicts are legitimate
/// outcomes, anything else fails the test. Returns how many succeeded.
async fn client(a: &App, w: &World, seed: u64) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut open: Vec<(String, i64)> = Vec::new();
    let mut ok = 0;
    for n in 0..25 {
        let sku = w.skus[rng.random_range(0..w.skus.len())];
        let loc = w.locs[rng.random_range(0..2)];
        let q = rng.random_range(1..=5);
        let op = rng.random_range(0..6);
        let result: Result<i64, Error> = match op {
            0 => receive_op(a, w, sku, loc, q).await,
            1 => adjust_op(a, w, sku, loc, if rng.random_bool(0.5) { q } else { -q }).await,
            2 => transfer_op(a, w, sku, loc, q).await,
            3 => {
                let reference = format!("c{seed}-{n}");
                let r = inv::reserve(a, &w.owner, w.m, &[line(&reference, sku, loc, q)]).await;
                r.map(|_| {
                    w.reserved.fetch_add(q, Ordering::SeqCst);
                    open.push((reference, q));
                    0
                })
            }
            _ if open.is_empty() => continue,
            4 => {
                let (reference, q) = open.swap_remove(rng.random_range(0..open.len()));
                inv::release(a, &w.owner, w.m, &reference).await.map(|_| {
                    w.reserved.fetch_sub(q, Ordering::SeqCst);
                    0
                })
            }
            _ => {
                let (reference, q) = open.swap_remove(rng.random_range(0..open.len()));
                inv::consume(a, &w.owner, w.m, &reference).await.map(|_| {
                    w.reserved.fetch_sub(q, Ordering::SeqCst);
                    -q
                })
            }
        };
        match result {
            Ok(delta) => {
                w.on_hand.fetch_add(delta, Ordering::SeqCst);
                ok += 1;
            }
            Err(Error::Conflict {
                code: "insufficient-stock",
                ..
            }) => {}
            Err(other) => panic!("op {op} failed: {other:?}"),
        }
    }
    ok
}

async fn receive_op(a: &App, w: &World, sku: SkuId, loc: LocationId, q: i64) -> Result<i64, Error> {
    let input = ReceiptInput {
        location_id: Some(loc),
        lines: vec![ReceiptLine {
            sku_id: sku,
            quantity: q,
        }],
        reference: "PO".into(),
        note: None,
    };
    inv::receive(a, &w.owner, w.m, input).await.map(|_| q)
}

async fn adjust_op(
    a: &App,
    w: &World,
    sku: SkuId,
    loc: LocationId,
    delta: i64,
) -> Result<i64, Error> {
    let reason = if delta > 0 { "found" } else { "damaged" };
    let input = AdjustmentInput {
        sku_id: Some(sku),
        location_id: Some(loc),
        delta,
        reason: reason.into(),
        note: None,
    };
    inv::adjust(a, &w.owner, w.m, input).await.map(|_| delta)
}

/// Moves `q` to the other location and receives it in full (on hand overall unchanged).
async fn transfer_op(
    a: &App,
    w: &World,
    sku: SkuId,
    from: LocationId,
    q: i64,
) -> Result<i64, Error> {
    let to = if from == w.locs[0] {
        w.locs[1]
    } else {
        w.locs[0]
    };
    let lines = vec![ReceiptLine {
        sku_id: sku,
        quantity: q,
    }];
    let input = TransferInput {
        from_location_id: Some(from),
        to_location_id: Some(to),
        lines: lines.clone(),
        note: None,
    };
    let t = inv::create_transfer(a, &w.owner, w.m, input).await?;
    if let Err(e) = inv::dispatch_transfer(a, &w.owner, w.m, t.id).await {
        inv::cancel_transfer(a, &w.owner, w.m, t.id).await?;
        return Err(e);
    }
    inv::receive_transfer(
        a,
        &w.owner,
        w.m,
        t.id,
        ReceiveTransferInput {
            lines,
            close: false,
        },
    )
    .await?;
    Ok(0)
}

both_dbs! {
    async fn omnihub_check_reports_a_level_that_disagrees_with_its_ledger(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        receive(a, &owner, m, wh, skus[0], 5).await;
        inv::reserve(a, &owner, m, &[line("o/1", skus[0], wh, 2)]).await.unwrap();
        let failing = |sql: &'static str| async move {
            let mut tx = a.db.begin_write().await.unwrap();
            with_conn!(&mut tx, |c| sqlx::query(sql).execute(c).await.map(|_| ())).unwrap();
            tx.commit().await.unwrap();
            let outcomes = omnihub_app::system::run_checks(a).await.unwrap();
            outcomes.into_iter().filter(|o| !o.passed()).map(|o| o.name).collect::<Vec<_>>()
        };
        // Behind the application's back: on_hand and reserved drift from ledger and reservations.
        let broken = failing("UPDATE stock_levels SET on_hand = on_hand + 1, reserved = reserved + 1").await;
        assert_eq!(broken, ["inventory.ledger", "inventory.reservations"]);
        let fixed = failing("UPDATE stock_levels SET on_hand = on_hand - 1, reserved = reserved - 1").await;
        assert!(fixed.is_empty(), "{fixed:?}");
        // Movements whose level is gone are reported as well (and the level put back).
        assert!(failing("CREATE TABLE kept_levels AS SELECT * FROM stock_levels").await.is_empty());
        let orphaned = failing("DELETE FROM stock_levels").await;
        assert!(orphaned.contains(&"inventory.ledger"), "{orphaned:?}");
        let restored = failing("INSERT INTO stock_levels SELECT * FROM kept_levels").await;
        assert!(restored.is_empty(), "{restored:?}");
    }

    async fn inventory_use_cases_check_permissions_and_tenancy(app: TestApp) {
        let (m, owner, _, skus) = setup(app, 1).await;
        let a = &app.app;
        let wh = location(a, &owner, m, "WH").await;
        let mut reader = owner.clone();
        reader.permissions = [Permission::InventoryRead].into_iter().collect();
        let input = ReceiptInput { location_id: Some(wh), lines: vec![ReceiptLine { sku_id: skus[0], quantity: 1 }], reference: "PO".into(), note: None };
        let err = inv::receive(a, &reader, m, input).await.unwrap_err();
        assert!(matches!(err, Error::MissingPermission(Permission::InventoryAdjust)), "{err:?}");
        let err = inv::reserve(a, &reader, m, &[line("o/1", skus[0], wh, 1)]).await.unwrap_err();
        assert!(matches!(err, Error::MissingPermission(Permission::InventoryAdjust)), "{err:?}");
        inv::list_levels(a, &reader, m, LevelQuery::default()).await.unwrap();
        // Another merchant's staff see nothing of this merchant.
        let other = fixtures::merchant(app, "other", "Other").await.id;
        let stranger = person(app, other, "stranger@example.com").await;
        let err = inv::list_levels(a, &stranger, m, LevelQuery::default()).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
        // Nor can they book against this merchant's SKU at their own location.
        let theirs = location(a, &stranger, other, "WH").await;
        let input = ReceiptInput { location_id: Some(theirs), lines: vec![ReceiptLine { sku_id: skus[0], quantity: 1 }], reference: "PO".into(), note: None };
        assert_eq!(code(inv::receive(a, &stranger, other, input).await.unwrap_err()), "unknown");
    }
}
