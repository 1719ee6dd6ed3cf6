#!/usr/bin/env bash
# Long fuzzing of the URL parser and lint: cargo-fuzz (libFuzzer) for FUZZ_SECONDS
# (default 600), then the random-input test with PGREADY_FUZZ_ITERATIONS inputs
# (default 200 000; the short runs are part of scripts/test).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-600} bash scripts/fuzz-smoke
PGREADY_FUZZ_ITERATIONS=${PGREADY_FUZZ_ITERATIONS:-200000} cargo test --release --lib fuzz -- --nocapture
