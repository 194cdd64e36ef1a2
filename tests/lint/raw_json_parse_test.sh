#!/usr/bin/env bash
# Every JSON parse of the gateway, the sandbox and the client goes through the one bounded parser,
# server/core/json.h (iterative, depth- and size-limited, UTF-8 validated): a raw RapidJSON
# Document::Parse recurses once per nesting level and a hostile body of 64 KiB of '[' overflows
# the stack (issue 9). This fails when a raw parse appears anywhere else in server/, sandbox/ or
# client/.
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
cd "$WORKSPACE_ROOT"
allowed="server/core/json.cc"
# Document/Reader entry points: doc.Parse(...), doc->Parse<flags>(...), ParseInsitu, ParseStream,
# Populate (a generator of SAX events), and a Reader of our own.
pattern='(\.|->)[[:space:]]*(Parse|ParseInsitu|ParseStream|Populate)[[:space:]]*[<(]|rapidjson::(Generic)?Reader\b'
mapfile -t files < <(list_sources 'server/*.cc' 'server/*.h' 'sandbox/*.cc' 'sandbox/*.h' \
  'client/*.cc' 'client/*.h' | while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
echo "checking ${#files[@]} C++ files of server/, sandbox/ and client/"
bad=0
for f in "${files[@]}"; do
  [[ "$f" == "$allowed" ]] && continue
  grep -q 'rapidjson' "$f" || continue
  if hits=$(grep -nE "$pattern" "$f" | grep -vE 'ParseFrom(String|Array)|ParseFromZeroCopy'); then
    while IFS= read -r hit; do
      echo "FAIL: $f:$hit: raw RapidJSON parse; use jumio_gateway::core::ParseJson (server/core/json.h)"
    done <<<"$hits"
    bad=1
  fi
done
if [[ "$bad" == 0 ]]; then echo "OK: every JSON parse goes through server/core/json.h"; fi
exit "$bad"
