//! The order CSV import template (docs/orders-csv.md): one row per order line, rows of one
//! order sharing its `external_id` and standing next to each other.
//!
//! The rows of each order are turned into our own API body ([`ApiOrder`]) and mapped by
//! [`api_format`](super::api_format), so a CSV order obeys exactly the rules of
//! `POST /api/v1/orders`; only the `total` is optional here (computed when blank). Every
//! problem the mapping finds is moved back from its JSON path to the CSV row and column
//! it came from ([`MappingProblem::InRow`]), so the report can point at the cell.
//!
//! Problems with the file as a whole (not UTF-8, no header, an unknown or missing column,
//! too many rows) are a [`CsvError`]; problems with one order only fail that order.
//! Parsing is pure: the caller reads the bytes and stores the orders.

use std::collections::HashMap;

use crate::channels::ExternalId;
use crate::money::{Currency, Money, MoneyError};

use super::MappingProblem;
use super::api_format::{ApiAddress, ApiCustomer, ApiLine, ApiOrder};
use super::intake::{Unmappable, channel_amount};
use super::types::IncomingOrder;

/// Most data rows in one file (blank rows count): larger imports are split by the client,
/// so one request stays a bounded amount of work.
pub const MAX_ROWS: usize = 10_000;

/// The header line of the template, every column in the documented order, for the
/// console's template download.
pub const TEMPLATE_HEADER: &str = "external_id,number,placed_at,currency,payment_status,\
cash_on_delivery,customer_email,customer_phone,customer_name,ship_name,ship_phone,\
ship_country,ship_province,ship_city,ship_postcode,ship_address1,ship_address2,sku,title,\
quantity,unit_price,line_discount,line_tax,shipping,order_discount,total,note,tags";

/// Why a whole file was refused (nothing in it is imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The bytes are not UTF-8 (spreadsheets must save as "CSV UTF-8").
    #[error("the file is not UTF-8 text (first bad byte at offset {offset}); save it as CSV UTF-8")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// An empty file, or a first row with no column names.
    #[error("the file has no header row")]
    NoHeader,
    /// A header cell that names no column of the template (or is blank).
    #[error("column {position} of the header, {column:?}, is not a column of the template")]
    UnknownColumn {
        /// The header cell as written.
        column: String,
        /// 1-based position in the header.
        position: usize,
    },
    /// A column named twice.
    #[error("the header names {column} twice")]
    DuplicateColumn {
        /// The column.
        column: &'static str,
    },
    /// A column every order needs is absent from the header.
    #[error("the header has no {column} column")]
    MissingColumn {
        /// The column.
        column: &'static str,
    },
    /// More than [`MAX_ROWS`] data rows.
    #[error("the file has more than {max} rows; split it")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
    /// The CSV itself cannot be read.
    #[error("row {row} cannot be read as CSV: {detail}")]
    Unreadable {
        /// The row as a spreadsheet numbers it.
        row: u64,
        /// What the reader said.
        detail: String,
    },
}

impl CsvError {
    /// A stable code for the problem response.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotUtf8 { .. } => "not_utf8",
            Self::NoHeader => "no_header",
            Self::UnknownColumn { .. } => "unknown_column",
            Self::DuplicateColumn { .. } => "duplicate_column",
            Self::MissingColumn { .. } => "missing_column",
            Self::TooManyRows { .. } => "too_many_rows",
            Self::Unreadable { .. } => "unreadable_csv",
        }
    }
}

/// A parsed file: its orders in the order their first rows appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvImport {
    /// One entry per order (per `external_id`; a row without one is an entry of its own).
    pub orders: Vec<CsvOrder>,
}

/// One order of the file and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOrder {
    /// Its rows as a spreadsheet numbers them: the header is row 1, the first data row
    /// row 2 (a quoted value with line breaks still counts as one row).
    pub rows: Vec<u64>,
    /// The `external_id` the rows share, when it is usable.
    pub external_id: Option<String>,
    /// The order, or every problem found, each a [`MappingProblem::InRow`].
    pub result: Result<IncomingOrder, Unmappable>,
}

/// One problem of a [`CsvOrder`], flattened for the import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// The row.
    pub row: u64,
    /// The column, when the problem belongs to one cell.
    pub column: Option<String>,
    /// The stable [`MappingProblem::code`].
    pub code: &'static str,
    /// A human message.
    pub message: String,
}

impl CsvOrder {
    /// The problems of an invalid order, in row order; empty for a valid one.
    pub fn problems(&self) -> Vec<CsvProblem> {
        let Err(u) = &self.result else {
            return Vec::new();
        };
        let first = self.rows.first().copied().unwrap_or(1);
        u.problems
            .iter()
            .map(|p| match p {
                MappingProblem::InRow {
                    row,
                    column,
                    problem,
                } => CsvProblem {
                    row: *row,
                    column: column.clone(),
                    code: problem.code(),
                    message: problem.to_string(),
                },
                other => CsvProblem {
                    row: first,
                    column: None,
                    code: other.code(),
                    message: other.to_string(),
                },
            })
            .collect()
    }
}

/// The template's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    ExternalId,
    Number,
    PlacedAt,
    Currency,
    PaymentStatus,
    CashOnDelivery,
    CustomerEmail,
    CustomerPhone,
    CustomerName,
    ShipName,
    ShipPhone,
    ShipCountry,
    ShipProvince,
    ShipCity,
    ShipPostcode,
    ShipAddress1,
    ShipAddress2,
    Sku,
    Title,
    Quantity,
    UnitPrice,
    LineDiscount,
    LineTax,
    Shipping,
    OrderDiscount,
    Total,
    Note,
    Tags,
}

impl Col {
    const ALL: [Self; 28] = [
        Self::ExternalId,
        Self::Number,
        Self::PlacedAt,
        Self::Currency,
        Self::PaymentStatus,
        Self::CashOnDelivery,
        Self::CustomerEmail,
        Self::CustomerPhone,
        Self::CustomerName,
        Self::ShipName,
        Self::ShipPhone,
        Self::ShipCountry,
        Self::ShipProvince,
        Self::ShipCity,
        Self::ShipPostcode,
        Self::ShipAddress1,
        Self::ShipAddress2,
        Self::Sku,
        Self::Title,
        Self::Quantity,
        Self::UnitPrice,
        Self::LineDiscount,
        Self::LineTax,
        Self::Shipping,
        Self::OrderDiscount,
        Self::Total,
        Self::Note,
        Self::Tags,
    ];

    /// The header names, in the order of [`Self::ALL`] and of [`TEMPLATE_HEADER`].
    const NAMES: [&'static str; 28] = [
        "external_id",
        "number",
        "placed_at",
        "currency",
        "payment_status",
        "cash_on_delivery",
        "customer_email",
        "customer_phone",
        "customer_name",
        "ship_name",
        "ship_phone",
        "ship_country",
        "ship_province",
        "ship_city",
        "ship_postcode",
        "ship_address1",
        "ship_address2",
        "sku",
        "title",
        "quantity",
        "unit_price",
        "line_discount",
        "line_tax",
        "shipping",
        "order_discount",
        "total",
        "note",
        "tags",
    ];

    fn name(self) -> &'static str {
        // In bounds: both arrays have one entry per variant.
        Self::NAMES[self as usize]
    }

    /// Columns the header must have: without them no order can be valid.
    const fn required(self) -> bool {
        matches!(
            self,
            Self::ExternalId
                | Self::PlacedAt
                | Self::Currency
                | Self::Sku
                | Self::Quantity
                | Self::UnitPrice
        )
    }

    /// Columns that belong to one line; the others (but `external_id`) to the order.
    const fn per_line(self) -> bool {
        matches!(
            self,
            Self::Sku
                | Self::Title
                | Self::Quantity
                | Self::UnitPrice
                | Self::LineDiscount
                | Self::LineTax
        )
    }
}

/// One data row, its cells by column (trimmed; blank when the header lacks the column).
#[derive(Debug)]
struct Row {
    number: u64,
    cells: Vec<String>,
    /// A row with another number of fields than the header (its cells may be shifted).
    width: Option<(usize, usize)>,
}

impl Row {
    fn get(&self, c: Col) -> &str {
        self.cells.get(c as usize).map_or("", String::as_str)
    }

    fn opt(&self, c: Col) -> Option<String> {
        let v = self.get(c);
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// Parses a whole file. File-level problems refuse it; each order's own problems are in
/// its [`CsvOrder::result`] and leave the other orders alone.
pub fn parse(bytes: &[u8]) -> Result<CsvImport, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    // Excel's "CSV UTF-8" starts with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let positions = header(&mut reader)?;
    let rows = rows(&mut reader, &positions)?;
    let orders = group(rows).into_iter().map(Group::into_order).collect();
    Ok(CsvImport { orders })
}

/// The header and the given rows of a file as a CSV file of their own: what an imported
/// order keeps as its payload, so it can be parsed again once its exception is fixed.
/// Rows are numbered as in [`CsvOrder::rows`]; numbers outside the file are skipped.
pub fn extract_rows(bytes: &[u8], wanted: &[u64]) -> Result<String, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for (i, record) in reader.records().enumerate() {
        let number = u64::try_from(i).map_or(u64::MAX, |i| i + 1);
        let record = record.map_err(|e| CsvError::Unreadable {
            row: number,
            detail: e.to_string(),
        })?;
        if number == 1 || wanted.contains(&number) {
            writer
                .write_record(&record)
                .map_err(|e| CsvError::Unreadable {
                    row: number,
                    detail: e.to_string(),
                })?;
        }
    }
    let out = writer.into_inner().map_err(|e| CsvError::Unreadable {
        row: 0,
        detail: e.to_string(),
    })?;
    String::from_utf8(out).map_err(|e| CsvError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads the header: for each template column, its position in the file's rows.
fn header(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<Option<usize>>, CsvError> {
    let names = reader.headers().map_err(|e| CsvError::Unreadable {
        row: 1,
        detail: e.to_string(),
    })?;
    if names.iter().all(str::is_empty) {
        return Err(CsvError::NoHeader);
    }
    let mut positions = vec![None; Col::ALL.len()];
    for (i, raw) in names.iter().enumerate() {
        let name = raw.to_ascii_lowercase();
        let col = Col::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| CsvError::UnknownColumn {
                column: raw.to_owned(),
                position: i + 1,
            })?;
        // `positions` has one slot per column, so the slot is always there.
        let taken = positions
            .get_mut(col as usize)
            .and_then(|slot| slot.replace(i));
        if taken.is_some() {
            return Err(CsvError::DuplicateColumn { column: col.name() });
        }
    }
    let missing = Col::ALL
        .into_iter()
        .find(|c| c.required() && positions.get(*c as usize).copied().flatten().is_none());
    match missing {
        Some(c) => Err(CsvError::MissingColumn { column: c.name() }),
        None => Ok(positions),
    }
}

/// Reads the data rows, skipping blank ones.
fn rows(
    reader: &mut csv::Reader<&[u8]>,
    positions: &[Option<usize>],
) -> Result<Vec<Row>, CsvError> {
    let width = positions.iter().flatten().count();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(CsvError::TooManyRows { max: MAX_ROWS });
        }
        let number = u64::try_from(i).map_or(u64::MAX, |i| i + 2);
        let record = record.map_err(|e| CsvError::Unreadable {
            row: number,
            detail: e.to_string(),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cells = positions
            .iter()
            .map(|p| p.and_then(|p| record.get(p)).unwrap_or("").to_owned())
            .collect();
        rows.push(Row {
            number,
            cells,
            width: (record.len() != width).then_some((record.len(), width)),
        });
    }
    Ok(rows)
}

/// The rows of one order, and the problems found while grouping them.
#[derive(Debug)]
struct Group {
    first: Row,
    more: Vec<Row>,
    problems: Vec<MappingProblem>,
}

impl Group {
    fn rows(&self) -> impl Iterator<Item = &Row> {
        std::iter::once(&self.first).chain(&self.more)
    }

    fn row(&self, line: usize) -> &Row {
        match line.checked_sub(1) {
            None => &self.first,
            Some(i) => self.more.get(i).unwrap_or(&self.first),
        }
    }
}

/// Groups consecutive rows with the same `external_id`. A later block of an id already
/// seen joins its order with a problem (a repeated paste must not import twice, and must
/// not silently add to the first block either). Rows without an id stand alone.
fn group(rows: Vec<Row>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The group of the previous row: a row continues its order only right after it.
    let mut previous = None;
    for row in rows {
        let id = row.get(Col::ExternalId).to_owned();
        let at = (!id.is_empty()).then(|| seen.get(&id).copied()).flatten();
        match at {
            Some(g) => {
                let block_starts = previous != Some(g);
                previous = Some(g);
                if let Some(group) = groups.get_mut(g) {
                    if block_starts {
                        group.problems.push(in_cell(
                            row.number,
                            Col::ExternalId,
                            MappingProblem::Conflicting {
                                field: Col::ExternalId.name().into(),
                                reason: format!(
                                    "the rows of order {id} must be consecutive; it starts at row {}",
                                    group.first.number
                                ),
                            },
                        ));
                    }
                    group.more.push(row);
                }
            }
            None => {
                previous = Some(groups.len());
                if !id.is_empty() {
                    seen.insert(id, groups.len());
                }
                groups.push(Group {
                    first: row,
                    more: Vec::new(),
                    problems: Vec::new(),
                });
            }
        }
    }
    groups
}

fn in_cell(row: u64, col: Col, problem: MappingProblem) -> MappingProblem {
    MappingProblem::InRow {
        row,
        column: Some(col.name().to_owned()),
        problem: Box::new(problem),
    }
}

impl Group {
    fn into_order(mut self) -> CsvOrder {
        let rows = self.rows().map(|r| r.number).collect();
        let raw_id = self.first.get(Col::ExternalId);
        let external_id = ExternalId::parse(raw_id).is_ok().then(|| raw_id.to_owned());
        self.check_rows();
        let cash_on_delivery = self.cash_on_delivery();
        let payment_status = self.payment_status();
        let mut api = self.api_order(cash_on_delivery);
        api.payment_status = payment_status;
        let mut problems = std::mem::take(&mut self.problems);
        let result = match IncomingOrder::try_from(&api) {
            Ok(order) if problems.is_empty() => Ok(order),
            Ok(order) => Err(Unmappable {
                external_id: Some(order.external_id),
                external_number: order.external_number,
                problems,
            }),
            Err(mut u) => {
                // Every row is a line, so "no lines" only follows a refused quantity,
                // which is reported on its row already.
                let located = u
                    .problems
                    .into_iter()
                    .filter(|p| *p != MappingProblem::NoLines);
                problems.extend(located.map(|p| self.locate(p)));
                u.problems = problems;
                Err(u)
            }
        };
        let result = result.map_err(|mut u| {
            u.problems.sort_by_key(row_of);
            u
        });
        CsvOrder {
            rows,
            external_id,
            result,
        }
    }

    /// Rows of the wrong width, and order-level values that differ from the first row.
    fn check_rows(&mut self) {
        let mut found = Vec::new();
        for row in self.rows() {
            if let Some((got, want)) = row.width {
                found.push(MappingProblem::InRow {
                    row: row.number,
                    column: None,
                    problem: Box::new(MappingProblem::Malformed {
                        detail: format!("the row has {got} fields, the header {want}"),
                    }),
                });
            }
        }
        let order_level = Col::ALL
            .into_iter()
            .filter(|c| !c.per_line() && *c != Col::ExternalId);
        for col in order_level {
            let first = self.first.get(col);
            for row in &self.more {
                let v = row.get(col);
                if v.is_empty() || v == first {
                    continue;
                }
                let reason = if first.is_empty() {
                    format!(
                        "row {} leaves it blank; give order-level values on the first row of the order",
                        self.first.number
                    )
                } else {
                    format!(
                        "row {} says {first:?}; leave it blank or repeat it exactly",
                        self.first.number
                    )
                };
                let field = col.name().to_owned();
                found.push(in_cell(
                    row.number,
                    col,
                    MappingProblem::Conflicting { field, reason },
                ));
            }
        }
        self.problems.extend(found);
    }

    fn cash_on_delivery(&mut self) -> bool {
        let raw = self.first.get(Col::CashOnDelivery);
        if raw.is_empty() || raw.eq_ignore_ascii_case("false") {
            return false;
        }
        if raw.eq_ignore_ascii_case("true") {
            return true;
        }
        let field = Col::CashOnDelivery.name().to_owned();
        let reason = format!("{raw:?} must be true or false");
        let p = in_cell(
            self.first.number,
            Col::CashOnDelivery,
            MappingProblem::BadValue { field, reason },
        );
        self.problems.push(p);
        false
    }

    /// The template allows only the states an order can start in; `refunded` and
    /// `partially_refunded`, which the API accepts for channel updates, are refused here.
    fn payment_status(&mut self) -> Option<String> {
        let raw = self.first.opt(Col::PaymentStatus)?;
        if !["unpaid", "paid", "authorized"].contains(&raw.as_str()) {
            let field = Col::PaymentStatus.name().to_owned();
            let reason = format!("{raw:?} must be unpaid, paid or authorized");
            let p = in_cell(
                self.first.number,
                Col::PaymentStatus,
                MappingProblem::BadValue { field, reason },
            );
            self.problems.push(p);
            return None;
        }
        Some(raw)
    }
}

fn row_of(p: &MappingProblem) -> u64 {
    match p {
        MappingProblem::InRow { row, .. } => *row,
        _ => 0,
    }
}

impl Group {
    /// The API body the rows stand for: order-level values from the first row, one line
    /// per row.
    fn api_order(&self, cash_on_delivery: bool) -> ApiOrder {
        let f = &self.first;
        let any_ship = [
            Col::ShipName,
            Col::ShipPhone,
            Col::ShipCountry,
            Col::ShipProvince,
            Col::ShipCity,
            Col::ShipPostcode,
            Col::ShipAddress1,
            Col::ShipAddress2,
        ]
        .into_iter()
        .any(|c| !f.get(c).is_empty());
        let mut api = ApiOrder {
            external_id: f.get(Col::ExternalId).to_owned(),
            number: f.opt(Col::Number),
            currency: f.get(Col::Currency).to_owned(),
            placed_at: f.get(Col::PlacedAt).to_owned(),
            payment_status: f.opt(Col::PaymentStatus),
            payment_method: None,
            cash_on_delivery,
            cancelled: false,
            customer: ApiCustomer {
                email: f.opt(Col::CustomerEmail),
                phone: f.opt(Col::CustomerPhone),
                name: f.opt(Col::CustomerName),
            },
            shipping_address: any_ship.then(|| ApiAddress {
                name: f.opt(Col::ShipName),
                company: None,
                phone: f.opt(Col::ShipPhone),
                country: f.opt(Col::ShipCountry),
                province: f.opt(Col::ShipProvince),
                city: f.opt(Col::ShipCity),
                postcode: f.opt(Col::ShipPostcode),
                // Both, blanks included, so `lines[i]` in a problem is address line i + 1.
                lines: vec![
                    f.get(Col::ShipAddress1).to_owned(),
                    f.get(Col::ShipAddress2).to_owned(),
                ],
            }),
            billing_address: None,
            lines: self.rows().map(line).collect(),
            order_discount: f.opt(Col::OrderDiscount),
            shipping: f.opt(Col::Shipping),
            fees: None,
            extra_tax: None,
            tax_included: false,
            total: f.opt(Col::Total),
            note: f.opt(Col::Note),
            tags: f
                .get(Col::Tags)
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        if api.total.is_none() {
            api.total = Some(computed_total(&api));
        }
        api
    }

    /// Moves a problem of the mapping from its JSON path to its row and column.
    fn locate(&self, p: MappingProblem) -> MappingProblem {
        let path = match &p {
            MappingProblem::Missing { field }
            | MappingProblem::BadQuantity { field, .. }
            | MappingProblem::BadAmount { field, .. }
            | MappingProblem::BadValue { field, .. }
            | MappingProblem::LineWithoutItem { field }
            | MappingProblem::Conflicting { field, .. } => field.clone(),
            MappingProblem::UnknownCurrency { .. } => "currency".into(),
            MappingProblem::Totals(_) => "total".into(),
            MappingProblem::UnknownSku { line, .. } => format!("lines[{line}].sku"),
            MappingProblem::Malformed { .. }
            | MappingProblem::NoLines
            | MappingProblem::InRow { .. } => String::new(),
        };
        let (line, col) = column_of(&path);
        let row = line.map_or(&self.first, |i| self.row(i));
        let Some(col) = col else {
            return MappingProblem::InRow {
                row: row.number,
                column: None,
                problem: Box::new(p),
            };
        };
        in_cell(row.number, col, renamed(p, col, row.get(col)))
    }
}

fn line(row: &Row) -> ApiLine {
    ApiLine {
        sku: row.get(Col::Sku).to_owned(),
        external_line_id: None,
        title: row.opt(Col::Title),
        // Not a whole number: 0, which the mapping refuses (`renamed` restores the text).
        quantity: row.get(Col::Quantity).parse().unwrap_or(0),
        unit_price: row.get(Col::UnitPrice).to_owned(),
        discount: row.opt(Col::LineDiscount),
        tax: row.opt(Col::LineTax),
    }
}

/// `Σ(unit × quantity - discount + tax) + shipping - order discount`, for an order that
/// leaves `total` blank. A figure that cannot be read gives `0`: the mapping reports that
/// figure and leaves out the knock-on mismatch.
fn computed_total(api: &ApiOrder) -> String {
    let Ok(currency) = Currency::parse(api.currency.trim()) else {
        return "0".into();
    };
    let amount =
        |raw: Option<&str>| raw.map_or(Ok(Money::zero(currency)), |r| channel_amount(r, currency));
    let sum = || -> Result<Money, MoneyError> {
        let mut total = amount(api.shipping.as_deref())?;
        for l in &api.lines {
            let unit = amount(Some(&l.unit_price))?;
            let subtotal = unit
                .minor()
                .checked_mul(l.quantity)
                .ok_or(MoneyError::Overflow)?;
            total = total
                .checked_add(Money::from_minor(subtotal, currency))?
                .checked_add(amount(l.tax.as_deref())?)?
                .checked_sub(amount(l.discount.as_deref())?)?;
        }
        total.checked_sub(amount(api.order_discount.as_deref())?)
    };
    match sum() {
        Ok(m) if m.minor() >= 0 => m.amount_text(),
        _ => "0".into(),
    }
}

/// The line index (for `lines[i].…`) and CSV column of an [`ApiOrder`] field path.
fn column_of(path: &str) -> (Option<usize>, Option<Col>) {
    if let Some((index, field)) = path
        .strip_prefix("lines[")
        .and_then(|rest| rest.split_once("]."))
    {
        let col = match field {
            "sku" | "external_line_id" => Col::Sku,
            "title" => Col::Title,
            "quantity" => Col::Quantity,
            "unit_price" => Col::UnitPrice,
            "discount" => Col::LineDiscount,
            _ => Col::LineTax,
        };
        return (index.parse().ok(), Some(col));
    }
    let col = match path {
        "id" => Col::ExternalId,
        "number" => Col::Number,
        "placed_at" => Col::PlacedAt,
        "currency" => Col::Currency,
        "payment_status" => Col::PaymentStatus,
        "customer.email" => Col::CustomerEmail,
        "customer.phone" => Col::CustomerPhone,
        "customer.name" => Col::CustomerName,
        "shipping_address.name" => Col::ShipName,
        "shipping_address.phone" => Col::ShipPhone,
        "shipping_address.country" => Col::ShipCountry,
        "shipping_address.province" => Col::ShipProvince,
        "shipping_address.city" => Col::ShipCity,
        "shipping_address.postcode" => Col::ShipPostcode,
        "shipping_address.lines[0]" => Col::ShipAddress1,
        "shipping_address.lines[1]" => Col::ShipAddress2,
        "shipping" => Col::Shipping,
        "order_discount" => Col::OrderDiscount,
        "total" => Col::Total,
        "note" => Col::Note,
        p if p.starts_with("tags") => Col::Tags,
        _ => return (None, None),
    };
    (None, Some(col))
}

/// `p` with the column as its field and the cell's own text: the mapping saw a blank cell
/// as an empty amount or a refused quantity as `0`.
fn renamed(p: MappingProblem, col: Col, cell: &str) -> MappingProblem {
    let field = col.name().to_owned();
    match p {
        MappingProblem::BadQuantity { .. } | MappingProblem::BadAmount { .. }
            if cell.is_empty() =>
        {
            MappingProblem::Missing { field }
        }
        MappingProblem::BadQuantity { .. } => MappingProblem::BadQuantity {
            field,
            raw: cell.to_owned(),
        },
        MappingProblem::BadAmount { raw, reason, .. } => {
            MappingProblem::BadAmount { field, raw, reason }
        }
        // Only the order id is "missing" although given: it is unusable.
        MappingProblem::Missing { .. } if !cell.is_empty() => MappingProblem::BadValue {
            reason: ExternalId::parse(cell)
                .err()
                .map_or_else(|| "is not usable".to_owned(), |e| e.to_string()),
            field,
        },
        MappingProblem::Missing { .. } => MappingProblem::Missing { field },
        MappingProblem::BadValue { reason, .. } => MappingProblem::BadValue { field, reason },
        MappingProblem::LineWithoutItem { .. } => MappingProblem::LineWithoutItem { field },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::PaymentStatus;
    use proptest::prelude::*;

    const SAMPLE: &str = include_str!("../../../../docs/samples/orders-import.csv");

    /// A one-order file: the template header and `rows`, each a list of (column, value).
    fn file(rows: &[&[(&str, &str)]]) -> String {
        let mut out = format!("{TEMPLATE_HEADER}\n");
        for row in rows {
            let cells: Vec<String> = Col::ALL
                .iter()
                .map(|c| {
                    let v = row
                        .iter()
                        .find(|(k, _)| *k == c.name())
                        .map_or("", |(_, v)| v);
                    format!("\"{}\"", v.replace('"', "\"\""))
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    fn order_row<'a>(
        id: &'a str,
        sku: &'a str,
        qty: &'a str,
        price: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        vec![
            ("external_id", id),
            ("placed_at", "2026-03-01T09:30:00+08:00"),
            ("currency", "CNY"),
            ("sku", sku),
            ("quantity", qty),
            ("unit_price", price),
        ]
    }

    fn line_row<'a>(
        id: &'a str,
        sku: &'a str,
        qty: &'a str,
        price: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        vec![
            ("external_id", id),
            ("sku", sku),
            ("quantity", qty),
            ("unit_price", price),
        ]
    }

    fn parse_str(s: &str) -> CsvImport {
        parse(s.as_bytes()).unwrap()
    }

    /// (row, column, code) of each problem of `o`.
    fn cells(o: &CsvOrder) -> Vec<(u64, Option<String>, &'static str)> {
        o.problems()
            .into_iter()
            .map(|p| (p.row, p.column, p.code))
            .collect()
    }

    fn col(c: &str) -> Option<String> {
        Some(c.to_owned())
    }

    #[test]
    fn the_header_constant_lists_every_column_once() {
        let names: Vec<&str> = Col::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, Col::NAMES, "ALL and NAMES are in the same order");
        assert_eq!(names.join(","), TEMPLATE_HEADER);
        assert_eq!(names.first(), Some(&"external_id"));
        assert_eq!(names.last(), Some(&"tags"));
        let only_header = parse_str(TEMPLATE_HEADER);
        assert!(only_header.orders.is_empty());
    }

    #[test]
    fn the_sample_file_parses_to_its_three_orders() {
        let import = parse_str(SAMPLE);
        let summary: Vec<(Vec<u64>, Option<&str>)> = import
            .orders
            .iter()
            .map(|o| (o.rows.clone(), o.external_id.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (vec![2, 3], Some("WEB-1001")),
                (vec![4], Some("WEB-1002")),
                (vec![5, 6], Some("WEB-1003")),
            ],
            "a quoted note with a line break still counts as one row"
        );
        let [a, b, c] = [0, 1, 2].map(|i| import.orders[i].result.as_ref().unwrap());
        assert_eq!(a.external_number.as_ref().unwrap().as_ref(), "1001");
        assert_eq!(a.channel_state.payment, PaymentStatus::Paid);
        assert_eq!(a.lines.len(), 2);
        assert_eq!(a.lines[1].item.sku.as_ref().unwrap().as_ref(), "CAP");
        assert_eq!(a.totals.total().minor(), 24490);
        assert_eq!(a.totals.discounts().minor(), 1500);
        let tags: Vec<&str> = a.tags.iter().map(AsRef::as_ref).collect();
        assert_eq!(tags, ["vip", "gift"]);
        assert!(
            a.shipping_address
                .as_ref()
                .unwrap()
                .missing_parts()
                .is_empty()
        );
        assert_eq!(b.currency.to_string(), "USD");
        assert_eq!(b.channel_state.payment, PaymentStatus::Authorized);
        assert_eq!(b.totals.total().minor(), 3203, "a blank total is computed");
        assert_eq!(b.lines[0].title.as_ref().unwrap().as_ref(), "Mug, blue");
        assert_eq!(b.shipping_address.as_ref().unwrap().lines.len(), 2);
        assert_eq!(b.placed_at.to_string(), "2026-03-01T15:05:00Z");
        assert!(c.payment.cash_on_delivery);
        assert_eq!(c.lines.iter().map(|l| l.quantity.get()).sum::<i64>(), 3);
        assert!(c.note.as_ref().unwrap().as_ref().contains('\n'));
    }

    #[test]
    fn the_sample_maps_to_the_same_order_as_the_api_body() {
        let body = serde_json::json!({
            "external_id": "WEB-1002", "number": "1002", "currency": "USD",
            "placed_at": "2026-03-01T10:05:00-05:00", "payment_status": "authorized",
            "customer": {"email": "bob@example.com", "name": "Bob Norman"},
            "shipping_address": {"name": "Bob Norman", "phone": "+1 502 459 2181",
                "country": "US", "province": "KY", "city": "Louisville", "postcode": "40202",
                "lines": ["Chestnut Street 92", "Apt 4"]},
            "lines": [{"sku": "MUG-BLUE", "title": "Mug, blue", "quantity": 3,
                "unit_price": "8.50", "tax": "1.53"}],
            "shipping": "5.00", "total": "32.03"
        });
        let api = ApiOrder::map_body(&serde_json::to_vec(&body).unwrap()).unwrap();
        let csv = parse_str(SAMPLE).orders.remove(1).result.unwrap();
        assert_eq!(csv, api);
    }

    #[test]
    fn headers_are_case_insensitive_in_any_order_and_may_leave_optional_columns_out() {
        let text = "\u{feff}Unit_Price, SKU ,quantity,Currency,placed_at,EXTERNAL_ID,total\n\
                    19.90,TEE,2,CNY,2026-03-01T09:30:00Z,X-1,39.80\n";
        let import = parse_str(text);
        let o = import.orders[0].result.as_ref().unwrap();
        assert_eq!(o.totals.total().minor(), 3980);
        assert_eq!(o.lines[0].quantity.get(), 2);
    }

    #[test]
    fn file_level_problems_refuse_the_whole_file() {
        let cases: [(&[u8], &str); 8] = [
            (b"external_id,sku\n\xff\xfe,1\n", "not_utf8"),
            (b"", "no_header"),
            (b"\n\n", "no_header"),
            (
                b"external_id,placed_at,currency,sku,quantity,unit_price,shiping\n",
                "unknown_column",
            ),
            (
                b"external_id,placed_at,currency,sku,quantity,unit_price,\n",
                "unknown_column",
            ),
            (
                b"external_id,placed_at,currency,sku,quantity,unit_price,SKU\n",
                "duplicate_column",
            ),
            (
                b"external_id,placed_at,currency,sku,quantity\n",
                "missing_column",
            ),
            (
                b"external_id,placed_at,currency,quantity,unit_price,total\n",
                "missing_column",
            ),
        ];
        for (bytes, code) in cases {
            let err = parse(bytes).unwrap_err();
            assert_eq!(
                err.code(),
                code,
                "{:?}: {err}",
                String::from_utf8_lossy(bytes)
            );
        }
        assert_eq!(
            parse(b"external_id,placed_at,currency,sku,quantity\n").unwrap_err(),
            CsvError::MissingColumn {
                column: "unit_price"
            }
        );
    }

    #[test]
    fn more_than_the_maximum_rows_is_refused() {
        let row = "X-1,2026-03-01T09:30:00Z,CNY,TEE,1,1.00\n";
        let head = "external_id,placed_at,currency,sku,quantity,unit_price\n";
        let at_max = format!("{head}{}", row.repeat(MAX_ROWS));
        assert_eq!(parse_str(&at_max).orders[0].rows.len(), MAX_ROWS);
        let over = format!("{at_max}{row}");
        assert_eq!(
            parse(over.as_bytes()).unwrap_err(),
            CsvError::TooManyRows { max: MAX_ROWS }
        );
    }

    #[test]
    fn a_multi_line_order_adds_its_lines_and_takes_order_values_from_the_first_row() {
        let mut first = order_row("M-1", "TEE", "2", "10.00");
        first.extend([
            ("shipping", "5.00"),
            ("order_discount", "1.00"),
            ("total", "33.50"),
        ]);
        let mut second = line_row("M-1", "CAP", "1", "9.50");
        second.push(("shipping", "5.00"));
        let third = line_row("M-1", "SOCKS", "3", "0");
        let import = parse_str(&file(&[&first, &second, &third]));
        assert_eq!(import.orders.len(), 1);
        let o = &import.orders[0];
        assert_eq!(o.rows, [2, 3, 4]);
        let order = o.result.as_ref().unwrap();
        let q: Vec<i64> = order.lines.iter().map(|l| l.quantity.get()).collect();
        assert_eq!(q, [2, 1, 3]);
        assert_eq!(
            order.totals.shipping().minor(),
            500,
            "a repeated shipping is not added twice"
        );
        assert_eq!(order.totals.total().minor(), 3350);
    }

    #[test]
    fn per_row_problems_name_their_row_and_column_and_spare_the_other_orders() {
        let good = order_row("OK-1", "TEE", "1", "10.00");
        let bad_qty = order_row("Q-1", "TEE", "two", "10.00");
        let bad_price = order_row("P-1", "TEE", "1", "10.001");
        let mut bad_currency = order_row("C-1", "TEE", "1", "10.00");
        bad_currency[2] = ("currency", "XXX");
        let disagree_head = order_row("D-1", "TEE", "1", "10.00");
        let mut disagree = line_row("D-1", "CAP", "1", "5.00");
        disagree.push(("currency", "USD"));
        let no_sku = order_row("S-1", "", "1", "10.00");
        let good_again = order_row("OK-2", "CAP", "4", "2.50");
        let text = file(&[
            &good,
            &bad_qty,
            &bad_price,
            &bad_currency,
            &disagree_head,
            &disagree,
            &no_sku,
            &good_again,
        ]);
        let import = parse_str(&text);
        let ids: Vec<&str> = import
            .orders
            .iter()
            .map(|o| o.external_id.as_deref().unwrap())
            .collect();
        assert_eq!(ids, ["OK-1", "Q-1", "P-1", "C-1", "D-1", "S-1", "OK-2"]);
        let o = &import.orders;
        assert!(
            o[0].result.is_ok() && o[6].result.is_ok(),
            "the good orders are untouched"
        );
        assert_eq!(o[6].result.as_ref().unwrap().lines[0].quantity.get(), 4);
        assert_eq!(cells(&o[1]), [(3, col("quantity"), "bad_quantity")]);
        assert_eq!(
            o[1].problems()[0].message,
            "quantity is not a valid quantity: two"
        );
        assert_eq!(cells(&o[2]), [(4, col("unit_price"), "bad_amount")]);
        assert_eq!(cells(&o[3]), [(5, col("currency"), "unknown_currency")]);
        assert_eq!(cells(&o[4]), [(7, col("currency"), "conflicting_value")]);
        assert_eq!(o[4].rows, [6, 7]);
        assert_eq!(cells(&o[5]), [(8, col("sku"), "line_without_item")]);
        let err = o[1].result.as_ref().unwrap_err();
        assert_eq!(
            err.external_id.as_ref().unwrap().as_ref(),
            "Q-1",
            "kept under its id"
        );
    }

    #[test]
    fn problems_on_later_lines_point_at_those_rows() {
        let mut first = order_row("L-1", "TEE", "1", "10.00");
        first.extend([
            ("customer_email", "nope"),
            ("ship_address2", "\u{7}"),
            ("tags", "a, b"),
        ]);
        let second = line_row("L-1", "CAP", "0", "");
        let mut third = line_row("L-1", "HAT", "", "3.00");
        third.push(("line_tax", "x"));
        let o = &parse_str(&file(&[&first, &second, &third])).orders[0];
        assert_eq!(
            cells(o),
            [
                (2, col("customer_email"), "bad_value"),
                (2, col("ship_address2"), "bad_value"),
                (3, col("quantity"), "bad_quantity"),
                (3, col("unit_price"), "missing_field"),
                (4, col("quantity"), "missing_field"),
                (4, col("line_tax"), "bad_amount"),
            ]
        );
        let messages: Vec<String> = o.problems().into_iter().map(|p| p.message).collect();
        assert!(messages[0].starts_with("customer_email"), "{messages:?}");
    }

    #[test]
    fn order_level_values_must_agree_and_rows_must_be_consecutive() {
        let mut head = order_row("A-1", "TEE", "1", "10.00");
        head.push(("shipping", "5.00"));
        let mut differs = line_row("A-1", "CAP", "1", "5.00");
        differs.push(("shipping", "5"));
        let mut late = line_row("A-1", "HAT", "1", "5.00");
        late.push(("note", "only here"));
        let other = order_row("B-1", "TEE", "1", "10.00");
        let again = line_row("A-1", "SOCKS", "1", "1.00");
        let import = parse_str(&file(&[&head, &differs, &late, &other, &again, &again]));
        assert_eq!(import.orders.len(), 2);
        let a = &import.orders[0];
        assert_eq!(a.rows, [2, 3, 4, 6, 7], "the later block joins its order");
        assert_eq!(
            cells(a),
            [
                (3, col("shipping"), "conflicting_value"),
                (4, col("note"), "conflicting_value"),
                (6, col("external_id"), "conflicting_value"),
            ]
        );
        assert!(import.orders[1].result.is_ok());
    }

    #[test]
    fn odd_rows_are_reported_on_their_own_row() {
        let text = "external_id,placed_at,currency,sku,quantity,unit_price,cash_on_delivery\n\
                    ,2026-03-01T09:30:00Z,CNY,TEE,1,1.00,\n\
                    ,,,,,,\n\
                    W-1,2026-03-01T09:30:00Z,CNY,TEE,1,1.00\n\
                    C-1,2026-03-01T09:30:00Z,CNY,TEE,1,1.00,maybe\n\
                    T-1,yesterday,CNY,TEE,1,1.00,TRUE\n\
                    \n\
                    E-1,2026-03-01T09:30:00Z,CNY,TEE,1,1.00,\n";
        let o = parse_str(text).orders;
        assert_eq!(o.len(), 5, "the blank row is skipped");
        assert_eq!(
            o[4].rows,
            [7],
            "an empty line is not a row, a row of commas is"
        );
        assert_eq!(
            (o[0].external_id.as_ref(), cells(&o[0])),
            (None, vec![(2, col("external_id"), "missing_field")])
        );
        assert_eq!(cells(&o[1]), [(4, None, "malformed_payload")]);
        assert_eq!(cells(&o[2]), [(5, col("cash_on_delivery"), "bad_value")]);
        assert_eq!(cells(&o[3]), [(6, col("placed_at"), "bad_value")]);
    }

    #[test]
    fn only_the_starting_payment_states_are_accepted() {
        for (status, code) in [
            ("refunded", "bad_value"),
            ("free", "bad_value"),
            ("PAID", "bad_value"),
        ] {
            let mut row = order_row("S-1", "TEE", "1", "10.00");
            row.push(("payment_status", status));
            let o = &parse_str(&file(&[&row])).orders[0];
            assert_eq!(cells(o), [(2, col("payment_status"), code)], "{status}");
        }
        let mut row = order_row("S-1", "TEE", "1", "10.00");
        row.push(("payment_status", "authorized"));
        let o = parse_str(&file(&[&row])).orders.remove(0).result.unwrap();
        assert_eq!(o.channel_state.payment, PaymentStatus::Authorized);
    }

    #[test]
    fn a_stated_total_must_add_up() {
        let mut row = order_row("T-1", "TEE", "2", "10.00");
        row.push(("total", "20.01"));
        let o = &parse_str(&file(&[&row])).orders[0];
        assert_eq!(cells(o), [(2, col("total"), "totals_mismatch")]);
        let mut row = order_row("T-2", "TEE", "1", "10.00");
        row.push(("order_discount", "11.00"));
        let o = &parse_str(&file(&[&row])).orders[0];
        assert_eq!(
            cells(o)[0].2,
            "totals_mismatch",
            "a computed total cannot go negative"
        );
    }

    proptest! {
        #[test]
        fn a_generated_valid_file_round_trips(
            orders in proptest::collection::vec(
                proptest::collection::vec((1_i64..1000, 0_i64..100_000), 1..5),
                1..8,
            )
        ) {
            let mut rows: Vec<Vec<(String, String)>> = Vec::new();
            for (o, lines) in orders.iter().enumerate() {
                for (l, (qty, price)) in lines.iter().enumerate() {
                    let mut row = vec![
                        ("external_id".to_owned(), format!("G-{o}")),
                        ("sku".to_owned(), format!("SKU-{l}")),
                        ("quantity".to_owned(), qty.to_string()),
                        ("unit_price".to_owned(), Money::from_minor(*price, Currency::parse("CNY").unwrap()).amount_text()),
                    ];
                    if l == 0 {
                        row.push(("placed_at".into(), "2026-03-01T09:30:00Z".into()));
                        row.push(("currency".into(), "CNY".into()));
                    }
                    rows.push(row);
                }
            }
            let borrowed: Vec<Vec<(&str, &str)>> = rows
                .iter()
                .map(|r| r.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .collect();
            let refs: Vec<&[(&str, &str)]> = borrowed.iter().map(Vec::as_slice).collect();
            let import = parse(file(&refs).as_bytes()).unwrap();
            prop_assert_eq!(import.orders.len(), orders.len());
            for (got, want) in import.orders.iter().zip(&orders) {
                let order = got.result.as_ref().unwrap();
                let q: Vec<i64> = order.lines.iter().map(|l| l.quantity.get()).collect();
                let want_q: Vec<i64> = want.iter().map(|(q, _)| *q).collect();
                prop_assert_eq!(q, want_q);
                let total: i64 = want.iter().map(|(q, p)| q * p).sum();
                prop_assert_eq!(order.totals.total().minor(), total);
            }
        }

        #[test]
        fn arbitrary_rows_never_panic(body in "[A-Za-z0-9,\"\n\r .:+-]{0,400}") {
            let input = format!("{TEMPLATE_HEADER}\n{body}").into_bytes();
            if let Ok(import) = parse(&input) {
                for o in &import.orders {
                    prop_assert!(!o.rows.is_empty());
                    if o.result.is_err() {
                        prop_assert!(!o.problems().is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn extracted_rows_parse_back_to_the_same_order() {
        let file = include_bytes!("../../../../docs/samples/orders-import.csv");
        let all = parse(file).unwrap();
        for order in &all.orders {
            let text = extract_rows(file, &order.rows).unwrap();
            let again = parse(text.as_bytes()).unwrap();
            assert_eq!(again.orders.len(), 1);
            assert_eq!(again.orders[0].result.is_ok(), order.result.is_ok());
            if let (Ok(a), Ok(b)) = (&again.orders[0].result, &order.result) {
                assert_eq!(a, b);
            }
        }
    }
}
