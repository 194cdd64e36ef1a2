#!/usr/bin/env bash
# The gateway reads the time only through core::Clock (server/core/clock.h), so that every expiry,
# deadline and retry schedule can be driven by tests/testing/fake_clock.h instead of waited for
# (issue 10). This fails when server/ or sandbox/ reads the wall clock anywhere but in the real
# clock (the sandbox's OffsetClock builds on it).
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
cd "$WORKSPACE_ROOT"
allowed="server/core/clock.cc"
# absl::Now (called or passed as a function), protobuf's and the standard library's wall clock.
pattern='absl::Now\b|TimeUtil::GetCurrentTime|system_clock::now'
mapfile -t files < <(list_sources 'server/*.cc' 'server/*.h' 'sandbox/*.cc' 'sandbox/*.h' | while read -r f; do
  [[ -f "$f" ]] && echo "$f"
done)
echo "checking ${#files[@]} C++ files of server/ and sandbox/"
bad=0
for f in "${files[@]}"; do
  [[ "$f" == "$allowed" ]] && continue
  # Comments may name the rule.
  if hits=$(grep -nE "$pattern" "$f" | grep -vE '^[0-9]+:[[:space:]]*//'); then
    while IFS= read -r hit; do
      echo "FAIL: $f:$hit: reads the wall clock; inject a core::Clock (server/core/clock.h)"
    done <<<"$hits"
    bad=1
  fi
done
if [[ "$bad" == 0 ]]; then echo "OK: server/ and sandbox/ read the time only through core::Clock"; fi
exit "$bad"
