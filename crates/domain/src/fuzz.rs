//! Fuzz-style property tests of every parser that reads outside input (issue 8): channel
//! order payloads (Shopify, WooCommerce), webhook helpers, the orders and tracking CSV
//! files, the tracking webhook body, money and quantity text.
//!
//! cargo-fuzz needs a nightly toolchain, so these are proptests: each target feeds both
//! arbitrary bytes and structure-aware inputs (a real payload or file with fields mutated
//! into odd types, huge numbers, unicode, deep nesting) and asserts the parser returns
//! `Ok` or its typed error and never panics. Every target is a `fuzz_*` test, so one run
//! is `cargo test -p omnihub-domain fuzz::`; `PROPTEST_CASES` scales the number of cases
//! (the default, 512, keeps CI fast; docs/benchmarks.md records a long run).

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::channels::{OrderTopic, shopify, webhooks, woocommerce, woocommerce_ping};
use crate::fulfilment::tracking;
use crate::inventory::{Count, Quantity};
use crate::merchants::Currency;
use crate::money::{Money, MoneyError};
use crate::orders::csv_format;
use crate::orders::intake::{Reader, channel_amount, testing::leaf_pointers};

const SHOPIFY: &str = include_str!("channels/fixtures/shopify-order.json");
const WOOCOMMERCE: &str = include_str!("channels/fixtures/woocommerce-order.json");

/// Every supported currency, so each exponent (0, 2, 3) is exercised.
const CURRENCIES: &[&str] = &[
    "CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY", "KRW", "SGD", "MYR", "THB", "VND", "IDR",
    "PHP", "INR", "AUD", "NZD", "CAD", "MXN", "BRL", "CHF", "SEK", "NOK", "DKK", "PLN", "AED",
    "SAR", "BHD", "KWD",
];

fn config() -> ProptestConfig {
    // `ProptestConfig::default()` already reads PROPTEST_CASES; only the CI default changes.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn currency() -> impl Strategy<Value = Currency> {
    proptest::sample::select(CURRENCIES).prop_map(|c| Currency::parse(c).unwrap())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..512)
}

/// Text a hostile or broken client might send where a number or a code is expected.
fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[-+ ]?[0-9]{0,25}(\\.[0-9]{0,6})?[ ]?",
        "[0-9٣０-９.,eE+-]{0,12}",
        Just(String::new()),
        Just("9".repeat(400)),
        Just(format!("0.{}", "0".repeat(400))),
        Just("1e400".to_owned()),
        Just("NaN".to_owned()),
        Just(i64::MIN.to_string()),
        Just(u64::MAX.to_string()),
        Just("\u{feff}1.00".to_owned()),
    ]
}

/// Any JSON value, nested a few levels, with the extremes serde_json can hold.
fn odd_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        odd_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `sample` with up to five leaves (or whole subtrees) replaced by odd values, serialised.
fn mutated(sample: &str) -> impl Strategy<Value = Vec<u8>> {
    let base: Value = serde_json::from_str(sample).unwrap();
    let edits = proptest::collection::vec(
        (any::<proptest::sample::Index>(), any::<bool>(), odd_json()),
        1..6,
    );
    edits.prop_map(move |edits| {
        let mut v = base.clone();
        for (pick, whole_parent, odd) in edits {
            let pointers = leaf_pointers(&v);
            let mut at = pointers[pick.index(pointers.len())].clone();
            if whole_parent {
                at.truncate(at.rfind('/').unwrap_or(0));
            }
            if let Some(slot) = v.pointer_mut(&at) {
                *slot = odd;
            }
        }
        serde_json::to_vec(&v).unwrap()
    })
}

/// `bytes` truncated and with a few bytes overwritten: broken JSON close to real JSON.
fn damaged(sample: &str) -> impl Strategy<Value = Vec<u8>> {
    let base = sample.as_bytes().to_vec();
    let len = base.len();
    (
        0..=len,
        proptest::collection::vec((0..len, any::<u8>()), 0..4),
    )
        .prop_map(move |(cut, flips)| {
            let mut b = base.clone();
            for (i, byte) in flips {
                b[i] = byte;
            }
            b.truncate(cut);
            b
        })
}

/// Nesting deep enough to overflow a naive recursive parser's stack.
fn deep_nesting() -> impl Strategy<Value = Vec<u8>> {
    (
        1_usize..20_000,
        proptest::sample::select(vec!["[", "{\"a\":"]),
    )
        .prop_map(|(depth, open)| {
            let mut s = "{\"line_items\":".to_owned();
            s.push_str(&open.repeat(depth));
            s.into_bytes()
        })
}

/// Checks what any mapped channel order must satisfy, whatever the input.
fn order_result_is_typed(
    r: Result<crate::orders::IncomingOrder, crate::orders::intake::Unmappable>,
) -> Result<(), TestCaseError> {
    match r {
        Ok(o) => {
            prop_assert!(!o.lines.is_empty());
            prop_assert!(o.totals.total().minor() >= 0);
        }
        Err(e) => prop_assert!(!e.problems.is_empty()),
    }
    Ok(())
}

/// A CSV cell a spreadsheet (or an attacker) might produce.
fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        odd_text(),
        Just("\"".to_owned()),
        Just("\"a,b\"".to_owned()),
        Just("\"multi\nline\"".to_owned()),
        Just("=1+1".to_owned()),
        Just("2026-03-01T10:00:00Z".to_owned()),
        Just("SKU-1".to_owned()),
        Just("paid".to_owned()),
        Just("CNY".to_owned()),
        Just("delivered".to_owned()),
    ]
}

/// A file with `header`'s columns (shuffled, some dropped or doubled) and generated rows.
fn csv_file(header: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let columns: Vec<&'static str> = header.split(',').collect();
    let n = columns.len();
    (
        proptest::sample::subsequence(columns.clone(), 0..=n).prop_shuffle(),
        proptest::option::of(proptest::sample::select(columns)),
        proptest::collection::vec(proptest::collection::vec(csv_cell(), 0..n + 3), 0..12),
        any::<bool>(),
    )
        .prop_map(|(mut cols, extra, rows, bom)| {
            cols.extend(extra);
            let mut out = if bom {
                "\u{feff}".to_owned()
            } else {
                String::new()
            };
            out.push_str(&cols.join(","));
            for row in rows {
                out.push('\n');
                out.push_str(&row.join(","));
            }
            out.into_bytes()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_shopify_arbitrary_bytes(b in prop_oneof![bytes(), damaged(SHOPIFY), deep_nesting()]) {
        let r = shopify::map_order(&b);
        prop_assert!(r.as_ref().map_or_else(|e| !e.problems.is_empty(), |_| true));
    }

    #[test]
    fn fuzz_shopify_mutated_payloads(b in mutated(SHOPIFY)) {
        order_result_is_typed(shopify::map_order(&b))?;
    }

    #[test]
    fn fuzz_woocommerce_arbitrary_bytes(b in prop_oneof![bytes(), damaged(WOOCOMMERCE), deep_nesting()]) {
        let r = woocommerce::map_order(&b);
        prop_assert!(r.as_ref().map_or_else(|e| !e.problems.is_empty(), |_| true));
    }

    #[test]
    fn fuzz_woocommerce_mutated_payloads(b in mutated(WOOCOMMERCE)) {
        order_result_is_typed(woocommerce::map_order(&b))?;
    }

    #[test]
    fn fuzz_channel_webhook_helpers(b in bytes(), raw in odd_text()) {
        let _ = woocommerce_ping(&b);
        let _ = OrderTopic::parse_shopify(&raw);
        let _ = OrderTopic::parse_woocommerce(&raw);
        let decoded = webhooks::wp_specialchars_decode(&raw);
        prop_assert!(decoded.len() <= raw.len());
    }

    #[test]
    fn fuzz_orders_csv(b in prop_oneof![bytes(), csv_file(csv_format::TEMPLATE_HEADER)],
                       wanted in proptest::collection::vec(any::<u64>(), 0..4)) {
        if let Ok(import) = csv_format::parse(&b) {
            for order in import.orders {
                prop_assert!(!order.rows.is_empty());
                if let Err(e) = order.result {
                    prop_assert!(!e.problems.is_empty());
                }
            }
        }
        let _ = csv_format::extract_rows(&b, &wanted);
    }

    #[test]
    fn fuzz_tracking_csv(b in prop_oneof![bytes(), csv_file(
        "carrier,tracking_number,event,occurred_at,location,description,event_id")]) {
        if let Ok(rows) = tracking::parse_csv(&b) {
            prop_assert!(rows.len() <= tracking::MAX_EVENTS);
            for row in rows {
                prop_assert!(row.line >= 2);
                if let Err(problems) = row.result {
                    prop_assert!(!problems.is_empty());
                }
            }
        }
    }

    #[test]
    fn fuzz_tracking_webhook(b in prop_oneof![
        bytes(),
        deep_nesting(),
        proptest::collection::vec(odd_json(), 0..6)
            .prop_map(|events| serde_json::to_vec(&json!({ "events": events })).unwrap()),
    ]) {
        if let Ok(events) = tracking::parse_webhook(&b) {
            for e in events {
                if let Err(problems) = e {
                    prop_assert!(!problems.is_empty());
                }
            }
        }
    }

    #[test]
    fn fuzz_money_text(raw in odd_text(), c in currency()) {
        match Money::parse(&raw, c) {
            // Whatever parses prints back to text that parses to the same amount.
            Ok(m) => prop_assert_eq!(Money::parse(&m.amount_text(), c), Ok(m)),
            Err(MoneyError::CurrencyMismatch(..)) => prop_assert!(false, "not a parse error"),
            Err(_) => {}
        }
        if let Ok(m) = Money::parse_non_negative(&raw, c) {
            prop_assert!(m.minor() >= 0);
        }
        if let Ok(m) = channel_amount(&raw, c) {
            prop_assert!(m.minor() >= 0);
        }
    }

    #[test]
    fn fuzz_money_round_trips_over_the_whole_range(
        minor in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), Just(0)],
        c in currency(),
    ) {
        let m = Money::from_minor(minor, c);
        prop_assert_eq!(Money::parse(&m.amount_text(), c), Ok(m));
        if minor >= 0 {
            // Channels pad every currency to two or more decimals: still the same amount.
            let text = m.amount_text();
            let padded = if text.contains('.') { format!("{text}00") } else { format!("{text}.00") };
            prop_assert_eq!(channel_amount(&padded, c), Ok(m));
        }
    }

    #[test]
    fn fuzz_quantities(raw in odd_text(), v in odd_json()) {
        if let Ok(count) = Count::parse(&raw) {
            prop_assert!(Count::new(count.get()).is_ok());
        }
        let mut reader = Reader::new("currency", Some("CNY")).unwrap();
        let q = reader.quantity("quantity", Some(&v));
        prop_assert_eq!(q.is_none(), !reader.into_problems().is_empty());
        if let Some(q) = q {
            prop_assert!(Quantity::new(q.get()).is_ok());
        }
    }
}
