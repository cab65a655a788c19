//! The product editor's form: the text the user typed (kept for a 422 re-render) and its
//! translation into the catalogue's inputs. Images are one URL per line, attributes
//! `key=value` lines, options `Name: value, value` lines (ASCII or full-width
//! punctuation), SKU option values `Name=value, Name=value`.

use std::collections::BTreeMap;

use omnihub_app::FieldError;
use omnihub_app::catalog::{
    GenerateSkus, OptionInput, Product, ProductInput, ProductPatch, Sku, SkuInput, SkuPatch,
};

use super::super::forms::{FieldErrors, FormBody};
use super::opt_id;

/// The product form as typed.
#[derive(Debug, Default, Clone)]
pub struct ProductForm {
    pub name: String,
    pub brand: String,
    pub category: String,
    pub description: String,
    pub images: String,
    pub attributes: String,
    pub options: String,
    pub code_prefix: String,
    pub price: String,
    pub cost: String,
    pub weight: String,
    pub allow_below_cost: bool,
    pub version: String,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn split_pair(line: &str, separators: &[char]) -> (String, String) {
    match line.split_once(separators) {
        Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
        None => (line.trim().to_owned(), String::new()),
    }
}

/// `Colour=Red, Size=M` as a combination.
pub fn combination(text: &str) -> BTreeMap<String, String> {
    text.split([',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| split_pair(p, &['=', '＝']))
        .collect()
}

/// A combination as `Colour=Red, Size=M`.
pub fn combination_text(options: &BTreeMap<String, String>) -> String {
    options
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ProductForm {
    /// From a posted body.
    pub fn from_body(form: &FormBody) -> Self {
        Self {
            name: form.value("name"),
            brand: form.value("brand_id"),
            category: form.value("category_id"),
            description: form.value("description"),
            images: form.value("images"),
            attributes: form.value("attributes"),
            options: form.value("options"),
            code_prefix: form.value("code_prefix"),
            price: form.value("price"),
            cost: form.value("cost"),
            weight: form.value("weight"),
            allow_below_cost: form.checked("allow_below_cost"),
            version: form.value("version"),
        }
    }

    /// From a stored product.
    pub fn from_product(p: &Product) -> Self {
        Self {
            name: p.name.clone(),
            brand: p.brand_id.map(|b| b.to_string()).unwrap_or_default(),
            category: p.category_id.map(|c| c.to_string()).unwrap_or_default(),
            description: p.description.clone(),
            images: p.images.join("\n"),
            attributes: p
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            options: p
                .options
                .iter()
                .map(|o| format!("{}: {}", o.name, o.values.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            allow_below_cost: p.allow_below_cost,
            version: p.version.to_string(),
            ..Self::default()
        }
    }

    fn image_list(&self) -> Vec<String> {
        lines(&self.images).map(str::to_owned).collect()
    }

    fn attribute_map(&self) -> BTreeMap<String, String> {
        lines(&self.attributes)
            .map(|l| split_pair(l, &['=', '＝']))
            .collect()
    }

    /// The options lines as inputs.
    pub fn option_list(&self) -> Vec<OptionInput> {
        lines(&self.options)
            .map(|l| {
                let (name, values) = split_pair(l, &[':', '：']);
                OptionInput {
                    name,
                    values: values
                        .split([',', '，', '、'])
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect(),
                }
            })
            .collect()
    }

    fn optional(text: &str) -> Option<String> {
        Some(text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// A new product whose SKUs are generated from the options.
    pub fn input(&self) -> ProductInput {
        ProductInput {
            name: self.name.clone(),
            brand_id: opt_id(Some(&self.brand)),
            category_id: opt_id(Some(&self.category)),
            description: self.description.clone(),
            images: self.image_list(),
            attributes: self.attribute_map(),
            options: self.option_list(),
            allow_below_cost: self.allow_below_cost,
            skus: Vec::new(),
            generate: Some(GenerateSkus {
                code_prefix: self.code_prefix.clone(),
                price: self.price.clone(),
                cost: Self::optional(&self.cost),
                currency: None,
                weight: Self::optional(&self.weight),
            }),
        }
    }

    /// The edit of `current`; options only when they changed (a change is checked
    /// against the SKUs that use them).
    pub fn patch(&self, current: &Product) -> ProductPatch {
        let options = self.option_list();
        let same_options = options.len() == current.options.len()
            && options
                .iter()
                .zip(&current.options)
                .all(|(a, b)| a.name == b.name && a.values == b.values);
        ProductPatch {
            name: Some(self.name.clone()),
            brand_id: Some(opt_id(Some(&self.brand))),
            category_id: Some(opt_id(Some(&self.category))),
            description: Some(self.description.clone()),
            images: Some(self.image_list()),
            attributes: Some(self.attribute_map()),
            options: (!same_options).then_some(options),
            allow_below_cost: Some(self.allow_below_cost),
            expected_version: self.version.trim().parse().ok(),
        }
    }
}

/// A SKU row's fields as typed (the inline editor and the "add SKU" form).
#[derive(Debug, Default, Clone)]
pub struct SkuForm {
    pub id: String,
    pub code: String,
    pub barcode: String,
    pub options: String,
    pub price: String,
    pub cost: String,
    pub weight: String,
    pub status: String,
}

impl SkuForm {
    /// From a posted body.
    pub fn from_body(id: &str, form: &FormBody) -> Self {
        Self {
            id: id.to_owned(),
            code: form.value("code"),
            barcode: form.value("barcode"),
            options: form.value("options"),
            price: form.value("price"),
            cost: form.value("cost"),
            weight: form.value("weight"),
            status: form.value("status"),
        }
    }

    /// From a stored SKU.
    pub fn from_sku(s: &Sku) -> Self {
        Self {
            id: s.id.to_string(),
            code: s.code.clone(),
            barcode: s.barcode.clone().unwrap_or_default(),
            options: combination_text(&s.options),
            price: s.price.amount_text(),
            cost: s.cost.map(|c| c.amount_text()).unwrap_or_default(),
            weight: s.weight_grams.map(|w| w.to_string()).unwrap_or_default(),
            status: s.status.code().to_owned(),
        }
    }

    /// Whether the SKU is active (for the status select).
    pub fn active(&self) -> bool {
        self.status != "inactive"
    }

    /// A new SKU.
    pub fn input(&self) -> SkuInput {
        SkuInput {
            code: self.code.clone(),
            barcode: ProductForm::optional(&self.barcode),
            options: combination(&self.options),
            price: self.price.clone(),
            cost: ProductForm::optional(&self.cost),
            currency: None,
            weight: ProductForm::optional(&self.weight),
            status: ProductForm::optional(&self.status),
        }
    }

    /// The inline edit of a SKU (its option values stay).
    pub fn patch(&self) -> SkuPatch {
        SkuPatch {
            code: Some(self.code.clone()),
            barcode: Some(ProductForm::optional(&self.barcode)),
            price: Some(self.price.clone()),
            cost: Some(ProductForm::optional(&self.cost)),
            weight: Some(ProductForm::optional(&self.weight)),
            status: ProductForm::optional(&self.status),
            ..SkuPatch::default()
        }
    }
}

/// The inputs of the product form, for placing errors beside them.
const PRODUCT_FIELDS: &[&str] = &[
    "name",
    "brand_id",
    "category_id",
    "description",
    "images",
    "attributes",
    "options",
    "code_prefix",
    "price",
    "cost",
    "weight",
];

/// Renames the use case's error fields to the form's inputs (`skus[2].price` → `price`,
/// a generated code → `code_prefix`, `images[1]` → `images`); errors that fit no input
/// come back separately, to show above the form.
pub fn place_errors(fields: Vec<FieldError>, inputs: &[&str]) -> (FieldErrors, Vec<String>) {
    let mut placed = Vec::new();
    let mut other = Vec::new();
    for mut e in fields {
        let name = e
            .field
            .split_once("].")
            .filter(|(head, _)| head.starts_with("skus["))
            .map_or(e.field.as_str(), |(_, tail)| tail);
        let name = name.split(['[', '.']).next().unwrap_or_default().to_owned();
        let name = if name == "code" && inputs == PRODUCT_FIELDS {
            "code_prefix".to_owned()
        } else {
            name
        };
        if inputs.contains(&name.as_str()) {
            e.field = name;
            placed.push(e);
        } else {
            other.push(format!("{}: {}", e.field, e.message));
        }
    }
    (FieldErrors::of(placed), other)
}

/// The inputs of a stored product's form (its prices live in the SKU table).
const EDIT_FIELDS: &[&str] = &[
    "name",
    "brand_id",
    "category_id",
    "description",
    "images",
    "attributes",
    "options",
];

/// [`place_errors`] for the form of a new product.
pub fn new_product_errors(fields: Vec<FieldError>) -> (FieldErrors, Vec<String>) {
    place_errors(fields, PRODUCT_FIELDS)
}

/// [`place_errors`] for the form of a stored product.
pub fn product_errors(fields: Vec<FieldError>) -> (FieldErrors, Vec<String>) {
    place_errors(fields, EDIT_FIELDS)
}

/// [`place_errors`] for a SKU row.
pub fn sku_errors(fields: Vec<FieldError>) -> (FieldErrors, Vec<String>) {
    place_errors(
        fields,
        &[
            "code", "barcode", "options", "price", "cost", "weight", "status",
        ],
    )
}
