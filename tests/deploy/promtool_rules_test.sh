#!/usr/bin/env bash
# The alert rules pass Prometheus's own checker and their unit tests.
set -euo pipefail
promtool="${PROMTOOL:-/usr/bin/promtool}"
[[ -x "$promtool" ]] || { echo "promtool not found (Debian package prometheus)" >&2; exit 1; }
"$promtool" check rules deploy/prometheus/rules.yml
# rule_files in the test file are relative to it.
"$promtool" test rules deploy/prometheus/rules_test.yml
