#!/usr/bin/env bash
# Builds hwnas and its tests with AddressSanitizer and UBSan (gcc, like the
# libtorch it links) in build-sanitize/ and runs the default test suite
# there (every test but `long` and `fuzz`). Any sanitizer report fails the
# test that triggered it: UBSan stops at its first finding, ASan at any
# invalid access, and LeakSanitizer reports leaks at exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HWNAS_SANITIZE_BUILD_DIR:-$root/build-sanitize}
bash "$root/tools/install-deps.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
  # -O1: sanitized code at -O3 takes much longer to compile, and the time
  # the tests take is spent mostly in libtorch, which is not instrumented.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O1 \
    -DHWNAS_SANITIZE=address,undefined -DHWNAS_BUILD_BENCHMARKS=OFF
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
HWNAS_BUILD_DIR=$build bash "$root/tools/run-tests.sh"
