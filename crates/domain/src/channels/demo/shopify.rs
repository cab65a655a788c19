//! The Shopify body of a demo order: the official 2024-04 REST order fixture (the bare
//! order object, as `orders/*` webhooks send it) with the demo's ids, lines, totals and
//! people. Shopify sends every amount twice, as a string and as a `*_set` in shop and
//! presentment money; both are kept consistent.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::money::Currency;

use super::{DemoOrder, Figures, figures, fixture, id_value, line_id, set_all, stable_uuid};

const FIXTURE: &str = include_str!("../fixtures/shopify-order.json");

/// Shopify's timestamp style (with an offset), in UTC.
pub(super) fn time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

fn money_set(amount: &str, currency: Currency) -> Value {
    let m = json!({"amount": amount, "currency_code": currency.to_string()});
    json!({"shop_money": m, "presentment_money": m})
}

/// The Shopify `orders/*` webhook body for `order`. Every total adds up: items (price
/// times quantity) plus shipping is the total; no discounts, taxes or tips.
pub fn shopify_payload(order: &DemoOrder) -> Vec<u8> {
    let mut o = fixture(FIXTURE)["order"].take();
    let f = figures(order);
    let template = o["line_items"][0].take();
    let lines: Vec<Value> = (0..order.lines.len())
        .map(|i| line(order, i, template.clone()))
        .collect();
    o["line_items"] = Value::Array(lines);
    let address = address(order, o["shipping_address"].take());
    o["billing_address"] = address.clone();
    o["shipping_address"] = address;
    head(order, &f, &mut o);
    totals(order, &f, &mut o);
    customer(order, &mut o["customer"]);
    serde_json::to_vec(&o).unwrap_or_default()
}

fn line(order: &DemoOrder, i: usize, mut item: Value) -> Value {
    let l = &order.lines[i];
    let c = order.currency;
    let id = line_id(order, i);
    let title = format!("Demo {}", l.sku);
    set_all(
        &mut item,
        [
            ("id", json!(id)),
            (
                "admin_graphql_api_id",
                json!(format!("gid://shopify/LineItem/{id}")),
            ),
            ("sku", json!(l.sku)),
            ("name", json!(title)),
            ("title", json!(title)),
            ("variant_title", Value::Null),
            ("product_id", json!(id + 1)),
            ("variant_id", json!(id + 2)),
            ("quantity", json!(l.quantity)),
            ("current_quantity", json!(l.quantity)),
            ("fulfillable_quantity", json!(l.quantity)),
            ("price", json!(l.unit_price)),
            ("price_set", money_set(&l.unit_price, c)),
            ("total_discount", json!("0.00")),
            ("total_discount_set", money_set("0.00", c)),
            ("properties", json!([])),
            ("tax_lines", json!([])),
            ("discount_allocations", json!([])),
        ],
    );
    item
}

fn address(order: &DemoOrder, mut a: Value) -> Value {
    set_all(
        &mut a,
        [
            ("first_name", json!(order.first_name)),
            ("last_name", json!(order.last_name)),
            (
                "name",
                json!(format!("{} {}", order.first_name, order.last_name)),
            ),
            ("address1", json!(format!("{} Demo Street", order.sequence))),
            ("phone", Value::Null),
            ("city", json!(order.city)),
            ("zip", json!(format!("{:05}", order.sequence % 100_000))),
            ("province", json!(order.province)),
            ("province_code", json!(order.province)),
            ("country", json!(order.country)),
            ("country_code", json!(order.country)),
        ],
    );
    a
}

fn head(order: &DemoOrder, f: &Figures, o: &mut Value) {
    let id = &order.external_id;
    let number = 1000 + order.sequence;
    let created = time(order.placed_at);
    let cancelled = order.cancelled_at.map(time);
    let currency = order.currency.to_string();
    set_all(
        o,
        [
            ("id", id_value(order)),
            (
                "admin_graphql_api_id",
                json!(format!("gid://shopify/Order/{id}")),
            ),
            ("name", json!(format!("#{number}"))),
            ("number", json!(order.sequence)),
            ("order_number", json!(number)),
            (
                "token",
                json!(stable_uuid(&[b"token", id.as_bytes()]).simple().to_string()),
            ),
            ("created_at", json!(created)),
            (
                "updated_at",
                json!(cancelled.as_deref().unwrap_or(&created)),
            ),
            ("processed_at", json!(created)),
            (
                "cancel_reason",
                json!(cancelled.as_ref().map(|_| "customer")),
            ),
            ("cancelled_at", json!(cancelled)),
            (
                "financial_status",
                json!(if order.paid { "paid" } else { "pending" }),
            ),
            (
                "total_outstanding",
                json!(if order.paid { "0.00" } else { &f.total }),
            ),
            ("currency", json!(currency)),
            ("presentment_currency", json!(currency)),
            ("email", json!(order.email)),
            ("contact_email", json!(order.email)),
            ("phone", Value::Null),
            ("po_number", Value::Null),
            ("note_attributes", json!([])),
            ("discount_codes", json!([])),
            ("discount_applications", json!([])),
            ("fulfillments", json!([])),
            ("refunds", json!([])),
            ("tax_lines", json!([])),
        ],
    );
}

fn totals(order: &DemoOrder, f: &Figures, o: &mut Value) {
    let c = order.currency;
    for (key, amount) in [
        ("total_line_items_price", f.items.as_str()),
        ("subtotal_price", &f.items),
        ("current_subtotal_price", &f.items),
        ("total_discounts", "0.00"),
        ("current_total_discounts", "0.00"),
        ("total_tax", "0.00"),
        ("current_total_tax", "0.00"),
        ("total_price", &f.total),
        ("current_total_price", &f.total),
    ] {
        o[key] = json!(amount);
        o[format!("{key}_set")] = money_set(amount, c);
    }
    o["total_shipping_price_set"] = money_set(&order.shipping, c);
    let mut shipping = o["shipping_lines"][0].take();
    for key in ["price", "discounted_price"] {
        shipping[key] = json!(order.shipping);
        shipping[format!("{key}_set")] = money_set(&order.shipping, c);
    }
    o["shipping_lines"] = json!([shipping]);
    o["total_tip_received"] = json!("0.00");
    o["total_weight"] = json!(0);
}

fn customer(order: &DemoOrder, c: &mut Value) {
    set_all(
        c,
        [
            ("id", json!(line_id(order, 9))),
            ("email", json!(order.email)),
            ("phone", Value::Null),
            ("first_name", json!(order.first_name)),
            ("last_name", json!(order.last_name)),
            ("default_address", Value::Null),
        ],
    );
}
