//! Every generated payload maps, with the real mappers, to exactly the order it was made
//! from, and every delivery verifies with the real signature checks.

use proptest::prelude::*;

use super::*;
use crate::channels::webhooks::{verify_shopify, verify_woocommerce};
use crate::channels::{shopify, woocommerce};
use crate::orders::{IncomingOrder, PaymentStatus};

fn start() -> Timestamp {
    "2026-11-30T09:00:00Z".parse().unwrap()
}

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn skus(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

fn minor(raw: &str, c: Currency) -> i64 {
    Money::parse(raw, c).unwrap().minor()
}

/// Asserts that `mapped` is `spec`, field by field.
fn assert_maps_to(mapped: &IncomingOrder, spec: &DemoOrder) {
    assert_eq!(mapped.external_id.as_ref(), spec.external_id);
    assert_eq!(mapped.currency, spec.currency);
    assert_eq!(mapped.placed_at, spec.placed_at);
    let got: Vec<_> = mapped
        .lines
        .iter()
        .map(|l| {
            let sku = l.item.sku.as_ref().map(|s| s.as_ref().to_owned());
            (sku, l.quantity.get(), l.unit_price.minor())
        })
        .collect();
    let want: Vec<_> = spec
        .lines
        .iter()
        .map(|l| {
            let price = minor(&l.unit_price, spec.currency);
            (Some(l.sku.clone()), i64::from(l.quantity), price)
        })
        .collect();
    assert_eq!(got, want);
    let items: i64 = want.iter().map(|(_, q, p)| q * p).sum();
    let shipping = minor(&spec.shipping, spec.currency);
    assert_eq!(mapped.totals.items().minor(), items);
    assert_eq!(mapped.totals.shipping().minor(), shipping);
    assert_eq!(mapped.totals.total().minor(), items + shipping);
    assert_eq!(mapped.channel_state.cancelled, spec.cancelled_at.is_some());
    let paid = mapped.channel_state.payment == PaymentStatus::Paid;
    assert_eq!(paid, spec.paid);
    assert_eq!(mapped.customer.email.as_ref().unwrap().as_ref(), spec.email);
    let name = format!("{} {}", spec.first_name, spec.last_name);
    assert_eq!(mapped.customer.name.as_ref().unwrap().as_ref(), name);
    let to = mapped.shipping_address.as_ref().unwrap();
    assert_eq!(to.country.unwrap().as_str(), spec.country);
    assert_eq!(to.province.as_ref().unwrap().as_ref(), spec.province);
    assert_eq!(to.city.as_ref().unwrap().as_ref(), spec.city);
    assert!(to.missing_parts().is_empty());
}

#[test]
fn generated_orders_are_deterministic_and_use_the_given_skus() {
    let usd = currency("USD");
    let codes = skus(&["A-1", "B-2", "C-3"]);
    let a = demo_order(7, 3, &codes, usd, start());
    assert_eq!(a, demo_order(7, 3, &codes, usd, start()));
    assert_ne!(
        a.external_id,
        demo_order(8, 3, &codes, usd, start()).external_id
    );
    assert_ne!(
        a.external_id,
        demo_order(7, 4, &codes, usd, start()).external_id
    );
    assert_eq!(
        a.placed_at,
        "2026-11-30T09:03:00Z".parse::<Timestamp>().unwrap()
    );
    for seq in 1..50 {
        let o = demo_order(7, seq, &codes, usd, start());
        assert!((1..=3).contains(&o.lines.len()));
        assert!(o.lines.iter().all(|l| codes.contains(&l.sku)));
        let mut seen: Vec<_> = o.lines.iter().map(|l| &l.sku).collect();
        seen.dedup();
        assert_eq!(seen.len(), o.lines.len(), "no SKU twice in an order");
    }
    let fallback = demo_order(7, 1, &[], usd, start());
    assert!(
        fallback
            .lines
            .iter()
            .all(|l| DEFAULT_SKUS.contains(&l.sku.as_str()))
    );
    assert_eq!(shopify_payload(&a), shopify_payload(&a));
}

#[test]
fn both_formats_map_back_to_the_spec_in_every_currency() {
    for code in ["USD", "JPY", "KWD", "CNY"] {
        for seq in 1..20 {
            let mut spec = demo_order(42, seq, &[], currency(code), start());
            if seq % 3 == 0 {
                spec.cancelled_at = Some(start());
            }
            let shopify = shopify::map_order(&shopify_payload(&spec)).unwrap();
            assert_maps_to(&shopify, &spec);
            assert_eq!(
                shopify.external_number.unwrap().as_ref(),
                format!("#{}", 1000 + seq)
            );
            let woo = woocommerce::map_order(&woocommerce_payload(&spec)).unwrap();
            assert_maps_to(&woo, &spec);
        }
    }
}

#[test]
fn a_price_that_does_not_parse_makes_an_unmappable_order_with_its_id() {
    let mut spec = demo_order(1, 1, &[], currency("USD"), start());
    spec.lines[0].unit_price = "12.345".into();
    for err in [
        shopify::map_order(&shopify_payload(&spec)).unwrap_err(),
        woocommerce::map_order(&woocommerce_payload(&spec)).unwrap_err(),
    ] {
        assert_eq!(err.external_id.unwrap().as_ref(), spec.external_id);
        assert_eq!(err.problems[0].code(), "bad_amount");
    }
}

#[test]
fn shopify_deliveries_are_signed_and_carry_their_topic() {
    let spec = demo_order(5, 2, &[], currency("USD"), start());
    for topic in OrderTopic::ALL {
        let d = shopify_delivery("shpss_demo", *topic, &spec);
        assert_eq!(
            verify_shopify("shpss_demo", &d.body, Some(&d.signature.value)),
            Ok(())
        );
        assert!(verify_shopify("other", &d.body, Some(&d.signature.value)).is_err());
        assert_eq!(OrderTopic::parse_shopify(&d.topic.value), Ok(*topic));
        assert_eq!(d.header("x-shopify-shop-domain"), Some(DEMO_SHOP_DOMAIN));
        let mapped = shopify::map_order(&d.body).unwrap();
        assert_eq!(
            mapped.channel_state.cancelled,
            *topic == OrderTopic::Cancelled
        );
        assert_eq!(
            d,
            shopify_delivery("shpss_demo", *topic, &spec),
            "a replay is identical"
        );
    }
    let ids: Vec<_> = OrderTopic::ALL
        .iter()
        .map(|t| {
            shopify_delivery("k", *t, &spec)
                .header("X-Shopify-Webhook-Id")
                .map(str::to_owned)
        })
        .collect();
    assert!(ids[0].as_ref().unwrap().parse::<uuid::Uuid>().is_ok());
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "each topic is its own webhook"
    );
}

#[test]
fn woocommerce_deliveries_are_signed_and_cancel_through_updated() {
    let spec = demo_order(5, 2, &[], currency("CNY"), start());
    for topic in OrderTopic::ALL {
        let d = woocommerce_delivery("wc&amp;secret", *topic, &spec);
        let sig = Some(d.signature.value.as_str());
        assert_eq!(verify_woocommerce("wc&amp;secret", &d.body, sig), Ok(()));
        assert!(verify_woocommerce("wc-secret", &d.body, sig).is_err());
        let parsed = OrderTopic::parse_woocommerce(&d.topic.value).unwrap();
        let cancelled = *topic == OrderTopic::Cancelled;
        let expected = if cancelled {
            OrderTopic::Updated
        } else {
            *topic
        };
        assert_eq!(parsed, expected);
        let mapped = woocommerce::map_order(&d.body).unwrap();
        assert_eq!(mapped.channel_state.cancelled, cancelled);
        assert_eq!(d.header("X-WC-Webhook-Source"), Some(DEMO_WOO_SOURCE));
        assert!(
            d.header("X-WC-Webhook-Delivery-ID")
                .unwrap()
                .parse::<u32>()
                .is_ok()
        );
    }
}

fn spec_strategy() -> impl Strategy<Value = DemoOrder> {
    let line = ("[A-Z][A-Z0-9-]{0,11}", 1_u32..50, 0_i64..5_000_000);
    (
        any::<u64>(),
        1_u64..100_000,
        proptest::collection::vec(line, 1..6),
        0_i64..100_000,
        proptest::sample::select(vec!["USD", "JPY", "KWD", "CNY", "EUR"]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(seed, seq, lines, shipping, code, paid, cancelled)| {
            let c = currency(code);
            let mut spec = demo_order(seed, seq, &[], c, start());
            spec.lines = lines
                .into_iter()
                .map(|(sku, quantity, price)| DemoLine {
                    sku,
                    quantity,
                    unit_price: Money::from_minor(price, c).amount_text(),
                })
                .collect();
            spec.shipping = Money::from_minor(shipping, c).amount_text();
            spec.paid = paid;
            spec.cancelled_at = cancelled.then(start);
            spec
        })
}

proptest! {
    #[test]
    fn any_spec_maps_back_exactly_in_both_formats(spec in spec_strategy()) {
        assert_maps_to(&shopify::map_order(&shopify_payload(&spec)).unwrap(), &spec);
        assert_maps_to(&woocommerce::map_order(&woocommerce_payload(&spec)).unwrap(), &spec);
    }
}
