//! Our own order format, the body of `POST /api/v1/orders` (and what CSV rows and the
//! console's manual entry are turned into). It maps to an [`IncomingOrder`] through the
//! same [`Reader`] as the channel adapters, so every intake path obeys the same rules.
//!
//! Unlike channel payloads it is strict: unknown fields are refused (a typo such as
//! `shiping` must not silently drop a charge), amounts are decimal strings (`"19.90"`,
//! never JSON numbers, which are floats to most clients), and `total` is required so the
//! client states what it expects the customer to pay and we check it adds up.

use serde::Deserialize;

use crate::channels::ItemRef;
use crate::money::Currency;

use super::intake::{OrderHead, Parts, Reader, Unmappable, identify, map_payload, map_typed};
use super::rules::TotalsInput;
use super::state::PaymentStatus;
use super::types::{
    ChannelOrderState, CustomerInfo, IncomingLine, IncomingOrder, PaymentHints, PostalAddress,
};
use super::{MappingProblem, Tag};

/// The request body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiOrder {
    /// The client's id for the order, unique per channel (the idempotency key of intake).
    pub external_id: String,
    /// The number the customer knows it by.
    pub number: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// RFC 3339 with an offset.
    pub placed_at: String,
    /// A payment status code (`unpaid`, `authorized`, `paid`...); unpaid when absent.
    pub payment_status: Option<String>,
    /// Payment method or gateway name (`cod` means cash on delivery).
    pub payment_method: Option<String>,
    /// Cash on delivery, when not told by the method name.
    #[serde(default)]
    pub cash_on_delivery: bool,
    /// Whether the channel cancelled it (for updates).
    #[serde(default)]
    pub cancelled: bool,
    /// Who ordered.
    #[serde(default)]
    pub customer: ApiCustomer,
    /// Where to ship.
    pub shipping_address: Option<ApiAddress>,
    /// Where to bill.
    pub billing_address: Option<ApiAddress>,
    /// What was ordered.
    #[serde(default)]
    pub lines: Vec<ApiLine>,
    /// Order-level discounts on top of the lines' own; default none.
    pub order_discount: Option<String>,
    /// Shipping charged.
    pub shipping: Option<String>,
    /// Fees, duties, tips.
    pub fees: Option<String>,
    /// Tax on shipping and fees, on top of the lines' tax.
    pub extra_tax: Option<String>,
    /// Whether prices include tax.
    #[serde(default)]
    pub tax_included: bool,
    /// What the customer pays.
    pub total: Option<String>,
    /// The customer's note.
    pub note: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The customer part.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiCustomer {
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
}

/// An address.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAddress {
    /// Recipient.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Recipient phone.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Province or state.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Street lines.
    #[serde(default)]
    pub lines: Vec<String>,
}

/// A line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiLine {
    /// The SKU code as listed on the channel.
    pub sku: String,
    /// The client's line id.
    pub external_line_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// How many.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: String,
    /// Discount on the line.
    pub discount: Option<String>,
    /// Tax on the line.
    pub tax: Option<String>,
}

impl ApiAddress {
    /// Reads an address on its own (an order edit), every problem named by its path
    /// under `field`.
    pub fn read(&self, field: &str) -> Result<PostalAddress, Vec<MappingProblem>> {
        let mut r = Reader::new("currency", Some("CNY")).map_err(|p| vec![p])?;
        let a = address(&mut r, field, self);
        let problems = r.into_problems();
        if problems.is_empty() {
            Ok(a)
        } else {
            Err(problems)
        }
    }
}

impl ApiLine {
    /// Reads one line added to an order in `currency` (an order edit), with the same
    /// rules as intake; problems are named `lines[0].…`.
    pub fn read(&self, currency: Currency) -> Result<IncomingLine, Vec<MappingProblem>> {
        let mut r = Reader::new("currency", Some(currency.as_ref())).map_err(|p| vec![p])?;
        let out = lines(&mut r, std::slice::from_ref(self));
        let problems = r.into_problems();
        match out.into_iter().next() {
            Some(l) if problems.is_empty() => Ok(l),
            _ => Err(problems),
        }
    }
}

impl ApiOrder {
    /// Parses and maps a request body. A body of the wrong shape is still reported under
    /// its `external_id` when it has one.
    pub fn map_body(body: &[u8]) -> Result<IncomingOrder, Unmappable> {
        map_payload(body, ("external_id", "number"), currency, read)
    }
}

impl TryFrom<&ApiOrder> for IncomingOrder {
    type Error = Unmappable;

    /// Maps an already deserialised body (the handler's one `TryFrom`).
    fn try_from(o: &ApiOrder) -> Result<Self, Self::Error> {
        let id = serde_json::Value::String(o.external_id.clone());
        let identified = identify(Some(&id), o.number.as_deref())?;
        map_typed(o, identified, currency, read)
    }
}

fn currency(o: &ApiOrder) -> Option<&str> {
    Some(&o.currency)
}

fn read(r: &mut Reader, o: &ApiOrder) -> Parts {
    let lines = lines(r, &o.lines);
    Parts {
        totals: totals(r, o, &lines),
        lines,
        head: head(r, o),
    }
}

fn head(r: &mut Reader, o: &ApiOrder) -> OrderHead {
    let payment = match o.payment_status.as_deref() {
        None => PaymentStatus::Unpaid,
        Some(raw) => PaymentStatus::parse(raw).unwrap_or_else(|e| {
            r.problem(MappingProblem::BadValue {
                field: "payment_status".into(),
                reason: e.to_string(),
            });
            PaymentStatus::Unpaid
        }),
    };
    let mut hints = PaymentHints::from_gateways(o.payment_method.iter().cloned().collect());
    hints.cash_on_delivery |= o.cash_on_delivery;
    let mut tags = Vec::new();
    for (i, raw) in o.tags.iter().enumerate() {
        match Tag::parse(raw) {
            Ok(t) if !tags.contains(&t) => tags.push(t),
            Ok(_) => {}
            Err(e) => r.problem(MappingProblem::BadValue {
                field: format!("tags[{i}]"),
                reason: e.to_string(),
            }),
        }
    }
    OrderHead {
        channel_state: ChannelOrderState {
            payment,
            cancelled: o.cancelled,
            raw: payment.code().to_owned(),
        },
        placed_at: r.instant("placed_at", Some(&o.placed_at), false),
        customer: CustomerInfo {
            email: r.email("customer.email", o.customer.email.as_deref()),
            phone: r.phone("customer.phone", o.customer.phone.as_deref()),
            name: r.text("customer.name", o.customer.name.as_deref()),
        },
        shipping_address: o
            .shipping_address
            .as_ref()
            .map(|a| address(r, "shipping_address", a)),
        billing_address: o
            .billing_address
            .as_ref()
            .map(|a| address(r, "billing_address", a)),
        note: r.text("note", o.note.as_deref()),
        tags,
        payment: hints,
    }
}

fn lines(r: &mut Reader, lines: &[ApiLine]) -> Vec<IncomingLine> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        let quantity = r.quantity(&at("quantity"), Some(&serde_json::Value::from(l.quantity)));
        let unit_price = r.amount(&at("unit_price"), Some(&l.unit_price));
        let discount = r.amount_or_zero(&at("discount"), l.discount.as_deref());
        let tax = r.amount_or_zero(&at("tax"), l.tax.as_deref());
        let sku = r.external_text(&at("sku"), Some(&l.sku));
        if sku.is_none() {
            r.problem(MappingProblem::LineWithoutItem { field: at("sku") });
        }
        let external_line_id =
            r.external_text(&at("external_line_id"), l.external_line_id.as_deref());
        let title = r.text(&at("title"), l.title.as_deref());
        if let Some(quantity) = quantity {
            out.push(IncomingLine {
                external_line_id,
                item: ItemRef {
                    sku,
                    ..ItemRef::default()
                },
                title,
                quantity,
                unit_price,
                subtotal: r.times(&at("unit_price"), unit_price, quantity),
                discount,
                tax,
            });
        }
    }
    out
}

fn totals(r: &mut Reader, o: &ApiOrder, lines: &[IncomingLine]) -> TotalsInput {
    let zero = crate::money::Money::zero(r.currency());
    let (mut items, mut discounts, mut tax) = (zero, zero, zero);
    for l in lines {
        items = r.add("lines", items, l.subtotal);
        discounts = r.add("lines", discounts, l.discount);
        tax = r.add("lines", tax, l.tax);
    }
    let order_discount = r.amount_or_zero("order_discount", o.order_discount.as_deref());
    let extra_tax = r.amount_or_zero("extra_tax", o.extra_tax.as_deref());
    TotalsInput {
        items,
        discounts: r.add("order_discount", discounts, order_discount),
        shipping: r.amount_or_zero("shipping", o.shipping.as_deref()),
        fees: r.amount_or_zero("fees", o.fees.as_deref()),
        tax: r.add("extra_tax", tax, extra_tax),
        tax_included: o.tax_included,
        total: r.amount("total", o.total.as_deref()),
    }
}

fn address(r: &mut Reader, field: &str, a: &ApiAddress) -> PostalAddress {
    let at = |f: &str| format!("{field}.{f}");
    PostalAddress {
        name: r.text(&at("name"), a.name.as_deref()),
        company: r.text(&at("company"), a.company.as_deref()),
        phone: r.phone(&at("phone"), a.phone.as_deref()),
        country: r.country(&at("country"), a.country.as_deref()),
        province: r.text(&at("province"), a.province.as_deref()),
        city: r.text(&at("city"), a.city.as_deref()),
        postcode: r.text(&at("postcode"), a.postcode.as_deref()),
        lines: a
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| r.text(&at(&format!("lines[{i}]")), Some(l)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn body() -> Value {
        json!({
            "external_id": "A-1001",
            "number": "A-1001",
            "currency": "CNY",
            "placed_at": "2026-01-01T08:00:00+08:00",
            "payment_status": "paid",
            "payment_method": "alipay",
            "customer": {"email": "Li.Lei@Example.cn", "phone": "+86 138 0013 8000", "name": "李雷"},
            "shipping_address": {
                "name": "李雷", "phone": "13800138000", "country": "cn", "province": "上海市",
                "city": "上海市", "postcode": "200000", "lines": ["浦东新区世纪大道 100 号", " "]
            },
            "lines": [
                {"sku": "TEE-M", "quantity": 2, "unit_price": "99.00", "discount": "10.00", "tax": "0"},
                {"sku": "CAP", "external_line_id": "2", "title": "Cap", "quantity": 1, "unit_price": "49.9"}
            ],
            "order_discount": "5.00",
            "shipping": "12.00",
            "total": "244.90",
            "note": "请尽快发货",
            "tags": ["VIP", "vip", "gift"]
        })
    }

    fn map(v: &Value) -> Result<IncomingOrder, Unmappable> {
        ApiOrder::map_body(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn our_format_maps_to_the_same_order_model() {
        let o = map(&body()).unwrap();
        assert_eq!(o.external_id.as_ref(), "A-1001");
        assert_eq!(o.currency.to_string(), "CNY");
        assert_eq!(o.placed_at.to_string(), "2026-01-01T00:00:00Z");
        assert_eq!(o.channel_state.payment, PaymentStatus::Paid);
        assert_eq!(
            o.customer.email.as_ref().unwrap().as_ref(),
            "li.lei@example.cn"
        );
        assert_eq!(
            o.customer.phone.as_ref().unwrap().as_ref(),
            "+8613800138000"
        );
        let t = &o.totals;
        assert_eq!(
            [t.items(), t.discounts(), t.shipping(), t.tax(), t.total()].map(|m| m.minor()),
            [24790, 1500, 1200, 0, 24490]
        );
        assert_eq!(o.lines[0].subtotal.minor(), 19800);
        assert_eq!(o.lines[1].item.sku.as_ref().unwrap().as_ref(), "CAP");
        let a = o.shipping_address.as_ref().unwrap();
        assert_eq!(a.country.unwrap().as_str(), "CN");
        assert_eq!(a.lines.len(), 1);
        assert!(a.missing_parts().is_empty());
        let tags: Vec<&str> = o.tags.iter().map(AsRef::as_ref).collect();
        assert_eq!(tags, ["vip", "gift"]);
        assert!(!o.payment.cash_on_delivery);
    }

    #[test]
    fn problems_are_reported_with_their_json_paths() {
        let mut v = body();
        v["lines"][0]["quantity"] = json!(0);
        v["lines"][1]["unit_price"] = json!("49.999");
        v["payment_status"] = json!("free");
        v["customer"]["email"] = json!("nope");
        let err = map(&v).unwrap_err();
        assert_eq!(err.external_id.as_ref().unwrap().as_ref(), "A-1001");
        let fields: Vec<String> = err
            .problems
            .iter()
            .map(|p| match p {
                MappingProblem::BadQuantity { field, .. }
                | MappingProblem::BadAmount { field, .. }
                | MappingProblem::BadValue { field, .. } => field.clone(),
                other => other.code().to_owned(),
            })
            .collect();
        assert_eq!(
            fields,
            [
                "lines[0].quantity",
                "lines[1].unit_price",
                "payment_status",
                "customer.email"
            ]
        );
    }

    #[test]
    fn a_deserialised_body_maps_the_same_way() {
        let dto: ApiOrder = serde_json::from_value(body()).unwrap();
        assert_eq!(
            IncomingOrder::try_from(&dto).unwrap(),
            map(&body()).unwrap()
        );
        let bad = ApiOrder {
            currency: "XXX".into(),
            ..dto
        };
        let err = IncomingOrder::try_from(&bad).unwrap_err();
        assert_eq!(err.external_id.unwrap().as_ref(), "A-1001");
        assert_eq!(err.problems[0].code(), "unknown_currency");
    }

    #[test]
    fn the_total_must_be_stated_and_add_up() {
        let mut v = body();
        v["total"] = json!("244.91");
        assert_eq!(map(&v).unwrap_err().problems[0].code(), "totals_mismatch");
        let mut v = body();
        v.as_object_mut().unwrap().remove("total");
        assert_eq!(map(&v).unwrap_err().problems[0].code(), "missing_field");
    }

    #[test]
    fn strictness_refuses_typos_floats_and_empty_orders() {
        let mut v = body();
        v["shiping"] = json!("12.00");
        assert_eq!(map(&v).unwrap_err().problems[0].code(), "malformed_payload");
        let mut v = body();
        v["lines"][0]["unit_price"] = json!(99.0);
        assert_eq!(map(&v).unwrap_err().problems[0].code(), "malformed_payload");
        let mut v = body();
        v["lines"] = json!([]);
        v["order_discount"] = json!("0");
        v["shipping"] = json!("0");
        v["total"] = json!("0");
        assert_eq!(map(&v).unwrap_err().problems, [MappingProblem::NoLines]);
        let mut v = body();
        v["external_id"] = json!("  ");
        let err = map(&v).unwrap_err();
        assert_eq!(
            (err.external_id, err.problems[0].code()),
            (None, "missing_field")
        );
        let mut v = body();
        v["cash_on_delivery"] = json!(true);
        v["payment_status"] = json!("unpaid");
        assert!(map(&v).unwrap().payment.cash_on_delivery);
    }

    proptest::proptest! {
        #[test]
        fn no_mapper_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let results = [
                ApiOrder::map_body(&bytes).map(|_| ()),
                crate::channels::shopify::map_order(&bytes).map(|_| ()),
                crate::channels::woocommerce::map_order(&bytes).map(|_| ()),
            ];
            for r in results {
                let err = r.unwrap_err();
                proptest::prop_assert!(!err.problems.is_empty());
            }
        }
    }
}
