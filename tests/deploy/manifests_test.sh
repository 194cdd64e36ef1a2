#!/usr/bin/env bash
# Renders every overlay with `kubectl kustomize` and checks the manifests' invariants.
# $1: the issued_callback_url binary (the callback URLs the gateway issues for a config file).
set -euo pipefail
# kustomize refuses files that resolve outside the kustomization root, and runfiles are
# symlinks into the source tree: render a dereferenced copy.
work="${TEST_TMPDIR:-$(mktemp -d)}/kubernetes"
rm -rf "$work"
cp -rL deploy/kubernetes "$work"
exec /usr/bin/python3 tests/deploy/manifests_test.py "$work" deploy/prometheus/rules.yml "$1"
