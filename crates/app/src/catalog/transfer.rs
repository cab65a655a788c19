//! Bulk import (CSV) and export (CSV, XLSX) of products and SKUs (CAT-7).
//!
//! One row per SKU; rows sharing a `product_ref` (or, when it is blank, a `name`) make
//! one product, whose own fields come from its first row. Brands are matched by name and
//! categories by their path of names (`Apparel/T-shirts`), both ignoring case; unknown
//! ones are row errors, not created on the fly, so a typo cannot grow the taxonomy.
//!
//! Every row is validated before anything is written, and the report names each broken
//! rule by line and column. In the default all-or-nothing mode a single error writes
//! nothing; in partial mode the products whose rows are all valid are written and the
//! rest reported. Taken SKU codes and barcodes are found up front, so no statement ever
//! fails halfway (which on PostgreSQL would abort the whole transaction).

use std::collections::{BTreeMap, HashMap, HashSet};

use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{BrandId, CategoryId, ProductId};
use omnihub_domain::ids::MerchantId;
use omnihub_store::Tx;
use omnihub_store::catalog as store;
use serde::Deserialize;

use super::products::{
    ListQuery, ProductInput, SkuInput, insert_new, merchant_currency, sku_page, validate_new,
};
use super::taxonomy::name_paths;
use super::{Product, ProductOptionView};
use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// The columns of the CSV format, in order (export writes them; import reads them by
/// name, ignores others, and needs only `name`, `sku_code` and `price`).
pub const COLUMNS: &[&str] = &[
    "product_ref",
    "name",
    "brand",
    "category",
    "description",
    "images",
    "allow_below_cost",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku_code",
    "barcode",
    "price",
    "cost",
    "currency",
    "weight_g",
    "sku_status",
    "product_id",
    "product_status",
];

/// Most data rows in one import.
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// Most SKUs in one export.
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// All-or-nothing (default) or partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Write nothing unless every row is valid.
    #[default]
    AllOrNothing,
    /// Write the products whose rows are all valid; report the others.
    Partial,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// The column (`price`) or a product-level field.
    pub field: String,
    /// Stable code (`required`, `invalid`, `taken`...).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Products written.
    pub products_created: usize,
    /// SKUs written.
    pub skus_created: usize,
    /// Every problem found, by line.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
}

/// One CSV row as read; every column optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CsvRow {
    product_ref: String,
    name: String,
    brand: String,
    category: String,
    description: String,
    images: String,
    allow_below_cost: String,
    option1_name: String,
    option1_value: String,
    option2_name: String,
    option2_value: String,
    option3_name: String,
    option3_value: String,
    sku_code: String,
    barcode: String,
    price: String,
    cost: String,
    currency: String,
    weight_g: String,
    sku_status: String,
}

impl CsvRow {
    fn options(&self) -> Vec<(&str, &str)> {
        [
            (&self.option1_name, &self.option1_value),
            (&self.option2_name, &self.option2_value),
            (&self.option3_name, &self.option3_value),
        ]
        .into_iter()
        .filter(|(n, _)| !n.trim().is_empty())
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect()
    }

    fn group_key(&self) -> String {
        let key = if self.product_ref.trim().is_empty() {
            &self.name
        } else {
            &self.product_ref
        };
        key.trim().to_lowercase()
    }
}

/// The rows of one product: (line, row).
type Group = Vec<(usize, CsvRow)>;

fn read_csv(bytes: &[u8], errors: &mut Vec<RowError>) -> Result<Vec<(usize, CsvRow)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("file", "invalid", format!("not a CSV file: {e}")))?
        .clone();
    for required in ["name", "sku_code", "price"] {
        if !headers.iter().any(|h| h == required) {
            return Err(Error::invalid(
                "file",
                "missing_column",
                format!("the header has no {required} column"),
            ));
        }
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if rows.len() >= MAX_IMPORT_ROWS {
            return Err(Error::invalid(
                "file",
                "too_many",
                format!("at most {MAX_IMPORT_ROWS} rows"),
            ));
        }
        match record.and_then(|r| r.deserialize::<CsvRow>(Some(&headers))) {
            Ok(row) => rows.push((line, row)),
            Err(e) => errors.push(RowError {
                line,
                field: "row".to_owned(),
                code: "invalid".to_owned(),
                message: e.to_string(),
            }),
        }
    }
    Ok(rows)
}

fn group(rows: Vec<(usize, CsvRow)>) -> Vec<Group> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    for (line, row) in rows {
        let key = row.group_key();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push((line, row));
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .collect()
}

/// Brand and category lookups by lower-cased name / name path.
struct Lookups {
    brands: HashMap<String, BrandId>,
    categories: HashMap<String, CategoryId>,
}

impl Lookups {
    async fn load(tx: &mut Tx, merchant: MerchantId) -> Result<Self> {
        let brands = store::list_brands(tx, merchant)
            .await?
            .into_iter()
            .map(|b| (b.name.to_lowercase(), BrandId::from_uuid(b.id)))
            .collect();
        let categories = name_paths(tx, merchant)
            .await?
            .into_iter()
            .map(|(id, path)| (path.to_lowercase(), id))
            .collect();
        Ok(Self { brands, categories })
    }
}

fn row_error(line: usize, field: &str, code: &str, message: impl ToString) -> RowError {
    RowError {
        line,
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_string(),
    }
}

/// The brand and category a product's first row names, or row errors for unknown ones.
fn resolve_refs(
    first_line: usize,
    first: &CsvRow,
    lookups: &Lookups,
    errors: &mut Vec<RowError>,
) -> (Option<BrandId>, Option<CategoryId>) {
    let brand = match first.brand.trim() {
        "" => None,
        name => lookups
            .brands
            .get(&name.to_lowercase())
            .copied()
            .or_else(|| {
                errors.push(row_error(
                    first_line,
                    "brand",
                    "unknown",
                    "no brand of this name",
                ));
                None
            }),
    };
    let category = match first.category.trim().trim_matches('/') {
        "" => None,
        path => lookups
            .categories
            .get(&path.to_lowercase())
            .copied()
            .or_else(|| {
                errors.push(row_error(
                    first_line,
                    "category",
                    "unknown",
                    "no category with this path of names",
                ));
                None
            }),
    };
    (brand, category)
}

/// Builds a product input from a group, with the errors found in its rows so far (an
/// unknown brand or category is left out, so the rest of the rows still get checked).
fn product_input(group: &Group, lookups: &Lookups) -> (ProductInput, Vec<RowError>) {
    let mut errors = Vec::new();
    let Some((first_line, first)) = group.first() else {
        return (ProductInput::default(), errors);
    };
    let (brand, category) = resolve_refs(*first_line, first, lookups, &mut errors);
    let allow_below_cost = match first.allow_below_cost.trim().to_lowercase().as_str() {
        "" | "false" | "no" | "0" => false,
        "true" | "yes" | "1" => true,
        _ => {
            errors.push(row_error(
                *first_line,
                "allow_below_cost",
                "invalid",
                "must be true or false",
            ));
            false
        }
    };
    let mut options: Vec<ProductOptionView> = first
        .options()
        .iter()
        .map(|(n, _)| ProductOptionView {
            name: (*n).to_owned(),
            values: Vec::new(),
        })
        .collect();
    let skus = group
        .iter()
        .map(|(line, row)| sku_input(*line, row, &mut options, &mut errors))
        .collect();
    let input = ProductInput {
        name: first.name.clone(),
        brand_id: brand,
        category_id: category,
        description: first.description.clone(),
        images: first
            .images
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        attributes: BTreeMap::new(),
        options: options
            .into_iter()
            .map(|o| super::OptionInput {
                name: o.name,
                values: o.values,
            })
            .collect(),
        allow_below_cost,
        skus,
        generate: None,
    };
    (input, errors)
}

/// One row's SKU; its option values join the product's value lists in order of appearance.
fn sku_input(
    line: usize,
    row: &CsvRow,
    options: &mut [ProductOptionView],
    errors: &mut Vec<RowError>,
) -> SkuInput {
    let mut combo = BTreeMap::new();
    let given = row.options();
    if given.len() != options.len()
        || given
            .iter()
            .zip(options.iter())
            .any(|((n, _), o)| *n != o.name)
    {
        errors.push(row_error(
            line,
            "option1_name",
            "invalid",
            "option names must match the product's first row",
        ));
    }
    for ((name, value), option) in given.iter().zip(options.iter_mut()) {
        if !option.values.iter().any(|v| v == value) {
            option.values.push((*value).to_owned());
        }
        combo.insert((*name).to_owned(), (*value).to_owned());
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    SkuInput {
        code: row.sku_code.clone(),
        barcode: opt(&row.barcode),
        options: combo,
        price: row.price.clone(),
        cost: opt(&row.cost),
        currency: opt(&row.currency),
        weight: opt(&row.weight_g),
        status: opt(&row.sku_status),
    }
}

/// Maps a use case's field error (`skus[2].price`) to a line and CSV column.
fn locate(group: &Group, e: &FieldError) -> RowError {
    let first = group.first().map_or(0, |(l, _)| *l);
    let (line, field) = match e
        .field
        .strip_prefix("skus[")
        .and_then(|r| r.split_once("]."))
    {
        Some((i, f)) => {
            let line = i
                .parse::<usize>()
                .ok()
                .and_then(|i| group.get(i))
                .map_or(first, |(l, _)| *l);
            let column = match f {
                "code" => "sku_code",
                "weight" => "weight_g",
                "status" => "sku_status",
                "options" => "option1_value",
                other => other,
            };
            (line, column.to_owned())
        }
        None => (
            first,
            e.field.split('[').next().unwrap_or_default().to_owned(),
        ),
    };
    row_error(line, &field, e.code, &e.message)
}

/// Imports products and SKUs from CSV bytes. Returns the report; in all-or-nothing mode
/// nothing is written unless it has no errors. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn import_csv(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    bytes: &[u8],
    mode: ImportMode,
) -> Result<ImportReport> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut errors = Vec::new();
    let rows = read_csv(bytes, &mut errors)?;
    let row_count = rows.len() + errors.len();
    let groups = group(rows);
    let mut tx = app.db.begin_write().await?;
    let currency = merchant_currency(&mut tx, merchant).await?;
    let lookups = Lookups::load(&mut tx, merchant).await?;
    let mut inputs = Vec::new();
    for g in &groups {
        let (input, errs) = product_input(g, &lookups);
        errors.extend(errs);
        inputs.push((g, input));
    }
    // Every row is checked before anything is written, so the report is complete.
    for (g, input) in &inputs {
        if let Err(Error::Validation(fields)) = validate_new(input, currency) {
            errors.extend(fields.iter().map(|f| locate(g, f)));
        }
    }
    errors.extend(taken_keys(&mut tx, merchant, &inputs).await?);
    let bad_lines: HashSet<usize> = errors.iter().map(|e| e.line).collect();
    if mode == ImportMode::AllOrNothing && !errors.is_empty() {
        return Ok(report(row_count, 0, 0, errors, false));
    }
    let (mut products, mut skus) = (0, 0);
    for (g, input) in inputs {
        if g.iter().any(|(l, _)| bad_lines.contains(l)) {
            continue;
        }
        let product = insert_new(app, &mut tx, actor, merchant, &input, currency).await?;
        products += 1;
        skus += product.skus.len();
    }
    if products == 0 {
        // Nothing valid to keep: dropping the transaction rolls back.
        return Ok(report(row_count, 0, 0, errors, false));
    }
    let change = Change {
        action: "catalog.import",
        entity_type: "catalog",
        entity_id: None,
        merchant: Some(merchant),
        before: None,
        after: Some(
            serde_json::json!({"rows": row_count, "products": products, "skus": skus, "errors": errors.len()}),
        ),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    errors.sort_by_key(|e| e.line);
    Ok(report(row_count, products, skus, errors, true))
}

fn report(
    rows: usize,
    products: usize,
    skus: usize,
    mut errors: Vec<RowError>,
    committed: bool,
) -> ImportReport {
    errors.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));
    ImportReport {
        rows,
        products_created: products,
        skus_created: skus,
        errors,
        committed,
    }
}

/// Row errors for SKU codes and barcodes already taken in the catalogue or repeated in
/// the file.
async fn taken_keys(
    tx: &mut Tx,
    merchant: MerchantId,
    inputs: &[(&Group, ProductInput)],
) -> Result<Vec<RowError>> {
    let mut errors = Vec::new();
    let mut seen_codes: HashMap<String, usize> = HashMap::new();
    let mut seen_barcodes: HashMap<String, usize> = HashMap::new();
    let mut lines_by_code = Vec::new();
    let mut lines_by_barcode = Vec::new();
    for (g, input) in inputs {
        for ((line, _), sku) in g.iter().zip(&input.skus) {
            let code = sku.code.trim().to_ascii_uppercase();
            if let Some(first) = seen_codes.insert(code.clone(), *line) {
                errors.push(row_error(
                    *line,
                    "sku_code",
                    "duplicate",
                    format!("also on line {first}"),
                ));
            }
            lines_by_code.push((code, *line));
            if let Some(b) = &sku.barcode {
                if let Some(first) = seen_barcodes.insert(b.clone(), *line) {
                    errors.push(row_error(
                        *line,
                        "barcode",
                        "duplicate",
                        format!("also on line {first}"),
                    ));
                }
                lines_by_barcode.push((b.clone(), *line));
            }
        }
    }
    let codes: Vec<String> = seen_codes.into_keys().collect();
    let taken: HashSet<String> = store::taken_codes(tx, merchant, &codes)
        .await?
        .into_iter()
        .collect();
    errors.extend(
        lines_by_code
            .iter()
            .filter(|(c, _)| taken.contains(c))
            .map(|(_, l)| row_error(*l, "sku_code", "taken", "another SKU already has this code")),
    );
    let barcodes: Vec<String> = seen_barcodes.into_keys().collect();
    let taken: HashSet<String> = store::taken_barcodes(tx, merchant, &barcodes)
        .await?
        .into_iter()
        .collect();
    errors.extend(
        lines_by_barcode
            .iter()
            .filter(|(b, _)| taken.contains(b))
            .map(|(_, l)| {
                row_error(
                    *l,
                    "barcode",
                    "taken",
                    "another SKU already has this barcode",
                )
            }),
    );
    Ok(errors)
}

/// An export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 CSV with a header row.
    Csv,
    /// An Excel workbook with one sheet.
    Xlsx,
}

/// A generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// MIME type.
    pub content_type: &'static str,
    /// Suggested file name.
    pub file_name: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Exports the SKUs matching the list filters (cursor and limit are ignored), one row
/// per SKU in the import format, so an export can be edited and imported elsewhere.
/// At most [`MAX_EXPORT_ROWS`] rows. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn export(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    query: ListQuery,
    format: ExportFormat,
) -> Result<ExportFile> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let rows = export_rows(&mut tx, merchant, query).await?;
    match format {
        ExportFormat::Csv => Ok(ExportFile {
            content_type: "text/csv; charset=utf-8",
            file_name: "catalog.csv",
            bytes: to_csv(&rows)?,
        }),
        ExportFormat::Xlsx => Ok(ExportFile {
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file_name: "catalog.xlsx",
            bytes: to_xlsx(&rows)?,
        }),
    }
}

async fn export_rows(
    tx: &mut Tx,
    merchant: MerchantId,
    mut query: ListQuery,
) -> Result<Vec<Vec<String>>> {
    let brands: HashMap<BrandId, String> = store::list_brands(tx, merchant)
        .await?
        .into_iter()
        .map(|b| (BrandId::from_uuid(b.id), b.name))
        .collect();
    let categories: HashMap<CategoryId, String> =
        name_paths(tx, merchant).await?.into_iter().collect();
    let mut products: HashMap<ProductId, Product> = HashMap::new();
    let mut out = Vec::new();
    query.limit = Some(500);
    query.cursor = None;
    loop {
        let page = sku_page(tx, merchant, &query).await?;
        for item in &page.items {
            let id = item.sku.product_id;
            if let std::collections::hash_map::Entry::Vacant(slot) = products.entry(id) {
                let (row, _) = super::products::load(tx, merchant, id).await?;
                slot.insert(Product::from_rows(&row, &[])?);
            }
            if let Some(p) = products.get(&id) {
                out.push(export_row(p, &item.sku, &brands, &categories));
            }
        }
        match page.next_cursor {
            Some(next) if out.len() < MAX_EXPORT_ROWS => query.cursor = Some(next),
            _ => break,
        }
    }
    out.truncate(MAX_EXPORT_ROWS);
    Ok(out)
}

fn export_row(
    p: &Product,
    sku: &super::Sku,
    brands: &HashMap<BrandId, String>,
    categories: &HashMap<CategoryId, String>,
) -> Vec<String> {
    let mut options: Vec<String> = Vec::new();
    for i in 0..3 {
        let name = p.options.get(i).map(|o| o.name.clone()).unwrap_or_default();
        let value = sku.options.get(&name).cloned().unwrap_or_default();
        options.push(name);
        options.push(value);
    }
    let mut row = vec![
        p.id.to_string(),
        p.name.clone(),
        p.brand_id
            .and_then(|b| brands.get(&b).cloned())
            .unwrap_or_default(),
        p.category_id
            .and_then(|c| categories.get(&c).cloned())
            .unwrap_or_default(),
        p.description.clone(),
        p.images.join("|"),
        p.allow_below_cost.to_string(),
    ];
    row.extend(options);
    row.extend([
        sku.code.clone(),
        sku.barcode.clone().unwrap_or_default(),
        sku.price.amount_text(),
        sku.cost.map(|c| c.amount_text()).unwrap_or_default(),
        sku.price.currency().to_string(),
        sku.weight_grams.map(|g| g.to_string()).unwrap_or_default(),
        sku.status.code().to_owned(),
        p.id.to_string(),
        p.status.code().to_owned(),
    ]);
    row
}

fn to_csv(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(Error::internal)?;
    for row in rows {
        writer.write_record(row).map_err(Error::internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::internal(e.into_error()))
}

fn to_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("catalog").map_err(Error::internal)?;
    let cells = std::iter::once(COLUMNS.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
        .chain(rows.iter().cloned());
    for (r, row) in cells.enumerate() {
        let r = u32::try_from(r).map_err(Error::internal)?;
        for (c, value) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(Error::internal)?;
            // Text cells throughout: amounts stay exact decimals and codes keep leading zeros.
            sheet.write_string(r, c, value).map_err(Error::internal)?;
        }
    }
    workbook.save_to_buffer().map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    //! The importer's pure half (reading, grouping, checking rows) on hostile files: it
    //! returns a report or a typed error and never panics (issue 8; docs/benchmarks.md).

    use omnihub_domain::merchants::Currency;
    use proptest::prelude::*;

    use super::*;

    const HEADER: &str = "product_ref,name,brand,category,description,images,allow_below_cost,\
option1_name,option1_value,option2_name,option2_value,option3_name,option3_value,sku_code,\
barcode,price,cost,currency,weight_g,sku_status";

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,16}",
            "[-+]?[0-9]{0,22}(\\.[0-9]{0,5})?",
            Just("\"a,b\"".to_owned()),
            Just("\"two\nlines\"".to_owned()),
            Just("\"".to_owned()),
            Just("9".repeat(300)),
            Just("Size".to_owned()),
            Just("M".to_owned()),
        ]
    }

    fn file() -> impl Strategy<Value = Vec<u8>> {
        let columns: Vec<&'static str> = HEADER.split(',').collect();
        let n = columns.len();
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            (
                proptest::sample::subsequence(columns, 0..=n).prop_shuffle(),
                proptest::collection::vec(proptest::collection::vec(cell(), 0..n + 2), 0..10),
            )
                .prop_map(|(cols, rows)| {
                    let mut out = cols.join(",");
                    for row in rows {
                        out.push('\n');
                        out.push_str(&row.join(","));
                    }
                    out.into_bytes()
                }),
        ]
    }

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(512);
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn fuzz_catalog_csv(bytes in file()) {
            let mut errors = Vec::new();
            let Ok(rows) = read_csv(&bytes, &mut errors) else { return Ok(()) };
            let lookups = Lookups { brands: HashMap::new(), categories: HashMap::new() };
            let currency = Currency::parse("CNY").unwrap();
            let lines = rows.len();
            let groups = group(rows);
            prop_assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), lines);
            for g in &groups {
                let (input, errs) = product_input(g, &lookups);
                prop_assert!(errs.iter().all(|e| g.iter().any(|(l, _)| *l == e.line)));
                let _ = validate_new(&input, currency);
            }
        }
    }
}
