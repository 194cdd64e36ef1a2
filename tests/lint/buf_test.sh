#!/usr/bin/env bash
# The public API is buf lint clean (STANDARD) and, where git history exists, has no breaking
# change against the last commit on main (for uncommitted work) and against the commit before it
# (for a change that is already committed, which is what CI sees).
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
buf="$WORKSPACE_ROOT/node_modules/.bin/buf"
require_tool "$buf"
export BUF_CACHE_DIR="${TEST_TMPDIR}/buf-cache" HOME="${TEST_TMPDIR}"
cd "$WORKSPACE_ROOT"
"$buf" lint
echo "buf lint: clean"
if git rev-parse --verify -q main >/dev/null; then
  for ref in main main~1; do
    if git rev-parse --verify -q "$ref" >/dev/null &&
      git cat-file -e "$ref:proto/jumio/gateway/v1" 2>/dev/null; then
      "$buf" breaking --against ".git#ref=$(git rev-parse "$ref"),subdir=." 
      echo "buf breaking against $ref: compatible"
    fi
  done
fi
