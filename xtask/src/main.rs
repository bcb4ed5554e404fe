//! Maintainer tasks for the identifai-rs workspace: `cargo xtask <task>`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("regen" | "diff" | "check") => {
            eprintln!(
                "xtask: `{}` is not implemented yet (see issue 3)",
                task.unwrap_or_default()
            );
            ExitCode::from(2)
        }
        _ => {
            eprintln!("usage: cargo xtask <regen|diff|check>");
            ExitCode::from(2)
        }
    }
}
