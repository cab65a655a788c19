use super::*;
use crate::demo::catalog::demo_catalog;

fn spec(seed: u64, orders: usize, days: u32) -> OrderPlanSpec {
    OrderPlanSpec {
        seed,
        orders,
        days,
        end: "2026-12-01T04:00:00Z".parse().unwrap(),
    }
}

#[test]
fn the_same_seed_plans_the_same_orders() {
    let catalog = demo_catalog(42, 300);
    let a = plan_orders(&spec(42, 500, 90), &catalog);
    assert_eq!(a, plan_orders(&spec(42, 500, 90), &catalog));
    assert_ne!(a, plan_orders(&spec(7, 500, 90), &catalog));
    assert_eq!(a.len(), 500);
    let mut ids: Vec<&str> = a.iter().map(|o| o.external_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 500, "external ids are unique");
}

#[test]
fn orders_spread_over_the_window_and_recent_days_are_busier() {
    let s = spec(42, 3000, 90);
    let catalog = demo_catalog(42, 300);
    let plan = plan_orders(&s, &catalog);
    let start = s.end.as_second() - 90 * 86_400 - 86_400;
    assert!(
        plan.windows(2).all(|w| w[0].placed_at <= w[1].placed_at),
        "sorted"
    );
    assert!(
        plan.iter()
            .all(|o| o.placed_at < s.end && o.placed_at.as_second() > start)
    );
    let age_days = |o: &PlannedOrder| (s.end.as_second() - o.placed_at.as_second()) / 86_400;
    let last_month = plan.iter().filter(|o| age_days(o) < 30).count();
    let first_month = plan.iter().filter(|o| age_days(o) >= 60).count();
    assert!(
        last_month > first_month * 3 / 2,
        "{last_month} vs {first_month}"
    );
    for o in &plan {
        assert!((1..=5).contains(&(o.lines.len() + usize::from(o.unknown_sku.is_some()))));
        assert!(o.lines.iter().all(|l| l.quantity >= 1));
    }
}

#[test]
fn a_plan_ending_just_after_local_midnight_does_not_pile_orders_into_its_last_hours() {
    // 16:30 UTC is 00:30 in the shop's time zone: nearly all of "today" is still to come.
    let s = OrderPlanSpec {
        end: "2026-12-01T16:30:00Z".parse().unwrap(),
        ..spec(42, 3000, 30)
    };
    let plan = plan_orders(&s, &demo_catalog(42, 300));
    let last_two_hours = plan
        .iter()
        .filter(|o| s.end.as_second() - o.placed_at.as_second() <= 7200)
        .count();
    assert!(
        last_two_hours * 100 < plan.len(),
        "{last_two_hours} of 3000"
    );
    assert!(plan.iter().all(|o| o.placed_at < s.end));
}

#[test]
fn every_fate_channel_and_payment_occurs_and_old_orders_are_settled() {
    let s = spec(42, 3000, 90);
    let catalog = demo_catalog(42, 300);
    let plan = plan_orders(&s, &catalog);
    for fate in [
        DemoFate::Ship,
        DemoFate::ShipPart,
        DemoFate::Cancel,
        DemoFate::Review,
        DemoFate::Exception,
        DemoFate::WaitForStock,
    ] {
        assert!(plan.iter().any(|o| o.fate == fate), "{fate:?}");
    }
    for pay in [
        DemoPayment::Paid,
        DemoPayment::Authorized,
        DemoPayment::CashOnDelivery,
        DemoPayment::PaidLater,
        DemoPayment::NeverPaid,
    ] {
        assert!(plan.iter().any(|o| o.payment == pay), "{pay:?}");
    }
    for ch in DemoChannel::ALL {
        assert!(
            plan.iter().filter(|o| o.channel == ch).count() > 600,
            "{ch:?}"
        );
    }
    let old = s.end.as_second() - 45 * 86_400;
    assert!(
        plan.iter()
            .filter(|o| o.placed_at.as_second() < old)
            .all(|o| matches!(
                o.fate,
                DemoFate::Ship | DemoFate::ShipPart | DemoFate::Cancel
            ))
    );
    assert!(
        plan.iter()
            .filter(|o| o.fate == DemoFate::ShipPart)
            .all(|o| o.lines.len() >= 2)
    );
    assert!(
        plan.iter()
            .filter(|o| o.fate == DemoFate::Exception)
            .all(|o| o.unknown_sku.is_some())
    );
    assert!(
        plan.iter().any(|o| o.big && o.fate == DemoFate::Ship),
        "some approved big orders"
    );
}

#[test]
fn stock_covers_demand_except_the_scarce_skus_which_waiting_orders_exceed() {
    let s = spec(42, 3000, 90);
    let catalog = demo_catalog(42, 300);
    let plan = plan_orders(&s, &catalog);
    let stock: std::collections::BTreeMap<_, _> =
        stock_plan(42, &catalog, &plan).into_iter().collect();
    let ranking = demand_ranking(42, &catalog);
    let (scarce, low) = scarce_and_low(&ranking);
    assert_eq!((scarce.len(), low.len()), (6, 6));
    for o in plan.iter().filter(|o| o.fate == DemoFate::WaitForStock) {
        let l = o.lines[0];
        assert!(scarce.contains(&(l.product, l.sku)));
        assert!(
            l.quantity > stock[&(l.product, l.sku)],
            "a waiting order can never be filled"
        );
    }
    let demand: i64 = plan
        .iter()
        .filter(|o| o.fate == DemoFate::Ship)
        .flat_map(|o| &o.lines)
        .map(|l| l.quantity)
        .sum();
    assert!(stock.values().sum::<i64>() > demand);
}
