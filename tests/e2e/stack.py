"""Runs a caller against a real jumio-sandbox and jumio-gateway on loopback.

stack.py --sandbox BIN --gateway BIN -- COMMAND...

Both servers bind port 0 and report their ports in files; the gateway's callback receiver
needs its public URL before it starts, so that one port is picked here. The gateway serves
gRPC over TLS (a CA and a server certificate for 127.0.0.1 made here with the openssl command)
and admits one caller, "e2e-caller", by a bearer token (its SHA-256 in --caller_tokens_file, a
policy allowing it everything). COMMAND gets JUMIO_GATEWAY (host:port of the gRPC API),
JUMIO_GATEWAY_CA_FILE (the CA to trust), JUMIO_GATEWAY_TOKEN_FILE (the token) and
JUMIO_SANDBOX_URL (for fault injection); its exit code is the script's. Only the two servers
started here are stopped.
"""

import argparse
import hashlib
import json
import os
import secrets
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


def make_tls(work):
    """A throwaway CA and a certificate for 127.0.0.1 signed by it; returns the file paths."""
    paths = {name: os.path.join(work, name) for name in
             ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "san.cnf")}
    with open(paths["san.cnf"], "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for command in (
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=jumio-gateway e2e CA", "-keyout", paths["ca.key"],
             "-out", paths["ca.pem"]],
            ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", paths["server.key"], "-out", paths["server.csr"]],
            ["openssl", "x509", "-req", "-days", "1", "-in", paths["server.csr"],
             "-CA", paths["ca.pem"], "-CAkey", paths["ca.key"], "-CAcreateserial",
             "-extfile", paths["san.cnf"], "-out", paths["server.pem"]]):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return paths


def make_caller(work):
    """One caller admitted by a bearer token; returns (token file, tokens file, policy file)."""
    token = secrets.token_hex(24)
    token_file = os.path.join(work, "caller.token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    tokens_file = os.path.join(work, "caller-tokens")
    with open(tokens_file, "w") as f:
        f.write("e2e-caller %s\n" % hashlib.sha256(token.encode()).hexdigest())
    policy_file = os.path.join(work, "caller-policy.json")
    with open(policy_file, "w") as f:
        json.dump({"callers": {"e2e-caller": {
            "methods": ["*"], "regions": ["*"], "personal_data": True}}}, f)
    return token_file, tokens_file, policy_file


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
        tls = make_tls(work)
        token_file, tokens_file, policy_file = make_caller(work)
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
             "--allow_loopback_http_callbacks=true",
             "--grpc_tls_cert_file=" + tls["server.pem"],
             "--grpc_tls_key_file=" + tls["server.key"],
             "--caller_tokens_file=" + tokens_file,
             "--caller_policy_file=" + policy_file],
            stdout=gateway_log, stderr=subprocess.STDOUT)
        procs.append(gateway)
        gateway_port = wait_for_port(gateway, os.path.join(work, "gateway.port"), "gateway")

        env = dict(os.environ, JUMIO_GATEWAY="127.0.0.1:%d" % gateway_port,
                   JUMIO_GATEWAY_CA_FILE=tls["ca.pem"],
                   JUMIO_GATEWAY_TOKEN_FILE=token_file,
                   JUMIO_SANDBOX_URL=sandbox_url)
        print(f"stack: sandbox {sandbox_url}, gateway 127.0.0.1:{gateway_port} "
              "(TLS, bearer token of e2e-caller)", flush=True)
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
