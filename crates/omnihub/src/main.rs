//! `omnihub`: one binary for the whole platform. `serve` runs the API, the admin console
//! and the workers; the other commands administer the same database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod config;
mod serve;
mod telemetry;

/// Omnihub: omnichannel commerce operations in one binary.
#[derive(Debug, Parser)]
#[command(name = "omnihub", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML). Default: ./omnihub.toml if it exists.
    #[arg(long, global = true, env = "OMNIHUB_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: REST API, admin console and background workers. Applies pending
    /// migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run integrity checks; exits non-zero with a report if any fails.
    Check,
    /// Administer staff accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Show the effective configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a platform administrator. The password is read from OMNIHUB_ADMIN_PASSWORD,
    /// or asked for on the terminal (or read from standard input when not a terminal).
    Create {
        /// The administrator's login email.
        #[arg(long, value_name = "ADDRESS")]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify every hash chain of the audit log; prints one line per chain and exits 1 if
    /// any chain is broken.
    Verify,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, secrets redacted.
    Show,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("omnihub: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("omnihub: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve => serve::run(&config).await.map(|()| ExitCode::SUCCESS),
            Command::Migrate => commands::migrate(&config).await,
            Command::Check => commands::check(&config).await,
            Command::Admin {
                command: AdminCommand::Create { email },
            } => commands::create_admin(&config, &email).await,
            Command::Audit {
                command: AuditCommand::Verify,
            } => commands::audit_verify(&config).await,
            Command::Config {
                command: ConfigCommand::Show,
            } => {
                println!("{}", config.redacted_json());
                Ok(ExitCode::SUCCESS)
            }
            Command::Openapi => commands::openapi(),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "command failed");
            eprintln!("omnihub: {err:#}");
            ExitCode::FAILURE
        }
    }
}
