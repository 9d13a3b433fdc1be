#!/usr/bin/env bash
# Broadsheet's one test command: installs what the tests need on a fresh
# Debian machine (Chromium and ChromeDriver from Debian, the pinned Rust
# toolchain with the wasm32 target) and runs every check and test, the
# headless-browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "==> Rust toolchain (rust-toolchain.toml) with the wasm32 target"
rustup toolchain install >/dev/null 2>&1 || true   # rustup >= 1.28 installs the pinned toolchain
rustup target add wasm32-unknown-unknown
rustup component add rustfmt clippy

echo "==> format and lints"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo clippy --locked -p broadsheet-app --target wasm32-unknown-unknown -- -D warnings

echo "==> tests (core, CLI, headless Chromium)"
cargo test --locked --workspace
