#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, then three passes, and ends with one summary
# line (`tests: N passed, N failed`, which the CI reads):
#   plain     `bazel test //...`: unit, integration and end-to-end tests, lint checks, and every
#             fuzz target's corpus (seeds and past findings) as <target>_corpus_test
#   sanitize  the same suite built with ASan + UBSan (--config=sanitize, every finding fatal; the
#             integration tests run the sanitized gateway and sandbox); tests tagged no_sanitize
#             are left out
#   fuzz      scripts/fuzz.sh: each libFuzzer target for FUZZ_SECONDS (default 30) with clang
# Each pass prints its build and test times.
#
# JG_TEST_PASSES picks passes (comma list, default plain,sanitize,fuzz), e.g.
#   JG_TEST_PASSES=plain scripts/test.sh
# Extra arguments go to `bazel test` in the plain and sanitize passes (a target pattern, say).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
scripts/setup.sh

IFS=, read -r -a passes <<<"${JG_TEST_PASSES:-plain,sanitize,fuzz}"
args=(--test_summary=short)
[[ "${CI:-}" == "true" ]] && args+=(--config=ci)
targets=("$@")
((${#targets[@]})) || targets=(//...)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
total_passed=0
total_failed=0
summary=()
rc=0

# One line per test target in Bazel's summary: "//pkg:name  PASSED in 1.2s", "(cached) PASSED",
# "FAILED", "TIMEOUT", "NO STATUS", "FAILED TO BUILD"...
count_bazel() { # log exit-code -> sets passed, failed
  passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$1" || true)
  failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE|REMOTE)' "$1" || true)
  if (($2 != 0 && failed == 0)); then
    failed=1 # the build itself failed before any test could report
  fi
}

bazel_pass() { # name, extra bazel flags...
  local name=$1
  shift
  local t0=$SECONDS build_rc=0 test_rc=0
  echo "=== pass ${name}: build" >&2
  set +e
  bazel build "${args[@]}" "$@" "${targets[@]}" 2>&1 | tee "$log"
  build_rc=${PIPESTATUS[0]}
  local t1=$SECONDS
  echo "=== pass ${name}: test" >&2
  bazel test "${args[@]}" "$@" "${targets[@]}" 2>&1 | tee "$log"
  test_rc=${PIPESTATUS[0]}
  set -e
  local t2=$SECONDS
  count_bazel "$log" "$test_rc"
  ((build_rc == 0 && test_rc == 0)) || rc=1
  summary+=("pass ${name}: build $((t1 - t0))s, test $((t2 - t1))s: ${passed} passed, ${failed} failed")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

fuzz_pass() {
  local t0=$SECONDS fuzz_rc=0
  echo "=== pass fuzz" >&2
  set +e
  scripts/fuzz.sh 2>&1 | tee "$log"
  fuzz_rc=${PIPESTATUS[0]}
  set -e
  # fuzz.sh: "fuzz: built N targets with clang in Xs", then one "ok T: ..." or "FAIL T ..." each.
  passed=$(grep -cE '^ok [a-z0-9_]+_fuzzer:' "$log" || true)
  failed=$(grep -cE '^FAIL [a-z0-9_]+_fuzzer' "$log" || true)
  if ((fuzz_rc != 0 && failed == 0)); then
    failed=1 # the clang build failed before any target ran
  fi
  ((fuzz_rc == 0)) || rc=1
  local built
  built=$(sed -n 's/^fuzz: built [0-9]* targets with clang in \([0-9]*\)s$/\1/p' "$log" | tail -1)
  summary+=("pass fuzz: build ${built:-?}s, fuzz $((SECONDS - t0 - ${built:-0}))s: ${passed} targets clean, ${failed} with findings")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

for pass in "${passes[@]}"; do
  case "$pass" in
    plain) bazel_pass plain ;;
    sanitize) bazel_pass sanitize --config=sanitize ;;
    fuzz) fuzz_pass ;;
    *)
      echo "test.sh: unknown pass '$pass' in JG_TEST_PASSES (plain, sanitize, fuzz)" >&2
      exit 2
      ;;
  esac
done

for line in "${summary[@]}"; do echo "$line"; done
echo "tests: ${total_passed} passed, ${total_failed} failed"
exit "$rc"
