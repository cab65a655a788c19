//! The SQLite and PostgreSQL migration folders must produce the same schema.

use omnihub_testkit::schema::describe;
use omnihub_testkit::{TestApp, TestBackend, backend_enabled};

#[tokio::test]
async fn both_migration_folders_produce_the_same_schema() {
    if !backend_enabled(TestBackend::Postgres) || !backend_enabled(TestBackend::Sqlite) {
        eprintln!("schema compare needs both backends; skipped");
        return;
    }
    let sqlite = TestApp::spawn(TestBackend::Sqlite).await;
    let pg = TestApp::spawn(TestBackend::Postgres).await;
    let (s, p) = (describe(&sqlite.app.db).await, describe(&pg.app.db).await);
    assert!(!s.is_empty(), "no tables found");
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        p.keys().collect::<Vec<_>>(),
        "tables differ"
    );
    for (name, table) in &s {
        assert_eq!(
            table, &p[name],
            "table {name} differs (left: SQLite, right: PostgreSQL)"
        );
    }
}

#[test]
fn every_migration_file_is_listed_and_numbered_alike_in_both_folders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations");
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let (sqlite, pg) = (names("sqlite"), names("postgres"));
    assert_eq!(sqlite, pg, "the two folders must hold the same file names");
    let listed: Vec<String> = omnihub_testkit::omnihub_store::migrations::MIGRATIONS
        .iter()
        .map(|(v, n, _, _)| format!("{v:04}_{n}.sql"))
        .collect();
    assert_eq!(
        sqlite, listed,
        "store::migrations::MIGRATIONS must list every file"
    );
}
