#!/usr/bin/env bash
# Every gateway config file the manifests ship is one the real gateway binary accepts: an unknown
# or malformed key would otherwise only show up as a crash-looping pod.
set -euo pipefail
gateway="$1"
root="${TEST_SRCDIR}/${TEST_WORKSPACE}"
mapfile -t files < <(find -L "$root/deploy/kubernetes" -name 'gateway.json' | sort)
if ((${#files[@]} == 0)); then
  echo "FAIL: no gateway.json under deploy/kubernetes" >&2
  exit 1
fi
for file in "${files[@]}"; do
  if ! out=$("$gateway" --config="$file" --check_config 2>&1); then
    echo "FAIL: ${file#"$root"/}: $out" >&2
    exit 1
  fi
  echo "ok: ${file#"$root"/}"
done
