//! The order player of `omnihub demo seed`: turns the planned order book into timed steps
//! (intake, payment, approval, packing and shipping, cancellation, refund, invoice), sorts
//! them by time and runs each through the real use cases with the clock set to its time.
//! Steps planned after the end of the run are not played, which is what leaves the recent
//! orders allocated, held or waiting. Shopify and WooCommerce orders arrive as the
//! platforms' real webhook payloads (through `receive_webhook`, like a verified delivery);
//! own-shop orders arrive in our API format.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use omnihub_app::fulfilment::{self, ShipmentInput};
use omnihub_app::orders::{self, Delivery, OrderDetail};
use omnihub_app::payments::{self, NewPayment};
use omnihub_app::{Error as AppError, invoices};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::channels::demo::{DemoLine, DemoOrder, shopify_payload, woocommerce_payload};
use omnihub_domain::channels::{ChannelPlatform, OrderTopic, shopify, woocommerce};
use omnihub_domain::demo::{DemoChannel, DemoFate, DemoPayment, PlannedOrder};
use omnihub_domain::orders::api_format::ApiOrder;
use omnihub_domain::orders::{HoldReason, OrderId, OrderStatus};
use omnihub_domain::payments::PaymentId;
use serde_json::{Value, json};

use super::seed::{Seeder, Shop};
use super::seed_report::Summary;

/// One timed step of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Intake,
    Pay,
    Approve,
    Ship,
    Cancel,
    Refund,
    Invoice,
}

/// The steps of the plan that fall before `end`, in time order.
fn schedule(plan: &[PlannedOrder], end: Timestamp) -> Vec<(Timestamp, usize, Step)> {
    let mut out = Vec::new();
    for (i, o) in plan.iter().enumerate() {
        let d = &o.delays;
        let intake = o.placed_at + SignedDuration::from_secs(45);
        let mut ready = intake;
        let mut steps = vec![(intake, Step::Intake)];
        if o.payment == DemoPayment::PaidLater {
            ready = intake + d.pay;
            steps.push((ready, Step::Pay));
        }
        if o.big && o.fate != DemoFate::Review {
            ready += d.approve;
            steps.push((ready, Step::Approve));
        }
        match o.fate {
            DemoFate::Ship | DemoFate::ShipPart => {
                let shipped = ready + d.ship;
                steps.push((shipped, Step::Ship));
                let invoiced = o.invoice
                    && o.channel != DemoChannel::Shopify
                    && matches!(o.payment, DemoPayment::Paid | DemoPayment::PaidLater);
                if invoiced {
                    steps.push((shipped + d.invoice, Step::Invoice));
                }
            }
            DemoFate::Cancel => {
                let cancelled = ready + d.cancel;
                steps.push((cancelled, Step::Cancel));
                if o.payment == DemoPayment::PaidLater {
                    steps.push((cancelled + d.refund, Step::Refund));
                }
            }
            DemoFate::Review | DemoFate::Exception | DemoFate::WaitForStock => {}
        }
        out.extend(
            steps
                .into_iter()
                .filter(|(t, _)| *t < end)
                .map(|(t, s)| (t, i, s)),
        );
    }
    out.sort();
    out
}

/// The state the player keeps per order.
#[derive(Debug, Default, Clone)]
struct Played {
    id: Option<OrderId>,
    payment: Option<PaymentId>,
}

/// Plays the plan; returns the summary of what the database now holds.
pub async fn play(
    s: &Seeder,
    shop: &Shop,
    plan: &[PlannedOrder],
    end: Timestamp,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Summary> {
    let steps = schedule(plan, end);
    let codes: BTreeMap<SkuId, String> = shop
        .skus
        .iter()
        .filter_map(|(k, id)| code_of(shop, *k).map(|c| (*id, c.to_owned())))
        .collect();
    let mut played = vec![Played::default(); plan.len()];
    let mut skipped = BTreeMap::<String, usize>::new();
    let tenth = (steps.len() / 10).max(1);
    for (n, (at, i, step)) in steps.iter().enumerate() {
        s.at(*at);
        let o = &plan[*i];
        match run_step(s, shop, &codes, o, &mut played[*i], *step).await {
            Ok(()) => {}
            // A step the order's state refuses (say, shipping an order still short of
            // stock) is what a real operator would meet too: count it and go on.
            Err(AppError::Conflict { code, .. }) => {
                *skipped.entry(code.to_owned()).or_default() += 1
            }
            Err(other) => {
                let what = format!("order {} ({step:?}){}", o.external_id, fields_of(&other));
                return Err(anyhow::Error::new(other).context(what));
            }
        }
        if (n + 1) % tenth == 0 {
            progress(&format!(
                "orders: {} of {} steps played (at {})",
                n + 1,
                steps.len(),
                at.strftime("%Y-%m-%d")
            ));
        }
    }
    s.at(end);
    let waves = super::seed_report::waves(s, shop).await?;
    // The carrier reports what has arrived by the end of the period: delivered orders.
    let delivered = super::seed_tracking::deliver_shipped(s, shop, end).await?;
    progress(&format!("tracking: {delivered} shipments delivered"));
    let mut summary = super::seed_report::summarise(s, shop).await?;
    summary.skipped = skipped;
    summary.waves = waves;
    Ok(summary)
}

/// The field errors of a validation error, for the failure message.
fn fields_of(e: &AppError) -> String {
    match e {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!(" {}: {}", f.field, f.message))
            .collect(),
        _ => String::new(),
    }
}

fn code_of(shop: &Shop, (p, k): (usize, usize)) -> Option<&str> {
    shop.catalog.get(p)?.skus.get(k).map(|s| s.code.as_str())
}

async fn run_step(
    s: &Seeder,
    shop: &Shop,
    codes: &BTreeMap<SkuId, String>,
    o: &PlannedOrder,
    state: &mut Played,
    step: Step,
) -> Result<(), AppError> {
    let (app, actor, m) = (&s.app, &shop.owner, shop.merchant);
    if step == Step::Intake {
        let detail = intake(s, shop, o).await?;
        state.id = Some(detail.order.id);
        return settle(s, shop, &detail).await;
    }
    let Some(id) = state.id else { return Ok(()) };
    match step {
        Step::Intake => Ok(()),
        Step::Pay => {
            state.payment = Some(pay(s, shop, id, o).await?);
            let detail = orders::get_order(app, actor, m, id).await?;
            settle(s, shop, &detail).await
        }
        Step::Approve => {
            let detail = orders::get_order(app, actor, m, id).await?;
            if detail.order.status != OrderStatus::OnHold {
                return Ok(());
            }
            let detail = orders::approve_order(app, actor, m, id).await?;
            settle(s, shop, &detail).await
        }
        Step::Ship => ship(s, shop, codes, id, o).await,
        Step::Cancel => orders::cancel_order(
            app,
            actor,
            m,
            id,
            Some("customer asked to cancel".to_owned()),
        )
        .await
        .map(drop),
        Step::Refund => match state.payment {
            Some(p) => {
                let amount = payments::get_payment(app, actor, m, p)
                    .await?
                    .amount
                    .amount_text();
                payments::refund_payment(app, actor, m, p, &amount)
                    .await
                    .map(drop)
            }
            None => Ok(()),
        },
        Step::Invoice => {
            let buyer = invoices::BuyerInput {
                title: Some(o.customer.name.clone()),
                ..invoices::BuyerInput::default()
            };
            invoices::issue_invoice(app, actor, m, id, &buyer)
                .await
                .map(drop)
        }
    }
}

/// An order short of stock after intake or approval: staff choose to wait for stock.
async fn settle(s: &Seeder, shop: &Shop, detail: &OrderDetail) -> Result<(), AppError> {
    if detail
        .order
        .hold_reasons
        .contains(&HoldReason::InsufficientStock)
    {
        orders::wait_for_stock(&s.app, &shop.owner, shop.merchant, detail.order.id).await?;
    }
    Ok(())
}

async fn pay(
    s: &Seeder,
    shop: &Shop,
    id: OrderId,
    o: &PlannedOrder,
) -> Result<PaymentId, AppError> {
    let (app, actor, m) = (&s.app, &shop.owner, shop.merchant);
    let order = orders::get_order(app, actor, m, id).await?.order;
    let method = if o.sequence.is_multiple_of(2) {
        "alipay"
    } else {
        "wechat_pay"
    };
    let input = NewPayment {
        method: method.to_owned(),
        amount: order.total.amount_text(),
        state: Some("captured".to_owned()),
        provider: Some(method.to_owned()),
        provider_reference: Some(format!("{}{}", method.to_uppercase(), o.external_id)),
        payer: Some(o.customer.name.clone()),
        note: None,
    };
    let mut made = None;
    payments::record_payment(app, actor, m, id, &input, None, |p| {
        made = Some(p.id);
        Ok(omnihub_app::idempotency::StoredResponse {
            status: 201,
            body: String::new(),
        })
    })
    .await?;
    made.ok_or(AppError::NotFound { entity: "payment" })
}

/// Packs every open allocation (only the first for a partial shipment) and ships each
/// location's parcel with SF Express.
async fn ship(
    s: &Seeder,
    shop: &Shop,
    codes: &BTreeMap<SkuId, String>,
    id: OrderId,
    o: &PlannedOrder,
) -> Result<(), AppError> {
    let (app, actor, m) = (&s.app, &shop.owner, shop.merchant);
    let detail = orders::get_order(app, actor, m, id).await?;
    if detail.order.status != OrderStatus::Allocated {
        return Ok(());
    }
    let open: Vec<_> = detail
        .allocations
        .iter()
        .filter(|a| a.status == "open")
        .collect();
    let take = if o.fate == DemoFate::ShipPart && open.len() > 1 {
        1
    } else {
        open.len()
    };
    let mut locations = Vec::new();
    for a in open.iter().take(take) {
        let code = codes.get(&a.sku_id).map_or("", String::as_str);
        fulfilment::pack(app, actor, m, id, a.location_id, code, a.quantity).await?;
        if !locations.contains(&a.location_id) {
            locations.push(a.location_id);
        }
    }
    for (k, location) in locations.into_iter().enumerate() {
        let input = ShipmentInput {
            location_id: Some(location),
            carrier: "sf".to_owned(),
            service: Some("standard".to_owned()),
            tracking_number: Some(format!("SF{:010}{k}", 7_000_000_000 + o.sequence)),
            packages: 1,
        };
        fulfilment::ship(app, actor, m, id, &input).await?;
    }
    Ok(())
}

fn demo_lines(shop: &Shop, o: &PlannedOrder) -> Vec<DemoLine> {
    let mut lines: Vec<DemoLine> = o
        .lines
        .iter()
        .filter_map(|l| {
            let sku = shop.catalog.get(l.product)?.skus.get(l.sku)?;
            Some(DemoLine {
                sku: sku.code.clone(),
                quantity: u32::try_from(l.quantity).unwrap_or(1),
                unit_price: fen(sku.price_fen),
            })
        })
        .collect();
    if let Some(unknown) = &o.unknown_sku {
        lines.push(DemoLine {
            sku: unknown.clone(),
            quantity: 1,
            unit_price: "59.90".to_owned(),
        });
    }
    lines
}

fn fen(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Fen of a `yuan.fen` text made by [`fen`].
fn fen_of(text: &str) -> i64 {
    let (yuan, fen) = text.split_once('.').unwrap_or((text, "0"));
    yuan.parse::<i64>().unwrap_or(0) * 100 + fen.parse::<i64>().unwrap_or(0)
}

fn demo_order(shop: &Shop, o: &PlannedOrder) -> DemoOrder {
    let c = &o.customer;
    DemoOrder {
        sequence: o.sequence,
        external_id: o.external_id.clone(),
        lines: demo_lines(shop, o),
        shipping: fen(o.shipping_fen),
        currency: shop.currency,
        email: c.email.clone(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        country: c.address.country.to_owned(),
        province: c.address.province.to_owned(),
        city: c.address.city.to_owned(),
        placed_at: o.placed_at,
        paid: o.payment == DemoPayment::Paid,
        cancelled_at: None,
    }
}

/// The platform payload of `o`, with the customer's real street, postcode and phone and
/// the payment as planned (Shopify authorisations, WooCommerce cash on delivery).
fn platform_body(shop: &Shop, o: &PlannedOrder) -> Vec<u8> {
    let spec = demo_order(shop, o);
    let a = &o.customer.address;
    let raw = match o.channel {
        DemoChannel::Shopify => shopify_payload(&spec),
        _ => woocommerce_payload(&spec),
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&raw) else {
        return raw;
    };
    if o.channel == DemoChannel::Shopify {
        for key in ["shipping_address", "billing_address"] {
            v[key]["address1"] = json!(a.street);
            v[key]["zip"] = json!(a.postcode);
            v[key]["phone"] = json!(o.customer.phone);
        }
        if o.payment == DemoPayment::Authorized {
            v["financial_status"] = json!("authorized");
        }
    } else {
        for key in ["shipping", "billing"] {
            v[key]["address_1"] = json!(a.street);
            v[key]["postcode"] = json!(a.postcode);
        }
        v["billing"]["phone"] = json!(o.customer.phone);
        if o.payment == DemoPayment::CashOnDelivery {
            v["payment_method"] = json!("cod");
            v["payment_method_title"] = json!("Cash on delivery");
        }
    }
    serde_json::to_vec(&v).unwrap_or(raw)
}

/// The own shop's API body of `o`.
fn api_body(o: &PlannedOrder, lines: &[DemoLine]) -> Value {
    let c = &o.customer;
    let items: i64 = lines
        .iter()
        .map(|l| fen_of(&l.unit_price) * i64::from(l.quantity))
        .sum();
    let total = items + o.shipping_fen;
    let (status, method) = match o.payment {
        DemoPayment::Authorized => ("authorized", "card"),
        DemoPayment::CashOnDelivery => ("unpaid", "cod"),
        DemoPayment::Paid => ("paid", "alipay"),
        DemoPayment::PaidLater | DemoPayment::NeverPaid => ("unpaid", "alipay"),
    };
    json!({
        "external_id": o.external_id,
        "number": o.external_id,
        "currency": "CNY",
        "placed_at": o.placed_at.to_string(),
        "payment_status": status,
        "payment_method": method,
        "customer": {"email": c.email, "phone": c.phone, "name": c.name},
        "shipping_address": {
            "name": c.name, "phone": c.phone, "country": c.address.country,
            "province": c.address.province, "city": c.address.city,
            "postcode": c.address.postcode, "lines": [c.address.street],
        },
        "lines": lines.iter().map(|l| json!({"sku": l.sku, "quantity": l.quantity, "unit_price": l.unit_price})).collect::<Vec<_>>(),
        "shipping": fen(o.shipping_fen),
        "total": fen(total),
    })
}

async fn intake(s: &Seeder, shop: &Shop, o: &PlannedOrder) -> Result<OrderDetail, AppError> {
    let channel = shop
        .channels
        .get(&o.channel)
        .copied()
        .ok_or(AppError::NotFound { entity: "channel" })?;
    let (source, payload) = match o.channel {
        DemoChannel::Shopify => (ChannelPlatform::Shopify, platform_body(shop, o)),
        DemoChannel::Woocommerce => (ChannelPlatform::Woocommerce, platform_body(shop, o)),
        DemoChannel::OwnStore => (
            ChannelPlatform::Api,
            api_body(o, &demo_lines(shop, o)).to_string().into_bytes(),
        ),
    };
    let mapped = match source {
        ChannelPlatform::Shopify => shopify::map_order(&payload),
        ChannelPlatform::Woocommerce => woocommerce::map_order(&payload),
        _ => ApiOrder::map_body(&payload),
    };
    let delivery = Delivery {
        channel,
        source,
        topic: OrderTopic::Created,
        payload: String::from_utf8_lossy(&payload).into_owned(),
        mapped,
    };
    let intake = if source == ChannelPlatform::Api {
        orders::take_order(&s.app, &shop.owner, shop.merchant, &delivery).await?
    } else {
        orders::receive_webhook(&s.app, shop.merchant, &delivery).await?
    };
    Ok(intake.order)
}
