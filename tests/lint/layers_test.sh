#!/usr/bin/env bash
# The layers of server/ (ARCHITECTURE.md): a module may include only modules below it, so data
# flows one way and no lower layer learns of a higher one. This fails on any #include
# "server/<module>/..." that points up or sideways into a module of the same rank.
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
cd "$WORKSPACE_ROOT"
# Lowest first. server/*.cc|h (the composition root: gateway, main, metrics bridges) is on top.
declare -A rank=(
  [errors]=0 [core]=1 [crypto]=2 [http]=3 [observability]=4 [jumio]=5 [resilience]=6
  [callbacks]=7 [reconcile]=8 [security]=9 [api]=10 [config]=11 [root]=12
)
mapfile -t files < <(list_sources 'server/*.cc' 'server/*.h' | while read -r f; do
  [[ -f "$f" && ( "$f" == server/*.cc || "$f" == server/*.h ) ]] && echo "$f"
done)
echo "checking ${#files[@]} C++ files of server/"
bad=0
for f in "${files[@]}"; do
  rest=${f#server/}
  if [[ "$rest" == */* ]]; then from=${rest%%/*}; else from=root; fi
  if [[ -z "${rank[$from]+x}" ]]; then
    echo "FAIL: $f: module server/$from/ has no rank here; add it (and to ARCHITECTURE.md)"
    bad=1
    continue
  fi
  while IFS= read -r line; do
    to=$(sed -E 's#.*"server/([a-z_]+)/.*#\1#' <<<"$line")
    [[ "$to" == "$from" ]] && continue
    if [[ -z "${rank[$to]+x}" ]] || ((rank[$to] >= rank[$from])); then
      echo "FAIL: $f: includes server/$to/ from server/$from/: an arrow up the layers"
      bad=1
    fi
  done < <(grep -E '^#include "server/[a-z_]+/' "$f")
done
if [[ "$bad" == 0 ]]; then echo "OK: every include of server/ points down the layers"; fi
exit "$bad"
