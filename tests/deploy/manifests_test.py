#!/usr/bin/env python3
"""Renders every kustomize overlay with the real `kubectl kustomize` and checks the invariants
the cluster relies on: gRPC probes, the restricted security context, resources, secrets as
files, labels matching selectors, the PrometheusRule being rules.yml, and the callback URLs the
gateway issues reaching its callback receiver through the Ingress.

Usage: manifests_test.py KUBERNETES_DIR RULES_YML ISSUED_CALLBACK_URL
  KUBERNETES_DIR holds base/ and overlays/; ISSUED_CALLBACK_URL is the tests/deploy binary that
  prints the callback URLs the gateway issues for a config file.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

import yaml

KUBE_DIR = None
RULES_YML = None
ISSUED_CALLBACK_URL = None
OVERLAYS = ("staging", "production")
PORTS = {"grpc": 50051, "admin": 9090, "callback": 8080}


def kubectl():
    for candidate in (os.environ.get("KUBECTL"), shutil.which("kubectl"), "/usr/bin/kubectl"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("kubectl not found (needed for `kubectl kustomize`)")


def render(path):
    result = subprocess.run([kubectl(), "kustomize", path], capture_output=True, text=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def host_matches(rule_host, host):
    """Ingress host semantics: no host matches every host; "*.a.b" matches exactly one label."""
    if not rule_host:
        return True
    if rule_host.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == rule_host[2:]
    return rule_host == host


def path_matches(rule_path, path_type, path):
    """Ingress path semantics (networking.k8s.io/v1). Prefix matches element by element, so
    /callbacks/v1 matches /callbacks/v1 and /callbacks/v1/x but not /callbacks/v10; a trailing
    slash on either side is ignored. ImplementationSpecific depends on the controller: no match."""
    if path_type == "Exact":
        return rule_path == path
    if path_type != "Prefix":
        return False
    want = [e for e in rule_path.split("/") if e]
    have = [e for e in path.split("/") if e]
    return have[:len(want)] == want


def issued_callback_urls(config):
    """What the gateway binary issues for this config: its own parser and URL issuer."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
        name = f.name
    try:
        result = subprocess.run([ISSUED_CALLBACK_URL, name], capture_output=True, text=True,
                                timeout=60, check=False)
    finally:
        os.unlink(name)
    if result.returncode != 0:
        raise AssertionError(f"issued_callback_url failed:\n{result.stderr}")
    return json.loads(result.stdout)


class RenderedOverlay:
    def __init__(self, name, docs):
        self.name = name
        self.docs = docs

    def all(self, kind):
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind):
        found = self.all(kind)
        if len(found) != 1:
            raise AssertionError(f"{self.name}: expected one {kind}, found {len(found)}")
        return found[0]


class ManifestInvariants(unittest.TestCase):
    overlays = {}

    @classmethod
    def setUpClass(cls):
        for name in OVERLAYS:
            cls.overlays[name] = RenderedOverlay(
                name, render(os.path.join(KUBE_DIR, "overlays", name)))

    def each(self):
        for name, overlay in self.overlays.items():
            with self.subTest(overlay=name):
                yield overlay

    def container(self, overlay):
        pod = overlay.one("Deployment")["spec"]["template"]["spec"]
        containers = pod["containers"]
        self.assertEqual(len(containers), 1)
        return pod, containers[0]

    def test_every_kind_is_rendered(self):
        expected = {"ServiceAccount", "ConfigMap", "Service", "Deployment",
                    "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
                    "ServiceMonitor", "PrometheusRule", "Ingress"}
        for overlay in self.each():
            self.assertEqual({d["kind"] for d in overlay.docs}, expected)
            namespaces = {d["metadata"].get("namespace") for d in overlay.docs}
            self.assertEqual(len(namespaces), 1, namespaces)
            self.assertIsNotNone(namespaces.pop())
        staging = self.overlays["staging"].one("Deployment")["metadata"]["namespace"]
        production = self.overlays["production"].one("Deployment")["metadata"]["namespace"]
        self.assertNotEqual(staging, production)

    def test_probes_use_the_admin_health_endpoints(self):
        # The gRPC port is TLS and the kubelet's gRPC probes speak plaintext only.
        for overlay in self.each():
            _, c = self.container(overlay)
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                                ("startupProbe", "/healthz")):
                self.assertIn(probe, c)
                self.assertEqual(c[probe]["httpGet"], {"port": "admin", "path": path}, probe)
                for other in ("grpc", "exec", "tcpSocket"):
                    self.assertNotIn(other, c[probe])

    def test_grpc_port_is_tls_with_a_caller_policy(self):
        for overlay in self.each():
            pod, c = self.container(overlay)
            config = self.gateway_config(overlay)
            mounts = {m["mountPath"].rstrip("/") + "/": m["name"] for m in c["volumeMounts"]}
            volumes = {v["name"]: v for v in pod["volumes"]}
            for key in ("grpc_tls_cert_file", "grpc_tls_key_file", "grpc_tls_client_ca_file",
                        "caller_tokens_file"):
                path = config[key]
                mount = next((n for d, n in mounts.items() if path.startswith(d)), None)
                self.assertIsNotNone(mount, f"{key}: {path} is on no mount")
                self.assertIn("secret", volumes[mount], f"{key}: {path} is not on a secret")
            self.assertNotIn("insecure_allow_plaintext", config)
            self.assertNotIn("insecure_allow_all_callers", config)
            policy = config["caller_policy_file"]
            config_map = next(d for d in overlay.all("ConfigMap")
                              if d["metadata"]["name"].startswith("jumio-gateway-config"))
            self.assertTrue(policy.startswith("/etc/jumio-gateway/"), policy)
            text = config_map["data"][policy.rsplit("/", 1)[1]]
            self.assertTrue(json.loads(text)["callers"])

    def test_restricted_security_context_and_read_only_root(self):
        for overlay in self.each():
            pod, c = self.container(overlay)
            psc = pod["securityContext"]
            self.assertTrue(psc["runAsNonRoot"])
            self.assertNotEqual(psc.get("runAsUser"), 0)
            self.assertEqual(psc["seccompProfile"]["type"], "RuntimeDefault")
            for host in ("hostNetwork", "hostPID", "hostIPC"):
                self.assertFalse(pod.get(host, False))
            self.assertFalse(pod["automountServiceAccountToken"])
            sc = c["securityContext"]
            self.assertIs(sc["allowPrivilegeEscalation"], False)
            self.assertIs(sc["readOnlyRootFilesystem"], True)
            self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
            self.assertNotIn("add", sc["capabilities"])
            self.assertFalse(sc.get("privileged", False))
            self.assertTrue(sc.get("runAsNonRoot", psc["runAsNonRoot"]))
            self.assertEqual(sc.get("seccompProfile", psc["seccompProfile"])["type"],
                             "RuntimeDefault")
            for volume in pod["volumes"]:
                self.assertNotIn("hostPath", volume, volume["name"])

    def test_resources_requests_and_limits(self):
        for overlay in self.each():
            _, c = self.container(overlay)
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    self.assertIn(resource, c["resources"][kind], f"{kind}.{resource}")

    def test_image_is_pinned(self):
        for overlay in self.each():
            _, c = self.container(overlay)
            image = c["image"]
            self.assertIn(":", image.rsplit("/", 1)[-1], image)
            self.assertFalse(image.endswith(":latest"), image)

    def test_secrets_are_files_not_environment(self):
        for overlay in self.each():
            pod, c = self.container(overlay)
            for env in c.get("env", []):
                self.assertNotIn("secretKeyRef", env.get("valueFrom", {}), env["name"])
            for source in c.get("envFrom", []):
                self.assertNotIn("secretRef", source)
            secret_volumes = {v["name"]: v["secret"] for v in pod["volumes"] if "secret" in v}
            self.assertTrue(secret_volumes)
            mounts = {m["name"]: m for m in c["volumeMounts"]}
            secret_dirs = []
            secret_keys = set()
            for name, secret in secret_volumes.items():
                self.assertIn(name, mounts)
                self.assertTrue(mounts[name].get("readOnly"), name)
                self.assertEqual(secret.get("defaultMode", 0o644) & 0o007, 0,
                                 "secret files must not be world-readable")
                secret_dirs.append(mounts[name]["mountPath"].rstrip("/") + "/")
                secret_keys.update(item["key"] for item in secret.get("items", []))
            self.assertTrue({"client_id", "client_secret", "callback_hmac_key"} <= secret_keys)
            config = self.gateway_config(overlay)
            files = [config["client_id_file"], config["client_secret_file"]]
            files += config["callback_hmac_key_files"].split(",")
            for path in files:
                self.assertTrue(any(path.strip().startswith(d) for d in secret_dirs),
                                f"{path} is not on a secret mount")

    def test_storage_keys_are_passed_and_on_their_secret(self):
        # Issue 17: stored secrets are sealed under storage_key_files. Replicas sharing Redis must
        # hold the same keys (the gateway refuses callback_store=redis without them), so every
        # overlay passes the setting and every file comes from the storage-keys Secret.
        for overlay in self.each():
            pod, c = self.container(overlay)
            config = self.gateway_config(overlay)
            files = [f.strip() for f in config.get("storage_key_files", "").split(",")
                     if f.strip()]
            self.assertTrue(files, "storage_key_files is not set")
            secrets = {v["name"]: v["secret"] for v in pod["volumes"] if "secret" in v}
            mounts = {m["name"]: m["mountPath"].rstrip("/") for m in c["volumeMounts"]}
            for path in files:
                volume = next((name for name, mount in mounts.items()
                               if name in secrets and os.path.dirname(path) == mount), None)
                self.assertIsNotNone(volume, f"{path} is not on a secret mount")
                secret = secrets[volume]
                self.assertEqual(secret["secretName"], "jumio-gateway-storage-keys")
                items = secret.get("items")
                if items is not None:
                    self.assertIn(os.path.basename(path), {i["path"] for i in items})
            if config.get("callback_store") == "redis":
                self.assertTrue(files, "a Redis callback store needs storage_key_files")

    def test_no_service_links_in_the_gateway_environment(self):
        # With service links, a Service named jumio-gateway* would put JUMIO_GATEWAY_SERVICE_HOST
        # and the like into the environment, and the gateway refuses unknown JUMIO_GATEWAY_
        # variables: the pod would crash-loop.
        for overlay in self.each():
            pod, c = self.container(overlay)
            self.assertIs(pod.get("enableServiceLinks"), False)
            for env in c.get("env", []):
                self.assertFalse(env["name"].startswith("JUMIO_GATEWAY_SERVICE"), env["name"])

    def gateway_config(self, overlay):
        pod, c = self.container(overlay)
        config_volume = next(v for v in pod["volumes"] if "configMap" in v)
        name = config_volume["configMap"]["name"]
        maps = [m for m in overlay.all("ConfigMap") if m["metadata"]["name"] == name]
        self.assertEqual(len(maps), 1, f"ConfigMap {name} not rendered")
        mount = next(m for m in c["volumeMounts"] if m["name"] == config_volume["name"])
        self.assertTrue(mount.get("readOnly"))
        config_args = [a for a in c["args"] if a.startswith("--config=")]
        self.assertEqual(len(config_args), 1)
        path = config_args[0][len("--config="):]
        self.assertEqual(os.path.dirname(path), mount["mountPath"].rstrip("/"))
        return json.loads(maps[0]["data"][os.path.basename(path)])

    def test_config_map_is_valid_json_with_connection_age(self):
        for overlay in self.each():
            config = self.gateway_config(overlay)
            self.assertTrue(config["grpc_max_connection_age"])
            self.assertTrue(config["grpc_listen"].endswith(f":{PORTS['grpc']}"))
            self.assertTrue(config["admin_listen"].endswith(f":{PORTS['admin']}"))
            self.assertEqual(config["callback_listen_port"], str(PORTS["callback"]))
            for value in config.values():
                self.assertNotIn("secret=", str(value).lower())

    def test_writable_paths_are_volumes(self):
        # With a read-only root, every path the gateway writes must be a mount.
        for overlay in self.each():
            pod, c = self.container(overlay)
            config = self.gateway_config(overlay)
            writable = [m["mountPath"] for m in c["volumeMounts"] if not m.get("readOnly")]
            self.assertIn("/tmp", writable)
            if config.get("callback_store", "sqlite") == "sqlite":
                path = config["callback_sqlite_path"]
                self.assertTrue(any(path.startswith(w + "/") for w in writable), path)

    def test_labels_match_selectors(self):
        for overlay in self.each():
            deployment = overlay.one("Deployment")
            pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
            self.assertTrue(matches(deployment["spec"]["selector"]["matchLabels"], pod_labels))
            service = overlay.one("Service")
            self.assertTrue(service["spec"]["selector"])
            self.assertTrue(matches(service["spec"]["selector"], pod_labels))
            pdb = overlay.one("PodDisruptionBudget")
            self.assertTrue(matches(pdb["spec"]["selector"]["matchLabels"], pod_labels))
            policy = overlay.one("NetworkPolicy")
            self.assertTrue(matches(policy["spec"]["podSelector"]["matchLabels"], pod_labels))
            monitor = overlay.one("ServiceMonitor")
            self.assertTrue(matches(monitor["spec"]["selector"]["matchLabels"],
                                    service["metadata"]["labels"]))
            self.assertEqual(service["metadata"]["labels"][monitor["spec"]["jobLabel"]],
                             "jumio-gateway", "alerts select job=\"jumio-gateway\"")
            for constraint in deployment["spec"]["template"]["spec"].get(
                    "topologySpreadConstraints", []):
                self.assertTrue(matches(constraint["labelSelector"]["matchLabels"], pod_labels))

    def test_references_resolve(self):
        for overlay in self.each():
            deployment = overlay.one("Deployment")
            _, c = self.container(overlay)
            container_ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            self.assertEqual(container_ports, PORTS)
            service = overlay.one("Service")
            service_ports = {p["name"]: p for p in service["spec"]["ports"]}
            self.assertEqual(set(service_ports), set(PORTS))
            for name, port in service_ports.items():
                self.assertEqual(port["port"], PORTS[name])
                self.assertIn(port["targetPort"], (name, PORTS[name]))
            hpa = overlay.one("HorizontalPodAutoscaler")
            self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
            self.assertEqual(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment")
            self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"],
                             deployment["metadata"]["name"])
            self.assertGreaterEqual(hpa["spec"]["minReplicas"], 2)
            self.assertLessEqual(hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])
            monitor = overlay.one("ServiceMonitor")
            for endpoint in monitor["spec"]["endpoints"]:
                self.assertEqual(endpoint["port"], "admin")
                self.assertEqual(endpoint["path"], "/metrics")
            account = overlay.one("ServiceAccount")
            self.assertEqual(deployment["spec"]["template"]["spec"]["serviceAccountName"],
                             account["metadata"]["name"])
            ingress = overlay.one("Ingress")
            for rule in ingress["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    self.assertEqual(backend["name"], service["metadata"]["name"])
                    self.assertEqual(backend["port"].get("name"), "callback")
                    self.assertTrue(path["path"].startswith("/callbacks"))
            self.assertEqual({h for t in ingress["spec"]["tls"] for h in t["hosts"]},
                             {r["host"] for r in ingress["spec"]["rules"]})

    def test_issued_callback_urls_reach_the_callback_receiver(self):
        # Jumio POSTs to the callbackUrl the gateway set; it must pass the Ingress (host, path,
        # TLS) and land on the Service port whose target is the receiver's listening port, with
        # the path the receiver serves.
        for name, overlay in self.overlays.items():
            with self.subTest(overlay=name):
                self.check_issued_callback_urls(overlay)

    def check_issued_callback_urls(self, overlay):
        issued = issued_callback_urls(self.gateway_config(overlay))
        prefix = issued["path_prefix"]
        self.assertTrue(prefix.startswith("/callbacks/"), prefix)
        _, c = self.container(overlay)
        service = overlay.one("Service")
        for url in (issued["account_url"], issued["new_account_url"]):
            parts = urllib.parse.urlsplit(url)
            self.assertEqual(parts.scheme, "https", url)
            host, path = parts.hostname, parts.path
            # The receiver sees the path unchanged (no rewrite), so it must be its own.
            self.assertTrue(path.startswith(prefix),
                            f"{url}: the receiver only serves {prefix}*")
            candidates = []
            for ingress in overlay.all("Ingress"):
                annotations = ingress["metadata"].get("annotations", {})
                for rule in ingress["spec"].get("rules", []):
                    if not host_matches(rule.get("host"), host):
                        continue
                    for rule_path in rule.get("http", {}).get("paths", []):
                        if path_matches(rule_path["path"], rule_path["pathType"], path):
                            candidates.append((len(rule_path["path"]), ingress, annotations,
                                               rule_path))
            self.assertTrue(candidates,
                            f"{overlay.name}: no Ingress rule routes {host}{path}")
            # The longest matching path wins, as in every ingress controller.
            _, ingress, annotations, rule_path = max(candidates, key=lambda c: c[0])
            self.assertNotIn("nginx.ingress.kubernetes.io/rewrite-target", annotations)
            tls_hosts = {h for t in ingress["spec"].get("tls", []) for h in t["hosts"]}
            self.assertTrue(any(host_matches(h, host) for h in tls_hosts),
                            f"{host} has no TLS entry in {ingress['metadata']['name']}")
            backend = rule_path["backend"]["service"]
            self.assertEqual(backend["name"], service["metadata"]["name"])
            service_port = next(
                (p for p in service["spec"]["ports"]
                 if p.get("name") == backend["port"].get("name", object())
                 or p["port"] == backend["port"].get("number")), None)
            self.assertIsNotNone(service_port, f"backend port {backend['port']}")
            target = service_port["targetPort"]
            container_port = next(
                (p["containerPort"] for p in c["ports"]
                 if p.get("name") == target or p["containerPort"] == target), None)
            self.assertEqual(container_port, issued["listen_port"],
                             f"{overlay.name}: the ingress reaches container port "
                             f"{container_port}, the receiver listens on "
                             f"{issued['listen_port']}")

    def test_network_policy_admits_only_the_service_ports(self):
        for overlay in self.each():
            policy = overlay.one("NetworkPolicy")
            self.assertEqual(set(policy["spec"]["policyTypes"]), {"Ingress", "Egress"})
            ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
            self.assertEqual(ports, set(PORTS))
            egress_ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
            self.assertIn(443, egress_ports)
            self.assertIn(53, egress_ports)

    def test_graceful_shutdown_fits_the_termination_grace(self):
        for overlay in self.each():
            pod, c = self.container(overlay)
            config = self.gateway_config(overlay)
            grace = config["shutdown_grace"]
            self.assertTrue(grace.endswith("s") and grace[:-1].isdigit(), grace)
            pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get(
                "seconds", 0)
            self.assertGreater(pod["terminationGracePeriodSeconds"], int(grace[:-1]) + pre_stop)

    def test_production_is_highly_available(self):
        production = self.overlays["production"]
        self.assertGreaterEqual(production.one("Deployment")["spec"]["replicas"], 3)
        self.assertGreaterEqual(production.one("HorizontalPodAutoscaler")["spec"]["minReplicas"],
                                3)
        ingress = production.one("Ingress")
        allow = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/whitelist-source-range"]
        self.assertNotIn("0.0.0.0/0", allow)

    def test_prometheus_rule_is_rules_yml(self):
        with open(RULES_YML, encoding="utf-8") as f:
            rules = yaml.safe_load(f)
        for overlay in self.each():
            rule = overlay.one("PrometheusRule")
            self.assertEqual(rule["spec"]["groups"], rules["groups"])


if __name__ == "__main__":
    KUBE_DIR, RULES_YML, ISSUED_CALLBACK_URL = sys.argv[1], sys.argv[2], sys.argv[3]
    unittest.main(argv=[sys.argv[0], "-v"])
