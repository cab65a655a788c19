//! Bulk import of historical orders (issue 8, docs/adr/0024): a retailer moving from
//! another system brings years of finished orders, one NDJSON line each
//! ([`omnihub_domain::orders::historic`]).
//!
//! The caller reads the file (or request body) and parses lines into [`ParsedBatch`]es of a
//! few thousand; [`Importer::write_batch`] writes each in one transaction with multi-row
//! statements and, in the same transaction, the run's checkpoint (byte offset and line
//! committed, counts, payment total) and one audit entry. A crash loses at most the batch
//! in flight, and [`open_import`] of the same file resumes at the committed offset: no
//! order twice, none missing. Historic orders are stored in the status they ended in and
//! never reserve or move stock (the goods left long ago); duplicates of an external id,
//! in the file or already stored, are counted and skipped.

use std::collections::{HashMap, HashSet};

use omnihub_domain::access::Permission;
use omnihub_domain::channels::{ChannelId, ChannelPlatform, ShipByHours};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::{Currency, Money};
use omnihub_domain::orders::historic::{HistoricOrder, Malformed};
use omnihub_domain::orders::{OrderNumber, OrderNumberPrefix};
use omnihub_store::channels::ChannelRow;
use omnihub_store::orders::imports::{self as store, ImportRunRow, ImportedPaymentRow};
use omnihub_store::orders::{LineRow, OrderRow};
use omnihub_store::{Tx, time};
use uuid::Uuid;

use super::review::load_settings;
use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

/// Most malformed lines kept per run (all are counted).
pub const MAX_KEPT_PROBLEMS: i64 = 1_000;

/// Orders per batch when the caller does not choose.
pub const DEFAULT_BATCH: usize = 2_000;

/// What recognises a rerun of the same file: its name, size and the sha256 (hex) of its
/// first MiB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    /// As given by the importer.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// sha256 hex of the first MiB.
    pub digest: String,
}

/// An import run as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    /// Id.
    pub id: Uuid,
    /// The channel imported into.
    pub channel: ChannelId,
    /// The file's name.
    pub file_name: String,
    /// Its size.
    pub file_size: u64,
    /// `running` or `completed`.
    pub status: String,
    /// Bytes of the file taken in by committed batches: where a rerun resumes.
    pub committed_offset: u64,
    /// Lines taken in by committed batches.
    pub committed_line: u64,
    /// Orders stored.
    pub imported: u64,
    /// Orders skipped as duplicates of an external id.
    pub duplicates: u64,
    /// Lines refused.
    pub malformed: u64,
    /// Sum of the imported orders' payment rows.
    pub payment_total: Money,
    /// Who started it.
    pub actor: String,
    /// When it started.
    pub created_at: jiff::Timestamp,
    /// When it completed.
    pub finished_at: Option<jiff::Timestamp>,
}

/// One malformed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// One parsed line of the file.
#[derive(Debug, Clone)]
pub struct ParsedLine {
    /// 1-based line number.
    pub line: u64,
    /// The order, or why the line is refused.
    pub order: std::result::Result<HistoricOrder, Malformed>,
}

/// Consecutive lines of the file, ending at `end_offset` (bytes) and `end_line`.
#[derive(Debug, Clone, Default)]
pub struct ParsedBatch {
    /// The non-blank lines, in file order.
    pub lines: Vec<ParsedLine>,
    /// Byte offset just after the batch's last line.
    pub end_offset: u64,
    /// Number of the batch's last line (blank lines included).
    pub end_line: u64,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Orders stored.
    pub imported: u64,
    /// Duplicates skipped.
    pub duplicates: u64,
    /// Lines refused, with why.
    pub malformed: Vec<MalformedLine>,
}

/// An open import run: write batches, then [`Importer::finish`].
#[derive(Debug)]
pub struct Importer {
    app: App,
    actor: Actor,
    merchant: MerchantId,
    channel: ChannelRow,
    currency: Currency,
    prefix: OrderNumberPrefix,
    row: ImportRunRow,
    total: Money,
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(corrupt)
}

impl TryFrom<&ImportRunRow> for ImportRun {
    type Error = Error;
    fn try_from(r: &ImportRunRow) -> Result<Self> {
        let currency = Currency::parse(&r.currency).map_err(corrupt)?;
        Ok(Self {
            id: r.id,
            channel: ChannelId::from_uuid(r.channel_id),
            file_name: r.file_name.clone(),
            file_size: to_u64(r.file_size),
            status: r.status.clone(),
            committed_offset: to_u64(r.committed_offset),
            committed_line: to_u64(r.committed_line),
            imported: to_u64(r.imported),
            duplicates: to_u64(r.duplicates),
            malformed: to_u64(r.malformed),
            payment_total: Money::parse(&r.payment_total, currency).map_err(corrupt)?,
            actor: r.actor.clone(),
            created_at: time::from_db(r.created_at)?,
            finished_at: r.finished_at.map(time::from_db).transpose()?,
        })
    }
}

/// Opens an import of `file` into `channel`: resumes the unfinished run of the same file
/// (same size and first MiB) at its committed offset, else starts a new run (a rerun of
/// a completed file finds every order a duplicate). Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel), err)]
pub async fn open_import(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    file: &FileIdentity,
) -> Result<Importer> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let channel_row = crate::channels::require_channel(&mut tx, merchant, channel).await?;
    crate::channels::require_open(&channel_row)?;
    let currency = Currency::parse(&channel_row.currency).map_err(corrupt)?;
    let prefix = load_settings(&mut tx, merchant).await?.check()?.prefix;
    let size = to_i64(file.size)?;
    let found =
        store::resumable_run(&mut tx, merchant, channel.as_uuid(), &file.digest, size).await?;
    let row = match found {
        Some(row) => row,
        None => {
            let row = new_run(app, actor, channel, file, size, currency);
            store::insert_run(&mut tx, merchant, &row).await?;
            let change = Change {
                action: "order_import.start",
                entity_type: "order_import",
                entity_id: Some(row.id.to_string()),
                merchant: Some(merchant),
                before: None,
                after: Some(serde_json::json!({
                    "channel_id": channel.to_string(), "file_name": file.name,
                    "file_size": file.size, "file_digest": file.digest,
                })),
            };
            audit::record(app, &mut tx, actor, change).await?;
            row
        }
    };
    tx.commit().await?;
    let total = Money::parse(&row.payment_total, currency).map_err(corrupt)?;
    Ok(Importer {
        app: app.clone(),
        actor: actor.clone(),
        merchant,
        channel: channel_row,
        currency,
        prefix,
        row,
        total,
    })
}

fn new_run(
    app: &App,
    actor: &Actor,
    channel: ChannelId,
    file: &FileIdentity,
    size: i64,
    currency: Currency,
) -> ImportRunRow {
    let now = time::to_db(app.now());
    ImportRunRow {
        id: app.ids.new_id(),
        channel_id: channel.as_uuid(),
        file_name: file.name.chars().take(255).collect(),
        file_size: size,
        file_digest: file.digest.clone(),
        status: "running".to_owned(),
        committed_offset: 0,
        committed_line: 0,
        imported: 0,
        duplicates: 0,
        malformed: 0,
        payment_total: Money::zero(currency).amount_text(),
        currency: currency.to_string(),
        actor: super::timeline_actor(actor, None),
        created_at: now,
        updated_at: now,
        finished_at: None,
    }
}

/// The rows one batch writes.
#[derive(Debug, Default)]
struct Rows {
    orders: Vec<OrderRow>,
    lines: Vec<LineRow>,
    payments: Vec<ImportedPaymentRow>,
}

impl Importer {
    /// The run as committed so far.
    pub fn run(&self) -> Result<ImportRun> {
        ImportRun::try_from(&self.row)
    }

    /// The currency lines are parsed in (the channel's).
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Writes one batch and the run's checkpoint in one transaction. A batch that does
    /// not start where the run's committed offset ends is refused (another importer is
    /// running the same file).
    pub async fn write_batch(&mut self, batch: ParsedBatch) -> Result<BatchOutcome> {
        let mut tx = self.app.db.begin_write().await?;
        let mut out = BatchOutcome::default();
        let end = (batch.end_offset, batch.end_line);
        let (orders, malformed) = self.sort_out(&mut tx, batch.lines, &mut out).await?;
        out.malformed = malformed;
        let rows = self.rows(&mut tx, orders).await?;
        let written = store::insert_orders(&mut tx, self.merchant, &rows.orders).await?;
        let written: HashSet<Uuid> = written.into_iter().collect();
        out.duplicates += (rows.orders.len() - written.len()) as u64;
        out.imported = written.len() as u64;
        let lines: Vec<LineRow> = (rows.lines.into_iter())
            .filter(|l| written.contains(&l.order_id))
            .collect();
        let payments: Vec<ImportedPaymentRow> = (rows.payments.into_iter())
            .filter(|p| written.contains(&p.order_id))
            .collect();
        store::insert_lines(&mut tx, self.merchant, &lines).await?;
        store::insert_payments(&mut tx, self.merchant, &payments).await?;
        let paid: i64 = payments.iter().map(|p| p.amount_minor).sum();
        self.checkpoint(&mut tx, &end, &out, paid).await?;
        tx.commit().await?;
        self.total = Money::from_minor(self.total.minor().saturating_add(paid), self.currency);
        Ok(out)
    }

    /// Splits the batch into orders to write and malformed lines (unknown SKU codes
    /// included); counts duplicates of the batch and of stored orders.
    async fn sort_out(
        &self,
        tx: &mut Tx,
        lines: Vec<ParsedLine>,
        out: &mut BatchOutcome,
    ) -> Result<(
        Vec<(HistoricOrder, HashMap<String, Uuid>)>,
        Vec<MalformedLine>,
    )> {
        let mut malformed = Vec::new();
        let mut good = Vec::with_capacity(lines.len());
        for l in lines {
            match l.order {
                Ok(o) => good.push((l.line, o)),
                Err(e) => malformed.push(MalformedLine {
                    line: l.line,
                    reason: e.0,
                }),
            }
        }
        let keys: HashSet<String> = good.iter().flat_map(|(_, o)| o.sku_keys()).collect();
        let keys: Vec<String> = keys.into_iter().collect();
        let skus: HashMap<String, Uuid> = store::sku_ids_by_key(tx, self.merchant, &keys)
            .await?
            .into_iter()
            .collect();
        let ids: Vec<String> = good
            .iter()
            .map(|(_, o)| o.order.external_id.as_ref().to_owned())
            .collect();
        let taken = store::taken_external_ids(tx, self.merchant, self.channel.id, &ids).await?;
        let mut seen: HashSet<String> = taken.into_iter().map(|(id,)| id).collect();
        let mut orders = Vec::with_capacity(good.len());
        for (line, o) in good {
            if let Some(unknown) = o.sku_keys().position(|k| !skus.contains_key(&k)) {
                let code = o.order.lines[unknown]
                    .item
                    .sku
                    .as_ref()
                    .map_or("", |s| s.as_ref());
                malformed.push(MalformedLine {
                    line,
                    reason: format!("order.lines[{unknown}].sku: no SKU with code {code:?}"),
                });
            } else if !seen.insert(o.order.external_id.as_ref().to_owned()) {
                out.duplicates += 1;
            } else {
                let own: HashMap<String, Uuid> = o
                    .sku_keys()
                    .filter_map(|k| skus.get(&k).map(|id| (k, *id)))
                    .collect();
                orders.push((o, own));
            }
        }
        malformed.sort_by_key(|m| m.line);
        Ok((orders, malformed))
    }

    /// Builds the batch's rows, numbering its orders from one range of the sequence.
    async fn rows(
        &self,
        tx: &mut Tx,
        orders: Vec<(HistoricOrder, HashMap<String, Uuid>)>,
    ) -> Result<Rows> {
        let mut rows = Rows::default();
        if orders.is_empty() {
            return Ok(rows);
        }
        let count = i64::try_from(orders.len()).map_err(corrupt)?;
        let last = store::take_order_sequences(tx, self.merchant, count).await?;
        let hours = ShipByHours::new(self.channel.ship_by_hours).map_err(corrupt)?;
        let now = time::to_db(self.app.now());
        for (i, (o, skus)) in orders.into_iter().enumerate() {
            let seq = last - count + 1 + i64::try_from(i).map_err(corrupt)?;
            let number = OrderNumber::new(&self.prefix, u64::try_from(seq).map_err(corrupt)?)
                .map_err(corrupt)?;
            let row = self.order_row(&o, number.to_string(), hours, now)?;
            for (pos, l) in o.order.lines.iter().enumerate() {
                let key = l.item.sku.as_ref().map(|s| s.as_ref().to_ascii_uppercase());
                let position = i64::try_from(pos).map_err(corrupt)?;
                let sku = key.and_then(|k| skus.get(&k).copied());
                let id = self.app.ids.new_id();
                rows.lines.push(LineRow {
                    item_product_id: None,
                    item_variant_id: None,
                    ..super::intake::line_row((id, row.id, position), l, (sku, None), now)
                });
            }
            for p in &o.payments {
                rows.payments.push(ImportedPaymentRow {
                    id: self.app.ids.new_id(),
                    order_id: row.id,
                    method: p.method.code().to_owned(),
                    state: p.state.code().to_owned(),
                    amount_minor: p.amount.minor(),
                    currency: self.currency.to_string(),
                    note: p.note.clone(),
                    installments: p.installments,
                    sequence: p.sequence,
                    at: row.placed_at,
                });
            }
            rows.orders.push(row);
        }
        Ok(rows)
    }

    /// The order's row: the status it ended in, no work queue, received when placed.
    fn order_row(
        &self,
        h: &HistoricOrder,
        number: String,
        hours: ShipByHours,
        now: i64,
    ) -> Result<OrderRow> {
        let o = &h.order;
        let t = &o.totals;
        let json = |v: &dyn erased::Json| v.to_json();
        let placed = time::to_db(o.placed_at);
        Ok(OrderRow {
            id: self.app.ids.new_id(),
            channel_id: self.channel.id,
            number,
            external_id: Some(o.external_id.to_string()),
            external_number: o.external_number.as_ref().map(ToString::to_string),
            source: ChannelPlatform::Api.code().to_owned(),
            status: h.status.code().to_owned(),
            payment_status: o.channel_state.payment.code().to_owned(),
            fulfilment_status: h.fulfilment.code().to_owned(),
            queue: None,
            hold_reasons: "[]".to_owned(),
            problems: "[]".to_owned(),
            risk_score: 0,
            backorder: false,
            customer_id: None,
            customer_email: o.customer.email.as_ref().map(ToString::to_string),
            customer_phone: o.customer.phone.as_ref().map(ToString::to_string),
            customer_name: o.customer.name.as_ref().map(ToString::to_string),
            shipping_address: o.shipping_address.as_ref().map(|a| json(a)).transpose()?,
            billing_address: o.billing_address.as_ref().map(|a| json(a)).transpose()?,
            currency: o.currency.to_string(),
            items_minor: t.items().minor(),
            discounts_minor: t.discounts().minor(),
            shipping_minor: t.shipping().minor(),
            fees_minor: t.fees().minor(),
            tax_minor: t.tax().minor(),
            tax_included: t.tax_included(),
            total_minor: t.total().minor(),
            cash_on_delivery: o.payment.cash_on_delivery,
            payment_gateways: json(&o.payment.gateways)?,
            channel_status: Some(h.status.code().to_owned()),
            note: o.note.as_ref().map(ToString::to_string),
            tags: json(&o.tags.iter().map(ToString::to_string).collect::<Vec<_>>())?,
            payload: None,
            placed_at: placed,
            received_at: placed,
            ship_by: time::to_db(hours.deadline(o.placed_at)),
            version: 0,
            created_at: now,
            updated_at: now,
        })
    }

    /// Moves the run's checkpoint to the batch's end with the batch's counts, keeps the
    /// first malformed lines and audits the batch, all in `tx`.
    async fn checkpoint(
        &mut self,
        tx: &mut Tx,
        end: &(u64, u64),
        out: &BatchOutcome,
        paid: i64,
    ) -> Result<()> {
        let expected = self.row.committed_offset;
        let mut row = self.row.clone();
        let room = usize::try_from((MAX_KEPT_PROBLEMS - row.malformed).max(0)).unwrap_or(0);
        let kept: Vec<(i64, String)> = (out.malformed.iter().take(room))
            .map(|m| Ok((to_i64(m.line)?, m.reason.clone())))
            .collect::<Result<_>>()?;
        store::insert_problems(tx, self.merchant, row.id, &kept).await?;
        let total = self.total.minor().saturating_add(paid);
        row.committed_offset = to_i64(end.0)?.max(expected);
        row.committed_line = to_i64(end.1)?.max(row.committed_line);
        row.imported += to_i64(out.imported)?;
        row.duplicates += to_i64(out.duplicates)?;
        row.malformed += to_i64(out.malformed.len() as u64)?;
        row.payment_total = Money::from_minor(total, self.currency).amount_text();
        row.updated_at = time::to_db(self.app.now());
        if !store::save_checkpoint(tx, self.merchant, &row, expected).await? {
            return Err(moved());
        }
        let change = Change {
            action: "order_import.batch",
            entity_type: "order_import",
            entity_id: Some(row.id.to_string()),
            merchant: Some(self.merchant),
            before: Some(serde_json::json!({"committed_line": self.row.committed_line})),
            after: Some(serde_json::json!({
                "committed_line": row.committed_line, "imported": out.imported,
                "duplicates": out.duplicates, "malformed": out.malformed.len(),
                "payment_total": Money::from_minor(paid, self.currency).amount_text(),
            })),
        };
        audit::record(&self.app, tx, &self.actor, change).await?;
        self.row = row;
        Ok(())
    }

    /// Marks the run completed; audited. Returns it.
    pub async fn finish(mut self) -> Result<ImportRun> {
        let mut tx = self.app.db.begin_write().await?;
        let expected = self.row.committed_offset;
        let mut row = self.row.clone();
        row.status = "completed".to_owned();
        row.updated_at = time::to_db(self.app.now());
        row.finished_at = Some(row.updated_at);
        if !store::save_checkpoint(&mut tx, self.merchant, &row, expected).await? {
            return Err(moved());
        }
        let change = Change {
            action: "order_import.complete",
            entity_type: "order_import",
            entity_id: Some(row.id.to_string()),
            merchant: Some(self.merchant),
            before: None,
            after: Some(serde_json::json!({
                "imported": row.imported, "duplicates": row.duplicates,
                "malformed": row.malformed, "payment_total": row.payment_total,
            })),
        };
        audit::record(&self.app, &mut tx, &self.actor, change).await?;
        tx.commit().await?;
        self.row = row;
        self.run()
    }
}

fn moved() -> Error {
    Error::Conflict {
        code: "import-moved",
        message: "another importer is running this file; let it finish or rerun later".to_owned(),
    }
}

/// JSON text of any serialisable value, behind a trait object so one closure serves them.
mod erased {
    use crate::error::{Error, Result};

    pub(super) trait Json {
        fn to_json(&self) -> Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String> {
            serde_json::to_string(self).map_err(Error::internal)
        }
    }
}

/// The merchant's import runs, newest first. Needs `orders.read`.
pub async fn list_imports(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    limit: u32,
) -> Result<Vec<ImportRun>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_runs(&mut tx, merchant, limit.clamp(1, 200)).await?;
    rows.iter().map(ImportRun::try_from).collect()
}

/// One run with its kept malformed lines. Needs `orders.read`.
pub async fn get_import(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
) -> Result<(ImportRun, Vec<MalformedLine>)> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = store::get_run(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "order import",
        })?;
    let problems = store::problems_of(&mut tx, merchant, id, 1_000).await?;
    let problems = problems
        .into_iter()
        .map(|(line, reason)| MalformedLine {
            line: to_u64(line),
            reason,
        })
        .collect();
    Ok((ImportRun::try_from(&row)?, problems))
}
