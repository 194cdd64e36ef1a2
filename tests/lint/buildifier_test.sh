#!/usr/bin/env bash
# Every BUILD file, .bzl file and the WORKSPACE are buildifier clean, lint warnings included.
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
buildifier="$WORKSPACE_ROOT/node_modules/.bin/buildifier"
require_tool "$buildifier"
cd "$WORKSPACE_ROOT"
mapfile -t files < <(list_sources 'WORKSPACE' '*BUILD.bazel' '*.bzl' '*.BUILD' |
  while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
echo "checking ${#files[@]} Starlark files"
# Bazel 4.2 (Debian's) has the shell and Python rules built in and rules_shell/rules_python cannot be
# fetched offline, so the warnings that ask to load them from there are off.
"$buildifier" -mode=check -lint=warn \
  -warnings=-native-sh-binary,-native-sh-library,-native-sh-test,-native-py \
  "${files[@]}"
