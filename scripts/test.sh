#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, then `bazel test //...` (unit, integration
# and end-to-end tests, and the lint checks), and ends with one summary line.
# Extra arguments go to `bazel test` (for example a target pattern or --config=asan).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
scripts/setup.sh

args=(--test_summary=short)
[[ "${CI:-}" == "true" ]] && args+=(--config=ci)
targets=("$@")
((${#targets[@]})) || targets=(//...)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
bazel test "${args[@]}" "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# One line per test target in Bazel's summary: "//pkg:name  PASSED in 1.2s", "(cached) PASSED",
# "FAILED", "TIMEOUT", "NO STATUS", "FAILED TO BUILD"...
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE|REMOTE)' "$log" || true)
if ((rc != 0 && failed == 0)); then
  failed=1 # the build itself failed before any test could report
fi
echo "tests: ${passed} passed, ${failed} failed"
exit "$rc"
