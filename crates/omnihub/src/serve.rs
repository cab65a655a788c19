//! `omnihub serve`: migrate, start the outbox worker, then serve HTTP until SIGTERM or
//! Ctrl-C, letting in-flight requests (and the worker's push in flight) finish within the
//! configured grace period.

use std::time::Duration;

use anyhow::Context;
use omnihub_jobs::Shutdown;
use omnihub_jobs::outbox::{HttpPusher, OutboxWorker};
use omnihub_server::AppState;

use crate::commands::open_app;
use crate::config::Config;

/// Runs the server until a shutdown signal.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let addr = config.listen_addr()?;
    let app = open_app(config).await?;
    let status = omnihub_app::system::migrate(&app)
        .await
        .context("migrations failed")?;
    tracing::info!(
        backend = app.db.backend().name(),
        migrations = status.applied.len(),
        "database ready"
    );
    if let Some(token) = omnihub_app::setup::issue_token(&app).await? {
        tracing::warn!(
            setup_token = %token,
            "first run: no platform administrator yet. Open /admin/setup with this one-time token, or run `omnihub admin create --email ADDRESS`"
        );
    }
    let db = app.db.clone();
    let outbox = config.outbox.enabled.then(|| app.clone());
    let state = AppState::new(app, config.http_settings());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, version = omnihub_app::system::VERSION, "listening; console at http://{local}/admin, API docs at http://{local}/api/docs/");

    let shutdown = Shutdown::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing in-flight requests");
        signal.trigger();
    });
    let worker = match outbox {
        Some(app) => Some(start_outbox(app, config, &shutdown)?),
        None => None,
    };
    let server = omnihub_server::serve(listener, state, shutdown.listener().wait());
    let grace = Duration::from_secs(config.http.shutdown_grace_secs);
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => result.context("server failed")?,
        () = async {
            shutdown.listener().wait().await;
            // Give in-flight requests the grace period, then stop regardless.
            let _ = tokio::time::timeout(grace, std::future::pending::<()>()).await;
        } => tracing::warn!("grace period over; abandoning unfinished requests"),
    }
    shutdown.trigger();
    if let Some(worker) = worker {
        // The worker stops between pushes; a push in flight is bounded by its timeout.
        let _ = tokio::time::timeout(grace, worker).await;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the process-wide outbox relay (channel push-back), stopped by `shutdown`.
fn start_outbox(
    app: omnihub_app::App,
    config: &Config,
    shutdown: &Shutdown,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let timeout = Duration::from_secs(config.outbox.request_timeout_secs.max(1));
    let worker = OutboxWorker {
        app,
        settings: config.outbox.relay_settings(),
        interval: Duration::from_millis(config.outbox.interval_ms),
        pusher: HttpPusher::new(timeout).context("cannot build the outbox HTTP client")?,
    };
    Ok(tokio::spawn(worker.run(shutdown.listener())))
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
