//! `omnihub import`: bulk import of historical orders from an NDJSON file (issue 8,
//! docs/adr/0024), the set-up of a merchant to import into, and the generators of the B4
//! benchmark files (Olist and synthetic; [`olist`], [`synthetic`]).
//!
//! The file is read line by line on a thread of its own, which also parses each line, and
//! handed to the importer in batches through a channel of two batches, so reading and
//! parsing overlap with the database writes and memory stays bounded by a few batches
//! whatever the file's size.

pub mod olist;
pub mod synthetic;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use omnihub_app::catalog::transfer::{self, ImportMode};
use omnihub_app::channels::{self as app_channels, ChannelInput, ChannelQuery};
use omnihub_app::merchants::{self, MerchantInput};
use omnihub_app::orders::bulk_import::{
    self, DEFAULT_BATCH, FileIdentity, ImportRun, Importer, MalformedLine, ParsedBatch, ParsedLine,
};
use omnihub_app::{Actor, App};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Currency;
use omnihub_domain::orders::historic::{self, Malformed};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::commands::open_app;
use crate::config::Config;

/// Longest line read; a longer one is malformed (and skipped to its end).
const MAX_LINE: u64 = 1 << 20;

/// Most malformed lines printed.
const PRINTED_PROBLEMS: usize = 1_000;

/// The `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import historical orders from an NDJSON file (one order per line). A rerun of the
    /// same file resumes after the last committed batch.
    Orders(OrdersArgs),
    /// Create a merchant with one channel and import a catalogue CSV into it (skipped when
    /// the merchant exists).
    Setup(SetupArgs),
    /// Write the Olist benchmark file: one order per order_id of the real payments table.
    MakeOlist(olist::MakeOlistArgs),
    /// Write a synthetic benchmark file with 2% duplicates and 1% malformed lines.
    MakeSynthetic(synthetic::MakeSyntheticArgs),
}

/// `import orders`.
#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// The NDJSON file.
    pub file: PathBuf,
    /// The merchant's code.
    #[arg(long)]
    pub merchant: String,
    /// The channel's code.
    #[arg(long)]
    pub channel: String,
    /// Orders per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Stop after this many batches without completing the run (a rerun resumes).
    #[arg(long)]
    pub max_batches: Option<u64>,
}

/// `import setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The merchant's code.
    #[arg(long)]
    pub merchant: String,
    /// The channel's code.
    #[arg(long)]
    pub channel: String,
    /// ISO 4217.
    #[arg(long, default_value = "BRL")]
    pub currency: String,
    /// Catalogue CSV (the catalogue import format).
    #[arg(long)]
    pub catalog: PathBuf,
}

/// Runs an `import` subcommand.
pub async fn run(config: &Config, command: ImportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Orders(args) => {
            let app = open_app(config).await?;
            let result = import_orders(&app, &args).await;
            app.db.close().await;
            result
        }
        ImportCommand::Setup(args) => {
            let app = open_app(config).await?;
            omnihub_app::system::migrate(&app).await?;
            let result = setup(&app, &args).await;
            app.db.close().await;
            result
        }
        ImportCommand::MakeOlist(args) => olist::make(&args),
        ImportCommand::MakeSynthetic(args) => synthetic::make(&args),
    }
}

/// The merchant with `code` (any case).
async fn find_merchant(app: &App, code: &str) -> anyhow::Result<Option<MerchantId>> {
    let mut after = None;
    loop {
        let page = merchants::list(app, &Actor::system(), after, 500).await?;
        if let Some(m) = page.iter().find(|m| m.code.eq_ignore_ascii_case(code)) {
            return Ok(Some(m.id));
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.id),
            _ => return Ok(None),
        }
    }
}

/// The merchant's channel with `code` (any case).
async fn find_channel(app: &App, m: MerchantId, code: &str) -> anyhow::Result<Option<ChannelId>> {
    let mut cursor = None;
    loop {
        let q = ChannelQuery {
            cursor,
            limit: Some(500),
            ..ChannelQuery::default()
        };
        let page = app_channels::list_channels(app, &Actor::system(), m, q).await?;
        if let Some(c) = page
            .items
            .iter()
            .find(|c| c.code.as_ref().eq_ignore_ascii_case(code))
        {
            return Ok(Some(c.id));
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(None),
        }
    }
}

async fn setup(app: &App, args: &SetupArgs) -> anyhow::Result<ExitCode> {
    let system = Actor::system();
    if find_merchant(app, &args.merchant).await?.is_some() {
        println!("merchant {} exists; nothing changed", args.merchant);
        return Ok(ExitCode::SUCCESS);
    }
    let input = MerchantInput {
        code: args.merchant.clone(),
        name: args.merchant.clone(),
        time_zone: Some("America/Sao_Paulo".to_owned()),
        currency: Some(args.currency.clone()),
    };
    let m = merchants::create(app, &system, input).await?.id;
    let channel = ChannelInput {
        code: args.channel.clone(),
        name: args.channel.clone(),
        kind: "marketplace".to_owned(),
        platform: "api".to_owned(),
        currency: Some(args.currency.clone()),
        time_zone: None,
        ship_by_hours: None,
        shop_domain: None,
        base_url: None,
        webhook_secret: None,
        api_token: None,
        locations: Vec::new(),
    };
    app_channels::create_channel(app, &system, m, channel).await?;
    let bytes = std::fs::read(&args.catalog)
        .with_context(|| format!("cannot read {}", args.catalog.display()))?;
    let started = app.now();
    let report = transfer::import_csv(app, &system, m, &bytes, ImportMode::Partial).await?;
    println!(
        "merchant {} with channel {}: {} SKUs imported in {:.1} s ({} rows refused)",
        args.merchant,
        args.channel,
        report.skus_created,
        secs_since(app, started),
        report.errors.len()
    );
    for e in report.errors.iter().take(10) {
        println!("  {e:?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The file's identity: name, size and sha256 of its first MiB.
pub fn identify(path: &Path) -> anyhow::Result<FileIdentity> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata()?.len();
    let mut head = Vec::with_capacity(1 << 20);
    (&mut file).take(1 << 20).read_to_end(&mut head)?;
    Ok(FileIdentity {
        name: path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        size,
        digest: hex::encode(Sha256::digest(&head)),
    })
}

async fn import_orders(app: &App, args: &OrdersArgs) -> anyhow::Result<ExitCode> {
    let Some(m) = find_merchant(app, &args.merchant).await? else {
        bail!("no merchant {:?}", args.merchant);
    };
    let Some(c) = find_channel(app, m, &args.channel).await? else {
        bail!(
            "merchant {} has no channel {:?}",
            args.merchant,
            args.channel
        );
    };
    let identity = identify(&args.file)?;
    let mut importer = bulk_import::open_import(app, &Actor::system(), m, c, &identity).await?;
    let start = importer.run()?;
    if start.committed_offset > 0 {
        println!(
            "resuming run {} at line {} (byte {} of {})",
            start.id, start.committed_line, start.committed_offset, identity.size
        );
    } else {
        println!(
            "run {}: importing {} ({} bytes)",
            start.id, identity.name, identity.size
        );
    }
    let started = app.now();
    let (tx, rx) = mpsc::channel(2);
    let reader = spawn_reader(&args.file, &start, importer.currency(), args.batch, tx)?;
    let (problems, stopped) = drive(app, &mut importer, rx, args.max_batches, &start).await?;
    let elapsed = secs_since(app, started);
    drop(reader);
    let run = if stopped {
        importer.run()?
    } else {
        importer.finish().await?
    };
    summary(&start, &run, &problems, elapsed);
    Ok(ExitCode::SUCCESS)
}

/// Writes the batches as they come; prints progress. Returns the malformed lines seen and
/// whether it stopped at `max_batches`.
async fn drive(
    app: &App,
    importer: &mut Importer,
    mut rx: mpsc::Receiver<anyhow::Result<ParsedBatch>>,
    max_batches: Option<u64>,
    start: &ImportRun,
) -> anyhow::Result<(Vec<MalformedLine>, bool)> {
    let mut problems = Vec::new();
    let mut batches = 0_u64;
    let started = app.now();
    while let Some(batch) = rx.recv().await {
        let outcome = importer.write_batch(batch?).await?;
        problems.extend(outcome.malformed);
        problems.truncate(PRINTED_PROBLEMS);
        batches += 1;
        if batches.is_multiple_of(10) {
            let run = importer.run()?;
            let done = run.imported + run.duplicates - start.imported - start.duplicates;
            println!(
                "  line {:>9}: {} orders imported, {} duplicates, {} malformed ({:.0} orders/s)",
                run.committed_line,
                run.imported,
                run.duplicates,
                run.malformed,
                done as f64 / secs_since(app, started).max(1e-9)
            );
        }
        if max_batches.is_some_and(|max| batches >= max) {
            return Ok((problems, true));
        }
    }
    Ok((problems, false))
}

fn summary(start: &ImportRun, run: &ImportRun, problems: &[MalformedLine], elapsed: f64) {
    let imported = run.imported - start.imported;
    let handled = imported + run.duplicates - start.duplicates;
    println!("run {} {}", run.id, run.status);
    println!("  orders imported:   {}", run.imported);
    println!("  duplicates:        {}", run.duplicates);
    println!("  malformed lines:   {}", run.malformed);
    for p in problems {
        println!("    line {}: {}", p.line, p.reason);
    }
    if run.malformed > problems.len() as u64 {
        println!(
            "    ... ({} more this run; the first 1,000 are kept with the run)",
            run.malformed - problems.len() as u64
        );
    }
    println!(
        "  payment total:     {} {}",
        run.payment_total.amount_text(),
        run.payment_total.currency()
    );
    println!(
        "  this invocation:   {imported} imported in {elapsed:.2} s = {:.0} orders/s ({:.0} orders/s counting duplicates)",
        imported as f64 / elapsed.max(1e-9),
        handled as f64 / elapsed.max(1e-9),
    );
    println!("  peak RSS:          {}", peak_rss());
}

/// Seconds from `started` to now on the app's clock.
fn secs_since(app: &App, started: jiff::Timestamp) -> f64 {
    app.now().duration_since(started).as_secs_f64()
}

/// VmHWM from /proc/self/status (Linux), as printed there.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().to_owned()))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Reads and parses the file from the run's committed offset on its own thread.
fn spawn_reader(
    path: &Path,
    start: &ImportRun,
    currency: Currency,
    batch: usize,
    tx: mpsc::Sender<anyhow::Result<ParsedBatch>>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start.committed_offset))?;
    let reader = BufReader::with_capacity(1 << 20, file);
    let (offset, line) = (start.committed_offset, start.committed_line);
    Ok(std::thread::spawn(move || {
        let mut lines = LineReader {
            reader,
            offset,
            line,
        };
        loop {
            match lines.batch(currency, batch.max(1)) {
                Ok(Some(b)) => {
                    if tx.blocking_send(Ok(b)).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    }))
}

/// Lines of the file with their numbers and offsets.
struct LineReader<R> {
    reader: R,
    offset: u64,
    line: u64,
}

impl<R: BufRead> LineReader<R> {
    /// The next `size` non-blank lines, parsed; `None` at the end of the file.
    fn batch(&mut self, currency: Currency, size: usize) -> anyhow::Result<Option<ParsedBatch>> {
        let mut out = ParsedBatch::default();
        let mut buf = Vec::with_capacity(4096);
        while out.lines.len() < size {
            buf.clear();
            let read = (&mut self.reader)
                .take(MAX_LINE + 1)
                .read_until(b'\n', &mut buf)?;
            if read == 0 {
                break;
            }
            let mut consumed = read as u64;
            self.line += 1;
            let order = if buf.last() != Some(&b'\n') && read as u64 > MAX_LINE {
                consumed += self.reader.skip_until(b'\n')? as u64;
                Err(Malformed(format!("longer than {MAX_LINE} bytes")))
            } else {
                let text = buf.trim_ascii();
                if text.is_empty() {
                    self.offset += consumed;
                    continue;
                }
                historic::parse_line(text, currency)
            };
            self.offset += consumed;
            out.lines.push(ParsedLine {
                line: self.line,
                order,
            });
        }
        out.end_offset = self.offset;
        out.end_line = self.line;
        Ok((!out.lines.is_empty()).then_some(out))
    }
}
