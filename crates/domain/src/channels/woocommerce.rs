//! WooCommerce order payloads (REST API v3 order JSON, which is also the `order.created` /
//! `order.updated` webhook body) mapped to an [`IncomingOrder`].
//!
//! WooCommerce specifics handled here:
//! - `date_created` is site-local without an offset; `date_created_gmt` is UTC without an
//!   offset, so only the latter is used.
//! - Line `subtotal` is before coupons and `total` after, so the line discount is their
//!   difference; the unit price is derived from the subtotal.
//! - Fee lines add to the total (`fees`); coupons are already inside `discount_total`.
//! - Line and shipping figures are net of tax even when the shop's `prices_include_tax` is
//!   set (WooCommerce stores them ex-tax), so the tax term always counts.
//! - Product names arrive HTML-encoded (`Ship Your Idea &ndash; Color: Black`).
//! - A SKU may be blank (`"sku": ""`): the line is then known by product and variation id.

use serde::Deserialize;
use serde_json::Value;

use crate::orders::intake::{
    OrderHead, Parts, Reader, Unmappable, full_name, map_payload, unit_from_subtotal,
};
use crate::orders::rules::TotalsInput;
use crate::orders::types::{
    ChannelOrderState, CustomerInfo, IncomingLine, IncomingOrder, PaymentHints, PostalAddress,
};
use crate::orders::{MappingProblem, PaymentStatus};

use super::types::ItemRef;
use super::webhooks::wp_specialchars_decode;

#[derive(Debug, Deserialize)]
struct Order {
    status: Option<String>,
    currency: Option<String>,
    date_created_gmt: Option<String>,
    date_paid_gmt: Option<String>,
    discount_total: Option<String>,
    shipping_total: Option<String>,
    total_tax: Option<String>,
    total: Option<String>,
    customer_note: Option<String>,
    billing: Option<Address>,
    shipping: Option<Address>,
    payment_method: Option<String>,
    payment_method_title: Option<String>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    #[serde(default)]
    fee_lines: Vec<FeeLine>,
}

#[derive(Debug, Deserialize)]
struct Address {
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    address_1: Option<String>,
    address_2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postcode: Option<String>,
    country: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LineItem {
    id: Option<Value>,
    name: Option<String>,
    product_id: Option<Value>,
    variation_id: Option<Value>,
    quantity: Option<Value>,
    subtotal: Option<String>,
    total: Option<String>,
    total_tax: Option<String>,
    sku: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FeeLine {
    total: Option<String>,
}

/// Maps a WooCommerce order body to an [`IncomingOrder`], or to [`Unmappable`] with every
/// problem found and the order id when one is readable.
pub fn map_order(body: &[u8]) -> Result<IncomingOrder, Unmappable> {
    map_payload(
        body,
        ("id", "number"),
        |o: &Order| o.currency.as_deref(),
        |r, order| {
            let lines = map_lines(r, &order.line_items);
            Parts {
                totals: totals(r, order, &lines),
                lines,
                head: head(r, order),
            }
        },
    )
}

fn head(r: &mut Reader, order: &Order) -> OrderHead {
    let status = order.status.clone().unwrap_or_default();
    let paid = order
        .date_paid_gmt
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty());
    let billing = order.billing.as_ref();
    let name = billing.and_then(|b| full_name(b.first_name.as_deref(), b.last_name.as_deref()));
    let gateways = [&order.payment_method, &order.payment_method_title]
        .into_iter()
        .flatten()
        .filter(|g| !g.trim().is_empty())
        .cloned()
        .collect();
    OrderHead {
        channel_state: ChannelOrderState {
            payment: payment_status(&status, paid),
            cancelled: status == "cancelled",
            raw: status,
        },
        placed_at: r.instant("date_created_gmt", order.date_created_gmt.as_deref(), true),
        customer: CustomerInfo {
            email: r.email("billing.email", billing.and_then(|b| b.email.as_deref())),
            phone: r.phone("billing.phone", billing.and_then(|b| b.phone.as_deref())),
            name: r.text("billing.name", name.as_deref()),
        },
        shipping_address: order
            .shipping
            .as_ref()
            .map(|a| address(r, "shipping", a))
            .filter(|a| *a != PostalAddress::default()),
        billing_address: billing
            .map(|a| address(r, "billing", a))
            .filter(|a| *a != PostalAddress::default()),
        note: r.text("customer_note", order.customer_note.as_deref()),
        tags: Vec::new(),
        payment: PaymentHints::from_gateways(gateways),
    }
}

/// WooCommerce's order `status` in payment terms: `processing` and `completed` mean paid,
/// `refunded` refunded; for the others (`pending`, `on-hold`, `failed`, `cancelled`) a
/// `date_paid` decides.
fn payment_status(status: &str, paid: bool) -> PaymentStatus {
    match status {
        "processing" | "completed" => PaymentStatus::Paid,
        "refunded" => PaymentStatus::Refunded,
        _ if paid => PaymentStatus::Paid,
        _ => PaymentStatus::Unpaid,
    }
}

/// Decodes the HTML entities WooCommerce puts in product names.
fn decode_title(raw: &str) -> String {
    wp_specialchars_decode(raw)
        .replace("&ndash;", "\u{2013}")
        .replace("&#8211;", "\u{2013}")
        .replace("&mdash;", "\u{2014}")
        .replace("&#8212;", "\u{2014}")
        .replace("&nbsp;", " ")
}

fn map_lines(r: &mut Reader, items: &[LineItem]) -> Vec<IncomingLine> {
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("line_items[{i}].{f}");
        let quantity = r.quantity(&at("quantity"), item.quantity.as_ref());
        let subtotal = r.amount(&at("subtotal"), item.subtotal.as_deref());
        let after = match item.total.as_deref() {
            Some(raw) => r.amount(&at("total"), Some(raw)),
            None => subtotal,
        };
        let discount = subtotal.checked_sub(after).unwrap_or(subtotal);
        if discount.minor() < 0 {
            r.problem(MappingProblem::BadValue {
                field: at("total"),
                reason: "the line total is above its subtotal".into(),
            });
        }
        let item_ref = ItemRef {
            sku: r.external_text(&at("sku"), item.sku.as_deref()),
            product_id: r.external_id(&at("product_id"), item.product_id.as_ref(), true),
            variant_id: r.external_id(&at("variation_id"), item.variation_id.as_ref(), true),
        };
        if item_ref.is_empty() {
            r.problem(MappingProblem::LineWithoutItem { field: at("sku") });
        }
        let tax = r.amount_or_zero(&at("total_tax"), item.total_tax.as_deref());
        let external_line_id = r.external_id(&at("id"), item.id.as_ref(), false);
        let title = item.name.as_deref().map(decode_title);
        let title = r.text(&at("name"), title.as_deref());
        if let Some(quantity) = quantity {
            lines.push(IncomingLine {
                external_line_id,
                item: item_ref,
                title,
                quantity,
                unit_price: unit_from_subtotal(subtotal, quantity),
                subtotal,
                discount,
                tax,
            });
        }
    }
    lines
}

fn totals(r: &mut Reader, order: &Order, lines: &[IncomingLine]) -> TotalsInput {
    let zero = crate::money::Money::zero(r.currency());
    let items = lines
        .iter()
        .fold(zero, |sum, l| r.add("line_items.subtotal", sum, l.subtotal));
    TotalsInput {
        items,
        discounts: r.amount_or_zero("discount_total", order.discount_total.as_deref()),
        shipping: r.amount_or_zero("shipping_total", order.shipping_total.as_deref()),
        fees: r.sum(
            "fee_lines",
            order.fee_lines.iter().map(|f| f.total.as_deref()),
        ),
        tax: r.amount_or_zero("total_tax", order.total_tax.as_deref()),
        tax_included: false,
        total: r.amount("total", order.total.as_deref()),
    }
}

fn address(r: &mut Reader, field: &str, a: &Address) -> PostalAddress {
    let at = |f: &str| format!("{field}.{f}");
    let name = full_name(a.first_name.as_deref(), a.last_name.as_deref());
    PostalAddress {
        name: r.text(&at("name"), name.as_deref()),
        company: r.text(&at("company"), a.company.as_deref()),
        phone: r.phone(&at("phone"), a.phone.as_deref()),
        country: r.country(&at("country"), a.country.as_deref()),
        province: r.text(&at("state"), a.state.as_deref()),
        city: r.text(&at("city"), a.city.as_deref()),
        postcode: r.text(&at("postcode"), a.postcode.as_deref()),
        lines: [(&a.address_1, "address_1"), (&a.address_2, "address_2")]
            .into_iter()
            .filter_map(|(l, f)| r.text(&at(f), l.as_deref()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SAMPLE: &str = include_str!("fixtures/woocommerce-order.json");

    fn sample() -> Value {
        serde_json::from_str(SAMPLE).unwrap()
    }

    fn body(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    #[test]
    fn the_official_sample_maps_to_concrete_values() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(o.external_id.as_ref(), "727");
        assert_eq!(o.external_number.as_ref().unwrap().as_ref(), "727");
        assert_eq!(o.currency.to_string(), "USD");
        assert_eq!(
            o.placed_at.to_string(),
            "2017-03-22T19:28:02Z",
            "the GMT field, as UTC"
        );
        assert_eq!(o.channel_state.payment, PaymentStatus::Paid);
        assert_eq!(o.channel_state.raw, "processing");
        assert!(!o.channel_state.cancelled);
        let c = &o.customer;
        assert_eq!(c.email.as_ref().unwrap().as_ref(), "john.doe@example.com");
        assert_eq!(c.phone.as_ref().unwrap().as_ref(), "5555555555");
        assert_eq!(c.name.as_ref().unwrap().as_ref(), "John Doe");
        let t = &o.totals;
        assert_eq!(
            [
                t.items(),
                t.discounts(),
                t.shipping(),
                t.fees(),
                t.tax(),
                t.total()
            ]
            .map(|m| m.minor()),
            [1800, 0, 1000, 0, 135, 2935]
        );
        assert_eq!(o.payment.gateways, ["bacs", "Direct Bank Transfer"]);
        assert!(!o.payment.cash_on_delivery);
        assert_eq!(o.note, None, "a blank customer_note is no note");
    }

    #[test]
    fn sample_lines_keep_blank_skus_as_product_ids() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(o.lines.len(), 2);
        let first = &o.lines[0];
        assert_eq!(first.item.sku, None);
        assert_eq!(first.item.product_id.as_ref().unwrap().as_ref(), "93");
        assert_eq!(
            first.item.variant_id, None,
            "variation_id 0 is no variation"
        );
        assert_eq!(first.quantity.get(), 2);
        assert_eq!(
            [first.unit_price, first.subtotal, first.discount, first.tax].map(|m| m.minor()),
            [300, 600, 0, 45]
        );
        let second = &o.lines[1];
        assert_eq!(second.external_line_id.as_ref().unwrap().as_ref(), "316");
        assert_eq!(second.item.sku.as_ref().unwrap().as_ref(), "Bar3");
        assert_eq!(second.item.variant_id.as_ref().unwrap().as_ref(), "23");
        assert_eq!(
            second.title.as_ref().unwrap().as_ref(),
            "Ship Your Idea \u{2013} Color: Black, Size: M Test"
        );
        assert_eq!(second.tax.minor(), 90);
    }

    #[test]
    fn sample_addresses_map_state_and_country() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        let a = o.shipping_address.as_ref().unwrap();
        assert_eq!(a.name.as_ref().unwrap().as_ref(), "John Doe");
        assert_eq!(a.country.unwrap().as_str(), "US");
        assert_eq!(a.province.as_ref().unwrap().as_ref(), "CA");
        assert_eq!(a.city.as_ref().unwrap().as_ref(), "San Francisco");
        assert_eq!(a.postcode.as_ref().unwrap().as_ref(), "94103");
        assert_eq!(a.lines.len(), 1);
        assert_eq!(a.company, None);
        assert!(a.missing_parts().is_empty());
        let b = o.billing_address.as_ref().unwrap();
        assert_eq!(b.phone.as_ref().unwrap().as_ref(), "5555555555");
    }

    #[test]
    fn coupons_fees_cod_and_cancellation_are_read() {
        let mut v = sample();
        v["line_items"][1]["total"] = json!("10.00");
        v["discount_total"] = json!("2.00");
        v["fee_lines"] = json!([{"id": 1, "name": "Gift wrap", "total": "1.50"}]);
        v["total"] = json!("28.85");
        v["payment_method"] = json!("cod");
        v["status"] = json!("cancelled");
        v["date_paid_gmt"] = Value::Null;
        let o = map_order(&body(&v)).unwrap();
        assert_eq!(o.lines[1].discount.minor(), 200);
        assert_eq!(o.totals.fees().minor(), 150);
        assert!(o.payment.cash_on_delivery);
        assert!(o.channel_state.cancelled);
        assert_eq!(o.channel_state.payment, PaymentStatus::Unpaid);
    }

    #[test]
    fn unmappable_orders_keep_their_id_and_list_every_problem() {
        let mut v = sample();
        v["line_items"][0]["quantity"] = json!(-1);
        v["line_items"][1]["sku"] = json!("");
        v["line_items"][1]["product_id"] = json!(0);
        v["line_items"][1]["variation_id"] = json!(0);
        v["billing"]["email"] = json!("not-an-email");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.external_id.as_ref().unwrap().as_ref(), "727");
        let codes: Vec<_> = err.problems.iter().map(MappingProblem::code).collect();
        assert_eq!(codes, ["bad_quantity", "line_without_item", "bad_value"]);

        let mut v = sample();
        v["currency"] = json!("DOGE");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.problems[0].code(), "unknown_currency");

        let mut v = sample();
        v["total"] = json!("30.00");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].code(), "totals_mismatch");
        assert!(err.problems[0].to_string().contains("29.35 USD"));
    }

    #[test]
    fn a_ping_body_is_not_an_order() {
        let err = map_order(b"webhook_id=12").unwrap_err();
        assert_eq!(err.external_id, None);
        assert_eq!(err.problems[0].code(), "malformed_payload");
    }

    #[test]
    fn statuses_map_to_payment_states() {
        assert_eq!(payment_status("completed", false), PaymentStatus::Paid);
        assert_eq!(payment_status("refunded", true), PaymentStatus::Refunded);
        assert_eq!(payment_status("on-hold", false), PaymentStatus::Unpaid);
        assert_eq!(payment_status("pending", true), PaymentStatus::Paid);
    }

    proptest::proptest! {
        #[test]
        fn any_single_broken_field_maps_or_is_kept_with_its_id(
            pick in proptest::prelude::any::<proptest::sample::Index>(),
            odd in crate::orders::intake::testing::odd_value(),
        ) {
            crate::orders::intake::testing::broken_field_is_mapped_or_kept(
                sample(), pick, odd, map_order, "727",
            )?;
        }
    }
}
