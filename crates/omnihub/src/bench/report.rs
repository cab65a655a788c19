//! The one table a run prints (Markdown, so it pastes into docs/benchmarks.md): per row
//! throughput, latency percentiles, answers by class, CPU per 1,000 operations of the
//! server and of the database, the server's peak RSS, and the ratio to the row's floor;
//! then the floors and the durability settings.

use super::floors::Floors;
use super::load::{Tally, percentile_ms};

/// One measured row.
pub struct Row {
    pub label: String,
    pub tally: Tally,
    /// Server and database CPU ms over the row.
    pub cpu_ms: (f64, f64),
    pub peak_rss_mib: f64,
    /// The floor's name and rate this row is compared with.
    pub floor: Option<(&'static str, f64)>,
    /// Only these classes count for the latency columns (e.g. sold-out answers).
    pub latency_of: Option<fn(&str) -> bool>,
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn classes(t: &Tally) -> String {
    t.by_class
        .iter()
        .map(|(c, l)| format!("{c}: {}", l.len()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Prints the run's table.
pub fn print(
    title: &str,
    backend: &str,
    rows: &[Row],
    floors: Option<&Floors>,
    durability: &[(String, String)],
) {
    println!("\n### {title} — {backend}\n");
    println!(
        "| Row | ops | ops/s | ratio to floor | p50 ms | p95 ms | p99 ms | p99.9 ms | answers | CPU-ms/1k ops server / db | peak RSS MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let only = r.latency_of.map(|f| move |c: &str| f(c));
        let lat = match &only {
            Some(f) => r.tally.latencies(Some(f)),
            None => r.tally.latencies(None),
        };
        // A sub-row (e.g. only the sold-out answers) counts only its own answers.
        let ops = if r.latency_of.is_some() {
            lat.len() as u64
        } else {
            r.tally.total()
        };
        let rate = ops as f64 / r.tally.elapsed.as_secs_f64().max(1e-9);
        let per_k = |cpu: f64| cpu * 1000.0 / (r.tally.total().max(1) as f64);
        let ratio = r.floor.map_or("-".to_owned(), |(name, floor)| {
            format!("{:.2} of {name}", rate / floor)
        });
        println!(
            "| {} | {} | {:.0} | {ratio} | {} | {} | {} | {} | {} | {:.0} / {:.0} | {:.0} |",
            r.label,
            ops,
            rate,
            ms(percentile_ms(&lat, 50.0)),
            ms(percentile_ms(&lat, 95.0)),
            ms(percentile_ms(&lat, 99.0)),
            ms(percentile_ms(&lat, 99.9)),
            classes(&r.tally),
            per_k(r.cpu_ms.0),
            per_k(r.cpu_ms.1),
            r.peak_rss_mib,
        );
    }
    if let Some(f) = floors {
        println!("\nFloors (same run, same client):\n");
        println!("| Floor | ops/s | p50 ms | p99 ms |");
        println!("|---|---|---|---|");
        for row in &f.rows {
            let lat = row.tally.latencies(None);
            println!(
                "| {} | {:.0} | {} | {} |",
                row.name,
                row.tally.per_second(),
                ms(percentile_ms(&lat, 50.0)),
                ms(percentile_ms(&lat, 99.0))
            );
        }
        if let Some(copy) = f.copy_rows_per_second {
            println!("| PostgreSQL COPY, rows/s | {copy:.0} | - | - |");
        }
        println!(
            "| 4 KiB write + fdatasync | {:.0} | {} | {} |",
            1000.0 / f.fsync_ms.0.max(1e-6),
            ms(f.fsync_ms.0),
            ms(f.fsync_ms.1)
        );
    }
    let settings: Vec<String> = durability
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    println!("\nDurability: {}\n", settings.join(", "));
}
