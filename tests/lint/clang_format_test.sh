#!/usr/bin/env bash
# Every C++ file of ours is clang-format clean (.clang-format at the top: Google style).
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
require_tool clang-format
cd "$WORKSPACE_ROOT"
mapfile -t files < <(list_sources '*.cc' '*.h' | while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
echo "checking ${#files[@]} C++ files"
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" 2>/dev/null; then
    echo "FAIL: clang-format would change $f (run: clang-format -i $f)"
    bad=1
  fi
done
exit "$bad"
