#!/usr/bin/env python3
"""A real Prometheus scrapes a real jumio-gateway (serving traffic against the real
jumio-sandbox), with the alert and recording rules loaded; then every expression of the Grafana
dashboard and of rules.yml must return data through Prometheus's HTTP API.

Alert expressions end in a threshold that is (rightly) false on a healthy gateway, so for those
the test checks each operand: the comparison is stripped, `a and b` checks a and b, and
absent(x) checks x.

Usage: prometheus_scrape_test.py GATEWAY SANDBOX TRAFFIC DASHBOARD_JSON RULES_YML
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import yaml

GATEWAY = SANDBOX = TRAFFIC = DASHBOARD = RULES = None
PROMETHEUS = os.environ.get("PROMETHEUS", "/usr/bin/prometheus")


def wait_for(predicate, timeout, what):
    """The one way to wait: poll a condition, with a bound."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def read_port(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def free_port():
    # Prometheus has no port file: pick a free loopback port (the window before Prometheus
    # binds it is tiny, and only this machine's tests compete for it).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(expr):
    return (expr.replace("$__rate_interval", "1m").replace("$job", "jumio-gateway")
            .replace("$region", ".*"))


COMPARISON = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*[0-9.e+-]+\s*$")


def operands(expr):
    """Parts of an alert expression that must have data on a healthy, busy gateway."""
    expr = expr.strip()
    absent = re.fullmatch(r"absent\((.*)\)", expr, re.S)
    if absent:
        return [absent.group(1)]
    parts = re.split(r"\n\s*(?:and|unless|or)\s*\n", expr)
    return [COMPARISON.sub("", p).strip() for p in parts]


class Process:
    def __init__(self, args, log):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class PrometheusScrapeTest(unittest.TestCase):
    processes = []

    @classmethod
    def start(cls, args, name):
        process = Process(args, os.path.join(cls.tmp, name + ".log"))
        cls.processes.append(process)
        return process

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        try:
            cls.start_everything()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_everything(cls):
        tmp = cls.tmp
        sandbox_port_file = os.path.join(tmp, "sandbox.port")
        cls.start([SANDBOX, "--rate_limits=false", f"--port_file={sandbox_port_file}"],
                  "sandbox")
        sandbox_port = wait_for(lambda: read_port(sandbox_port_file), 30, "sandbox port")

        for name, value in (("client_id", "sandbox-client"), ("client_secret", "sandbox-secret")):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(value)
        grpc_port_file = os.path.join(tmp, "grpc.port")
        admin_port_file = os.path.join(tmp, "admin.port")
        cls.start([GATEWAY, "--grpc_listen=127.0.0.1:0", f"--port_file={grpc_port_file}",
                   "--admin_listen=127.0.0.1:0", f"--admin_port_file={admin_port_file}",
                   f"--jumio_url_template=http://127.0.0.1:{sandbox_port}/{{region}}/{{kind}}",
                   f"--client_id_file={os.path.join(tmp, 'client_id')}",
                   f"--client_secret_file={os.path.join(tmp, 'client_secret')}",
                   "--shutdown_grace=2s"], "gateway")
        cls.grpc_port = wait_for(lambda: read_port(grpc_port_file), 30, "gateway gRPC port")
        cls.admin_port = wait_for(lambda: read_port(admin_port_file), 30, "gateway admin port")

        prometheus_port = free_port()
        cls.prometheus_url = f"http://127.0.0.1:{prometheus_port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s",
                       "scrape_timeout": "1s"},
            "rule_files": [os.path.abspath(RULES)],
            "scrape_configs": [{"job_name": "jumio-gateway", "static_configs": [
                {"targets": [f"127.0.0.1:{cls.admin_port}"]}]}],
        }
        config_path = os.path.join(tmp, "prometheus.yml")
        with open(config_path, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f)
        cls.start([PROMETHEUS, f"--config.file={config_path}",
                   f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
                   f"--web.listen-address=127.0.0.1:{prometheus_port}", "--log.level=warn"],
                  "prometheus")
        wait_for(lambda: cls.query_or_none('up{job="jumio-gateway"} == 1'), 60,
                 "Prometheus to scrape the gateway (up == 1)")

        # Traffic spread over several scrapes, so that rate() has two points that differ.
        target = f"127.0.0.1:{cls.grpc_port}"
        for _ in range(4):
            subprocess.run([TRAFFIC, target, "10"], check=True, timeout=120,
                           stdout=subprocess.DEVNULL)
            before = cls.scrape_count()
            wait_for(lambda: cls.scrape_count() > before + 1, 30, "two more scrapes")

    @classmethod
    def tearDownClass(cls):
        for process in reversed(cls.processes):
            process.stop()
        cls.processes = []

    @classmethod
    def query_or_none(cls, expr):
        url = cls.prometheus_url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = json.load(response)
        except OSError:
            return None
        if body.get("status") != "success":
            raise AssertionError(f"{expr}: {body}")
        return body["data"]["result"] or None

    @classmethod
    def scrape_count(cls):
        result = cls.query_or_none('count_over_time(up{job="jumio-gateway"}[1h])') or []
        return sum(float(r["value"][1]) for r in result)

    def assert_has_data(self, expr, context):
        result = wait_for(lambda: self.query_or_none(expr), 20, f"data for {context}: {expr}")
        self.assertTrue(result)

    def test_admin_endpoints(self):
        base = f"http://127.0.0.1:{self.admin_port}"
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            self.assertEqual(r.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
            text = r.read().decode()
        self.assertIn("jumio_gateway_build_info{", text)
        for path in ("/healthz", "/readyz"):
            with urllib.request.urlopen(base + path, timeout=5) as r:
                self.assertEqual(r.status, 200)

    def test_live_exposition_passes_promtool(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics",
                                    timeout=5) as r:
            text = r.read()
        promtool = os.path.join(os.path.dirname(PROMETHEUS), "promtool")
        result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                                check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout + result.stderr, b"")

    def test_every_dashboard_expression_returns_data(self):
        with open(DASHBOARD, encoding="utf-8") as f:
            dashboard = json.load(f)
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                with self.subTest(panel=panel["title"], ref=target["refId"]):
                    self.assert_has_data(substitute(target["expr"]), panel["title"])

    def test_every_rule_expression_returns_data(self):
        with open(RULES, encoding="utf-8") as f:
            rules = yaml.safe_load(f)
        for group in rules["groups"]:
            for rule in group["rules"]:
                name = rule.get("record") or rule.get("alert")
                with self.subTest(rule=name):
                    if "record" in rule:
                        self.assert_has_data(rule["expr"], name)
                        self.assert_has_data(rule["record"], name)
                    else:
                        for operand in operands(rule["expr"]):
                            self.assert_has_data(operand, name)

    def test_no_alert_fires_on_a_healthy_gateway(self):
        alerts = self.query_or_none('ALERTS{alertstate="firing"}') or []
        names = {a["metric"]["alertname"] for a in alerts}
        # Upstream 404s are answers, not failures; nothing here should fire.
        self.assertFalse(names, names)


if __name__ == "__main__":
    GATEWAY, SANDBOX, TRAFFIC, DASHBOARD, RULES = sys.argv[1:6]
    unittest.main(argv=[sys.argv[0], "-v"])
