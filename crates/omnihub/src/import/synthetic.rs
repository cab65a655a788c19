//! `omnihub import make-synthetic`: a synthetic B4 file of N lines in which 2% repeat an
//! earlier order's external id (line numbers ≡ 11 mod 50) and 1% are malformed (≡ 37 mod
//! 100: cycling through broken JSON, an unknown SKU code and a bad amount), everything
//! else drawn from a seeded generator. It prints the figures an import must report, so
//! the check is exact; it also writes the catalogue CSV the lines need.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use omnihub_domain::demo::DemoRng as Rng;
use omnihub_domain::money::{Currency, Money};
use serde_json::json;

/// SKUs in the synthetic catalogue.
const SKUS: u64 = 2_000;

/// `import make-synthetic`.
#[derive(Debug, Args)]
pub struct MakeSyntheticArgs {
    /// Lines in the file (orders, duplicates and malformed lines together).
    #[arg(long, default_value_t = 500_000)]
    pub orders: u64,
    /// The NDJSON file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The catalogue CSV to write (for `import setup`).
    #[arg(long)]
    pub catalog: PathBuf,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// One generated order line of the file and its payment total.
fn order(rng: &mut Rng, id: &str, cny: Currency) -> (serde_json::Value, i64) {
    let n = 1 + rng.below(4);
    let mut lines = Vec::new();
    let mut total = 0_i64;
    for i in 0..n {
        let qty = 1 + rng.below(3) as i64;
        let price = 100 + rng.below(50_000) as i64;
        total += qty * price;
        lines.push(json!({
            "sku": format!("SYN-{:05}", rng.below(SKUS)), "external_line_id": (i + 1).to_string(),
            "quantity": qty, "unit_price": Money::from_minor(price, cny).amount_text(),
        }));
    }
    let split = rng.below(3) == 0 && total > 1;
    let first = if split { total / 3 } else { total };
    let mut payments = vec![
        json!({"method": "card", "amount": Money::from_minor(first, cny).amount_text(),
        "installments": 1 + rng.below(6), "sequence": 1}),
    ];
    if split {
        payments.push(json!({"method": "bank_transfer", "amount": Money::from_minor(total - first, cny).amount_text(), "sequence": 2}));
    }
    let day = rng.below(3 * 365) as i64;
    let placed =
        jiff::Timestamp::from_second(1_600_000_000 + day * 86_400 + rng.below(86_400) as i64)
            .map_or_else(|_| "2021-01-01T00:00:00Z".to_owned(), |t| t.to_string());
    let status = if rng.below(50) == 0 {
        "cancelled"
    } else {
        "completed"
    };
    let v = json!({
        "status": status,
        "order": {
            "external_id": id, "currency": "CNY", "placed_at": placed, "payment_status": "paid",
            "customer": {"email": format!("c{}@example.com", rng.below(100_000))},
            "lines": lines, "total": Money::from_minor(total, cny).amount_text(),
        },
        "payments": payments,
    });
    (v, total)
}

/// A malformed line, of three kinds in turn.
fn malformed(rng: &mut Rng, id: &str, kind: u64, cny: Currency) -> String {
    let (mut v, _) = order(rng, id, cny);
    match kind % 3 {
        0 => {
            let text = v.to_string();
            text[..text.len() / 2].to_owned()
        }
        1 => {
            v["order"]["lines"][0]["sku"] = json!("NO-SUCH-SKU");
            v.to_string()
        }
        _ => {
            v["payments"][0]["amount"] = json!("12.3.4");
            v.to_string()
        }
    }
}

/// Writes the synthetic file and catalogue; prints the expected figures.
pub fn make(args: &MakeSyntheticArgs) -> anyhow::Result<ExitCode> {
    let cny = Currency::parse("CNY")?;
    let mut catalog = csv::Writer::from_path(&args.catalog)?;
    catalog.write_record(["name", "sku_code", "price"])?;
    for i in 0..SKUS {
        catalog.write_record([
            format!("Synthetic {i}"),
            format!("SYN-{i:05}"),
            "10.00".into(),
        ])?;
    }
    catalog.flush()?;
    // The demo generator (SplitMix64), so a seed gives the same file on every platform.
    let mut rng = Rng::new(args.seed);
    let mut out = BufWriter::new(File::create(&args.out)?);
    let (mut good, mut dups, mut bad, mut total) = (0_u64, 0_u64, 0_u64, 0_i64);
    let mut made = 0_u64;
    for line in 1..=args.orders {
        let text = if line % 100 == 37 {
            bad += 1;
            malformed(&mut rng, &format!("BAD-{}-{line}", args.seed), bad, cny)
        } else if line % 50 == 11 && made > 0 {
            dups += 1;
            // Repeats an earlier order's id, with other contents: the first one wins.
            let earlier = rng.below(made) + 1;
            order(&mut rng, &format!("S{}-{earlier}", args.seed), cny)
                .0
                .to_string()
        } else {
            made += 1;
            good += 1;
            let (v, t) = order(&mut rng, &format!("S{}-{made}", args.seed), cny);
            total += t;
            v.to_string()
        };
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    println!(
        "{}: {} lines; expect {} imported, {} duplicates, {} malformed (lines = 37 mod 100), payment total {} CNY; catalogue {}: {} SKUs",
        args.out.display(),
        args.orders,
        good,
        dups,
        bad,
        Money::from_minor(total, cny).amount_text(),
        args.catalog.display(),
        SKUS
    );
    Ok(ExitCode::SUCCESS)
}
