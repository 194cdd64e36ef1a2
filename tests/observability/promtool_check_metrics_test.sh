#!/usr/bin/env bash
# `promtool check metrics` (Prometheus's own linter) on the exposition of every
# gateway metric: it must exit 0 and report nothing.
set -euo pipefail

dump="$1"
promtool="${PROMTOOL:-/usr/bin/promtool}"
[[ -x "$promtool" ]] || { echo "promtool not found (Debian package prometheus)" >&2; exit 1; }

out="${TEST_TMPDIR:-$(mktemp -d)}/metrics.txt"
"$dump" >"$out"
grep -q '^jumio_gateway_build_info{' "$out" || { echo "dump has no build info" >&2; exit 1; }

set +e
report=$("$promtool" check metrics <"$out" 2>&1)
rc=$?
set -e
if [[ $rc -ne 0 || -n "$report" ]]; then
  echo "promtool check metrics failed (exit $rc):" >&2
  echo "$report" >&2
  exit 1
fi
echo "promtool check metrics: clean ($(grep -vc '^#' "$out") samples)"
