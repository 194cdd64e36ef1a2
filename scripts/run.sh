#!/usr/bin/env bash
# Runs the gateway. Installs what is missing and builds first.
#
# Default: starts jumio-sandbox (the local Jumio emulator) on loopback and points the gateway at
# it, so no Jumio credentials are needed. With real credentials configured, that is, files named
# by JUMIO_GATEWAY_CLIENT_ID_FILE and JUMIO_GATEWAY_CLIENT_SECRET_FILE, it talks to Jumio itself
# (regions and hosts from the usual JUMIO_GATEWAY_* settings or --config) and starts no sandbox.
#
# Extra arguments go to jumio-gateway (try --help). Ctrl-C stops everything this script started.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
scripts/setup.sh
# The optimized build: what ships (deploy/Containerfile builds the same), not the unoptimized
# one the tests use.
bazel build --config=ci -c opt //server:jumio-gateway //sandbox:jumio-sandbox >&2
bin=$(bazel info --config=ci -c opt bazel-bin 2>/dev/null)

state="$top/.run"
mkdir -p "$state"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

wait_for_file() { # path pid: waits at most 30 s, and not at all once the process has died
  for _ in $(seq 300); do
    [[ -s "$1" ]] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1 # polling a condition, bounded above
  done
  return 1
}

gateway_args=(--grpc_listen="${JUMIO_GATEWAY_GRPC_LISTEN:-127.0.0.1:50051}")
if [[ -n "${JUMIO_GATEWAY_CLIENT_ID_FILE:-}" && -n "${JUMIO_GATEWAY_CLIENT_SECRET_FILE:-}" ]]; then
  echo "run: real Jumio mode (credentials from $JUMIO_GATEWAY_CLIENT_ID_FILE)" >&2
else
  rm -f "$state/sandbox.port"
  "$bin/sandbox/jumio-sandbox" --listen=127.0.0.1:0 --port_file="$state/sandbox.port" \
    --allow_http_callbacks &
  pids+=($!)
  wait_for_file "$state/sandbox.port" "${pids[0]}" || { echo "run: sandbox did not start" >&2; exit 1; }
  sandbox_port=$(cat "$state/sandbox.port")
  printf 'sandbox-client' > "$state/client_id"
  printf 'sandbox-secret' > "$state/client_secret"
  # The callback receiver on loopback: the sandbox POSTs each result there, and WatchCallbacks
  # streams it. The HMAC key that binds callback URLs to accounts is made once per checkout.
  [[ -s "$state/callback_hmac_key" ]] || head -c 48 /dev/urandom | base64 > "$state/callback_hmac_key"
  # The key that seals stored secrets (the kept request-id outcomes hold tokens), also made once
  # per checkout, so a retry after a restart still gets its outcome.
  [[ -s "$state/storage_key" ]] || (umask 077 && head -c 32 /dev/urandom | base64 > "$state/storage_key")
  callback_port="${JUMIO_GATEWAY_CALLBACK_LISTEN_PORT:-8085}"
  gateway_args+=(
    --jumio_url_template="http://127.0.0.1:${sandbox_port}/{region}/{kind}"
    --client_id_file="$state/client_id" --client_secret_file="$state/client_secret"
    --callback_listen_host=127.0.0.1 --callback_listen_port="$callback_port"
    --callback_public_base_url="http://127.0.0.1:${callback_port}"
    --callback_hmac_key_files="$state/callback_hmac_key"
    --callback_sqlite_path="$state/callbacks.db"
    --storage_key_files="$state/storage_key"
    --callback_allowed_cidrs=127.0.0.1/32 --callback_resolve_jumio_hosts=false
    --allow_loopback_http_callbacks=true)
  echo "run: jumio-sandbox on http://127.0.0.1:${sandbox_port} (control API: /_sandbox/)" >&2
fi

"$bin/server/jumio-gateway" "${gateway_args[@]}" "$@" &
pids+=($!)
echo "run: jumio-gateway gRPC on ${JUMIO_GATEWAY_GRPC_LISTEN:-127.0.0.1:50051}," \
  "metrics on http://${JUMIO_GATEWAY_ADMIN_LISTEN:-127.0.0.1:9090}/metrics; Ctrl-C to stop" >&2
if [[ -z "${JUMIO_GATEWAY_CALLER_POLICY_FILE:-}" && " $* " != *" --caller_policy_file="* ]]; then
  echo "run: caller security is off: plaintext on loopback, and every local caller may call" \
    "everything (set caller_policy_file and grpc_tls_* for anything else)" >&2
fi
wait -n "${pids[@]}"
