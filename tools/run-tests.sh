#!/usr/bin/env bash
# README command 2 (and CI's): install, build, run every test but the opt-in
# `long` and `fuzz` ones. HWNAS_TEST_ARGS replaces the label filter (e.g.
# "-L long", or "-L fuzz": each fuzzer for 2 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh"
cd "${HWNAS_BUILD_DIR:-$root/build}"
# shellcheck disable=SC2086
ctest --output-on-failure --parallel "$(nproc)" ${HWNAS_TEST_ARGS:--LE long|fuzz}
