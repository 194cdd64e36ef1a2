#!/usr/bin/env bash
# Renders every overlay with `kubectl kustomize` and checks the manifests' invariants.
set -euo pipefail
# kustomize refuses files that resolve outside the kustomization root, and runfiles are
# symlinks into the source tree: render a dereferenced copy.
work="${TEST_TMPDIR:-$(mktemp -d)}/kubernetes"
rm -rf "$work"
cp -rL deploy/kubernetes "$work"
exec /usr/bin/python3 tests/deploy/manifests_test.py "$work" deploy/prometheus/rules.yml
