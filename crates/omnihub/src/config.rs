//! Configuration: one typed tree, layered defaults → TOML file → `OMNIHUB_*` environment
//! (`__` separates nested keys, e.g. `OMNIHUB_HTTP__BODY_LIMIT_BYTES`) → `DATABASE_URL`.
//! Validated at start-up; `omnihub config show` prints the effective values with secrets
//! redacted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`OMNIHUB_LISTEN`).
    pub listen: String,
    /// Directory for the embedded database and generated keys (`OMNIHUB_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `postgres://user:pass@host/db` selects PostgreSQL; unset means embedded SQLite in
    /// `data_dir` (`DATABASE_URL`).
    pub database_url: Option<String>,
    /// The instance key (64 hex digits) that encrypts secrets at rest (`OMNIHUB_SECRET_KEY`).
    /// Unset: read from `secret_key_file`, generated there on first start. Every instance
    /// sharing a PostgreSQL database must use the same key.
    pub secret_key: Option<String>,
    /// Where the generated instance key lives (default `<data_dir>/secret.key`).
    pub secret_key_file: Option<PathBuf>,
    /// Connection pools.
    pub database: DatabaseConfig,
    /// HTTP limits.
    pub http: HttpConfig,
    /// Logging.
    pub log: LogConfig,
    /// The channel push-back worker (docs/outbox.md).
    pub outbox: OutboxConfig,
}

/// The channel push-back worker (`OMNIHUB_OUTBOX__*`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    /// Run the worker in `omnihub serve` (turn off on all but some instances if wanted).
    pub enabled: bool,
    /// Milliseconds between polls when nothing is due.
    pub interval_ms: u64,
    /// Events claimed per round.
    pub batch: u32,
    /// Attempts in all before an event is dead.
    pub max_attempts: u32,
    /// Seconds before the first retry (doubled after each failure, capped at 6 hours).
    pub base_delay_secs: u64,
    /// Seconds a claim hides an event from other workers.
    pub lease_secs: u64,
    /// Seconds before one push request is abandoned.
    pub request_timeout_secs: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_ms: 1000,
            batch: 10,
            max_attempts: 8,
            base_delay_secs: 30,
            lease_secs: 60,
            request_timeout_secs: 10,
        }
    }
}

impl OutboxConfig {
    /// The relay's claim and retry settings.
    pub fn relay_settings(&self) -> omnihub_app::outbox::RelaySettings {
        let secs = |s: u64| jiff::SignedDuration::from_secs(i64::try_from(s).unwrap_or(i64::MAX));
        omnihub_app::outbox::RelaySettings {
            batch: self.batch,
            lease: secs(self.lease_secs),
            policy: omnihub_domain::channels::push::RetryPolicy {
                max_attempts: self.max_attempts,
                base_delay: secs(self.base_delay_secs),
                max_delay: jiff::SignedDuration::from_hours(6),
            },
        }
    }
}

/// Connection pool settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// PostgreSQL pool size, or SQLite reader pool size.
    pub max_connections: u32,
    /// Seconds to wait for a free connection.
    pub acquire_timeout_secs: u64,
    /// SQLite: seconds a statement waits on a lock.
    pub busy_timeout_secs: u64,
}

/// HTTP limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Seconds before a request is abandoned with 408.
    pub request_timeout_secs: u64,
    /// Seconds a connection gets to send a request's headers before it is closed.
    pub header_read_timeout_secs: u64,
    /// Seconds in-flight requests get to finish after SIGTERM / Ctrl-C.
    pub shutdown_grace_secs: u64,
    /// Write requests admitted at once; more get 429 with Retry-After (ADR 0025).
    pub max_pending_writes: usize,
}

/// Log output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` (human) or `json` (one object per line, for log shippers).
    pub format: LogFormat,
    /// A tracing filter such as `info` or `omnihub=debug,sqlx=warn` (`RUST_LOG` wins).
    pub level: String,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// JSON lines.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            secret_key: None,
            secret_key_file: None,
            database: DatabaseConfig::default(),
            http: HttpConfig::default(),
            log: LogConfig::default(),
            outbox: OutboxConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout_secs: 5,
            busy_timeout_secs: 5,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            shutdown_grace_secs: 30,
            max_pending_writes: 1024,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// A configuration problem, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The layers could not be read or merged.
    #[error("invalid configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Top-level keys the environment may set.
const CONFIG_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database",
    "http",
    "log",
    "outbox",
    "secret_key",
];

impl Config {
    /// Loads the layers. `file` is `--config`; without it `./omnihub.toml` is read if present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Invalid(format!(
                        "config file {} not found",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            // Only the working directory: `Toml::file` would also search parent directories.
            None if Path::new("omnihub.toml").exists() => {
                figment = figment.merge(Toml::file_exact("omnihub.toml"));
            }
            None => {}
        }
        let config: Config = figment
            .merge(
                // Only configuration keys: other OMNIHUB_* variables (ADMIN_PASSWORD,
                // TEST_DB...) belong to other parts and must not trip deny_unknown_fields.
                Env::prefixed("OMNIHUB_")
                    .filter(|key| {
                        let key = key.as_str().to_ascii_lowercase();
                        CONFIG_KEYS.iter().any(|k| key.starts_with(k))
                    })
                    .split("__"),
            )
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database.max_connections must be at least 1".into(),
            ));
        }
        if self.http.body_limit_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "http.body_limit_bytes must be at least 1024".into(),
            ));
        }
        if self.http.request_timeout_secs == 0 || self.http.header_read_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "http.request_timeout_secs and http.header_read_timeout_secs must be at least 1"
                    .into(),
            ));
        }
        if self.http.max_pending_writes == 0 {
            return Err(ConfigError::Invalid(
                "http.max_pending_writes must be at least 1".into(),
            ));
        }
        if self.outbox.batch == 0 || self.outbox.max_attempts == 0 || self.outbox.lease_secs == 0 {
            return Err(ConfigError::Invalid(
                "outbox.batch, outbox.max_attempts and outbox.lease_secs must be at least 1".into(),
            ));
        }
        if let Some(url) = &self.database_url {
            let known = ["postgres://", "postgresql://", "sqlite:"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return Err(ConfigError::Invalid(
                    "DATABASE_URL must start with postgres://, postgresql:// or sqlite:".into(),
                ));
            }
        }
        Ok(())
    }

    /// The parsed listen address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            ConfigError::Invalid(format!("listen address {:?} is not host:port", self.listen))
        })
    }

    /// The database URL: `DATABASE_URL`, or the embedded SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("omnihub.db").display()))
    }

    /// The key file path.
    pub fn secret_key_path(&self) -> PathBuf {
        self.secret_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"))
    }

    /// Pool options for the store.
    pub fn db_options(&self) -> omnihub_store::DbOptions {
        omnihub_store::DbOptions {
            max_connections: self.database.max_connections,
            acquire_timeout: Duration::from_secs(self.database.acquire_timeout_secs),
            busy_timeout: Duration::from_secs(self.database.busy_timeout_secs),
        }
    }

    /// HTTP settings for the server.
    pub fn http_settings(&self) -> omnihub_server::HttpSettings {
        omnihub_server::HttpSettings {
            body_limit: self.http.body_limit_bytes,
            request_timeout: Duration::from_secs(self.http.request_timeout_secs),
            max_pending_writes: self.http.max_pending_writes,
            header_read_timeout: Duration::from_secs(self.http.header_read_timeout_secs),
        }
    }

    /// The effective configuration as JSON with secrets (database password) redacted.
    pub fn redacted_json(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = shown.database_url.map(|url| redact_password(&url));
        shown.secret_key = shown.secret_key.map(|_| "***".to_owned());
        serde_json::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db:5432/omnihub"),
            "postgres://app:***@db:5432/omnihub"
        );
        assert_eq!(
            redact_password("postgres://db/omnihub"),
            "postgres://db/omnihub"
        );
    }

    #[test]
    fn defaults_need_nothing() {
        let config = Config::default();
        config.validate().unwrap();
        assert_eq!(config.database_url(), "sqlite://./data/omnihub.db");
        assert_eq!(config.listen_addr().unwrap().to_string(), "127.0.0.1:8080");
    }
}
