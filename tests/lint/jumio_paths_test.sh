#!/usr/bin/env bash
# Jumio's REST paths, hosts and endpoint labels are known only to the JumioApi implementation
# (server/jumio/client_jumio_api.cc): the gRPC services validate, map protos and call JumioApi.
# This fails when server/api/ spells a Jumio REST path ("/api/v1/...", "workflow-executions";
# the gateway's own resource names say "workflowExecutions") or builds a raw JumioClient call
# (JumioCall, HostKind), which would bypass the seam that fakes and resilience wrap.
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/lint/workspace_root.sh"
cd "$WORKSPACE_ROOT"
pattern='"[^"]*(/api/v[0-9]|workflow-executions)|JumioCall\b|HostKind::|jumio/jumio_client\.h'
mapfile -t files < <(list_sources 'server/api/*.cc' 'server/api/*.h' | while read -r f; do
  [[ -f "$f" ]] && echo "$f"
done)
echo "checking ${#files[@]} C++ files of server/api/"
bad=0
for f in "${files[@]}"; do
  if hits=$(grep -nE "$pattern" "$f"); then
    while IFS= read -r hit; do
      echo "FAIL: $f:$hit: Jumio REST path or raw Jumio call in server/api; add an operation to server/jumio/jumio_api.h"
    done <<<"$hits"
    bad=1
  fi
done
if [[ "$bad" == 0 ]]; then echo "OK: no Jumio REST path in server/api/"; fi
exit "$bad"
