#!/usr/bin/env bash
# Clean build (debug, `cargo build`) of a downstream crate that uses identifai-ext, per TLS feature.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in ${STACKS:-rustls-ring rustls-aws-lc native-tls}; do
  d=$work/$f; rm -rf $d; mkdir -p $d/src
  cat > $d/Cargo.toml <<T
[package]
name = "downstream"
version = "0.1.0"
edition = "2024"
[dependencies]
identifai-ext = { path = "$root/identifai-ext", default-features = false, features = ["$f"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
[workspace]
T
  cat > $d/src/main.rs <<'R'
#[tokio::main]
async fn main() {
    let client = identifai_ext::Client::builder().api_key("k").build().unwrap();
    println!("{:?}", client.wait_policy());
}
R
  cp $root/Cargo.lock $d/Cargo.lock
  start=$(date +%s.%N)
  (cd $d && CARGO_TARGET_DIR=$d/target cargo build -q 2>&1 | tail -3)
  end=$(date +%s.%N)
  n=$(cd $d && cargo tree --prefix none -e normal 2>/dev/null | sort -u | wc -l)
  echo "$f $(echo "$end - $start" | bc) s, $n crates"
  rm -rf $d/target
done
