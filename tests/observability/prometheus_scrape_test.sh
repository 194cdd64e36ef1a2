#!/usr/bin/env bash
set -euo pipefail
exec /usr/bin/python3 tests/observability/prometheus_scrape_test.py "$@"
