#!/usr/bin/env bash
# Generates the Go stubs for the gateway API and google/rpc with Debian's protoc, protoc-gen-go
# (1.28) and protoc-gen-go-grpc (grpc-go 1.33) into GOPATH_DIR/src/jumiogateway/gen, as the
# packages jumiogateway/gen/gatewayv1 and jumiogateway/gen/rpcpb. The protos carry no usable
# go_package, so M options name the packages.
# Usage: gen.sh PROTO_ROOT GOOGLEAPIS_ROOT GOPATH_DIR
set -euo pipefail
proto_root=$1 googleapis=$2 out=$3/src
mkdir -p "$out"
maps=()
for f in "$proto_root"/jumio/gateway/v1/*.proto; do
  maps+=("Mjumio/gateway/v1/${f##*/}=jumiogateway/gen/gatewayv1;gatewayv1")
done
for f in status error_details code; do
  maps+=("Mgoogle/rpc/$f.proto=jumiogateway/gen/rpcpb;rpcpb")
done
opts=$(IFS=,; echo "${maps[*]}")
/usr/bin/protoc -I"$proto_root" -I/usr/include -I"$googleapis" \
  --go_out="$out" --go_opt="$opts" --go-grpc_out="$out" --go-grpc_opt="$opts" \
  "$proto_root"/jumio/gateway/v1/*.proto
# google/rpc: messages only (no services).
/usr/bin/protoc -I/usr/include -I"$googleapis" --go_out="$out" --go_opt="$opts" \
  google/rpc/status.proto google/rpc/error_details.proto
