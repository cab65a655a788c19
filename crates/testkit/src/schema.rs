//! Describes a database's schema in backend-neutral terms, for the test that keeps the
//! SQLite and PostgreSQL migration folders in lockstep: tables, columns (type class and
//! nullability), primary keys, foreign keys and indexes must match.

use std::collections::{BTreeMap, BTreeSet};

use omnihub_store::{Db, Tx};

/// A column: its type class and whether it accepts NULL.
pub type Column = (&'static str, bool);

/// One table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column name → (type class, nullable).
    pub columns: BTreeMap<String, Column>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// (columns, referenced table) of each foreign key.
    pub foreign_keys: BTreeSet<(String, String)>,
    /// (columns, unique) of each index other than the primary key's.
    pub indexes: BTreeSet<(String, bool)>,
}

/// Every table except sqlx's bookkeeping.
pub type Schema = BTreeMap<String, Table>;

/// Maps an engine's type name to a class both engines share.
pub fn type_class(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("bool") {
        "bool"
    } else if t.contains("int") {
        "integer"
    } else if t == "uuid" || t.contains("blob") || t == "bytea" {
        "bytes"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("json") {
        "json"
    } else if t.contains("real")
        || t.contains("double")
        || t.contains("float")
        || t.contains("numeric")
    {
        "number"
    } else {
        "other"
    }
}

/// Reads the schema of a migrated database.
pub async fn describe(db: &Db) -> Schema {
    let mut tx = db.begin_read().await.expect("read transaction");
    match &mut tx {
        Tx::Sqlite(c) => describe_sqlite(c).await,
        Tx::Pg(c) => describe_pg(c).await,
    }
}

async fn describe_sqlite(c: &mut sqlx::SqliteConnection) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for name in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, bool, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(&mut *c)
        .await
        .expect("columns");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, ty, not_null, pk_pos) in cols {
            // SQLite lets primary key columns be NULL unless declared NOT NULL; we always declare it.
            table
                .columns
                .insert(col.clone(), (type_class(&ty), !not_null));
            if pk_pos > 0 {
                pk.push((pk_pos, col));
            }
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let fks: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, \"table\", \"from\" FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(&mut *c)
        .await
        .expect("foreign keys");
        let mut grouped: BTreeMap<i64, (String, Vec<String>)> = BTreeMap::new();
        for (id, target, from) in fks {
            grouped
                .entry(id)
                .or_insert_with(|| (target, Vec::new()))
                .1
                .push(from);
        }
        table.foreign_keys = grouped
            .into_values()
            .map(|(t, cols)| (cols.join(","), t))
            .collect();
        let indexes: Vec<(String, bool, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&name)
                .fetch_all(&mut *c)
                .await
                .expect("indexes");
        for (index, unique, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut *c)
                    .await
                    .expect("index columns");
            table.indexes.insert((cols.join(","), unique));
        }
        schema.insert(name, table);
    }
    schema
}

async fn describe_pg(c: &mut sqlx::PgConnection) -> Schema {
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .expect("columns");
    let mut schema = Schema::new();
    for (table, col, ty, nullable) in cols {
        schema
            .entry(table)
            .or_default()
            .columns
            .insert(col, (type_class(&ty), nullable == "YES"));
    }
    let indexes: Vec<(String, bool, bool, String)> = sqlx::query_as(
        "SELECT t.relname::text, ix.indisunique, ix.indisprimary, \
           array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .expect("indexes");
    for (table, unique, primary, columns) in indexes {
        let entry = schema.entry(table).or_default();
        if primary {
            entry.primary_key = columns.split(',').map(str::to_owned).collect();
        } else {
            entry.indexes.insert((columns, unique));
        }
    }
    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, \
           array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') \
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(&mut *c)
    .await
    .expect("foreign keys");
    for (table, target, columns) in fks {
        schema
            .entry(table)
            .or_default()
            .foreign_keys
            .insert((columns, target));
    }
    schema
}
