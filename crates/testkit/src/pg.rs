//! Throwaway PostgreSQL for tests: one server per test process, one database per test.
//!
//! Modelled on crates.io's `crates_io_test_db`:
//!
//! * [`server_url`] finds the server: `OMNIHUB_TEST_PG_URL` when set (an admin URL such as
//!   `postgres://postgres@127.0.0.1:5432/postgres`), otherwise a throwaway cluster that is
//!   `initdb`-ed into a temporary directory and started once per process (durability switched off,
//!   trust auth, TCP on 127.0.0.1 only). A detached watchdog shell stops it and deletes its data
//!   directory once the test process has exited, because Rust's test harness has no global
//!   teardown.
//! * [`ensure_template`] creates and migrates the template database `omnihub_tpl_<key>` once per
//!   process per key, serialised across concurrent test processes with `pg_advisory_lock`. The
//!   template is built under a scratch name and only renamed to its final name once the migration
//!   succeeded, so a crash half-way never leaves a half-made template behind.
//! * [`PgTestDb::create`] clones the template (`CREATE DATABASE ... TEMPLATE ...`, a file copy, far
//!   cheaper than migrating) and its `Drop` removes the clone with `DROP DATABASE ... WITH (FORCE)`,
//!   unless `OMNIHUB_KEEP_TEST_DB=1` asks to keep it for inspection.
//!
//! Database names are generated here (`t_<uuid>`) or validated (`key`), so interpolating them into
//! SQL as quoted identifiers is safe.

use std::collections::HashMap;
use std::future::Future;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use sqlx::{Connection as _, PgConnection};
use tokio::sync::OnceCell;

/// Environment variable holding the admin URL of an existing PostgreSQL server to use.
const URL_ENV: &str = "OMNIHUB_TEST_PG_URL";
/// Environment variable that, when `1`, keeps test databases instead of dropping them.
const KEEP_ENV: &str = "OMNIHUB_KEEP_TEST_DB";
/// The OS user the throwaway cluster runs as when the tests run as root.
const PG_OS_USER: &str = "postgres";
/// The database admin connections go to.
const ADMIN_DB: &str = "postgres";
/// Prefix of migrated template databases.
const TEMPLATE_PREFIX: &str = "omnihub_tpl_";
/// Prefix of a template while it is being built.
const TEMPLATE_WIP_PREFIX: &str = "omnihub_tplwip_";
/// SQLSTATE `object_in_use` ("database is being accessed by other users").
const OBJECT_IN_USE: &str = "55006";

/// The outcome of starting the throwaway cluster, once per process.
static CLUSTER: OnceLock<Result<Option<String>, String>> = OnceLock::new();
/// Template names per (server URL, key), once per process.
static TEMPLATES: LazyLock<Mutex<HashMap<String, Arc<OnceCell<String>>>>> =
    LazyLock::new(Default::default);

/// The admin URL (e.g. `postgres://postgres@127.0.0.1:54321/postgres`) of the PostgreSQL server
/// tests use: `OMNIHUB_TEST_PG_URL` when set, otherwise a throwaway cluster started once per
/// process. Ok(None) when no URL is set and PostgreSQL is not installed. Err(message) when
/// starting the cluster failed.
///
/// Blocking (starting the cluster takes a second or two) but runtime-agnostic: it only uses
/// `std::process`, so it may be called from inside a tokio runtime. The outcome, including a
/// failure, is remembered for the rest of the process.
pub fn server_url() -> Result<Option<String>, String> {
    if let Some(url) = std::env::var(URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
    {
        return Ok(Some(url.trim().to_owned()));
    }
    CLUSTER.get_or_init(start_throwaway_cluster).clone()
}

/// One database for one test, created from a migrated template and dropped on Drop
/// (unless `OMNIHUB_KEEP_TEST_DB=1`).
#[derive(Debug)]
pub struct PgTestDb {
    name: String,
    url: String,
    admin_url: String,
}

impl PgTestDb {
    /// Creates a fresh database `t_<uuid>` as a copy of `template`.
    ///
    /// `template` is a database name returned by `ensure_template`.
    pub async fn create(server_url: &str, template: &str) -> Result<PgTestDb, String> {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin_url = with_database(server_url, ADMIN_DB)?;
        let url = with_database(server_url, &name)?;
        let mut conn = admin_connect(&admin_url).await?;
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&name),
            quote_ident(template)
        );
        let created = execute_retrying_in_use(&mut conn, &sql).await;
        close(conn).await;
        created
            .map_err(|e| format!("creating test database {name} from template {template}: {e}"))?;
        Ok(PgTestDb {
            name,
            url,
            admin_url,
        })
    }

    /// URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Name of this test's database.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgTestDb {
    /// Drops the database (terminating any connection still open to it), unless
    /// `OMNIHUB_KEEP_TEST_DB=1`. Errors are printed, never raised.
    fn drop(&mut self) {
        if std::env::var(KEEP_ENV).is_ok_and(|v| v == "1") {
            eprintln!(
                "{KEEP_ENV}=1: keeping test database {} ({})",
                self.name, self.url
            );
            return;
        }
        // Drop may run inside a tokio runtime (where block_on is forbidden) or outside of one, so
        // the async work gets its own thread with its own runtime (atuin's TestDb::drop pattern).
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("drop-{name}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("building a runtime: {e}"))?;
                rt.block_on(async {
                    let mut conn = admin_connect(&admin_url).await?;
                    let sql = format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        quote_ident(&name)
                    );
                    let dropped = execute(&mut conn, &sql).await;
                    close(conn).await;
                    dropped
                })
            });
        let outcome = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the drop thread panicked".to_owned())),
            Err(e) => Err(format!("spawning the drop thread: {e}")),
        };
        if let Err(e) = outcome {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// Creates, once per process and safely across concurrent test processes (pg_advisory_lock on
/// a connection to the `postgres` database), the database `omnihub_tpl_<key>` and runs `migrate`
/// with its URL if it did not exist yet; returns its name. `key` is a short hex hash of the
/// migrations, computed by the caller. After migrate returns, no connection to the template may
/// remain open (CREATE DATABASE ... TEMPLATE requires that). If a previous process crashed mid-way,
/// a half-made template must not be reused: e.g. build into a temp name and ALTER DATABASE ... RENAME
/// at the end, or mark completion.
///
/// Here the template is built as `omnihub_tplwip_<key>` (dropped first if a crashed run left it)
/// and renamed once `migrate` succeeded; connections `migrate` left open are terminated before the
/// rename. `key` must be 1 to 40 ASCII letters, digits or underscores. A failed attempt is not
/// remembered: the next call (with its own `migrate`) tries again.
pub async fn ensure_template<F, Fut>(
    server_url: &str,
    key: &str,
    migrate: F,
) -> Result<String, String>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    if key.is_empty()
        || key.len() > 40
        || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(format!(
            "template key {key:?} must be 1 to 40 ASCII letters, digits or '_'"
        ));
    }
    let cell = {
        let mut templates = TEMPLATES.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(templates.entry(format!("{server_url}\n{key}")).or_default())
    };
    cell.get_or_try_init(|| build_template(server_url, key, migrate))
        .await
        .cloned()
}

/// The cross-process part of [`ensure_template`]: under the advisory lock, reuse the finished
/// template or build it.
async fn build_template<F, Fut>(server_url: &str, key: &str, migrate: F) -> Result<String, String>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let name = format!("{TEMPLATE_PREFIX}{key}");
    let admin_url = with_database(server_url, ADMIN_DB)?;
    let mut conn = admin_connect(&admin_url).await?;
    let lock_id = advisory_lock_id(&name);
    let locked = sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(lock_id)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("taking the advisory lock for template {name}: {e}"));
    let built = match locked {
        Ok(_) => build_template_locked(&mut conn, server_url, &name, key, migrate).await,
        Err(e) => Err(e),
    };
    // Closing the session releases the advisory lock anyway; unlocking first is just tidy.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(lock_id)
        .execute(&mut conn)
        .await;
    close(conn).await;
    built
}

/// [`build_template`] with the advisory lock held on `conn`.
async fn build_template_locked<F, Fut>(
    conn: &mut PgConnection,
    server_url: &str,
    name: &str,
    key: &str,
    migrate: F,
) -> Result<String, String>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    if database_exists(conn, name).await? {
        return Ok(name.to_owned());
    }
    let wip = format!("{TEMPLATE_WIP_PREFIX}{key}");
    // A leftover of a process that crashed while migrating: we hold the lock, so nobody uses it.
    execute(
        conn,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&wip)),
    )
    .await
    .map_err(|e| format!("dropping stale template {wip}: {e}"))?;
    execute(conn, &format!("CREATE DATABASE {}", quote_ident(&wip)))
        .await
        .map_err(|e| format!("creating template {wip}: {e}"))?;
    if let Err(e) = migrate(with_database(server_url, &wip)?).await {
        let _ = execute(
            conn,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&wip)),
        )
        .await;
        return Err(format!("migrating template {wip}: {e}"));
    }
    // Renaming (and later cloning) requires that nobody is connected: end what migrate left open,
    // e.g. pooled connections that were dropped without `close().await`.
    let renamed = async {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
            .bind(&wip)
            .execute(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        let sql = format!("ALTER DATABASE {} RENAME TO {}", quote_ident(&wip), quote_ident(name));
        execute_retrying_in_use(conn, &sql).await
    }
    .await;
    if let Err(e) = renamed {
        let _ = execute(
            conn,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&wip)),
        )
        .await;
        return Err(format!("renaming template {wip} to {name}: {e}"));
    }
    Ok(name.to_owned())
}

/// Whether database `name` exists.
async fn database_exists(conn: &mut PgConnection, name: &str) -> Result<bool, String> {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
        .map_err(|e| format!("looking up database {name}: {e}"))
}

/// A stable advisory lock id for `name`: the first 8 bytes of its SHA-256.
fn advisory_lock_id(name: &str) -> i64 {
    let digest = Sha256::digest(format!("omnihub-testkit:{name}").as_bytes());
    let mut bytes = [0u8; 8];
    for (byte, d) in bytes.iter_mut().zip(digest.iter()) {
        *byte = *d;
    }
    i64::from_be_bytes(bytes)
}

/// Opens an admin connection.
async fn admin_connect(admin_url: &str) -> Result<PgConnection, String> {
    PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("connecting to PostgreSQL at {}: {e}", redact(admin_url)))
}

/// Closes `conn`, ignoring errors (the server side ends the session either way).
async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}

/// Runs one statement built by this module from generated or validated identifiers.
async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// [`execute`], retrying for a few seconds while the server reports `object_in_use`
/// (a connection to the database involved is still being torn down).
async fn execute_retrying_in_use(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    let mut attempt = 0u32;
    loop {
        let result = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await;
        match result {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(db))
                if db.code().as_deref() == Some(OBJECT_IN_USE) && attempt < 50 =>
            {
                attempt += 1;
                pause(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Waits a little before retrying.
#[allow(clippy::disallowed_methods)] // Polling a real server: nothing to do but wait, no business clock here.
async fn pause(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Double-quotes an identifier.
fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// `url` with its database (the path) replaced by `database`, keeping any query string.
fn with_database(url: &str, database: &str) -> Result<String, String> {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let authority_start = head
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| format!("not a PostgreSQL URL: {}", redact(url)))?;
    let path_start = head[authority_start..]
        .find('/')
        .map_or(head.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &head[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

/// `url` without a password, for error messages.
fn redact(url: &str) -> String {
    let Some(authority_start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[authority_start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority_start + i);
    let authority = &url[authority_start..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..authority_start],
                &authority[..colon],
                &url[authority_start + at..]
            )
        }
        _ => url.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// The throwaway cluster.
// ---------------------------------------------------------------------------------------------

/// How to run the PostgreSQL binaries.
struct Binaries {
    bindir: PathBuf,
    /// Run through `runuser -u postgres --` (we are root, which initdb and postgres refuse).
    as_postgres: bool,
}

impl Binaries {
    /// A command running `bin` from the PostgreSQL bindir, with stdin closed and `dir` as its
    /// working directory (the postgres user may not be able to enter ours).
    fn command(&self, bin: &str, dir: &Path) -> Command {
        let program = self.bindir.join(bin);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.arg("-u").arg(PG_OS_USER).arg("--").arg(program);
            cmd
        } else {
            Command::new(program)
        };
        cmd.current_dir(dir).stdin(Stdio::null());
        cmd
    }
}

/// Starts the per-process cluster: Ok(None) when PostgreSQL is not installed.
fn start_throwaway_cluster() -> Result<Option<String>, String> {
    let Some(bindir) = find_bindir() else {
        return Ok(None);
    };
    let bins = Binaries {
        bindir,
        as_postgres: running_as_root(),
    };
    let dir = tempfile::Builder::new()
        .prefix("omnihub-pg-")
        .tempdir()
        .map_err(|e| format!("creating the PostgreSQL data directory: {e}"))?
        .keep();
    // From here on the watchdog owns the cleanup, whatever happens next.
    spawn_watchdog(&bins, &dir)?;
    if bins.as_postgres {
        let out = run(Command::new("chown")
            .arg(format!("{PG_OS_USER}:{PG_OS_USER}"))
            .arg(&dir)
            .stdin(Stdio::null()))
        .map_err(|e| {
            format!("running as root, so the cluster runs as OS user {PG_OS_USER}: {e}")
        })?;
        check(&out, "chown of the PostgreSQL data directory")?;
    }
    let mut initdb = bins.command("initdb", &dir);
    initdb.arg("-D").arg(&dir).args([
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]);
    check(&run(&mut initdb)?, "initdb")?;

    let mut last_error = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            shell_quote(&dir.to_string_lossy())
        );
        let mut start = bins.command("pg_ctl", &dir);
        start
            .arg("-D")
            .arg(&dir)
            .arg("-o")
            .arg(options)
            .args(["-w", "-t", "60", "-l"])
            .arg(dir.join("log"));
        start.arg("start");
        let out = run(&mut start)?;
        if out.status.success() {
            return Ok(Some(format!(
                "postgres://postgres@127.0.0.1:{port}/{ADMIN_DB}"
            )));
        }
        last_error = format!(
            "{}\nserver log:\n{}",
            describe(&out),
            log_tail(&dir.join("log"))
        );
        // In case the server came up after all (timeout): stop it before trying another port.
        let mut stop = bins.command("pg_ctl", &dir);
        stop.arg("-D").arg(&dir).args(["stop", "-m", "immediate"]);
        let _ = run(&mut stop);
    }
    Err(format!(
        "could not start PostgreSQL in {}: {last_error}",
        dir.display()
    ))
}

/// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`, else `$PATH`.
fn find_bindir() -> Option<PathBuf> {
    let has_binaries = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|dir| has_binaries(dir)) {
        return Some(dir);
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_binaries(dir))
        .collect();
    debian.sort();
    if let Some((_, dir)) = debian.pop() {
        return Some(dir);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| has_binaries(dir))
}

/// Whether this process runs as root (`id -u` is 0).
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("finding a free TCP port: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("finding a free TCP port: {e}"))?
        .port();
    drop(listener);
    Ok(port)
}

/// Starts a detached shell that waits for this process to exit, then stops the cluster in `dir`
/// and deletes `dir`. It runs as this process's user, in its own process group (so a Ctrl-C
/// aimed at the tests does not kill it) and with stdio on /dev/null (so `cargo test` or
/// nextest do not wait for it to close their output pipes).
fn spawn_watchdog(bins: &Binaries, dir: &Path) -> Result<(), String> {
    const SCRIPT: &str = r#"
        pid="$1"; dir="$2"; pg_ctl="$3"; as_postgres="$4"; user="$5"
        while kill -0 "$pid" 2>/dev/null; do sleep 1; done
        if [ -f "$dir/postmaster.pid" ]; then
            if [ "$as_postgres" = 1 ]; then
                runuser -u "$user" -- "$pg_ctl" -D "$dir" stop -m immediate
            else
                "$pg_ctl" -D "$dir" stop -m immediate
            fi
        fi
        rm -rf "$dir"
    "#;
    let child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("omnihub-pg-watchdog")
        .arg(std::process::id().to_string())
        .arg(dir)
        .arg(bins.bindir.join("pg_ctl"))
        .arg(if bins.as_postgres { "1" } else { "0" })
        .arg(PG_OS_USER)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("spawning the PostgreSQL watchdog: {e}"))?;
    // Deliberately not waited for: it outlives this process and is reaped by init.
    drop(child);
    Ok(())
}

/// Runs `cmd` to completion, capturing its output.
fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("running {:?}: {e}", cmd.get_program()))
}

/// Err with the command's output unless it succeeded.
fn check(out: &Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", describe(out)))
    }
}

/// Exit status and output of a finished command.
fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// The last lines of the server log, for error messages.
fn log_tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// `s` as one single-quoted word for `sh` (pg_ctl hands `-o` to a shell).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_the_path_and_keeps_the_query() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1").unwrap(),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("postgres://u:p@h", "d").unwrap(),
            "postgres://u:p@h/d"
        );
        assert_eq!(
            with_database("postgresql://h/x?sslmode=disable", "d").unwrap(),
            "postgresql://h/d?sslmode=disable"
        );
        assert!(with_database("nonsense", "d").is_err());
    }

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(
            redact("postgres://u:secret@h:1/db"),
            "postgres://u:***@h:1/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(shell_quote("/tmp/it's"), r"'/tmp/it'\''s'");
    }

    #[tokio::test]
    async fn template_clone_and_drop_round_trip() {
        let Some(server) = server_url().unwrap() else {
            eprintln!("skipped: PostgreSQL is not installed and {URL_ENV} is not set");
            return;
        };
        let template = ensure_template(&server, "selftest0", |url| async move {
            let mut conn = PgConnection::connect(&url)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query("CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY)")
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            conn.close().await.map_err(|e| e.to_string())
        })
        .await
        .unwrap();
        let db = PgTestDb::create(&server, &template).await.unwrap();
        let mut conn = PgConnection::connect(db.url()).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM probe")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 0);
        conn.close().await.unwrap();
        let name = db.name().to_owned();
        drop(db);
        let mut admin = PgConnection::connect(&with_database(&server, ADMIN_DB).unwrap())
            .await
            .unwrap();
        assert!(!database_exists(&mut admin, &name).await.unwrap());
    }
}
