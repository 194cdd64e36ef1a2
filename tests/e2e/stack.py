"""Runs a caller against a real jumio-sandbox and jumio-gateway on loopback.

stack.py --sandbox BIN --gateway BIN -- COMMAND...

Both servers bind port 0 and report their ports in files; the gateway's callback receiver
needs its public URL before it starts, so that one port is picked here. COMMAND gets
JUMIO_GATEWAY (host:port of the gRPC API) and JUMIO_SANDBOX_URL (for fault injection) and its
exit code is the script's. Only the two servers started here are stopped.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

START_TIMEOUT_S = 30
CALLER_TIMEOUT_S = 240


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc, port_file, name):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"stack: {name} exited with {proc.returncode} before listening")
        try:
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        # Port files appear within milliseconds; a short poll keeps this bounded and cheap.
        time.sleep(0.05)
    sys.exit(f"stack: {name} did not write {port_file} within {START_TIMEOUT_S}s")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    procs = []
    try:
        sandbox_log = open(os.path.join(work, "sandbox.log"), "w")
        sandbox = subprocess.Popen(
            [args.sandbox, "--listen=127.0.0.1:0", "--allow_http_callbacks",
             "--processing_delay=50ms", "--rate_limits=false",
             "--port_file=" + os.path.join(work, "sandbox.port")],
            stdout=sandbox_log, stderr=subprocess.STDOUT)
        procs.append(sandbox)
        sandbox_url = "http://127.0.0.1:%d" % wait_for_port(
            sandbox, os.path.join(work, "sandbox.port"), "sandbox")

        for name, value in (("id", "sandbox-client"), ("secret", "sandbox-secret"),
                            ("hmac", "k" * 48)):
            with open(os.path.join(work, name), "w") as f:
                f.write(value + "\n")
        callback_port = free_loopback_port()
        gateway_log_path = os.path.join(work, "gateway.log")
        gateway_log = open(gateway_log_path, "w")
        gateway = subprocess.Popen(
            [args.gateway, "--grpc_listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
             "--port_file=" + os.path.join(work, "gateway.port"),
             "--jumio_url_template=" + sandbox_url + "/{region}/{kind}",
             "--client_id_file=" + os.path.join(work, "id"),
             "--client_secret_file=" + os.path.join(work, "secret"),
             "--default_region=emea-1",
             # The sandbox runs without Jumio's rate limits; so does the gateway.
             "--upstream_rate_limits=false",
             "--callback_listen_host=127.0.0.1",
             "--callback_listen_port=%d" % callback_port,
             "--callback_public_base_url=http://127.0.0.1:%d" % callback_port,
             "--callback_hmac_key_files=" + os.path.join(work, "hmac"),
             "--callback_sqlite_path=" + os.path.join(work, "callbacks.db"),
             "--callback_allowed_cidrs=127.0.0.1/32",
             "--callback_resolve_jumio_hosts=false",
             "--allow_loopback_http_callbacks=true"],
            stdout=gateway_log, stderr=subprocess.STDOUT)
        procs.append(gateway)
        gateway_port = wait_for_port(gateway, os.path.join(work, "gateway.port"), "gateway")

        env = dict(os.environ, JUMIO_GATEWAY="127.0.0.1:%d" % gateway_port,
                   JUMIO_SANDBOX_URL=sandbox_url)
        print(f"stack: sandbox {sandbox_url}, gateway 127.0.0.1:{gateway_port}", flush=True)
        try:
            code = subprocess.run(command, env=env, timeout=CALLER_TIMEOUT_S).returncode
        except subprocess.TimeoutExpired:
            print(f"stack: caller still running after {CALLER_TIMEOUT_S}s", flush=True)
            code = 1
        if code != 0:
            with open(gateway_log_path) as f:
                print("stack: gateway log (last 40 lines):\n" + "".join(f.readlines()[-40:]))
        return code
    finally:
        for proc in reversed(procs):
            stop(proc)


if __name__ == "__main__":
    sys.exit(main())
