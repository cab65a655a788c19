//! The administrative commands: migrate, check, admin create, audit verify, openapi,
//! demo seed.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use omnihub_app::entropy::OsEntropy;
use omnihub_app::passwords::HashCost;
use omnihub_app::secrets::SecretBox;
use omnihub_app::{Actor, App, Error as AppError};
use omnihub_domain::clock::{Clock, FixedClock, SystemClock, V7Ids};
use omnihub_store::Db;

use crate::config::Config;

/// Opens the configured database (creating the data directory for SQLite) and builds the
/// app context with the real clock, ids and randomness.
pub async fn open_app(config: &Config) -> anyhow::Result<App> {
    open_app_with(config, Arc::new(SystemClock)).await
}

/// [`open_app`] with the given clock (the ids are stamped from it too).
pub async fn open_app_with<C: Clock + 'static>(
    config: &Config,
    clock: Arc<C>,
) -> anyhow::Result<App> {
    if config.database_url.is_none() || config.secret_key.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("cannot create data directory {}", config.data_dir.display())
        })?;
    }
    let db = Db::connect(&config.database_url(), &config.db_options())
        .await
        .with_context(|| {
            format!(
                "cannot open database {}",
                crate::config::redact_password(&config.database_url())
            )
        })?;
    let secrets = Arc::new(instance_key(config)?);
    Ok(App::new(
        db,
        clock.clone(),
        Arc::new(V7Ids::new(clock)),
        Arc::new(OsEntropy),
        HashCost::PRODUCTION,
        secrets,
    ))
}

/// The instance key: `secret_key` from config, else the key file, generated on first use
/// (readable by the owner only).
fn instance_key(config: &Config) -> anyhow::Result<SecretBox> {
    if let Some(hex_key) = &config.secret_key {
        return SecretBox::from_hex(hex_key).map_err(|e| anyhow::anyhow!("secret_key: {e}"));
    }
    let path = config.secret_key_path();
    if !path.exists() {
        let key: [u8; 32] = omnihub_app::entropy::random_bytes(&OsEntropy);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(&path, &omnihub_app::secrets::to_hex(&key))
            .with_context(|| format!("cannot write the instance key to {}", path.display()))?;
        tracing::warn!(path = %path.display(), "generated a new instance key; back it up: encrypted data cannot be read without it");
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the instance key {}", path.display()))?;
    SecretBox::from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// `omnihub migrate`.
pub async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open_app(config).await?;
    let status = omnihub_app::system::migrate(&app).await?;
    println!(
        "{} database migrated: {} of {} migrations applied (latest {})",
        app.db.backend().name(),
        status.applied.len(),
        status.expected.len(),
        status
            .latest_applied()
            .map_or_else(|| "none".into(), |v| format!("{v:04}")),
    );
    app.db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `omnihub check`: prints one line per check; exit 1 if any found a problem.
pub async fn check(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open_app(config).await?;
    let outcomes = omnihub_app::system::run_checks(&app).await?;
    let mut failed = 0;
    for outcome in &outcomes {
        if outcome.passed() {
            println!("ok    {}", outcome.name);
        } else {
            failed += 1;
            println!("FAIL  {}", outcome.name);
            for problem in &outcome.problems {
                println!("      - {problem}");
            }
        }
    }
    app.db.close().await;
    if failed == 0 {
        println!("all {} checks passed", outcomes.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{failed} of {} checks failed", outcomes.len());
        Ok(ExitCode::FAILURE)
    }
}

/// `omnihub outbox run-once`: sends one batch of due push-back events with the configured
/// settings and prints the counts.
pub async fn outbox_run_once(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open_app(config).await?;
    let timeout = std::time::Duration::from_secs(config.outbox.request_timeout_secs.max(1));
    let pusher = omnihub_jobs::outbox::HttpPusher::new(timeout)?;
    let stats =
        omnihub_jobs::outbox::run_once(&app, &config.outbox.relay_settings(), &pusher).await?;
    app.db.close().await;
    println!(
        "sent {}, delivered {}, retrying {}, dead {}",
        stats.sent, stats.delivered, stats.retrying, stats.dead
    );
    Ok(ExitCode::SUCCESS)
}

/// `omnihub admin create --email ADDRESS`.
pub async fn create_admin(config: &Config, email: &str) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let app = open_app(config).await?;
    omnihub_app::system::migrate(&app).await?;
    let result =
        omnihub_app::staff::create_platform_admin(&app, &Actor::system(), email, &password).await;
    app.db.close().await;
    match result {
        Ok(user) => {
            println!(
                "platform administrator {} created (id {})",
                user.email, user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::Validation(fields)) => {
            for f in fields {
                eprintln!("omnihub: {}: {}", f.field, f.message);
            }
            Ok(ExitCode::from(2))
        }
        Err(other) => Err(other.into()),
    }
}

/// `omnihub audit verify`: `ok <chain> (<n> entries)` per intact chain,
/// `BROKEN <chain>: <first broken link>` per broken one; exit 1 if any is broken.
pub async fn audit_verify(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open_app(config).await?;
    let result = omnihub_app::audit::verify(&app).await;
    app.db.close().await;
    let chains = result?;
    let mut broken = 0;
    for chain in &chains {
        match &chain.broken {
            None => println!("ok {} ({} entries)", chain.chain, chain.entries),
            Some(link) => {
                broken += 1;
                println!("BROKEN {}: {link}", chain.chain);
            }
        }
    }
    if broken == 0 {
        println!("all {} chains verified", chains.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{broken} of {} chains are broken", chains.len());
        Ok(ExitCode::FAILURE)
    }
}

/// The password from `OMNIHUB_ADMIN_PASSWORD`, a terminal prompt (twice), or a stdin line.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("OMNIHUB_ADMIN_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `omnihub openapi`.
pub fn openapi() -> anyhow::Result<ExitCode> {
    let doc = omnihub_server::openapi_document();
    println!("{}", doc.to_pretty_json()?);
    Ok(ExitCode::SUCCESS)
}

/// `omnihub demo seed`: migrates, seeds the demo merchant with a clock it moves through
/// the order history, prints progress, the summary and the owner's sign-in; exit 2 when
/// the merchant exists.
pub async fn demo_seed(
    config: &Config,
    args: &crate::demo::seed::SeedArgs,
) -> anyhow::Result<ExitCode> {
    let started = SystemClock.now();
    let clock = Arc::new(FixedClock::new(started));
    let app = open_app_with(config, clock.clone()).await?;
    omnihub_app::system::migrate(&app).await?;
    println!(
        "seeding demo merchant {:?} on {}: {} orders over {} days (seed {})",
        args.merchant_code,
        app.db.backend().name(),
        args.orders,
        args.days,
        args.seed
    );
    let seeder = crate::demo::seed::Seeder { app, clock };
    let mut progress = |line: &str| println!("  {line}");
    let result = crate::demo::seed::seed(&seeder, args, started, &mut progress).await;
    seeder.app.db.close().await;
    let (owner, summary) = match result? {
        Ok(done) => done,
        Err(refusal) => {
            eprintln!("omnihub: {refusal}");
            return Ok(ExitCode::from(2));
        }
    };
    let elapsed = SystemClock.now().duration_since(started);
    println!("{summary}");
    println!("seeded in {:.1} s", elapsed.as_secs_f64());
    println!(
        "sign in at /admin as the merchant owner (shown once; you enrol in MFA at first sign-in):"
    );
    println!("  email:    {}", owner.email);
    println!("  password: {}", owner.password);
    Ok(ExitCode::SUCCESS)
}
