//! CSV import (ORD-1, docs/orders-csv.md): each order of the file is taken in through the
//! same intake as every other path, in its own transaction, and the report says per order
//! what became of it with the rows it came from. An order whose rows cannot be mapped is
//! reported, not stored: the person importing is there to fix the file and upload it again
//! (intake is idempotent by external id, so the orders already taken in come back as
//! duplicates).

use omnihub_domain::access::Permission;
use omnihub_domain::channels::{ChannelId, ChannelPlatform, OrderTopic};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::csv_format::{self, CsvOrder};
use omnihub_domain::orders::{OrderId, WorkQueue};

use super::intake::{Delivery, IntakeOutcome, take_order_in};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// One problem of an imported order, at its row and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// Spreadsheet row (header = 1).
    pub row: u64,
    /// Column name, when it is about one cell.
    pub column: Option<String>,
    /// Stable code.
    pub code: String,
    /// For people.
    pub message: String,
}

/// What became of one order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedOrder {
    /// Its rows.
    pub rows: Vec<u64>,
    /// Its external id.
    pub external_id: Option<String>,
    /// `created`, `duplicate`, `updated`, `exception` (created, but in the exception
    /// queue) or `invalid` (not stored; see problems).
    pub outcome: &'static str,
    /// The order, when stored.
    pub order_id: Option<OrderId>,
    /// Its number, when stored.
    pub number: Option<String>,
    /// Why it is invalid or excepted.
    pub problems: Vec<ImportProblem>,
}

/// The import report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Per order, in file order.
    pub orders: Vec<ImportedOrder>,
}

impl ImportReport {
    /// How many orders ended with `outcome`.
    pub fn count(&self, outcome: &str) -> usize {
        self.orders.iter().filter(|o| o.outcome == outcome).count()
    }
}

/// Imports a CSV file of orders into a channel. Needs `orders.manage`. A file-level
/// problem (not UTF-8, unknown column, too many rows...) refuses the whole file (422).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel), err)]
pub async fn import_csv(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    bytes: &[u8],
) -> Result<ImportReport> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let file = csv_format::parse(bytes).map_err(|e| Error::invalid("file", "invalid", e))?;
    {
        let mut tx = app.db.begin_read().await?;
        crate::channels::require_channel(&mut tx, merchant, channel).await?;
    }
    let mut report = ImportReport::default();
    for order in file.orders {
        report
            .orders
            .push(import_one(app, actor, merchant, channel, bytes, order).await?);
    }
    Ok(report)
}

async fn import_one(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    bytes: &[u8],
    order: CsvOrder,
) -> Result<ImportedOrder> {
    let problems = |o: &CsvOrder| {
        o.problems()
            .into_iter()
            .map(|p| ImportProblem {
                row: p.row,
                column: p.column,
                code: p.code.to_owned(),
                message: p.message,
            })
            .collect::<Vec<_>>()
    };
    if order.result.is_err() {
        return Ok(ImportedOrder {
            problems: problems(&order),
            rows: order.rows,
            external_id: order.external_id,
            outcome: "invalid",
            order_id: None,
            number: None,
        });
    }
    let payload = csv_format::extract_rows(bytes, &order.rows)
        .map_err(|e| Error::invalid("file", "invalid", e))?;
    let delivery = Delivery {
        channel,
        source: ChannelPlatform::Csv,
        topic: OrderTopic::Created,
        payload,
        mapped: order.result.clone(),
    };
    let mut tx = app.db.begin_write().await?;
    let intake = take_order_in(app, &mut tx, actor, merchant, &delivery, None).await?;
    tx.commit().await?;
    let o = &intake.order.order;
    let excepted =
        intake.outcome == IntakeOutcome::Created && o.queue == Some(WorkQueue::Exception);
    Ok(ImportedOrder {
        rows: order.rows,
        external_id: order.external_id,
        outcome: if excepted {
            "exception"
        } else {
            intake.outcome.code()
        },
        order_id: Some(o.id),
        number: Some(o.number.clone()),
        problems: o
            .problems
            .iter()
            .map(|p| ImportProblem {
                row: 0,
                column: p.field.clone(),
                code: p.code.clone(),
                message: p.message.clone(),
            })
            .collect(),
    })
}
