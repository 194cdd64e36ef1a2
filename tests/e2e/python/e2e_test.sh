#!/usr/bin/env bash
# Generates the Python stubs with Debian's protoc 3.21 and grpc_python_plugin (python3-grpc-tools
# 1.14 cannot compile proto3 `optional`), then runs the Python caller against a real gateway and
# sandbox. Args: sandbox, gateway, service config, examples/python/verify.py, stack.py, the test.
set -euo pipefail
sandbox=$1 gateway=$2 config=$3 example=$4 stack=$5 test=$6
runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
gen="${TEST_TMPDIR}/python-stubs"
mkdir -p "$gen"
echo "step: generating Python stubs with $(/usr/bin/protoc --version)"
(cd "$runfiles/proto" && /usr/bin/protoc -I. -I/usr/include -I"${TEST_SRCDIR}/googleapis" \
  --python_out="$gen" --grpc_python_out="$gen" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  jumio/gateway/v1/*.proto google/rpc/status.proto google/rpc/error_details.proto)
export PYTHONPATH="$gen" SERVICE_CONFIG="$PWD/$config" EXAMPLES_DIR="$PWD/$(dirname "$example")"
exec /usr/bin/python3 "$stack" --sandbox "$sandbox" --gateway "$gateway" -- \
  /usr/bin/python3 "$test"
