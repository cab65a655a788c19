//! The demo catalogue: products with SKUs, barcodes, prices, costs and weights, spread over
//! real marketplace categories. Category shares and typical weights come from the Olist
//! public e-commerce data set (the 16 largest categories of its 32,951 products: share by
//! product count, median weight in grams); prices are CNY ranges in the spirit of its
//! payment values (median about 100, long tail to 1,000+).

use super::rng::DemoRng;

/// A category of the demo catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCategory {
    /// Display name (the Olist English category, spelled out).
    pub name: &'static str,
    /// SKU code prefix.
    pub code: &'static str,
    /// Olist products in the category (the share of the catalogue).
    pub share: u64,
    /// Olist median weight in grams.
    pub weight_g: i64,
    /// Price range in fen (CNY minor units), inclusive.
    pub price_fen: (i64, i64),
    /// What the products are.
    pub nouns: &'static [&'static str],
    /// A variant option (name and values) the category's products may have.
    pub option: Option<(&'static str, &'static [&'static str])>,
}

const SIZES: &[&str] = &["S", "M", "L", "XL"];
const COLOURS: &[&str] = &["Black", "White", "Blue", "Red"];

/// The categories, largest first.
pub const CATEGORIES: [DemoCategory; 16] = [
    cat(
        "Bed, bath & table",
        "BBT",
        3029,
        1250,
        (3_900, 49_900),
        &[
            "Towel Set",
            "Duvet Cover",
            "Pillow",
            "Table Runner",
            "Bath Mat",
        ],
        Some(("Colour", COLOURS)),
    ),
    cat(
        "Sports & leisure",
        "SPT",
        2867,
        750,
        (2_900, 89_900),
        &[
            "Yoga Mat",
            "Running Shirt",
            "Water Bottle",
            "Jump Rope",
            "Gym Bag",
        ],
        Some(("Size", SIZES)),
    ),
    cat(
        "Furniture & decor",
        "FUR",
        2657,
        1200,
        (4_900, 199_900),
        &[
            "Wall Clock",
            "Floor Lamp",
            "Side Table",
            "Photo Frame",
            "Vase",
        ],
        None,
    ),
    cat(
        "Health & beauty",
        "HBE",
        2444,
        523,
        (1_900, 39_900),
        &[
            "Face Serum",
            "Hair Dryer",
            "Hand Cream",
            "Shampoo",
            "Lip Balm",
        ],
        None,
    ),
    cat(
        "Housewares",
        "HWR",
        2335,
        1050,
        (1_500, 59_900),
        &[
            "Knife Set",
            "Rice Cooker",
            "Storage Box",
            "Kettle",
            "Frying Pan",
        ],
        None,
    ),
    cat(
        "Auto",
        "AUT",
        1900,
        900,
        (2_900, 69_900),
        &[
            "Phone Mount",
            "Seat Cushion",
            "Dash Camera",
            "Tyre Inflator",
            "Car Charger",
        ],
        None,
    ),
    cat(
        "Computers & accessories",
        "CMP",
        1639,
        400,
        (4_900, 149_900),
        &[
            "Wireless Mouse",
            "Keyboard",
            "USB-C Hub",
            "Laptop Stand",
            "Webcam",
        ],
        Some(("Colour", COLOURS)),
    ),
    cat(
        "Toys",
        "TOY",
        1411,
        700,
        (1_900, 59_900),
        &[
            "Building Blocks",
            "Plush Panda",
            "Puzzle",
            "Toy Car",
            "Kite",
        ],
        None,
    ),
    cat(
        "Watches & gifts",
        "WAT",
        1329,
        350,
        (9_900, 199_900),
        &[
            "Quartz Watch",
            "Gift Box",
            "Smart Band",
            "Keyring",
            "Pen Set",
        ],
        None,
    ),
    cat(
        "Telephony",
        "TEL",
        1134,
        200,
        (1_900, 89_900),
        &[
            "Phone Case",
            "Power Bank",
            "Earbuds",
            "Charging Cable",
            "Screen Protector",
        ],
        Some(("Colour", COLOURS)),
    ),
    cat(
        "Baby",
        "BAB",
        919,
        850,
        (2_900, 79_900),
        &[
            "Baby Carrier",
            "Bottle Set",
            "Bib Pack",
            "Play Mat",
            "Stroller Fan",
        ],
        None,
    ),
    cat(
        "Perfumery",
        "PRF",
        868,
        400,
        (5_900, 99_900),
        &[
            "Eau de Parfum",
            "Body Mist",
            "Scented Candle",
            "Diffuser",
            "Perfume Oil",
        ],
        None,
    ),
    cat(
        "Stationery",
        "STA",
        849,
        650,
        (900, 19_900),
        &[
            "Notebook",
            "Gel Pens",
            "Desk Organiser",
            "Sticky Notes",
            "Planner",
        ],
        None,
    ),
    cat(
        "Fashion bags & accessories",
        "FBA",
        849,
        200,
        (3_900, 129_900),
        &["Tote Bag", "Wallet", "Backpack", "Belt", "Sunglasses"],
        Some(("Colour", COLOURS)),
    ),
    cat(
        "Cool stuff",
        "COO",
        789,
        1100,
        (2_900, 99_900),
        &[
            "Mini Projector",
            "Desk Fan",
            "Neon Sign",
            "Retro Speaker",
            "Star Lamp",
        ],
        None,
    ),
    cat(
        "Garden tools",
        "GDN",
        753,
        1130,
        (1_900, 69_900),
        &[
            "Pruning Shears",
            "Hose Nozzle",
            "Plant Pot",
            "Garden Gloves",
            "Seed Kit",
        ],
        None,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn cat(
    name: &'static str,
    code: &'static str,
    share: u64,
    weight_g: i64,
    price_fen: (i64, i64),
    nouns: &'static [&'static str],
    option: Option<(&'static str, &'static [&'static str])>,
) -> DemoCategory {
    DemoCategory {
        name,
        code,
        share,
        weight_g,
        price_fen,
        nouns,
        option,
    }
}

/// The demo brands.
pub const BRANDS: [&str; 12] = [
    "Jade River",
    "Northwind",
    "Lumen",
    "Panda Home",
    "Bamboo & Co",
    "Kite Works",
    "Silk Road Goods",
    "Aurora",
    "Red Lantern",
    "Cloud Nine",
    "Harbour",
    "Tiger Lily",
];

const ADJECTIVES: [&str; 12] = [
    "Classic", "Soft", "Compact", "Premium", "Everyday", "Eco", "Deluxe", "Travel", "Smart",
    "Mini", "Pro", "Vintage",
];

/// One demo SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSku {
    /// Code, unique in the catalogue.
    pub code: String,
    /// A valid EAN-13 with the China GS1 prefix 69x.
    pub barcode: String,
    /// The option value, for a product with an option.
    pub option_value: Option<String>,
    /// Price in fen.
    pub price_fen: i64,
    /// Cost in fen (below the price).
    pub cost_fen: i64,
    /// Weight in grams.
    pub weight_g: i64,
}

/// One demo product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProduct {
    /// Name.
    pub name: String,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    /// Index into [`BRANDS`].
    pub brand: usize,
    /// Description.
    pub description: String,
    /// One image URL.
    pub image: String,
    /// The option name, when the SKUs vary by one.
    pub option: Option<String>,
    /// The SKUs, at least one.
    pub skus: Vec<DemoSku>,
}

/// The EAN-13 check digit of 12 digits.
pub fn ean13_check_digit(digits: &[u8; 12]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

fn barcode(serial: u64) -> String {
    let body = format!("69{:010}", 12_345_000_000 % 10_000_000_000 + serial);
    let mut digits = [0_u8; 12];
    for (d, c) in digits.iter_mut().zip(body.bytes()) {
        *d = c.saturating_sub(b'0');
    }
    format!("{body}{}", ean13_check_digit(&digits))
}

/// A price in the category's range, skewed low (the minimum of two draws), rounded to
/// end in .90 like shop prices.
fn price(rng: &mut DemoRng, (lo, hi): (i64, i64)) -> i64 {
    let p = rng.between(lo, hi).min(rng.between(lo, hi));
    (p / 100) * 100 + 90
}

/// `count` products from `seed`: categories in their Olist shares, 1 SKU each or one per
/// option value (2 to 4) for categories with an option.
pub fn demo_catalog(seed: u64, count: usize) -> Vec<DemoProduct> {
    let mut rng = DemoRng::stream(seed, 1);
    let shares: Vec<u64> = CATEGORIES.iter().map(|c| c.share).collect();
    let mut serial = 0_u64;
    (0..count)
        .map(|n| {
            let category = rng.weighted(&shares);
            let c = &CATEGORIES[category];
            let brand = rng.index(BRANDS.len());
            let noun = rng.pick(c.nouns).copied().unwrap_or("Item");
            let adjective = ADJECTIVES[rng.index(ADJECTIVES.len())];
            let name = format!("{} {adjective} {noun}", BRANDS[brand]);
            let base = price(&mut rng, c.price_fen);
            let weight = (c.weight_g * rng.between(60, 140) / 100).max(20);
            let code = format!("{}-{:04}", c.code, n + 1);
            let values: Vec<Option<&str>> = match c.option {
                Some((_, values)) if rng.chance(700) => {
                    let k = usize::try_from(rng.between(2, 4)).unwrap_or(2);
                    values.iter().take(k).map(|v| Some(*v)).collect()
                }
                _ => vec![None],
            };
            let option = values
                .first()
                .copied()
                .flatten()
                .and(c.option.map(|(o, _)| o.to_owned()));
            let skus = values
                .into_iter()
                .map(|value| {
                    serial += 1;
                    let upcharge = if value == Some("XL") { 1_000 } else { 0 };
                    DemoSku {
                        code: value.map_or_else(|| code.clone(), |v| format!("{code}-{}", v.to_uppercase())),
                        barcode: barcode(serial),
                        option_value: value.map(str::to_owned),
                        price_fen: base + upcharge,
                        cost_fen: (base + upcharge) * rng.between(35, 65) / 100,
                        weight_g: weight,
                    }
                })
                .collect();
            DemoProduct {
                description: format!(
                    "{name}: a best-selling {} item from {}. Ships from our Shanghai and Guangzhou warehouses.",
                    c.name.to_lowercase(),
                    BRANDS[brand]
                ),
                image: format!("https://img.omnihub-demo.example/{}.jpg", code.to_lowercase()),
                name,
                category,
                brand,
                option,
                skus,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_deterministic_and_well_formed() {
        let a = demo_catalog(42, 300);
        assert_eq!(a, demo_catalog(42, 300));
        assert_ne!(a, demo_catalog(43, 300));
        assert_eq!(a.len(), 300);
        let skus: Vec<&DemoSku> = a.iter().flat_map(|p| &p.skus).collect();
        assert!(skus.len() > 300 && skus.len() < 900, "{}", skus.len());
        let mut codes: Vec<&str> = skus.iter().map(|s| s.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), skus.len(), "SKU codes are unique");
        for s in &skus {
            assert!(s.cost_fen < s.price_fen && s.price_fen > 0);
            assert_eq!(s.price_fen % 100, 90);
            assert_eq!(s.barcode.len(), 13);
            assert!(s.barcode.starts_with("69"));
        }
        let used: std::collections::BTreeSet<usize> = a.iter().map(|p| p.category).collect();
        assert!(used.len() >= 12, "most categories appear: {used:?}");
    }

    #[test]
    fn barcodes_carry_a_valid_check_digit() {
        // 4006381333931 is a well-known valid EAN-13.
        assert_eq!(ean13_check_digit(&[4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]), 1);
        let code = barcode(7);
        let digits: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
        let mut first = [0_u8; 12];
        first.copy_from_slice(&digits[..12]);
        assert_eq!(ean13_check_digit(&first), digits[12]);
    }
}
