#!/usr/bin/env bash
# Builds and runs the Go caller offline from Debian's packages: golang-go 1.19 in GOPATH mode
# (GO111MODULE=off, GOPROXY=off) with /usr/share/gocode (golang-google-grpc-dev 1.33,
# golang-google-protobuf-dev 1.28), stubs generated here by examples/go/gen.sh with protoc-gen-go
# and protoc-gen-go-grpc, then runs it against a real gateway and sandbox.
# Args: sandbox, gateway, service config, examples/go/gen.sh, stack.py, the test's main.go.
set -euo pipefail
sandbox=$1 gateway=$2 config=$3 gen=$4 stack=$5 test=$6
runfiles="${TEST_SRCDIR}/${TEST_WORKSPACE}"
examples="$runfiles/examples/go"
work="${TEST_TMPDIR}/go"
src="$work/gopath/src/jumiogateway"
mkdir -p "$src/verify" "$src/e2e" "$src/cmd/verify"
echo "step: generating Go stubs with $(/usr/bin/protoc --version), $(/usr/bin/protoc-gen-go --version)"
"$gen" "$runfiles/proto" "${TEST_SRCDIR}/googleapis" "$work/gopath"
cp "$examples/verify/verify.go" "$src/verify/"
cp "$examples/main.go" "$src/cmd/verify/"
cp "$test" "$src/e2e/main.go"
echo "step: building with $(go version) offline"
(cd "$src" && GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/cache" \
  GOPROXY=off GOFLAGS= go build -o "$work/" ./e2e ./cmd/verify)
export SERVICE_CONFIG="$PWD/$config"
exec /usr/bin/python3 "$stack" --sandbox "$sandbox" --gateway "$gateway" -- "$work/e2e"
