//! `omnihub import make-olist`: the B4 benchmark file built from the real Olist tables
//! (../shared/data/olist, gzipped CSV; CC BY-NC-SA 4.0, credit "Olist"). One historic order
//! per order_id of the payments table with its real payment rows (amounts copied as
//! written, so the order total is the sum of its payment_value), and one to three lines
//! drawn deterministically (from the order id's own hex digits) from the real products,
//! each shipped from a real seller named in the order's note. Also writes the catalogue
//! CSV those lines need (one SKU per product, code = product_id).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use flate2::read::GzDecoder;
use omnihub_domain::money::{Currency, Money};
use serde_json::json;

/// `import make-olist`.
#[derive(Debug, Args)]
pub struct MakeOlistArgs {
    /// The folder with the gzipped Olist CSV files.
    #[arg(long, default_value = "../shared/data/olist")]
    pub data: PathBuf,
    /// The NDJSON file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The catalogue CSV to write (for `import setup`).
    #[arg(long)]
    pub catalog: PathBuf,
}

fn reader(dir: &Path, name: &str) -> anyhow::Result<csv::Reader<GzDecoder<File>>> {
    let path = dir.join(name);
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(csv::Reader::from_reader(GzDecoder::new(file)))
}

/// One payment row as written in the table.
struct PaymentRow {
    sequence: i64,
    kind: String,
    installments: i64,
    value: String,
}

/// Our payment method for an Olist payment type (the type itself is kept as the note).
fn method(kind: &str) -> &'static str {
    match kind {
        "credit_card" | "debit_card" => "card",
        "boleto" => "bank_transfer",
        _ => "marketplace",
    }
}

/// Order ids in the order of their first payment row, and their payments.
type Payments = (Vec<String>, HashMap<String, Vec<PaymentRow>>);

/// Payments grouped by order, orders in the order of their first row.
fn payments(dir: &Path) -> anyhow::Result<Payments> {
    let mut order = Vec::new();
    let mut by_order: HashMap<String, Vec<PaymentRow>> = HashMap::new();
    for rec in reader(dir, "olist_order_payments_dataset.csv.gz")?.records() {
        let rec = rec?;
        let field = |i: usize| rec.get(i).unwrap_or_default().to_owned();
        let id = field(0);
        let row = PaymentRow {
            sequence: field(1).parse()?,
            kind: field(2),
            installments: field(3).parse()?,
            value: field(4),
        };
        by_order
            .entry(id.clone())
            .or_insert_with(|| {
                order.push(id);
                Vec::new()
            })
            .push(row);
    }
    for rows in by_order.values_mut() {
        rows.sort_by_key(|r| r.sequence);
    }
    Ok((order, by_order))
}

/// (product_id, category) of every product.
fn products(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for rec in reader(dir, "olist_products_dataset.csv.gz")?.records() {
        let rec = rec?;
        out.push((
            rec.get(0).unwrap_or_default().to_owned(),
            rec.get(1).unwrap_or_default().to_owned(),
        ));
    }
    Ok(out)
}

/// (seller_id, city, state) of every seller.
fn sellers(dir: &Path) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for rec in reader(dir, "olist_sellers_dataset.csv.gz")?.records() {
        let rec = rec?;
        let f = |i: usize| rec.get(i).unwrap_or_default().to_owned();
        out.push((f(0), f(2), f(3)));
    }
    Ok(out)
}

/// A number drawn from the order id's hex digits `from..from + 8`.
fn draw(id: &str, from: usize) -> u64 {
    id.get(from..from + 8)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or(0)
}

/// Writes the Olist NDJSON file and its catalogue; prints the expected figures.
pub fn make(args: &MakeOlistArgs) -> anyhow::Result<ExitCode> {
    let brl = Currency::parse("BRL")?;
    let (order_ids, by_order) = payments(&args.data)?;
    let products = products(&args.data)?;
    let sellers = sellers(&args.data)?;
    if products.is_empty() || sellers.is_empty() {
        bail!("no products or sellers in {}", args.data.display());
    }
    write_catalog(&args.catalog, &products)?;
    let mut out = BufWriter::new(File::create(&args.out)?);
    let (mut total, mut rows) = (0_i64, 0_usize);
    for id in &order_ids {
        let pays = by_order.get(id).map_or(&[][..], Vec::as_slice);
        let mut order_total = 0_i64;
        for p in pays {
            order_total += Money::parse(&p.value, brl)
                .with_context(|| format!("order {id}: payment_value {:?}", p.value))?
                .minor();
        }
        total += order_total;
        rows += pays.len();
        let line = order_json(id, pays, order_total, brl, &products, &sellers);
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    println!(
        "{}: {} orders, {} payment rows, payment total {} BRL; catalogue {}: {} SKUs",
        args.out.display(),
        order_ids.len(),
        rows,
        Money::from_minor(total, brl).amount_text(),
        args.catalog.display(),
        products.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn order_json(
    id: &str,
    pays: &[PaymentRow],
    total: i64,
    brl: Currency,
    products: &[(String, String)],
    sellers: &[(String, String, String)],
) -> serde_json::Value {
    let lines_wanted: i64 = match draw(id, 0) % 10 {
        0..=7 => 1,
        8 => 2,
        _ => 3,
    };
    let n = lines_wanted.min(total.max(1));
    let mut lines = Vec::new();
    for i in 0..n {
        let (sku, category) = &products
            [(draw(id, 4 + usize::try_from(i).unwrap_or(0) * 4) % products.len() as u64) as usize];
        let share = total / n + if i == n - 1 { total % n } else { 0 };
        lines.push(json!({
            "sku": sku, "external_line_id": (i + 1).to_string(),
            "title": if category.is_empty() { "produto" } else { category.as_str() },
            "quantity": 1, "unit_price": Money::from_minor(share, brl).amount_text(),
        }));
    }
    let (seller, city, state) = &sellers[(draw(id, 16) % sellers.len() as u64) as usize];
    // About 1 order in 100 ended cancelled, as in the published dataset.
    let status = if draw(id, 24).is_multiple_of(100) {
        "cancelled"
    } else {
        "delivered"
    };
    let placed = jiff::Timestamp::from_second(1_473_000_000 + (draw(id, 20) % 66_000_000) as i64)
        .map_or_else(|_| "2017-01-01T00:00:00Z".to_owned(), |t| t.to_string());
    let payments: Vec<serde_json::Value> = pays
        .iter()
        .map(|p| {
            json!({
                "method": method(&p.kind), "amount": p.value, "installments": p.installments,
                "sequence": p.sequence, "note": p.kind,
            })
        })
        .collect();
    json!({
        "status": status,
        "order": {
            "external_id": id, "currency": "BRL", "placed_at": placed, "payment_status": "paid",
            "payment_method": pays.first().map_or("marketplace", |p| method(&p.kind)),
            "lines": lines, "total": Money::from_minor(total, brl).amount_text(),
            "note": format!("ship from {city}/{state} (seller {seller})"),
        },
        "payments": payments,
    })
}

fn write_catalog(path: &Path, products: &[(String, String)]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["name", "sku_code", "price"])?;
    for (id, category) in products {
        let name = if category.is_empty() {
            format!("produto {}", &id[..8.min(id.len())])
        } else {
            format!("{category} {}", &id[..8.min(id.len())])
        };
        w.write_record([name.as_str(), id.as_str(), "10.00"])?;
    }
    w.flush()?;
    Ok(())
}
