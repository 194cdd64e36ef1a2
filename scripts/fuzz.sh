#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan, --config=fuzz) and runs
# each for FUZZ_SECONDS (default 30) on a copy of its seed corpus, with its dictionary if it has
# one. Fails on any crash, sanitizer report, leak, timeout or out-of-memory finding, and prints
# where the reproducer is and how to keep it as a regression input.
#
# Usage: scripts/fuzz.sh [TARGET...]      (default: every *_fuzzer target in tests/fuzz)
#   FUZZ_SECONDS      time per target (libFuzzer -max_total_time), default 30
#   FUZZ_TIMEOUT      one input slower than this (seconds) is a finding, default 10
#   FUZZ_MAX_LEN      largest input libFuzzer tries, default 65536 (finding 1 of issue 9 was 64 KiB)
#   FUZZ_JOBS         targets fuzzed at the same time, default 1
#   FUZZ_OUT          where corpora, logs and reproducers go, default .run/fuzz
#   JG_FUZZ_OUTPUT_BASE  Bazel output base of the clang build (never the gcc one: switching the
#                     C++ compiler there would throw its whole cache away)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

seconds=${FUZZ_SECONDS:-30}
timeout=${FUZZ_TIMEOUT:-10}
max_len=${FUZZ_MAX_LEN:-65536}
jobs=${FUZZ_JOBS:-1}
out=${FUZZ_OUT:-$top/.run/fuzz}
output_base=${JG_FUZZ_OUTPUT_BASE:-${XDG_CACHE_HOME:-$HOME/.cache}/jumio-gateway/fuzz-$(printf '%s' "$top" | md5sum | cut -c1-12)}

bazel_fuzz() { bazel --output_base="$output_base" "$@"; }
build_args=(--config=fuzz)
[[ "${CI:-}" == "true" ]] && build_args+=(--config=ci)

targets=("$@")
if ((${#targets[@]} == 0)); then
  # One source file per target, named like it (tests/fuzz/BUILD.bazel).
  mapfile -t targets < <(cd tests/fuzz && ls -1 *_fuzzer.cc | sed 's/\.cc$//' | sort)
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz targets found in //tests/fuzz" >&2
  exit 1
fi
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:$t"); done

start=$SECONDS
bazel_fuzz build "${build_args[@]}" "${labels[@]}"
bin=$(bazel_fuzz info "${build_args[@]}" bazel-bin 2>/dev/null)
echo "fuzz: built ${#targets[@]} targets with clang in $((SECONDS - start))s"

symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS="detect_leaks=1:symbolize=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:symbolize=1${symbolizer:+:external_symbolizer_path=$symbolizer}"

# One target: fuzz a copy of its corpus; the result line goes to $work/result.
fuzz_one() {
  local t=$1 work="$out/$1"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "tests/fuzz/corpus/$t/." "$work/corpus/"
  local args=(-max_total_time="$seconds" -timeout="$timeout" -max_len="$max_len"
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  [[ -f "tests/fuzz/dicts/$t.dict" ]] && args+=(-dict="tests/fuzz/dicts/$t.dict")
  local rc=0
  "$bin/tests/fuzz/$t" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -1 | cut -d' ' -f2 || true)
  local findings
  findings=$(find "$work/artifacts" -type f | sort)
  if ((rc == 0)) && [[ -z "$findings" ]]; then
    echo "ok $t: ${runs:-?} inputs in ${seconds}s, coverage ${cov:-?}, corpus $(find "$work/corpus" -type f | wc -l) files" >"$work/result"
  else
    {
      echo "FAIL $t (exit $rc): log $work/log"
      for f in $findings; do
        echo "  reproducer: $f"
        echo "    replay:   bazel run //tests/fuzz:$t -- $f"
        echo "    keep it:  cp $f tests/fuzz/corpus/$t/   (then fix; the corpus test runs it)"
      done
      grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz invariant failed' \
        "$work/log" | sed 's/^/  /' || true
    } >"$work/result"
  fi
}

mkdir -p "$out"
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, ${jobs} at a time; output in $out"
running=0
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
for t in "${targets[@]}"; do
  if [[ -f "$out/$t/result" ]]; then
    cat "$out/$t/result"
    grep -q '^ok ' "$out/$t/result" || failed=$((failed + 1))
  else
    echo "FAIL $t: no result (see $out/$t/log)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $((${#targets[@]} - failed)) targets clean, ${failed} with findings, in $((SECONDS - start))s"
((failed == 0))
