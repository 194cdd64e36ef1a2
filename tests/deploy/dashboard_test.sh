#!/usr/bin/env bash
set -euo pipefail
exec /usr/bin/python3 tests/deploy/dashboard_test.py deploy/grafana/jumio-gateway.json \
  deploy/prometheus/rules.yml "$1"
