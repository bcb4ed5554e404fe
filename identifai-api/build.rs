//! Generates the identifAI client from `openapi/identifai.yaml` and
//! `openapi/overlay.yaml`: overlay, prepare, then progenitor for the JSON
//! operations and our own generator for the multipart ones.
//! See ARCHITECTURE.md for the whole flow.

#[path = "build/codegen.rs"]
mod codegen;
#[path = "build/enums.rs"]
mod enums;
#[path = "build/multipart.rs"]
mod multipart;
#[path = "build/openapi.rs"]
mod openapi;
#[path = "build/overlay.rs"]
mod overlay;
#[path = "build/prepare.rs"]
mod prepare;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let spec = manifest.join("openapi/identifai.yaml");
    let overlay = manifest.join("openapi/overlay.yaml");
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed={}", overlay.display());
    println!("cargo:rerun-if-changed=build");
    // For the snapshot test (tests/snapshot.rs), which reads what was
    // generated; the build itself never reads the snapshot.
    println!(
        "cargo:rustc-env=IDENTIFAI_GENERATED_DIR={}",
        out_dir.display()
    );

    match codegen::generate_files(&spec, &overlay, &out_dir) {
        Ok(report) => {
            for warning in report.warnings {
                println!("cargo:warning={warning}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: cannot generate the identifAI client\n{message}");
            ExitCode::FAILURE
        }
    }
}
