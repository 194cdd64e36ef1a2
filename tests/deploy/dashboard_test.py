#!/usr/bin/env python3
"""Checks the Grafana dashboard offline: well-formed panels, every expression valid PromQL
(promtool parses it as a recording rule), and every metric it or the alert rules name is one the
gateway exports (from the exposition dump) or a recording rule of rules.yml.

Usage: dashboard_test.py DASHBOARD_JSON RULES_YML EXPOSITION_DUMP_BINARY
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

DASHBOARD = RULES = DUMP = None
PROMTOOL = os.environ.get("PROMTOOL", "/usr/bin/promtool")
# Names that are PromQL functions or keywords, not metrics, when followed by "(" or "{".
METRIC_RE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{')


def substitute(expr):
    """Grafana variables as the scrape test and a real Grafana would fill them."""
    return (expr.replace("$__rate_interval", "1m").replace("$job", "jumio-gateway")
            .replace("$region", ".*"))


def dashboard_exprs(dashboard):
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def rule_exprs(rules):
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield rule.get("alert") or rule.get("record"), rule["expr"]


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding="utf-8") as f:
            cls.dashboard = json.load(f)
        with open(RULES, encoding="utf-8") as f:
            cls.rules = yaml.safe_load(f)
        dump = subprocess.run([DUMP], capture_output=True, text=True, check=True).stdout
        cls.exported = set()
        for line in dump.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ")
                cls.exported.add(name)
                if kind == "histogram":
                    cls.exported |= {name + "_bucket", name + "_sum", name + "_count"}
        cls.recorded = {r["record"] for g in cls.rules["groups"] for r in g["rules"]
                        if "record" in r}

    def test_panels_are_well_formed(self):
        ids = [p["id"] for p in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(self.dashboard["uid"], "jumio-gateway")
        titles = " ".join(p["title"] for p in self.dashboard["panels"]).lower()
        for topic in ("method", "upstream", "token", "callback", "memory", "cpu", "latency"):
            self.assertIn(topic, titles)
        for panel in self.dashboard["panels"]:
            if panel["type"] == "row":
                continue
            self.assertTrue(panel.get("targets"), panel["title"])
            self.assertEqual(panel["datasource"]["uid"], "${datasource}")
            grid = panel["gridPos"]
            self.assertLessEqual(grid["x"] + grid["w"], 24, panel["title"])

    def test_every_expression_parses(self):
        exprs = [substitute(e) for _, e in dashboard_exprs(self.dashboard)]
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:expr_{i}", "expr": e} for i, e in enumerate(exprs)]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False,
                                         dir=os.environ.get("TEST_TMPDIR")) as f:
            yaml.safe_dump(rules, f)
        result = subprocess.run([PROMTOOL, "check", "rules", f.name], capture_output=True,
                                text=True, check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_metric_names_exist(self):
        known = self.exported | self.recorded | {"up"}
        for source, exprs in (("dashboard", dashboard_exprs(self.dashboard)),
                              ("rules.yml", rule_exprs(self.rules))):
            for title, expr in exprs:
                for name in METRIC_RE.findall(substitute(expr)):
                    with self.subTest(source=source, panel=title):
                        self.assertIn(name, known, f"{name} in {title!r}")

    def test_dashboard_covers_every_exported_gateway_metric(self):
        text = " ".join(e for _, e in dashboard_exprs(self.dashboard))
        for name in self.exported:
            if name.endswith(("_sum", "_count")) or name in ("process_virtual_memory_bytes",
                                                              "process_start_time_seconds",
                                                              "process_threads"):
                continue
            if name.endswith("_bucket") or name + "_bucket" in self.exported:
                name = name if name.endswith("_bucket") else name + "_bucket"
            self.assertIn(name, text)


if __name__ == "__main__":
    DASHBOARD, RULES, DUMP = sys.argv[1:4]
    unittest.main(argv=[sys.argv[0], "-v"])
