#!/usr/bin/env bash
# Runs the Node caller (@grpc/grpc-js and @grpc/proto-loader from the repository's node_modules,
# found from the real files behind the runfiles symlinks) against a real gateway and sandbox.
# Args: sandbox, gateway, service config, examples/node/verify.js, stack.py, the test.
set -euo pipefail
sandbox=$1 gateway=$2 config=$3 example=$4 stack=$5 test=$6
runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
export SERVICE_CONFIG="$PWD/$config" EXAMPLES_DIR="$PWD/$(dirname "$example")"
export PROTO_ROOT="$runfiles/proto" GOOGLEAPIS="${TEST_SRCDIR}/googleapis"
echo "step: node $(node --version), @grpc/grpc-js from the repository's node_modules"
exec /usr/bin/python3 "$stack" --sandbox "$sandbox" --gateway "$gateway" -- \
  node "$test"
