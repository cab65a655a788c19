//! The merchant every scenario runs against, built through the real use cases (no SQL):
//! an owner, an API key the clients share, `--skus` SKUs (ten sizes per product) created,
//! approved and listed, three warehouses with received stock, and an `api` channel linked
//! to all three. The flash-sale SKUs are extra products stocked at the first warehouse only.

use omnihub_app::api_keys::{self, NewKeyInput};
use omnihub_app::catalog::{self, ProductInput, ReviewInput, SkuInput, products::OptionInput};
use omnihub_app::channels::{self, ChannelInput, LinkInput};
use omnihub_app::inventory::{self as inv, LocationInput, ReceiptInput, ReceiptLine};
use omnihub_app::merchants::{self, MerchantInput};
use omnihub_app::users::{self, NewUserInput};
use omnihub_app::{Actor, App};
use omnihub_domain::catalog::{Decision, SkuId};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;

/// Sizes per product: ten SKUs per catalogue call.
const SIZES: usize = 10;
/// Receipt lines per goods-in document.
const RECEIPT_LINES: usize = 1_000;
/// What the clients' key may do.
const SCOPES: [&str; 6] = [
    "orders.read",
    "orders.manage",
    "inventory.read",
    "inventory.adjust",
    "catalog.read",
    "channels.read",
];

/// What the scenarios need to know about the merchant.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub merchant: MerchantId,
    pub owner: Actor,
    /// The API key (`ohk_…`) every client sends.
    pub key: String,
    /// The spread SKUs' codes and ids, in creation order (Zipf rank 1 first).
    pub skus: Vec<(SkuId, String)>,
    /// The three warehouses.
    pub locations: Vec<LocationId>,
    /// The `api` channel's id.
    pub channel: String,
}

/// Builds the merchant with `skus` SKUs holding `units` at each warehouse.
pub async fn build(app: &App, skus: usize, units: i64) -> anyhow::Result<Fixture> {
    let input = MerchantInput {
        code: "bench".to_owned(),
        name: "Bench merchant".to_owned(),
        time_zone: Some("Asia/Shanghai".to_owned()),
        currency: Some("CNY".to_owned()),
    };
    let merchant = merchants::create(app, &Actor::system(), input).await?.id;
    let owner_input = NewUserInput {
        email: "owner@bench.omnihub.test".to_owned(),
        display_name: "Bench owner".to_owned(),
        password: None,
    };
    let made = users::create_owner(app, &Actor::system(), merchant, owner_input).await?;
    let owner = crate::demo::seed::user_actor(merchant, made.user.id, "owner@bench.omnihub.test");
    let key = NewKeyInput {
        name: "bench clients".to_owned(),
        scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        expires_at: None,
        expires_in_days: Some(30),
    };
    let key = api_keys::create(app, &owner, key).await?.secret;
    let mut locations = Vec::new();
    for code in ["WH1", "WH2", "WH3"] {
        locations.push(warehouse(app, &owner, merchant, code).await?);
    }
    let skus = listed_skus(app, &owner, merchant, "W", skus).await?;
    for location in &locations {
        receive(app, &owner, merchant, *location, &skus, units).await?;
    }
    let channel = channel(app, &owner, merchant, &locations).await?;
    Ok(Fixture {
        merchant,
        owner,
        key,
        skus,
        locations,
        channel,
    })
}

async fn warehouse(
    app: &App,
    owner: &Actor,
    merchant: MerchantId,
    code: &str,
) -> anyhow::Result<LocationId> {
    let input = LocationInput {
        code: code.to_owned(),
        name: format!("Warehouse {code}"),
        kind: "warehouse".to_owned(),
        country: "CN".to_owned(),
        ..LocationInput::default()
    };
    Ok(inv::create_location(app, owner, merchant, input).await?.id)
}

/// `count` SKUs listed for sale: products of ten sizes, created and submitted by the
/// system operator, approved by the owner (a second person), then listed.
pub async fn listed_skus(
    app: &App,
    owner: &Actor,
    merchant: MerchantId,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<(SkuId, String)>> {
    let system = Actor::system();
    let category = catalog::taxonomy::create_category(app, &system, merchant, prefix, None)
        .await?
        .id;
    let mut out = Vec::with_capacity(count);
    let mut product = 0;
    while out.len() < count {
        let sizes = SIZES.min(count - out.len());
        let mut input = product_input(prefix, product, sizes);
        input.category_id = Some(category);
        let p = catalog::create(app, &system, merchant, input).await?;
        catalog::submit(app, &system, merchant, p.id).await?;
        let approve = ReviewInput {
            level: 1,
            decision: Decision::Approve,
            reason: None,
        };
        catalog::decide(app, owner, merchant, p.id, approve).await?;
        let p = catalog::list_for_sale(app, &system, merchant, p.id).await?;
        out.extend(p.skus.iter().map(|s| (s.id, s.code.to_string())));
        product += 1;
    }
    Ok(out)
}

fn product_input(prefix: &str, product: usize, sizes: usize) -> ProductInput {
    let values: Vec<String> = (1..=sizes).map(|s| format!("S{s}")).collect();
    let skus = values
        .iter()
        .map(|v| SkuInput {
            code: format!("{prefix}-{product:05}-{v}"),
            options: [("Size".to_owned(), v.clone())].into(),
            price: "25".to_owned(),
            cost: Some("10".to_owned()),
            ..SkuInput::default()
        })
        .collect();
    ProductInput {
        name: format!("Bench product {prefix}{product:05}"),
        description: "A product of the load tool".to_owned(),
        images: vec!["https://cdn.example.com/bench.jpg".to_owned()],
        options: vec![OptionInput {
            name: "Size".to_owned(),
            values,
        }],
        skus,
        ..ProductInput::default()
    }
}

/// Receives `units` of every SKU at `location`, a thousand lines per goods-in.
pub async fn receive(
    app: &App,
    owner: &Actor,
    merchant: MerchantId,
    location: LocationId,
    skus: &[(SkuId, String)],
    units: i64,
) -> anyhow::Result<()> {
    for (i, chunk) in skus.chunks(RECEIPT_LINES).enumerate() {
        let lines = chunk
            .iter()
            .map(|(sku_id, _)| ReceiptLine {
                sku_id: *sku_id,
                quantity: units,
            })
            .collect();
        let input = ReceiptInput {
            location_id: Some(location),
            lines,
            reference: format!("BENCH-{}-{i}", location.as_uuid().simple()),
            note: None,
        };
        inv::receive(app, owner, merchant, input).await?;
    }
    Ok(())
}

async fn channel(
    app: &App,
    owner: &Actor,
    merchant: MerchantId,
    locations: &[LocationId],
) -> anyhow::Result<String> {
    let input = ChannelInput {
        code: "API".to_owned(),
        name: "Own store (bench)".to_owned(),
        kind: "own_store".to_owned(),
        platform: "api".to_owned(),
        locations: locations
            .iter()
            .map(|id| LinkInput {
                location_id: *id,
                priority: None,
            })
            .collect(),
        ..ChannelInput::default()
    };
    let made = channels::create_channel(app, owner, merchant, input).await?;
    Ok(made.channel.id.to_string())
}
