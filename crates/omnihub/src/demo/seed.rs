//! `omnihub demo seed`: builds a living demo merchant through the real use cases — the
//! merchant and its owner, locations, a reviewed and listed catalogue, stock received
//! through the ledger, three channels with their listings — and then plays a 90-day order
//! book (`seed_orders`) with an injected clock moved to each step's time. The data comes
//! from the pure generators in `omnihub_domain::demo`, so the same seed gives the same
//! merchant. Nothing here writes SQL: every write is an `omnihub_app` call, so the ledger,
//! reservations, timelines and audit chains hold exactly as they do for real traffic.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use omnihub_app::catalog::{self, ProductInput, ReviewInput, SkuInput};
use omnihub_app::channels::{self, ChannelInput, LinkInput, ListingInput};
use omnihub_app::inventory::{self, LocationInput, ReceiptInput, ReceiptLine, ThresholdsInput};
use omnihub_app::merchants::{self, MerchantInput};
use omnihub_app::users::{self, NewUserInput};
use omnihub_app::{Actor, App, Error as AppError, Principal};
use omnihub_domain::access::BuiltInRole;
use omnihub_domain::catalog::{Decision, SkuId};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::clock::FixedClock;
use omnihub_domain::demo::{self as data, DemoChannel, DemoProduct, SkuKey};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::money::{Currency, Money};

use super::seed_orders;
pub use super::seed_report::Summary;

/// `omnihub demo seed` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// The demo merchant's code; the command refuses when it exists.
    #[arg(long, default_value = "demo", value_name = "CODE")]
    pub merchant_code: String,
    /// How many orders to play.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub orders: u32,
    /// Over how many days before now.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,
    /// How many products.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(60..=5000))]
    pub products: u32,
    /// The seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Why the seed stopped before doing anything.
#[derive(Debug, thiserror::Error)]
pub enum SeedRefusal {
    /// The merchant code is taken (or invalid).
    #[error("{0}")]
    Refused(String),
}

/// The owner who can sign in, with the one-time password generated for them.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Login e-mail.
    pub email: String,
    /// Generated password (printed once).
    pub password: String,
}

/// What the set-up made, for the order player.
pub struct Shop {
    /// The merchant.
    pub merchant: MerchantId,
    /// Its currency (CNY).
    pub currency: Currency,
    /// The owner, as an actor (who does the day-to-day work in the demo).
    pub owner: Actor,
    /// Locations in order: Shanghai warehouse, Guangzhou warehouse, Shanghai store.
    pub locations: Vec<LocationId>,
    /// Channels by demo channel.
    pub channels: BTreeMap<DemoChannel, ChannelId>,
    /// The catalogue as generated.
    pub catalog: Vec<DemoProduct>,
    /// Our SKU ids by catalogue key.
    pub skus: BTreeMap<SkuKey, SkuId>,
}

/// The clock the seed moves and the app that reads it.
pub struct Seeder {
    /// The app, over the configured database, with `clock` injected.
    pub app: App,
    /// The clock moved to each step's time.
    pub clock: Arc<FixedClock>,
}

impl Seeder {
    /// Sets the clock (never backwards, so ids and timelines stay in order).
    pub fn at(&self, t: Timestamp) {
        if t > self.app.now() {
            self.clock.set(t);
        }
    }
}

pub(crate) fn user_actor(
    merchant: MerchantId,
    id: omnihub_domain::ids::UserId,
    email: &str,
) -> Actor {
    Actor {
        principal: Principal::User {
            id,
            email: email.to_owned(),
        },
        platform: false,
        merchant: Some(merchant),
        permissions: BuiltInRole::MerchantOwner.permissions(),
        mfa_enrolment_required: false,
        meta: omnihub_app::RequestMeta::default(),
    }
}

/// Whether a merchant with `code` (any case) exists.
async fn merchant_exists(s: &Seeder, code: &str) -> anyhow::Result<bool> {
    let mut after = None;
    loop {
        let page = merchants::list(&s.app, &Actor::system(), after, 500).await?;
        if page
            .iter()
            .any(|m| m.code.eq_ignore_ascii_case(code.trim()))
        {
            return Ok(true);
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.id),
            _ => return Ok(false),
        }
    }
}

/// Creates the merchant (refusing a taken code) and its owner; returns the owner actor,
/// the owner's credentials, and the actor of the catalogue assistant who prepares the
/// products the owner approves.
pub async fn merchant_and_people(
    s: &Seeder,
    code: &str,
) -> anyhow::Result<Result<(MerchantId, Actor, Owner, Actor), SeedRefusal>> {
    let input = MerchantInput {
        code: code.to_owned(),
        name: "Jade River Trading 玉川商贸 (demo)".to_owned(),
        time_zone: Some("Asia/Shanghai".to_owned()),
        currency: Some("CNY".to_owned()),
    };
    if merchant_exists(s, code).await? {
        return Ok(Err(SeedRefusal::Refused(format!(
            "the demo merchant {code:?} exists already; nothing was changed (choose another --merchant-code to seed a second one)"
        ))));
    }
    let merchant = match merchants::create(&s.app, &Actor::system(), input).await {
        Ok(m) => m,
        Err(AppError::Validation(fields)) => {
            let text: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            return Ok(Err(SeedRefusal::Refused(format!(
                "cannot create the demo merchant {code:?} ({}); it is seeded already, or choose another --merchant-code",
                text.join("; ")
            ))));
        }
        Err(other) => return Err(other.into()),
    };
    let m = merchant.id;
    let domain = format!("{}.omnihub-demo.example.com", code.to_lowercase());
    let owner_input = NewUserInput {
        email: format!("owner@{domain}"),
        display_name: "林晓 Lin Xiao (owner)".to_owned(),
        password: None,
    };
    let owner = users::create_owner(&s.app, &Actor::system(), m, owner_input).await?;
    let as_platform = Actor {
        merchant: Some(m),
        ..Actor::system()
    };
    let helper_input = NewUserInput {
        email: format!("catalog@{domain}"),
        display_name: "周敏 Zhou Min (catalogue)".to_owned(),
        password: None,
    };
    let helper = users::create(&s.app, &as_platform, helper_input).await?;
    let credentials = Owner {
        email: owner.user.email.to_string(),
        password: owner.initial_password.unwrap_or_default(),
    };
    let owner_actor = user_actor(m, owner.user.id, &credentials.email);
    let helper_actor = user_actor(m, helper.user.id, &helper.user.email.to_string());
    Ok(Ok((m, owner_actor, credentials, helper_actor)))
}

/// The merchant's settings for the demo: orders over 3,000 CNY go to review.
pub async fn settings(s: &Seeder, actor: &Actor, m: MerchantId) -> anyhow::Result<()> {
    let mut orders = omnihub_app::orders::get_settings(&s.app, actor, m).await?;
    orders.amount_thresholds = vec![omnihub_app::orders::AmountThreshold {
        currency: "CNY".to_owned(),
        amount: Money::from_minor(data::REVIEW_THRESHOLD_FEN, Currency::parse("CNY")?)
            .amount_text(),
    }];
    omnihub_app::orders::update_settings(&s.app, actor, m, orders).await?;
    Ok(())
}

/// Two warehouses and a store, with regions.
pub async fn locations(
    s: &Seeder,
    actor: &Actor,
    m: MerchantId,
) -> anyhow::Result<Vec<LocationId>> {
    let specs = [
        (
            "WH-SH",
            "上海青浦仓 Shanghai Qingpu DC",
            "warehouse",
            "310000",
            "310118",
            "青浦区华新镇华志路 1688 号",
            10,
        ),
        (
            "WH-GZ",
            "广州白云仓 Guangzhou Baiyun DC",
            "warehouse",
            "440000",
            "440111",
            "白云区太和镇永兴村 88 号",
            20,
        ),
        (
            "ST-SH",
            "上海静安旗舰店 Jing'an flagship store",
            "store",
            "310000",
            "310106",
            "静安区南京西路 1266 号",
            30,
        ),
    ];
    let mut out = Vec::new();
    for (code, name, kind, province, city, address, priority) in specs {
        let input = LocationInput {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            country: "CN".to_owned(),
            province: Some(province.to_owned()),
            city: Some(city.to_owned()),
            address: Some(address.to_owned()),
            priority: Some(priority),
            active: Some(true),
        };
        out.push(
            inventory::create_location(&s.app, actor, m, input)
                .await?
                .id,
        );
    }
    Ok(out)
}

fn sku_input(p: &DemoProduct, sku: &data::DemoSku) -> SkuInput {
    let options = match (&p.option, &sku.option_value) {
        (Some(name), Some(value)) => BTreeMap::from([(name.clone(), value.clone())]),
        _ => BTreeMap::new(),
    };
    let text = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    SkuInput {
        code: sku.code.clone(),
        barcode: Some(sku.barcode.clone()),
        options,
        price: text(sku.price_fen),
        cost: Some(text(sku.cost_fen)),
        currency: None,
        weight: Some(sku.weight_g.to_string()),
        status: None,
    }
}

fn product_input(
    p: &DemoProduct,
    brand: Option<omnihub_domain::catalog::BrandId>,
    category: Option<omnihub_domain::catalog::CategoryId>,
) -> ProductInput {
    let values: Vec<String> = p
        .skus
        .iter()
        .filter_map(|s| s.option_value.clone())
        .collect();
    ProductInput {
        name: p.name.clone(),
        brand_id: brand,
        category_id: category,
        description: p.description.clone(),
        images: vec![p.image.clone()],
        attributes: BTreeMap::from([("origin".to_owned(), "CN".to_owned())]),
        options: p
            .option
            .iter()
            .map(|name| catalog::products::OptionInput {
                name: name.clone(),
                values: values.clone(),
            })
            .collect(),
        allow_below_cost: false,
        skus: p.skus.iter().map(|s| sku_input(p, s)).collect(),
        generate: None,
    }
}

/// Brands, categories and products: each product is created and submitted by the
/// catalogue assistant, approved by the owner and put on sale.
pub async fn catalogue(
    s: &Seeder,
    helper: &Actor,
    owner: &Actor,
    m: MerchantId,
    products: &[DemoProduct],
) -> anyhow::Result<BTreeMap<SkuKey, SkuId>> {
    let mut brands = Vec::new();
    for name in data::BRANDS {
        brands.push(
            catalog::taxonomy::create_brand(&s.app, helper, m, name)
                .await?
                .id,
        );
    }
    let mut categories = Vec::new();
    for c in &data::CATEGORIES {
        categories.push(
            catalog::taxonomy::create_category(&s.app, helper, m, c.name, None)
                .await?
                .id,
        );
    }
    let mut skus = BTreeMap::new();
    for (i, p) in products.iter().enumerate() {
        let input = product_input(
            p,
            brands.get(p.brand).copied(),
            categories.get(p.category).copied(),
        );
        let made = catalog::products::create(&s.app, helper, m, input).await?;
        catalog::review::submit(&s.app, helper, m, made.id).await?;
        let approve = ReviewInput {
            level: 1,
            decision: Decision::Approve,
            reason: None,
        };
        catalog::review::decide(&s.app, owner, m, made.id, approve).await?;
        let listed = catalog::review::list_for_sale(&s.app, helper, m, made.id).await?;
        for (k, sku) in listed.skus.iter().enumerate() {
            skus.insert((i, k), sku.id);
        }
        s.clock.advance(SignedDuration::from_secs(37));
    }
    Ok(skus)
}

/// Receives the planned stock: one goods-in per location (half, a third and the rest of
/// each SKU's units, the store keeping a sixth), the scarce and low SKUs all in the
/// Shanghai warehouse; then sets low-stock thresholds on the low ones.
pub async fn stock(
    s: &Seeder,
    shop: &Shop,
    plan: &[(SkuKey, i64)],
    low: &[SkuKey],
) -> anyhow::Result<()> {
    let mut per_location: Vec<Vec<ReceiptLine>> = vec![Vec::new(); shop.locations.len()];
    for (key, units) in plan {
        let Some(sku_id) = shop.skus.get(key).copied() else {
            continue;
        };
        let shares = if low.contains(key) || *units < 6 {
            [*units, 0, 0]
        } else {
            let (a, b) = (units / 2, units / 3);
            [a, b, units - a - b]
        };
        for (lines, quantity) in per_location.iter_mut().zip(shares) {
            if quantity > 0 {
                lines.push(ReceiptLine { sku_id, quantity });
            }
        }
    }
    for (i, (location, lines)) in shop.locations.iter().zip(per_location).enumerate() {
        if lines.is_empty() {
            continue;
        }
        let input = ReceiptInput {
            location_id: Some(*location),
            lines,
            reference: format!("PO-DEMO-{:04}", i + 1),
            note: Some("opening stock".to_owned()),
        };
        inventory::receive(&s.app, &shop.owner, shop.merchant, input).await?;
    }
    for key in low {
        if let (Some(sku), Some(location)) = (shop.skus.get(key), shop.locations.first()) {
            let t = ThresholdsInput {
                low_stock: Some(5),
                reorder_point: Some(8),
                overstock: None,
            };
            inventory::set_thresholds(&s.app, &shop.owner, shop.merchant, *sku, *location, t)
                .await?;
        }
    }
    Ok(())
}

/// The three channels with their linked locations (warehouses for the web stores, the
/// store first for the own shop), and every SKU listed on each.
pub async fn channels(s: &Seeder, shop: &mut Shop) -> anyhow::Result<()> {
    let l = &shop.locations;
    let link = |ids: &[LocationId]| -> Vec<LinkInput> {
        ids.iter()
            .map(|id| LinkInput {
                location_id: *id,
                priority: None,
            })
            .collect()
    };
    let specs = [
        (
            DemoChannel::Shopify,
            "SHOPIFY",
            "Jade River Global (Shopify)",
            "own_store",
            "shopify",
            link(&[l[0], l[1]]),
        ),
        (
            DemoChannel::Woocommerce,
            "WOO",
            "玉川家居 WooCommerce",
            "own_store",
            "woocommerce",
            link(&[l[1], l[0]]),
        ),
        (
            DemoChannel::OwnStore,
            "WEB",
            "玉川官网 Own web shop (API)",
            "own_store",
            "api",
            link(&[l[2], l[0], l[1]]),
        ),
    ];
    for (which, code, name, kind, platform, locations) in specs {
        let input = ChannelInput {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            platform: platform.to_owned(),
            shop_domain: (platform == "shopify").then(gen_shop_domain),
            base_url: (platform == "woocommerce")
                .then(|| "https://woo.omnihub-demo.example/".to_owned()),
            ship_by_hours: Some(if platform == "shopify" { 72 } else { 48 }),
            locations,
            ..ChannelInput::default()
        };
        let made = channels::create_channel(&s.app, &shop.owner, shop.merchant, input).await?;
        shop.channels.insert(which, made.channel.id);
    }
    for channel in shop.channels.values() {
        for sku in shop.skus.values() {
            let input = ListingInput {
                sku_id: Some(*sku),
                ..ListingInput::default()
            };
            channels::create_listing(&s.app, &shop.owner, shop.merchant, *channel, input).await?;
        }
    }
    Ok(())
}

fn gen_shop_domain() -> String {
    omnihub_domain::channels::demo::DEMO_SHOP_DOMAIN.to_owned()
}

/// Runs the whole seed; `Ok(Err(_))` is a polite refusal (the merchant exists).
pub async fn seed(
    s: &Seeder,
    args: &SeedArgs,
    end: Timestamp,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Result<(Owner, Summary), SeedRefusal>> {
    let orders = usize::try_from(args.orders)?;
    let products = data::demo_catalog(args.seed, usize::try_from(args.products)?);
    let spec = data::OrderPlanSpec {
        seed: args.seed,
        orders,
        days: args.days,
        end,
    };
    let plan = data::plan_orders(&spec, &products);
    let opening = end - SignedDuration::from_hours(24 * i64::from(args.days) + 48);
    // The one step back in time: the shop opens before its order history starts.
    s.clock.set(opening);
    let (m, owner, credentials, helper) = match merchant_and_people(s, &args.merchant_code).await? {
        Ok(people) => people,
        Err(refusal) => return Ok(Err(refusal)),
    };
    settings(s, &owner, m).await?;
    let locations = locations(s, &owner, m).await?;
    progress(&format!(
        "merchant {} with owner {}, 3 locations",
        args.merchant_code, credentials.email
    ));
    let skus = catalogue(s, &helper, &owner, m, &products).await?;
    progress(&format!(
        "{} products with {} SKUs reviewed and listed",
        products.len(),
        skus.len()
    ));
    let mut shop = Shop {
        merchant: m,
        currency: Currency::parse("CNY")?,
        owner,
        locations,
        channels: BTreeMap::new(),
        catalog: products,
        skus,
    };
    s.at(opening + SignedDuration::from_hours(20));
    let ranking = data::demand_ranking(args.seed, &shop.catalog);
    let (_, low) = data::scarce_and_low(&ranking);
    stock(
        s,
        &shop,
        &data::stock_plan(args.seed, &shop.catalog, &plan),
        &low,
    )
    .await?;
    channels(s, &mut shop).await?;
    progress(&format!(
        "stock received into 3 locations; 3 channels with {} listings",
        shop.skus.len() * 3
    ));
    let summary = seed_orders::play(s, &shop, &plan, end, progress).await?;
    Ok(Ok((credentials, summary)))
}
