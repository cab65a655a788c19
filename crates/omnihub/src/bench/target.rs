//! Where a run happens: a fresh database (SQLite in a new directory, or a new PostgreSQL
//! database on the server `--postgres` names, dropped afterwards), and `omnihub serve` as a
//! child process on a free loopback port, so its CPU time and memory can be read from
//! `/proc` apart from the load tool's, and so it can be killed with SIGKILL and started again.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use omnihub_domain::clock::SystemClock;

use crate::commands::open_app_with;
use crate::config::Config;

/// A fixed instance key: the load tool and its server must agree on it.
const BENCH_SECRET_KEY: &str = "6f6d6e696875622d62656e63682d6b65792d6e6f742d666f722d70726f642121";

/// The database a run uses and how to reach it.
pub struct Target {
    /// The configuration the server child and the in-process app share.
    pub config: Config,
    /// The in-process app (set-up and the checks afterwards).
    pub app: omnihub_app::App,
    /// `sqlite` or `postgresql`.
    pub backend: &'static str,
    /// PostgreSQL: the admin URL and the run's database name, dropped at the end.
    scratch: Option<(String, String)>,
    /// SQLite: the run's data directory, removed at the end unless kept.
    dir: Option<PathBuf>,
}

impl Target {
    /// A fresh database for a run: `data_dir` for SQLite (a new temporary directory when
    /// `None`), or a database created on `postgres` (an admin URL).
    pub async fn prepare(
        base: &Config,
        postgres: Option<&str>,
        data_dir: Option<PathBuf>,
        label: &str,
    ) -> anyhow::Result<Self> {
        let mut config = base.clone();
        config.secret_key = Some(BENCH_SECRET_KEY.to_owned());
        config.outbox.enabled = false;
        config.database.max_connections = config.database.max_connections.max(8);
        let stamp = std::process::id();
        let (scratch, dir) = match postgres {
            Some(admin) => {
                let name = format!("omnihub_bench_{label}_{stamp}");
                create_database(admin, &name).await?;
                config.database_url = Some(with_database(admin, &name)?);
                (Some((admin.to_owned(), name)), None)
            }
            None => {
                let dir = data_dir.unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("omnihub-bench-{label}-{stamp}"))
                });
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                config.database_url = None;
                config.data_dir = dir.clone();
                (None, Some(dir))
            }
        };
        let app = open_app_with(&config, Arc::new(SystemClock)).await?;
        omnihub_app::system::migrate(&app).await?;
        let backend = app.db.backend().name();
        Ok(Self {
            config,
            app,
            backend,
            scratch,
            dir,
        })
    }

    /// PostgreSQL: the run's database name (its backends' process titles carry it).
    pub fn database_name(&self) -> Option<&str> {
        self.scratch.as_ref().map(|(_, name)| name.as_str())
    }

    /// The run's data directory (SQLite), for the fsync floor and the full-disk test.
    pub fn data_dir(&self) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("omnihub-bench-fsync"))
    }

    /// Drops the PostgreSQL database or removes the SQLite directory (unless `keep`).
    pub async fn clean_up(self, keep: bool) -> anyhow::Result<()> {
        self.app.db.close().await;
        if keep {
            if let Some(dir) = &self.dir {
                println!("kept the run's data in {}", dir.display());
            }
            return Ok(());
        }
        if let Some((admin, name)) = &self.scratch {
            drop_database(admin, name).await?;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}

async fn create_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let db = omnihub_store::Db::connect(admin, &omnihub_store::DbOptions::default())
        .await
        .context("cannot reach the PostgreSQL server of --postgres")?;
    omnihub_store::floors::create_database(&db, name).await?;
    db.close().await;
    Ok(())
}

async fn drop_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let db = omnihub_store::Db::connect(admin, &omnihub_store::DbOptions::default()).await?;
    omnihub_store::floors::drop_database(&db, name).await?;
    db.close().await;
    Ok(())
}

/// `url` with its database (the last path segment) replaced by `name`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let Some(slash) = base.rfind('/').filter(|i| *i > "postgres://".len()) else {
        bail!("--postgres must be a URL with a database, e.g. postgres://user@host:5432/postgres");
    };
    let mut out = format!("{}/{name}", &base[..slash]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// `omnihub serve` running as a child process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    port: u16,
}

impl Server {
    /// Starts the server on a free port and waits until `/readyz` answers 200; returns it
    /// and how long it took to be ready.
    pub async fn start(
        target: &Target,
        http: &reqwest::Client,
    ) -> anyhow::Result<(Self, Duration)> {
        let port = free_port()?;
        Self::start_on(target, http, port).await
    }

    /// [`Self::start`] on a given port (a restart keeps the clients' base URL).
    pub async fn start_on(
        target: &Target,
        http: &reqwest::Client,
        port: u16,
    ) -> anyhow::Result<(Self, Duration)> {
        let exe = std::env::current_exe().context("cannot find the omnihub binary")?;
        let c = &target.config;
        let mut cmd = Command::new(exe);
        cmd.arg("serve")
            .env("OMNIHUB_LISTEN", format!("127.0.0.1:{port}"))
            .env("OMNIHUB_DATA_DIR", &c.data_dir)
            .env("OMNIHUB_SECRET_KEY", BENCH_SECRET_KEY)
            .env("OMNIHUB_OUTBOX__ENABLED", "false")
            .env(
                "OMNIHUB_LOG__LEVEL",
                std::env::var("OMNIHUB_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .env(
                "OMNIHUB_DATABASE__MAX_CONNECTIONS",
                c.database.max_connections.to_string(),
            )
            .env_remove("OMNIHUB_CONFIG")
            .stdin(Stdio::null())
            .stdout(server_log(target)?);
        match &c.database_url {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let started = Instant::now();
        let child = cmd.spawn().context("cannot start omnihub serve")?;
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
        };
        server.wait_ready(http).await?;
        Ok((server, started.elapsed()))
    }

    async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("omnihub serve exited before it was ready ({status})");
            }
            let ready = http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("omnihub serve was not ready within 120 s")
    }

    /// The child's process id (for `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// SIGKILL, no chance to flush anything: the crash test's blow.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM and wait: the normal stop.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let term = Command::new("kill").args(["-TERM", &pid]).status();
        if !term.is_ok_and(|s| s.success()) {
            self.child.kill()?;
        }
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    /// A run that fails half-way must not leave its server behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The server's log (its stdout), appended to `omnihub-bench-server.log` in the temporary
/// directory, so a failed run can be read afterwards.
fn server_log(_target: &Target) -> anyhow::Result<Stdio> {
    let path = std::env::temp_dir().join("omnihub-bench-server.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    Ok(Stdio::from(file))
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
