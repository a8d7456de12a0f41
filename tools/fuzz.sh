#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang with AddressSanitizer and
# UBSan, torch-free) in build-fuzz/ and runs them:
#   tools/fuzz.sh [NAME|all] [SECONDS per fuzzer, default 600]
# Each run uses -rss_limit_mb=1024 -timeout=10: an input that makes hwnas
# allocate over 1 GB or work over 10 s before refusing it is a finding, like
# a crash. Findings land in build-fuzz/findings/NAME/; the exit status is
# non-zero when any fuzzer found something.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
seconds=${2:-600}
build=${HWNAS_FUZZ_BUILD_DIR:-$root/build-fuzz}
mapfile -t all < <(sed -n 's/^set(HWNAS_FUZZERS \(.*\))$/\1/p' "$root/fuzz/fuzzers.cmake" | tr ' ' '\n')

need=()
command -v clang++ >/dev/null || need+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  need+=(libfuzzer-14-dev)
if ((${#need[@]})); then
  apt-get update && apt-get install -y --no-install-recommends "${need[@]}"
fi

cmake -S "$root" -B "$build" -G Ninja -DHWNAS_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

# Seeds: the broken-input corpus, the shipped files and fuzz/seeds/.
seed() {
  local name=$1 dir="$build/corpus/$1"
  mkdir -p "$dir"
  shift
  for f in "$@"; do [[ -f $f ]] && cp -f "$f" "$dir/" || true; done
}
shopt -s nullglob
seed document "$root"/tests/data/bad/*/*.{yaml,json} "$root"/configs/*.yaml "$root"/search_spaces/*.yaml
seed arch "$root"/tests/data/bad/arch/*.json "$root"/configs/archs/*.json "$root"/tests/data/archs/*.json
seed space "$root"/tests/data/bad/space/*.yaml "$root"/search_spaces/*.yaml
seed config "$root"/tests/data/bad/config/*.yaml "$root"/configs/*.yaml
seed latency_table "$root"/latency_models/*.json
seed accel "$root"/fuzz/seeds/accel/*
seed idx "$root"/fuzz/seeds/idx/*
seed npy "$root"/fuzz/seeds/npy/*
seed weights "$root"/fuzz/seeds/weights/*
seed probes "$root"/fuzz/seeds/probes/*
seed bench_table "$root"/fuzz/seeds/bench_table/*
seed measurements "$root"/fuzz/seeds/measurements/*

# A small quarantine: ASan's default keeps 256 MB of freed memory, which
# would count against the 1 GB that stands for hwnas's own allocations.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:allocator_release_to_os_interval_ms=500:detect_leaks=1}
[[ $which == all ]] && names=("${all[@]}") || names=("$which")
status=0
for name in "${names[@]}"; do
  mkdir -p "$build/findings/$name" "$build/work/$name"
  echo "== fuzz_$name for ${seconds}s"
  if ! "$build/fuzz/fuzz_$name" "$build/work/$name" "$build/corpus/$name" \
    -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$name/" 2>"$build/findings/$name.log"; then
    echo "fuzz_$name: FINDING (see $build/findings/$name/ and $name.log)"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" \
    "$build/findings/$name.log" | sed "s/^/  /"
done
exit $status
