//! Shopify order payloads (REST Admin API order JSON, as sent by the `orders/create`,
//! `orders/updated` and `orders/cancelled` webhooks) mapped to an [`IncomingOrder`].
//!
//! Only the fields we use are declared; everything else is ignored, so new Shopify fields
//! never break intake. Amounts are the shop-currency decimal strings (`total_price`, and
//! the `shop_money` of `*_set` fields). The original figures are used, not `current_*`,
//! which already subtract later refunds: refunds are after-sales, not intake. Line
//! discounts are the sum of `discount_allocations` (`total_discount` is deprecated and is
//! `0.00` even when a code applied).

use serde::Deserialize;
use serde_json::Value;

use crate::orders::intake::{OrderHead, Parts, Reader, Unmappable, full_name, map_value};
use crate::orders::rules::TotalsInput;
use crate::orders::types::{
    ChannelOrderState, CustomerInfo, IncomingLine, IncomingOrder, PaymentHints, PostalAddress,
};
use crate::orders::{MappingProblem, PaymentStatus};

use super::types::ItemRef;

#[derive(Debug, Deserialize)]
struct Order {
    currency: Option<String>,
    created_at: Option<String>,
    cancelled_at: Option<String>,
    financial_status: Option<String>,
    email: Option<String>,
    contact_email: Option<String>,
    phone: Option<String>,
    customer: Option<Customer>,
    shipping_address: Option<Address>,
    billing_address: Option<Address>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    total_line_items_price: Option<String>,
    total_discounts: Option<String>,
    total_shipping_price_set: Option<PriceSet>,
    #[serde(default)]
    shipping_lines: Vec<ShippingLine>,
    total_tax: Option<String>,
    #[serde(default)]
    taxes_included: bool,
    total_price: Option<String>,
    total_tip_received: Option<String>,
    current_total_duties_set: Option<PriceSet>,
    note: Option<String>,
    tags: Option<String>,
    #[serde(default)]
    payment_gateway_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Customer {
    email: Option<String>,
    phone: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Address {
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    phone: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    zip: Option<String>,
    province_code: Option<String>,
    province: Option<String>,
    country_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LineItem {
    id: Option<Value>,
    sku: Option<String>,
    product_id: Option<Value>,
    variant_id: Option<Value>,
    title: Option<String>,
    name: Option<String>,
    quantity: Option<Value>,
    price: Option<String>,
    #[serde(default)]
    discount_allocations: Vec<Allocation>,
    #[serde(default)]
    tax_lines: Vec<TaxLine>,
}

#[derive(Debug, Deserialize)]
struct Allocation {
    amount: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TaxLine {
    price: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShippingLine {
    price: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PriceSet {
    shop_money: Option<Amount>,
}

#[derive(Debug, Deserialize)]
struct Amount {
    amount: Option<String>,
}

fn set_amount(set: Option<&PriceSet>) -> Option<&str> {
    set?.shop_money.as_ref()?.amount.as_deref()
}

/// Maps a Shopify order body (the webhook's bare order object, or the REST API's
/// `{"order": {...}}` wrapper) to an [`IncomingOrder`], or to [`Unmappable`] with every
/// problem found and the order id when one is readable.
pub fn map_order(body: &[u8]) -> Result<IncomingOrder, Unmappable> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Unmappable::malformed(e.to_string()))?;
    let value = match value {
        Value::Object(mut o) if o.len() == 1 && o.contains_key("order") => {
            o.remove("order").unwrap_or(Value::Null)
        }
        other => other,
    };
    map_value(
        value,
        ("id", "name"),
        |o: &Order| o.currency.as_deref(),
        |r, order| Parts {
            lines: map_lines(r, &order.line_items),
            totals: totals(r, order),
            head: head(r, order),
        },
    )
}

fn head(r: &mut Reader, order: &Order) -> OrderHead {
    let cancelled = order
        .cancelled_at
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let financial = order.financial_status.clone().unwrap_or_default();
    let customer = order.customer.as_ref();
    let email = order.email.as_deref().or(order.contact_email.as_deref());
    let email = email.or_else(|| customer.and_then(|c| c.email.as_deref()));
    let phone = order
        .phone
        .as_deref()
        .or_else(|| customer.and_then(|c| c.phone.as_deref()));
    let name = customer.and_then(|c| full_name(c.first_name.as_deref(), c.last_name.as_deref()));
    OrderHead {
        channel_state: ChannelOrderState {
            payment: payment_status(&financial),
            cancelled,
            raw: if cancelled {
                "cancelled".into()
            } else {
                financial
            },
        },
        placed_at: r.instant("created_at", order.created_at.as_deref(), false),
        customer: CustomerInfo {
            email: r.email("email", email),
            phone: r.phone("phone", phone),
            name: r.text("customer.name", name.as_deref()),
        },
        shipping_address: order
            .shipping_address
            .as_ref()
            .map(|a| address(r, "shipping_address", a)),
        billing_address: order
            .billing_address
            .as_ref()
            .map(|a| address(r, "billing_address", a)),
        note: r.text("note", order.note.as_deref()),
        tags: r.tags("tags", order.tags.as_deref()),
        payment: PaymentHints::from_gateways(order.payment_gateway_names.clone()),
    }
}

/// Shopify's `financial_status` in our terms. `pending`, `voided`, `expired` and unknown
/// values are unpaid; `partially_paid` is not yet secured, so unpaid too (review holds it).
fn payment_status(financial: &str) -> PaymentStatus {
    match financial {
        "authorized" => PaymentStatus::Authorized,
        "paid" => PaymentStatus::Paid,
        "partially_refunded" => PaymentStatus::PartiallyRefunded,
        "refunded" => PaymentStatus::Refunded,
        _ => PaymentStatus::Unpaid,
    }
}

fn map_lines(r: &mut Reader, items: &[LineItem]) -> Vec<IncomingLine> {
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("line_items[{i}].{f}");
        let quantity = r.quantity(&at("quantity"), item.quantity.as_ref());
        let unit_price = r.amount(&at("price"), item.price.as_deref());
        let discount = r.sum(
            &at("discount_allocations"),
            item.discount_allocations
                .iter()
                .map(|d| d.amount.as_deref()),
        );
        let tax = r.sum(
            &at("tax_lines"),
            item.tax_lines.iter().map(|t| t.price.as_deref()),
        );
        let ext = ItemRef {
            sku: r.external_text(&at("sku"), item.sku.as_deref()),
            product_id: r.external_id(&at("product_id"), item.product_id.as_ref(), true),
            variant_id: r.external_id(&at("variant_id"), item.variant_id.as_ref(), true),
        };
        if ext.is_empty() {
            r.problem(MappingProblem::LineWithoutItem { field: at("sku") });
        }
        let title = item.name.as_deref().or(item.title.as_deref());
        let external_line_id = r.external_id(&at("id"), item.id.as_ref(), false);
        let title = r.text(&at("name"), title);
        if let Some(quantity) = quantity {
            lines.push(IncomingLine {
                external_line_id,
                item: ext,
                title,
                quantity,
                unit_price,
                subtotal: r.times(&at("price"), unit_price, quantity),
                discount,
                tax,
            });
        }
    }
    lines
}

fn totals(r: &mut Reader, order: &Order) -> TotalsInput {
    let shipping = match set_amount(order.total_shipping_price_set.as_ref()) {
        Some(raw) => r.amount_or_zero("total_shipping_price_set", Some(raw)),
        None => r.sum(
            "shipping_lines",
            order.shipping_lines.iter().map(|s| s.price.as_deref()),
        ),
    };
    let tips = r.amount_or_zero("total_tip_received", order.total_tip_received.as_deref());
    let duties = r.amount_or_zero(
        "current_total_duties_set",
        set_amount(order.current_total_duties_set.as_ref()),
    );
    TotalsInput {
        items: r.amount(
            "total_line_items_price",
            order.total_line_items_price.as_deref(),
        ),
        discounts: r.amount_or_zero("total_discounts", order.total_discounts.as_deref()),
        shipping,
        fees: r.add("fees", tips, duties),
        tax: r.amount_or_zero("total_tax", order.total_tax.as_deref()),
        tax_included: order.taxes_included,
        total: r.amount("total_price", order.total_price.as_deref()),
    }
}

fn address(r: &mut Reader, field: &str, a: &Address) -> PostalAddress {
    let at = |f: &str| format!("{field}.{f}");
    let name = a
        .name
        .clone()
        .or_else(|| full_name(a.first_name.as_deref(), a.last_name.as_deref()));
    PostalAddress {
        name: r.text(&at("name"), name.as_deref()),
        company: r.text(&at("company"), a.company.as_deref()),
        phone: r.phone(&at("phone"), a.phone.as_deref()),
        country: r.country(&at("country_code"), a.country_code.as_deref()),
        province: r.text(
            &at("province_code"),
            a.province_code.as_deref().or(a.province.as_deref()),
        ),
        city: r.text(&at("city"), a.city.as_deref()),
        postcode: r.text(&at("zip"), a.zip.as_deref()),
        lines: [(&a.address1, "address1"), (&a.address2, "address2")]
            .into_iter()
            .filter_map(|(l, f)| r.text(&at(f), l.as_deref()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::AddressPart;

    const SAMPLE: &str = include_str!("fixtures/shopify-order.json");

    fn sample() -> serde_json::Value {
        serde_json::from_str(SAMPLE).unwrap()
    }

    fn body(v: &serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    #[test]
    fn the_official_sample_maps_to_concrete_values() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(o.external_id.as_ref(), "450789469");
        assert_eq!(o.external_number.as_ref().unwrap().as_ref(), "#1001");
        assert_eq!(o.currency.to_string(), "USD");
        assert_eq!(o.placed_at.to_string(), "2008-01-10T16:00:00Z");
        assert_eq!(o.channel_state.payment, PaymentStatus::PartiallyRefunded);
        assert!(!o.channel_state.cancelled);
        assert_eq!(o.channel_state.raw, "partially_refunded");
        let c = &o.customer;
        assert_eq!(
            c.email.as_ref().unwrap().as_ref(),
            "bob.norman@mail.example.com"
        );
        assert_eq!(c.phone.as_ref().unwrap().as_ref(), "+557734881234");
        assert_eq!(c.name.as_ref().unwrap().as_ref(), "Bob Norman");
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
            [59700, 1000, 0, 0, 1194, 59894]
        );
        assert!(!t.tax_included());
        assert_eq!(o.payment.gateways, ["bogus"]);
        assert!(!o.payment.cash_on_delivery);
        assert!(o.tags.is_empty());
        assert_eq!(o.note, None);
    }

    #[test]
    fn sample_lines_carry_ids_prices_discounts_and_tax() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(o.lines.len(), 3);
        let l = &o.lines[0];
        assert_eq!(l.external_line_id.as_ref().unwrap().as_ref(), "466157049");
        assert_eq!(l.item.sku.as_ref().unwrap().as_ref(), "IPOD2008GREEN");
        assert_eq!(l.item.product_id.as_ref().unwrap().as_ref(), "632910392");
        assert_eq!(l.item.variant_id.as_ref().unwrap().as_ref(), "39072856");
        assert_eq!(
            l.title.as_ref().unwrap().as_ref(),
            "IPod Nano - 8gb - green"
        );
        assert_eq!(l.quantity.get(), 1);
        assert_eq!((l.unit_price.minor(), l.subtotal.minor()), (19900, 19900));
        assert_eq!((l.discount.minor(), l.tax.minor()), (334, 398));
        let skus: Vec<_> = o
            .lines
            .iter()
            .map(|l| l.item.sku.as_ref().unwrap().as_ref())
            .collect();
        assert_eq!(skus, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]);
        let discounts: i64 = o.lines.iter().map(|l| l.discount.minor()).sum();
        assert_eq!(
            discounts, 1000,
            "line allocations add up to the order discount"
        );
    }

    #[test]
    fn sample_addresses_are_complete_and_normalised() {
        let o = map_order(SAMPLE.as_bytes()).unwrap();
        let a = o.shipping_address.as_ref().unwrap();
        assert_eq!(a.name.as_ref().unwrap().as_ref(), "Bob Norman");
        assert_eq!(a.country.unwrap().as_str(), "US");
        assert_eq!(a.province.as_ref().unwrap().as_ref(), "KY");
        assert_eq!(a.city.as_ref().unwrap().as_ref(), "Louisville");
        assert_eq!(a.postcode.as_ref().unwrap().as_ref(), "40202");
        assert_eq!(a.lines.len(), 1, "the blank address2 is dropped");
        assert_eq!(a.phone.as_ref().unwrap().as_ref(), "+15024592181");
        assert_eq!(a.company, None);
        assert!(a.missing_parts().is_empty());
        assert_eq!(o.billing_address.as_ref(), Some(a));
        let mut v = sample();
        v["order"]["shipping_address"]["city"] = serde_json::json!("");
        let o = map_order(&body(&v)).unwrap();
        let parts = o.shipping_address.unwrap().missing_parts();
        assert_eq!(parts, [AddressPart::City]);
    }

    #[test]
    fn the_unwrapped_webhook_body_maps_the_same() {
        let v = sample();
        let wrapped = map_order(&body(&v)).unwrap();
        let bare = map_order(&body(&v["order"])).unwrap();
        assert_eq!(wrapped, bare);
    }

    #[test]
    fn cancellations_cod_tags_and_notes_are_read() {
        let mut v = sample()["order"].clone();
        v["cancelled_at"] = serde_json::json!("2008-01-11T09:00:00-05:00");
        v["payment_gateway_names"] = serde_json::json!(["Cash on Delivery (COD)"]);
        v["tags"] = serde_json::json!("VIP, gift");
        v["note"] = serde_json::json!("Leave at the door");
        v["unknown_future_field"] = serde_json::json!({"x": 1});
        let o = map_order(&body(&v)).unwrap();
        assert!(o.channel_state.cancelled);
        assert_eq!(o.channel_state.raw, "cancelled");
        assert!(o.payment.cash_on_delivery);
        let tags: Vec<&str> = o.tags.iter().map(AsRef::as_ref).collect();
        assert_eq!(tags, ["vip", "gift"]);
        assert_eq!(o.note.unwrap().as_ref(), "Leave at the door");
    }

    #[test]
    fn unmappable_orders_keep_their_id_and_list_every_problem() {
        let mut v = sample()["order"].clone();
        v["line_items"][0]["quantity"] = serde_json::json!(0);
        v["line_items"][1]["price"] = serde_json::json!("19.999");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.external_id.as_ref().unwrap().as_ref(), "450789469");
        assert_eq!(err.external_number.as_ref().unwrap().as_ref(), "#1001");
        let codes: Vec<_> = err.problems.iter().map(MappingProblem::code).collect();
        assert_eq!(codes, ["bad_quantity", "bad_amount"]);
        assert_eq!(
            err.problems[0].hold_reason(),
            crate::orders::HoldReason::Unmappable
        );

        let mut v = sample()["order"].clone();
        v["currency"] = serde_json::json!("XYZ");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(
            err.problems,
            [MappingProblem::UnknownCurrency { raw: "XYZ".into() }]
        );

        let mut v = sample()["order"].clone();
        v["line_items"] = serde_json::json!([]);
        v["total_line_items_price"] = serde_json::json!("0.00");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.problems[0], MappingProblem::NoLines);
    }

    #[test]
    fn totals_that_do_not_add_up_are_an_exception() {
        let mut v = sample()["order"].clone();
        v["total_price"] = serde_json::json!("598.95");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].code(), "totals_mismatch");
        let mut v = sample()["order"].clone();
        v["line_items"][2]["price"] = serde_json::json!("198.00");
        let err = map_order(&body(&v)).unwrap_err();
        assert_eq!(err.problems[0].code(), "lines_mismatch");
    }

    #[test]
    fn payloads_too_broken_to_name_an_order_have_no_id() {
        let err = map_order(b"not json").unwrap_err();
        assert_eq!(err.external_id, None);
        assert_eq!(err.problems[0].code(), "malformed_payload");
        let err = map_order(br#"{"currency":"USD"}"#).unwrap_err();
        assert_eq!(err.problems[0].code(), "missing_field");
        let err = map_order(br#"{"id": 5, "line_items": "nope"}"#).unwrap_err();
        assert_eq!(err.external_id.unwrap().as_ref(), "5");
        assert_eq!(err.problems[0].code(), "malformed_payload");
    }

    #[test]
    fn financial_statuses_map_to_payment_states() {
        assert_eq!(payment_status("paid"), PaymentStatus::Paid);
        assert_eq!(payment_status("authorized"), PaymentStatus::Authorized);
        assert_eq!(payment_status("refunded"), PaymentStatus::Refunded);
        for unpaid in ["pending", "partially_paid", "voided", "", "something_new"] {
            assert_eq!(payment_status(unpaid), PaymentStatus::Unpaid, "{unpaid}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_single_broken_field_maps_or_is_kept_with_its_id(
            pick in proptest::prelude::any::<proptest::sample::Index>(),
            odd in crate::orders::intake::testing::odd_value(),
        ) {
            crate::orders::intake::testing::broken_field_is_mapped_or_kept(
                sample(), pick, odd, map_order, "450789469",
            )?;
        }
    }

    fn text(minor: i64, currency: crate::money::Currency) -> String {
        crate::money::Money::from_minor(minor, currency).amount_text()
    }

    proptest::proptest! {
        #[test]
        fn generated_consistent_orders_map_to_exact_minor_units(
            lines in proptest::collection::vec((0_i64..1_000_000, 1_i64..6, 0_i64..=100, 0_i64..10_000), 1..5),
            shipping in 0_i64..10_000,
            code in proptest::sample::select(vec!["USD", "JPY", "KWD", "CNY"]),
        ) {
            let currency = crate::money::Currency::parse(code).unwrap();
            let mut v = sample()["order"].clone();
            let (mut items, mut discounts, mut tax) = (0, 0, 0);
            let mut json_lines = Vec::new();
            for (n, (price, qty, share, line_tax)) in lines.iter().enumerate() {
                let discount = price * qty * share / 100;
                items += price * qty;
                discounts += discount;
                tax += line_tax;
                json_lines.push(serde_json::json!({
                    "id": 1000 + n, "sku": format!("SKU-{n}"), "quantity": qty,
                    "price": text(*price, currency),
                    "discount_allocations": [{"amount": text(discount, currency)}],
                    "tax_lines": [{"price": text(*line_tax, currency)}],
                }));
            }
            let total = items - discounts + shipping + tax;
            v["currency"] = serde_json::json!(code);
            v["line_items"] = serde_json::json!(json_lines);
            v["total_line_items_price"] = serde_json::json!(text(items, currency));
            v["total_discounts"] = serde_json::json!(text(discounts, currency));
            v["total_shipping_price_set"] = serde_json::json!({"shop_money": {"amount": text(shipping, currency)}});
            v["total_tax"] = serde_json::json!(text(tax, currency));
            v["total_price"] = serde_json::json!(text(total, currency));
            let o = map_order(&body(&v)).unwrap();
            let t = &o.totals;
            proptest::prop_assert_eq!(
                [t.items(), t.discounts(), t.shipping(), t.tax(), t.total()].map(|m| m.minor()),
                [items, discounts, shipping, tax, total]
            );
            proptest::prop_assert_eq!(o.currency, currency);
            for (line, (price, qty, _, line_tax)) in o.lines.iter().zip(&lines) {
                proptest::prop_assert_eq!(line.unit_price.minor(), *price);
                proptest::prop_assert_eq!(line.quantity.get(), *qty);
                proptest::prop_assert_eq!(line.tax.minor(), *line_tax);
            }
        }
    }
}
