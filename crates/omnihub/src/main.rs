//! `omnihub`: one binary for the whole platform. `serve` runs the API, the admin console
//! and the workers; the other commands administer the same database, and `demo channel`
//! plays a mock sales channel against a running server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod commands;
mod config;
mod demo;
mod import;
mod receiver;
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
    /// Work with the channel push-back outbox.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
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
    /// Load and reliability benchmarks (issue 8): a fresh database, the server as a child
    /// process, the floors, the scenario, the invariants, one table (docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// Bulk import of historical orders (NDJSON), and the B4 benchmark files.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Demonstrations: a demo merchant, or a mock channel against a running server.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Play a mock Shopify or WooCommerce store: send signed order webhooks to a channel
    /// and print the answers; exits 1 if any got a 5xx or no answer.
    Channel(demo::ChannelArgs),
    /// Play a channel's receiving end for push-back: print each request the outbox worker
    /// sends (one JSON line), deduplicated by event id; `--fail-first N` answers 500.
    ChannelReceiver(receiver::ReceiverArgs),
    /// Create a realistic demo merchant in the configured database (migrating it first):
    /// catalogue, stock, three channels and months of orders in every state, played
    /// through the real use cases. Prints the owner's sign-in; exits 2 if it exists.
    Seed(demo::seed::SeedArgs),
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// Send one batch of due push-back events now and print what happened.
    RunOnce,
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
            Command::Bench(args) => bench::run(&config, args).await,
            Command::Import { command } => import::run(&config, command).await,
            Command::Demo {
                command: DemoCommand::Channel(args),
            } => demo::channel(&args, &omnihub_domain::clock::SystemClock).await,
            Command::Demo {
                command: DemoCommand::ChannelReceiver(args),
            } => receiver::run(&args).await,
            Command::Outbox {
                command: OutboxCommand::RunOnce,
            } => commands::outbox_run_once(&config).await,
            Command::Demo {
                command: DemoCommand::Seed(args),
            } => commands::demo_seed(&config, &args).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<demo::ChannelArgs, clap::Error> {
        let mut argv = vec!["omnihub", "demo", "channel"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Demo {
                command: DemoCommand::Channel(args),
            } => Ok(args),
            other => panic!("parsed as {other:?}"),
        }
    }

    const CHANNEL: &str = "0192f0c4-7c3e-7000-8000-000000000001";

    fn parse_seed(args: &[&str]) -> Result<demo::seed::SeedArgs, clap::Error> {
        let mut argv = vec!["omnihub", "demo", "seed"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Demo {
                command: DemoCommand::Seed(args),
            } => Ok(args),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn demo_seed_defaults_options_and_refusals() {
        let d = parse_seed(&[]).unwrap();
        assert_eq!(d.merchant_code, "demo");
        assert_eq!((d.orders, d.days, d.products, d.seed), (3000, 90, 300, 42));
        let a = parse_seed(&[
            "--merchant-code",
            "acme",
            "--orders",
            "200",
            "--days",
            "30",
            "--seed",
            "7",
        ])
        .unwrap();
        assert_eq!(
            (a.merchant_code.as_str(), a.orders, a.days, a.seed),
            ("acme", 200, 30, 7)
        );
        for bad in [
            &["--orders", "0"][..],
            &["--days", "0"],
            &["--days", "400"],
            &["--products", "10"],
        ] {
            assert!(parse_seed(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn demo_channel_takes_every_option() {
        let a = parse(&[
            "--kind",
            "woocommerce",
            "--url",
            "http://localhost:9000/",
            "--channel",
            CHANNEL,
            "--secret",
            "s3cret",
            "--orders",
            "25",
            "--skus",
            "TEE-M,MUG-01",
            "--concurrency",
            "8",
            "--replay",
            "3",
            "--seed",
            "42",
            "--topic",
            "cancelled",
            "--currency",
            "cny",
        ])
        .unwrap();
        assert_eq!(a.kind, demo::DemoKind::Woocommerce);
        assert_eq!(a.channel.to_string(), CHANNEL);
        assert_eq!((a.orders, a.concurrency, a.replay, a.seed), (25, 8, 3, 42));
        assert_eq!(a.skus, ["TEE-M", "MUG-01"]);
        assert_eq!(a.topic, omnihub_domain::channels::OrderTopic::Cancelled);
        assert_eq!(a.currency.to_string(), "CNY");
        assert_eq!(
            demo::endpoint(&a),
            format!("http://localhost:9000/api/v1/channels/{CHANNEL}/webhooks/woocommerce")
        );
        let start = "2026-11-30T09:00:00Z".parse().unwrap();
        let sent = demo::deliveries(&a, start);
        assert_eq!(sent.len(), 75, "25 orders, each 3 times");
        assert!(sent[0] == sent[2] && sent[2] != sent[3]);
        for d in &sent {
            let order = omnihub_domain::channels::woocommerce::map_order(&d.body).unwrap();
            assert!(order.channel_state.cancelled);
            let skus: Vec<_> = order
                .lines
                .iter()
                .map(|l| l.item.sku.clone().unwrap())
                .collect();
            assert!(
                skus.iter()
                    .all(|s| ["TEE-M", "MUG-01"].contains(&s.as_ref()))
            );
        }
    }

    #[test]
    fn demo_channel_defaults_and_refusals() {
        let a = parse(&["--kind", "shopify", "--channel", CHANNEL, "--secret", "k"]).unwrap();
        assert_eq!(a.url, "http://127.0.0.1:8080");
        assert_eq!((a.orders, a.concurrency, a.replay, a.seed), (10, 4, 1, 1));
        assert!(a.skus.is_empty());
        assert_eq!(a.topic, omnihub_domain::channels::OrderTopic::Created);
        let ok = ["--kind", "shopify", "--channel", CHANNEL, "--secret", "k"];
        for bad in [
            &["--kind", "amazon", "--channel", CHANNEL, "--secret", "k"][..],
            &[
                "--kind",
                "shopify",
                "--channel",
                "not-a-uuid",
                "--secret",
                "k",
            ],
            &["--kind", "shopify", "--channel", CHANNEL],
            &[&ok[..], &["--orders", "0"]].concat(),
            &[&ok[..], &["--replay", "0"]].concat(),
            &[&ok[..], &["--topic", "deleted"]].concat(),
            &[&ok[..], &["--currency", "XYZ"]].concat(),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
