//! SIGINT and SIGTERM, as exit codes: a run that is told to stop says what
//! it leaves pending and exits 130 (SIGINT) or 143 (SIGTERM), as shells do.

/// The exit code after SIGINT (Ctrl-C).
pub const INTERRUPTED: u8 = 130;
/// The exit code after SIGTERM.
pub const TERMINATED: u8 = 143;

/// The signals that stop a run, watched from the moment this is made.
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts watching (inside the runtime).
    pub fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next signal, as the exit code it calls for.
    pub async fn next(&mut self) -> u8 {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => INTERRUPTED,
                _ = self.terminate.recv() => TERMINATED,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            INTERRUPTED
        }
    }
}
