//! The WooCommerce body of a demo order: the official v3 order fixture (which is also the
//! `order.*` webhook body) with the demo's ids, status, lines, totals and addresses. Times
//! are sent as UTC (`date_created` equals `date_created_gmt`, as on a site set to UTC).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{DEMO_WOO_SOURCE, DemoOrder, figures, fixture, id_value, line_id, set_all};

const FIXTURE: &str = include_str!("../fixtures/woocommerce-order.json");

fn time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn address(order: &DemoOrder, with_contact: bool) -> Value {
    let mut a = json!({
        "first_name": order.first_name, "last_name": order.last_name, "company": "",
        "address_1": format!("{} Demo Street", order.sequence), "address_2": "",
        "city": order.city, "state": order.province,
        "postcode": format!("{:05}", order.sequence % 100_000), "country": order.country,
    });
    if with_contact {
        a["email"] = json!(order.email);
        a["phone"] = json!("");
    }
    a
}

/// The WooCommerce `order.*` webhook body for `order`. Line totals equal their subtotals
/// (no coupons), there is no tax, and items plus shipping is the total. Paid orders are
/// `processing` with a `date_paid`, the others `pending`, cancelled ones `cancelled`.
pub fn woocommerce_payload(order: &DemoOrder) -> Vec<u8> {
    let mut o = fixture(FIXTURE);
    let f = figures(order);
    let template = o["line_items"][1].take();
    let lines: Vec<Value> = f
        .line_subtotals
        .iter()
        .enumerate()
        .map(|(i, subtotal)| line(order, i, subtotal, template.clone()))
        .collect();
    let status = match (order.cancelled_at, order.paid) {
        (Some(_), _) => "cancelled",
        (None, true) => "processing",
        (None, false) => "pending",
    };
    let created = time(order.placed_at);
    let modified = order.cancelled_at.map_or_else(|| created.clone(), time);
    let paid = order.paid.then(|| created.clone());
    set_all(
        &mut o,
        [
            ("id", id_value(order)),
            ("number", json!(order.external_id)),
            (
                "order_key",
                json!(format!("wc_order_demo{}", order.sequence)),
            ),
            ("status", json!(status)),
            ("currency", json!(order.currency.to_string())),
            ("date_created", json!(created)),
            ("date_created_gmt", json!(created)),
            ("date_modified", json!(modified)),
            ("date_modified_gmt", json!(modified)),
            ("date_paid", json!(paid)),
            ("date_paid_gmt", json!(paid)),
            ("discount_total", json!("0.00")),
            ("discount_tax", json!("0.00")),
            ("shipping_total", json!(order.shipping)),
            ("shipping_tax", json!("0.00")),
            ("cart_tax", json!("0.00")),
            ("total", json!(f.total)),
            ("total_tax", json!("0.00")),
            ("billing", address(order, true)),
            ("shipping", address(order, false)),
            ("line_items", Value::Array(lines)),
            ("tax_lines", json!([])),
            ("meta_data", json!([])),
            ("refunds", json!([])),
        ],
    );
    let mut shipping = o["shipping_lines"][0].take();
    shipping["total"] = json!(order.shipping);
    o["shipping_lines"] = json!([shipping]);
    let href = format!(
        "{DEMO_WOO_SOURCE}wp-json/wc/v3/orders/{}",
        order.external_id
    );
    o["_links"]["self"][0]["href"] = json!(href);
    serde_json::to_vec(&o).unwrap_or_default()
}

fn line(order: &DemoOrder, i: usize, subtotal: &str, mut item: Value) -> Value {
    let l = &order.lines[i];
    let id = line_id(order, i);
    set_all(
        &mut item,
        [
            ("id", json!(id)),
            ("name", json!(format!("Demo {}", l.sku))),
            ("product_id", json!(id + 1)),
            ("variation_id", json!(0)),
            ("quantity", json!(l.quantity)),
            ("subtotal", json!(subtotal)),
            ("subtotal_tax", json!("0.00")),
            ("total", json!(subtotal)),
            ("total_tax", json!("0.00")),
            ("taxes", json!([])),
            ("meta_data", json!([])),
            ("sku", json!(l.sku)),
            ("price", json!(l.unit_price.parse::<f64>().unwrap_or(0.0))),
        ],
    );
    item
}
