#!/usr/bin/env bash
# deploy/kubernetes/base/prometheusrule.yaml is exactly what make_prometheusrule.py makes of
# deploy/prometheus/rules.yml.
set -euo pipefail
exec /usr/bin/python3 deploy/prometheus/make_prometheusrule.py --check
