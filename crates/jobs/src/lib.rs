//! Omnihub's background workers (outbox relay, webhook delivery, channel sync, schedules)
//! and the shutdown signal they share with the HTTP server. Depends on `app`, not on
//! `server`, so the two compile in parallel.
//!
//! The foundation provides the shutdown coordination; [`outbox`] is the first worker (the
//! channel push-back relay, issue 7 CH-3).

pub mod outbox;

use tokio::sync::watch;

/// Tells every long-running task that the process is stopping.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: watch::Sender<bool>,
}

/// A task's view of the shutdown signal.
#[derive(Debug, Clone)]
pub struct ShutdownListener {
    receiver: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A signal not yet raised.
    pub fn new() -> Self {
        Self {
            sender: watch::channel(false).0,
        }
    }

    /// Raises the signal; every listener's [`ShutdownListener::wait`] returns.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// A new listener.
    pub fn listener(&self) -> ShutdownListener {
        ShutdownListener {
            receiver: self.sender.subscribe(),
        }
    }
}

impl ShutdownListener {
    /// Completes once shutdown has been triggered (at once if it already was).
    pub async fn wait(mut self) {
        // An error means the sender is gone, which also means the process is stopping.
        let _ = self.receiver.wait_for(|stopping| *stopping).await;
    }

    /// True once shutdown has been triggered.
    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_wake_when_shutdown_is_triggered() {
        let shutdown = Shutdown::new();
        let early = shutdown.listener();
        let waiter = tokio::spawn(early.wait());
        assert!(!shutdown.listener().is_triggered());
        shutdown.trigger();
        waiter.await.unwrap();
        // A listener made after the trigger returns at once.
        shutdown.listener().wait().await;
    }
}
