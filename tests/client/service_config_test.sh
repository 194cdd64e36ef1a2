#!/usr/bin/env bash
# Compiles the API to a descriptor set with Debian's protoc and checks the service config
# against it (service_config_test.py).
set -euo pipefail
runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
descriptors="${TEST_TMPDIR}/api.pb"
(cd "$runfiles/proto" && /usr/bin/protoc -I. -I/usr/include --include_imports \
  --descriptor_set_out="$descriptors" jumio/gateway/v1/*.proto)
exec /usr/bin/python3 "$2" "$1" "$descriptors"
