#!/usr/bin/env bash
# Sourced by the lint tests: finds the real source tree behind the test's runfiles. The lint
# tests read the whole tree (every BUILD file, every .proto, every C++ file), which no single
# Bazel package can declare, so they are tagged "external" (never cached) and look at the tree
# itself; the symlink of a declared file leads there.
set -euo pipefail
marker="${TEST_SRCDIR}/${TEST_WORKSPACE}/WORKSPACE"
WORKSPACE_ROOT=$(dirname "$(readlink -f "$marker")")
export WORKSPACE_ROOT
# Files under version control when this is a git checkout; otherwise every file, minus build
# output and npm packages.
list_sources() {
  if git -C "$WORKSPACE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$WORKSPACE_ROOT" ls-files --cached --others --exclude-standard -- "$@"
  else
    (cd "$WORKSPACE_ROOT" && find . -path ./node_modules -prune -o -path './bazel-*' -prune \
      -o -type f -print | sed 's|^\./||')
  fi
}
require_tool() {
  if [[ ! -x "$1" ]] && ! command -v "$1" >/dev/null 2>&1; then
    echo "FAIL: $1 is missing: run scripts/setup.sh" >&2
    exit 1
  fi
}
