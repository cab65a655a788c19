//! Catalogue rules that are not single values: automatic compliance checks run on submit
//! (CAT-3), and the category tree's materialised paths with their cycle rule (CAT-2).

use serde::Serialize;

use super::types::{CategoryId, is_web_url};

/// How serious a compliance finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission until fixed.
    Error,
    /// Shown to reviewers, who decide.
    Warning,
}

/// One result of the automatic checks, shown to reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceFinding {
    /// Stable code: `required`, `banned_word`, `below_cost`, `image_url`.
    pub code: &'static str,
    /// The field concerned (`description`, `skus[TEE-M].price`, `images[2]`).
    pub field: String,
    /// Error or warning.
    pub severity: Severity,
    /// What was found, for people.
    pub message: String,
}

/// The content the compliance checks look at.
#[derive(Debug, Clone, Default)]
pub struct ComplianceInput<'a> {
    /// Product name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Whether a category is set.
    pub has_category: bool,
    /// Image URLs.
    pub images: Vec<&'a str>,
    /// Attribute values.
    pub attributes: Vec<(&'a str, &'a str)>,
    /// The active SKUs: (code, price minor, cost minor).
    pub skus: Vec<(&'a str, i64, Option<i64>)>,
    /// The product is flagged as allowed to sell below cost (clearance).
    pub allow_below_cost: bool,
}

/// Words Chinese advertising law (广告法 art. 9) and common marketplace rules forbid in
/// listings: absolute claims and unprovable superlatives. Matched case-insensitively as
/// substrings. A merchant's own list replaces these.
pub const DEFAULT_BANNED_WORDS: &[&str] = &[
    "最",
    "第一",
    "唯一",
    "顶级",
    "极品",
    "国家级",
    "全网最低",
    "万能",
    "100%有效",
    "best in the world",
    "world's best",
    "number one",
    "no. 1",
    "#1",
    "guaranteed cure",
    "100% effective",
    "cheapest",
];

/// Runs every check and returns the findings, errors first.
pub fn check_compliance(
    input: &ComplianceInput<'_>,
    banned_words: &[String],
) -> Vec<ComplianceFinding> {
    let mut findings = required_fields(input);
    findings.extend(image_urls(input));
    findings.extend(below_cost(input));
    findings.extend(banned(input, banned_words));
    findings.sort_by_key(|f| f.severity != Severity::Error);
    findings
}

/// Whether any finding blocks submission.
pub fn has_errors(findings: &[ComplianceFinding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

fn finding(
    code: &'static str,
    field: String,
    severity: Severity,
    message: String,
) -> ComplianceFinding {
    ComplianceFinding {
        code,
        field,
        severity,
        message,
    }
}

fn required_fields(input: &ComplianceInput<'_>) -> Vec<ComplianceFinding> {
    let missing = [
        ("name", input.name.trim().is_empty()),
        ("description", input.description.trim().is_empty()),
        ("category_id", !input.has_category),
        ("images", input.images.is_empty()),
        ("skus", input.skus.is_empty()),
    ];
    missing
        .into_iter()
        .filter(|(_, gone)| *gone)
        .map(|(field, _)| {
            let message = format!("{field} is required before review");
            finding("required", field.to_owned(), Severity::Error, message)
        })
        .collect()
}

fn image_urls(input: &ComplianceInput<'_>) -> Vec<ComplianceFinding> {
    input
        .images
        .iter()
        .enumerate()
        .filter(|(_, url)| !is_web_url(url))
        .map(|(i, url)| {
            let message = format!("{url:?} is not an absolute http(s) URL");
            finding(
                "image_url",
                format!("images[{i}]"),
                Severity::Error,
                message,
            )
        })
        .collect()
}

fn below_cost(input: &ComplianceInput<'_>) -> Vec<ComplianceFinding> {
    if input.allow_below_cost {
        return Vec::new();
    }
    input
        .skus
        .iter()
        .filter(|(_, price, cost)| cost.is_some_and(|c| *price < c))
        .map(|(code, _, _)| {
            let message = "price is below cost; set allow_below_cost to sell at a loss".to_owned();
            finding(
                "below_cost",
                format!("skus[{code}].price"),
                Severity::Error,
                message,
            )
        })
        .collect()
}

fn banned(input: &ComplianceInput<'_>, banned_words: &[String]) -> Vec<ComplianceFinding> {
    let mut texts = vec![
        ("name".to_owned(), input.name),
        ("description".to_owned(), input.description),
    ];
    texts.extend(
        input
            .attributes
            .iter()
            .map(|(k, v)| (format!("attributes.{k}"), *v)),
    );
    let mut findings = Vec::new();
    for (field, text) in texts {
        let lower = text.to_lowercase();
        for word in banned_words {
            let needle = word.trim().to_lowercase();
            if !needle.is_empty() && lower.contains(&needle) {
                let message = format!("contains the banned word {word:?}");
                findings.push(finding(
                    "banned_word",
                    field.clone(),
                    Severity::Warning,
                    message,
                ));
            }
        }
    }
    findings
}

/// Deepest category tree.
pub const MAX_CATEGORY_DEPTH: usize = 8;

/// A category's materialised path: its ancestors' ids and its own, as
/// `/<id>/<id>/…/` (simple lower-case hex). Stored beside each category so a subtree is
/// every path starting with the root's path, one portable prefix comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CategoryPath(String);

/// Why a category change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// The new parent is the category itself or one of its descendants.
    #[error("a category cannot be moved under itself or one of its descendants")]
    Cycle,
    /// The tree would be deeper than [`MAX_CATEGORY_DEPTH`].
    #[error("categories nest at most {MAX_CATEGORY_DEPTH} levels deep")]
    TooDeep,
    /// A stored path is not of the expected shape.
    #[error("malformed category path")]
    Malformed,
}

impl CategoryPath {
    /// The path of a category under `parent` (none: a root).
    pub fn child(parent: Option<&Self>, id: CategoryId) -> Result<Self, CategoryError> {
        let base = parent.map_or("/", |p| p.0.as_str());
        let path = Self(format!("{base}{}/", id.as_uuid().simple()));
        if path.depth() > MAX_CATEGORY_DEPTH {
            return Err(CategoryError::TooDeep);
        }
        Ok(path)
    }

    /// Reads a stored path back.
    pub fn parse(raw: &str) -> Result<Self, CategoryError> {
        let ok = raw.len() > 2
            && raw.starts_with('/')
            && raw.ends_with('/')
            && raw[1..raw.len() - 1]
                .split('/')
                .all(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(CategoryError::Malformed)
        }
    }

    /// How many levels down the category is (a root is 1).
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }

    /// Whether this path is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &Self) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// Checks that the subtree at `node` (whose deepest member is `subtree_depth` levels
    /// deep) may move under `new_parent`; returns the node's new path.
    pub fn moved(
        node: &Self,
        id: CategoryId,
        new_parent: Option<&Self>,
        subtree_depth: usize,
    ) -> Result<Self, CategoryError> {
        if new_parent.is_some_and(|p| p.is_within(node)) {
            return Err(CategoryError::Cycle);
        }
        let path = Self::child(new_parent, id)?;
        let below = subtree_depth.saturating_sub(node.depth());
        if path.depth() + below > MAX_CATEGORY_DEPTH {
            return Err(CategoryError::TooDeep);
        }
        Ok(path)
    }
}

impl AsRef<str> for CategoryPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn defaults() -> Vec<String> {
        DEFAULT_BANNED_WORDS
            .iter()
            .map(|w| (*w).to_owned())
            .collect()
    }

    fn good() -> ComplianceInput<'static> {
        ComplianceInput {
            name: "纯棉T恤",
            description: "100% cotton",
            has_category: true,
            images: vec!["https://cdn.example.com/a.jpg"],
            attributes: vec![("material", "cotton")],
            skus: vec![("TEE-M", 9900, Some(3000))],
            allow_below_cost: false,
        }
    }

    #[test]
    fn a_complete_product_has_no_findings() {
        assert!(check_compliance(&good(), &defaults()).is_empty());
    }

    #[test]
    fn missing_fields_and_bad_urls_are_errors() {
        let input = ComplianceInput {
            description: " ",
            has_category: false,
            images: vec!["not a url"],
            ..good()
        };
        let f = check_compliance(&input, &defaults());
        let fields: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["description", "category_id", "images[0]"]);
        assert!(has_errors(&f));
    }

    #[test]
    fn price_below_cost_needs_the_flag() {
        let input = ComplianceInput {
            skus: vec![("TEE-M", 2000, Some(3000))],
            ..good()
        };
        let f = check_compliance(&input, &defaults());
        assert_eq!(f[0].code, "below_cost");
        assert_eq!(f[0].field, "skus[TEE-M].price");
        let flagged = ComplianceInput {
            allow_below_cost: true,
            ..input
        };
        assert!(check_compliance(&flagged, &defaults()).is_empty());
    }

    #[test]
    fn banned_words_in_chinese_and_english_are_warnings() {
        let input = ComplianceInput {
            name: "全网最好的T恤",
            description: "The BEST IN THE WORLD tee",
            ..good()
        };
        let f = check_compliance(&input, &defaults());
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|f| f.code == "banned_word" && f.severity == Severity::Warning)
        );
        assert!(!has_errors(&f));
        // A merchant's own list replaces the defaults.
        assert!(check_compliance(&input, &["棉".to_owned()]).is_empty());
    }

    fn id(n: u128) -> CategoryId {
        CategoryId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn category_paths_nest_and_refuse_cycles() {
        let root = CategoryPath::child(None, id(1)).unwrap();
        let child = CategoryPath::child(Some(&root), id(2)).unwrap();
        let grandchild = CategoryPath::child(Some(&child), id(3)).unwrap();
        assert_eq!(root.depth(), 1);
        assert_eq!(grandchild.depth(), 3);
        assert!(grandchild.is_within(&root));
        assert!(!root.is_within(&child));
        assert_eq!(
            CategoryPath::parse(grandchild.as_ref()),
            Ok(grandchild.clone())
        );
        assert_eq!(
            CategoryPath::moved(&root, id(1), Some(&grandchild), 3),
            Err(CategoryError::Cycle)
        );
        assert_eq!(
            CategoryPath::moved(&child, id(2), Some(&child), 3),
            Err(CategoryError::Cycle)
        );
        let moved = CategoryPath::moved(&child, id(2), None, 3).unwrap();
        assert_eq!(moved.depth(), 1);
        assert!(CategoryPath::parse("/xyz/").is_err());
    }

    #[test]
    fn trees_deeper_than_the_limit_are_refused() {
        let mut path = CategoryPath::child(None, id(1)).unwrap();
        for n in 2..=8 {
            path = CategoryPath::child(Some(&path), id(n)).unwrap();
        }
        assert_eq!(
            CategoryPath::child(Some(&path), id(9)),
            Err(CategoryError::TooDeep)
        );
        let other = CategoryPath::child(None, id(20)).unwrap();
        // Moving a two-level subtree under a depth-7 node would make depth 9.
        let seven = CategoryPath::parse(&path.as_ref()[..path.as_ref().len() - 33]).unwrap();
        assert_eq!(seven.depth(), 7);
        assert_eq!(
            CategoryPath::moved(&other, id(20), Some(&seven), 2),
            Err(CategoryError::TooDeep)
        );
    }
}
