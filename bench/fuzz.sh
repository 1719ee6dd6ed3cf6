#!/usr/bin/env bash
# A long run of the random-input test of the URL parser and lint (the short run is
# part of cargo test): PGREADY_FUZZ_ITERATIONS inputs, default ten million.
set -euo pipefail
cd "$(dirname "$0")/.."
PGREADY_FUZZ_ITERATIONS=${PGREADY_FUZZ_ITERATIONS:-10000000} cargo test --release --lib fuzz -- --nocapture
