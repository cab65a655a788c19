//! Field-level differences between two JSON snapshots of a product (CAT-4).
//!
//! Objects are walked key by key, so a change deep inside (`skus.<id>.price_minor`) is
//! reported at its own path; arrays and scalars are compared whole (an image list is one
//! field to a person). The result is sorted by path, so it is stable for display and tests.

use serde::Serialize;
use serde_json::{Map, Value};

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path of the field (`name`, `skus.0193….price_minor`).
    pub path: String,
    /// Its value before; none if it was added.
    pub before: Option<Value>,
    /// Its value after; none if it was removed.
    pub after: Option<Value>,
}

/// The fields that differ between `before` and `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk("", Some(before), Some(after), &mut changes);
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// The top-level field names that differ (for the version's "what changed" summary).
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let mut fields: Vec<String> = diff(before, after)
        .into_iter()
        .map(|c| c.path.split('.').next().unwrap_or_default().to_owned())
        .collect();
    fields.dedup();
    fields
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => walk_objects(path, b, a, out),
        (b, a) if b == a => {}
        (b, a) => out.push(FieldChange {
            path: path.to_owned(),
            before: b.cloned(),
            after: a.cloned(),
        }),
    }
}

fn walk_objects(
    path: &str,
    b: &Map<String, Value>,
    a: &Map<String, Value>,
    out: &mut Vec<FieldChange>,
) {
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        walk(&child, b.get(key), a.get(key), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn nested_changes_are_reported_at_their_own_path() {
        let before =
            json!({"name": "Tee", "images": ["a"], "skus": {"1": {"price": 100, "code": "T"}}});
        let after = json!({"name": "Tee 2", "images": ["a", "b"], "skus": {"1": {"price": 120, "code": "T"}, "2": {"price": 5}}});
        let d = diff(&before, &after);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["images", "name", "skus.1.price", "skus.2"]);
        assert_eq!(d[2].before, Some(json!(100)));
        assert_eq!(d[2].after, Some(json!(120)));
        assert_eq!(d[3].before, None);
        assert_eq!(changed_fields(&before, &after), ["images", "name", "skus"]);
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-c]{0,3}".prop_map(Value::from),
        ]
    }

    fn doc() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(3, 24, 4, |inner| {
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
    }

    /// Applies changes to a copy of `base` (object paths only, as `diff` makes them).
    fn apply(base: &Value, changes: &[FieldChange]) -> Value {
        let mut out = base.clone();
        for c in changes {
            if c.path.is_empty() {
                out = c.after.clone().unwrap_or(Value::Null);
                continue;
            }
            let mut node = &mut out;
            let parts: Vec<&str> = c.path.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                node = node.as_object_mut().unwrap().get_mut(*part).unwrap();
            }
            let obj = node.as_object_mut().unwrap();
            let last = parts[parts.len() - 1].to_owned();
            match &c.after {
                Some(v) => obj.insert(last, v.clone()),
                None => obj.remove(&last),
            };
        }
        out
    }

    proptest! {
        #[test]
        fn a_document_does_not_differ_from_itself(a in doc()) {
            prop_assert!(diff(&a, &a).is_empty());
        }

        #[test]
        fn the_diff_is_symmetric(a in doc(), b in doc()) {
            let forward = diff(&a, &b);
            let backward = diff(&b, &a);
            prop_assert_eq!(forward.len(), backward.len());
            for (f, r) in forward.iter().zip(&backward) {
                prop_assert_eq!(&f.path, &r.path);
                prop_assert_eq!(&f.before, &r.after);
            }
        }

        #[test]
        fn applying_the_diff_turns_before_into_after(
            a in prop::collection::btree_map("[a-d]", doc(), 0..4),
            b in prop::collection::btree_map("[a-d]", doc(), 0..4),
        ) {
            let a = Value::Object(a.into_iter().collect());
            let b = Value::Object(b.into_iter().collect());
            prop_assert_eq!(apply(&a, &diff(&a, &b)), b);
        }
    }
}
