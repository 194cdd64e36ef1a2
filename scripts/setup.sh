#!/usr/bin/env bash
# Installs everything the build, the run command and the test suite need on a fresh Debian 12
# machine. Idempotent: when every package is already present it returns in well under a second.
set -euo pipefail

DEBIAN_PACKAGES=(
  # build
  bazel-bootstrap bazel-platforms build-essential pkg-config git
  # RPC and messages
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto golang-github-gogo-googleapis-dev
  # upstream HTTP, JSON, base libraries
  libcurl4-openssl-dev rapidjson-dev libabsl-dev libcpp-httplib-dev libssl-dev
  # the event-driven HTTP server (server/http): Boost.Asio and Boost.Beast, header-only
  libboost1.81-dev
  # callback log
  libsqlite3-dev libhiredis-dev redis-server
  # tests, benchmarks and polyglot clients
  libgtest-dev libgmock-dev libbenchmark-dev python3-grpcio python3-grpc-tools
  prometheus wrk curl python3-yaml
  # test certificates for the gRPC port's TLS (tests/testing/test_pki, tests/e2e/stack.py)
  openssl
  # the Go caller (tests/e2e/go, examples/go), built offline from Debian's packages
  golang-go golang-google-grpc-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc
  # the sandbox web client's browser test (tests/e2e/web): Debian's Chromium, driven by the npm
  # package playwright-core over CDP (so chromium-driver is not needed)
  chromium
  # linters
  clang-format
  # fuzzing (scripts/fuzz.sh, the test command's fuzz pass): clang with libFuzzer and the
  # sanitizer runtimes, lld to link, llvm-symbolizer for readable stacks
  clang-14 libfuzzer-14-dev libclang-rt-14-dev lld-14 llvm-14
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$pkg")
done

# Node.js comes with the machine image (nodesource); Debian's npm would conflict with it.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# kubectl (for `kubectl kustomize` in tests/deploy) comes with the machine image; Debian's own
# package is the fallback where it does not.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm tools (buf, buildifier, playwright-core, and @grpc/grpc-js with @grpc/proto-loader for the
# Node caller) live in the repository's own node_modules, pinned to exact versions
# by package.json. No lock file: npm 11 writes one that `npm ci` then rejects (it omits the other
# platforms' optional buf binaries), and the exact pins already fix every version installed.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ! -x "$top/node_modules/.bin/buf" || ! -x "$top/node_modules/.bin/buildifier" ||
  ! -f "$top/node_modules/playwright-core/package.json" ||
  ! -f "$top/node_modules/@grpc/grpc-js/package.json" ||
  ! -f "$top/node_modules/@grpc/proto-loader/package.json" ]]; then
  echo "setup: installing npm tools" >&2
  (cd "$top" && npm install --no-package-lock --no-audit --no-fund --loglevel=error)
fi
