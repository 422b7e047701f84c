"""The Helm chart deploy/helm/sts: helm lint and helm template with the default, Cray and PostgreSQL values, and the
rendered manifests read back: mounts, probes, ports, security context, anti-affinity, the ingress prefix, the
replica rule; the rendered stsd.yaml is checked by the real stsd (--check-config)."""
import os
import subprocess
import tempfile
import unittest

import yaml

SOURCE_DIR = os.environ.get("STS_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHART = os.path.join(SOURCE_DIR, "deploy", "helm", "sts")
HELM = os.environ.get("STS_HELM", "/opt/sts-helm/helm")
STSD = os.environ["STSD"]
CRAY = os.path.join(CHART, "ci", "cray-values.yaml")
POSTGRES = os.path.join(CHART, "ci", "postgres-values.yaml")
SELECTOR = {"app.kubernetes.io/name": "sts", "app.kubernetes.io/instance": "cray-sts"}


def helm(*args):
    return subprocess.run([HELM] + list(args), capture_output=True, text=True, timeout=60)


def render(*args):
    """The manifests of `helm template cray-sts CHART ARGS`, by kind (and name)."""
    result = helm("template", "cray-sts", CHART, *args)
    if result.returncode != 0:
        raise AssertionError("helm template %s: %s" % (" ".join(args), result.stderr))
    manifests = {}
    for document in yaml.safe_load_all(result.stdout):
        if document:
            manifests.setdefault(document["kind"], []).append(document)
    return manifests


def one(manifests, kind):
    documents = manifests.get(kind, [])
    assert len(documents) == 1, "%d %s manifests" % (len(documents), kind)
    return documents[0]


def pod_spec(manifests):
    return one(manifests, "Deployment")["spec"]["template"]["spec"]


def container(manifests):
    containers = pod_spec(manifests)["containers"]
    assert len(containers) == 1
    return containers[0]


def stsd_config(manifests):
    return yaml.safe_load(one(manifests, "ConfigMap")["data"]["stsd.yaml"])


def mounts(manifests):
    """mountPath -> (volume source kind, its name or None, readOnly)."""
    volumes = {v["name"]: v for v in pod_spec(manifests)["volumes"]}
    found = {}
    for mount in container(manifests)["volumeMounts"]:
        volume = volumes[mount["name"]]
        kind = next(k for k in volume if k != "name")
        source = volume[kind] or {}
        name = source.get("secretName") or source.get("name") or source.get("claimName")
        found[mount["mountPath"]] = (kind, name, mount.get("readOnly", False))
    return found


class Lint(unittest.TestCase):
    def test_lint_passes(self):
        for values in ([], ["-f", CRAY], ["-f", POSTGRES]):
            with self.subTest(values=values):
                result = helm("lint", "--strict", CHART, *values)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertIn("0 chart(s) failed", result.stdout)
                # helm lint reports a template's `fail` as an INFO line and passes: there must be none.
                self.assertNotIn("Fail:", result.stdout + result.stderr)

    def test_lint_reports_what_cannot_run(self):
        # …which is how it shows the replica rule (helm template refuses outright, below).
        result = helm("lint", CHART, "--set", "replicaCount=3")
        self.assertIn("Fail: replicaCount is 3 but database.url is unset", result.stdout + result.stderr)


class Defaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = render()

    def test_one_replica_on_sqlite_with_a_volume(self):
        deployment = one(self.m, "Deployment")
        self.assertEqual(deployment["spec"]["replicas"], 1)
        # Two pods must never open one SQLite volume: the old one goes before the new one starts.
        self.assertEqual(deployment["spec"]["strategy"]["type"], "Recreate")
        claim = one(self.m, "PersistentVolumeClaim")
        self.assertEqual(mounts(self.m)["/var/lib/sts"], ("persistentVolumeClaim", claim["metadata"]["name"], False))
        self.assertNotIn("PodDisruptionBudget", self.m)
        self.assertNotIn("Ingress", self.m)
        self.assertNotIn("ServiceMonitor", self.m)

    def test_probes(self):
        c = container(self.m)
        self.assertEqual(c["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "rest", "scheme": "HTTP"})
        self.assertEqual(c["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "rest", "scheme": "HTTP"})
        # The gRPC health service, through the kubelet's own gRPC probe on the gRPC port.
        self.assertEqual(c["startupProbe"]["grpc"], {"port": 50051})

    def test_ports_and_service(self):
        ports = {p["name"]: p["containerPort"] for p in container(self.m)["ports"]}
        self.assertEqual(ports, {"rest": 9090, "grpc": 50051, "metrics": 9091})
        service = one(self.m, "Service")
        self.assertEqual({p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]},
                         {"http-rest": (9090, "rest"), "grpc": (50051, "grpc"), "http-metrics": (9091, "metrics")})
        self.assertEqual(service["spec"]["selector"], one(self.m, "Deployment")["spec"]["selector"]["matchLabels"])
        config = stsd_config(self.m)
        self.assertEqual((config["rest_listen"], config["grpc_listen"], config["metrics_listen"]),
                         ("0.0.0.0:9090", "0.0.0.0:50051", "0.0.0.0:9091"))

    def test_metrics_scrape_annotations(self):
        annotations = one(self.m, "Deployment")["spec"]["template"]["metadata"]["annotations"]
        self.assertEqual((annotations["prometheus.io/scrape"], annotations["prometheus.io/port"]), ("true", "9091"))

    def test_security_context(self):
        spec = pod_spec(self.m)
        pod = spec["securityContext"]
        self.assertTrue(pod["runAsNonRoot"])
        self.assertEqual((pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"]), (10001, 10001, 10001))
        self.assertEqual(pod["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertFalse(spec["automountServiceAccountToken"])
        c = container(self.m)["securityContext"]
        self.assertTrue(c["readOnlyRootFilesystem"])
        self.assertFalse(c["allowPrivilegeEscalation"])
        self.assertFalse(c["privileged"])
        self.assertEqual(c["capabilities"], {"drop": ["ALL"]})
        self.assertEqual(c["seccompProfile"], {"type": "RuntimeDefault"})
        # A read-only root still needs a writable /tmp and the data directory.
        self.assertEqual(mounts(self.m)["/tmp"][0], "emptyDir")

    def test_soft_anti_affinity(self):
        affinity = pod_spec(self.m)["affinity"]
        self.assertNotIn("requiredDuringSchedulingIgnoredDuringExecution", affinity["podAntiAffinity"])
        terms = affinity["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        self.assertEqual(len(terms), 1)
        term = terms[0]["podAffinityTerm"]
        self.assertEqual(term["topologyKey"], "kubernetes.io/hostname")
        self.assertEqual(term["labelSelector"]["matchLabels"], SELECTOR)
        self.assertEqual(one(self.m, "Deployment")["spec"]["template"]["metadata"]["labels"], SELECTOR)

    def test_configuration_is_valid_for_stsd(self):
        config = stsd_config(self.m)
        self.assertEqual((config["issuer"], config["auth"], config["data_dir"]), ("local", "access-token",
                                                                                 "/var/lib/sts"))
        self.assertEqual(mounts(self.m)["/etc/sts"][0], "configMap")
        env = {e["name"]: e["value"] for e in container(self.m)["env"]}
        self.assertEqual(env["STS_CONFIG"], "/etc/sts/stsd.yaml")
        check_config(self, one(self.m, "ConfigMap")["data"]["stsd.yaml"])


def check_config(test, text):
    """The real stsd accepts the rendered file (every key an option, every value valid)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "stsd.yaml")
        with open(path, "w") as f:
            f.write(text)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("STS_")}
        result = subprocess.run([STSD, "--check-config", "--config", path, "--data-dir", os.path.join(tmp, "d")],
                                capture_output=True, text=True, timeout=30, env=environment)
        test.assertEqual(result.returncode, 0, result.stderr)


class Cray(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = render("-f", CRAY)

    def test_mounts_the_original_secret_and_config_map(self):
        found = mounts(self.m)
        self.assertEqual(found["/conf/creds"], ("secret", "sts-s3-credentials", True))
        self.assertEqual(found["/conf"], ("configMap", "sts-rados-config", True))
        config = stsd_config(self.m)
        self.assertEqual((config["creds_path"], config["rados_config_path"]), ("/conf/creds", "/conf/rados_conf"))
        self.assertEqual((config["issuer"], config["auth"]), ("sts", "none"))
        # Kubernetes mounts Secrets as root's files readable by the pod's group: stsd reads them only so.
        self.assertIs(config["secret_files_allow_shared"], True)

    def test_ingress_keeps_the_apis_sts_prefix(self):
        ingress = one(self.m, "Ingress")
        paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
        self.assertEqual(len(paths), 1)
        self.assertEqual((paths[0]["path"], paths[0]["pathType"]), ("/apis/sts/", "Prefix"))
        backend = paths[0]["backend"]["service"]
        self.assertEqual(backend, {"name": one(self.m, "Service")["metadata"]["name"], "port": {"name": "http-rest"}})
        # The release named as the original's keeps its names.
        self.assertEqual(one(self.m, "Service")["metadata"]["name"], "cray-sts")
        self.assertNotIn("rewrite", str(ingress["metadata"].get("annotations", {})))

    def test_configuration_is_valid_for_stsd(self):
        # The Cray paths do not exist here; everything else is checked.
        text = one(self.m, "ConfigMap")["data"]["stsd.yaml"]
        config = yaml.safe_load(text)
        with tempfile.TemporaryDirectory() as tmp:
            creds = os.path.join(tmp, "creds")
            os.mkdir(creds)
            for name in ("access_key", "secret_key"):
                with open(os.path.join(creds, name), "w") as f:
                    f.write("x" * 20)
                os.chmod(os.path.join(creds, name), 0o600)
            rados = os.path.join(tmp, "rados_conf")
            with open(rados, "w") as f:
                f.write("int_endpoint_url: http://127.0.0.1:1\next_endpoint_url: https://s3.test\n"
                        "arn: arn:aws:iam:::role/S3\n")
            config.update(creds_path=creds, rados_config_path=rados)
            check_config(self, yaml.safe_dump(config))


class Replicas(unittest.TestCase):
    def test_several_replicas_without_a_database_refuse_to_render(self):
        for args in (["--set", "replicaCount=3"], ["--set", "replicaCount=2", "-f", CRAY],
                     ["-f", POSTGRES, "--set", "database.url=", "--set", "database.passwordSecret.name="]):
            with self.subTest(args=args):
                result = helm("template", "cray-sts", CHART, *args)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("database.url is unset: the SQLite store lives on one pod's volume and serves a single "
                              "replica", result.stderr)
                self.assertEqual(result.stdout, "")

    def test_three_replicas_with_postgresql(self):
        m = render("-f", POSTGRES)
        deployment = one(m, "Deployment")
        self.assertEqual(deployment["spec"]["replicas"], 3)
        self.assertEqual(deployment["spec"]["strategy"]["type"], "RollingUpdate")
        self.assertNotIn("PersistentVolumeClaim", m)
        self.assertEqual(mounts(m)["/var/lib/sts"][0], "emptyDir")
        self.assertEqual(one(m, "PodDisruptionBudget")["spec"]["maxUnavailable"], 1)
        config = stsd_config(m)
        self.assertEqual(config["database_url"], "postgres://sts@postgres.example.svc:5432/sts?sslmode=verify-full")
        self.assertEqual(config["database_password_file"], "/etc/sts-database/password")
        self.assertEqual(mounts(m)["/etc/sts-database"], ("secret", "sts-database", True))
        volume = next(v for v in pod_spec(m)["volumes"] if v["name"] == "database-password")
        self.assertEqual(volume["secret"]["items"], [{"key": "password", "path": "password"}])
        # One key-encryption key for every replica, from the site's Secret.
        self.assertEqual(config["key_encryption_key_file"], "/etc/sts-kek/keys.kek")
        self.assertEqual(mounts(m)["/etc/sts-kek"], ("secret", "sts-key-encryption-key", True))
        self.assertEqual(config["secret_files_allow_shared"], True)
        # TLS: both listeners, the probes over HTTPS, and a port check where the kubelet's gRPC probe cannot go.
        self.assertEqual((config["tls_cert_file"], config["tls_key_file"]),
                         ("/etc/sts-tls/tls.crt", "/etc/sts-tls/tls.key"))
        self.assertNotIn("allow_plaintext", config)
        self.assertEqual(mounts(m)["/etc/sts-tls"], ("secret", "sts-tls", True))
        c = container(m)
        self.assertEqual(c["livenessProbe"]["httpGet"]["scheme"], "HTTPS")
        self.assertEqual(c["readinessProbe"]["httpGet"]["scheme"], "HTTPS")
        self.assertEqual(c["startupProbe"]["tcpSocket"], {"port": "grpc"})
        monitor = one(m, "ServiceMonitor")
        self.assertEqual(monitor["spec"]["endpoints"][0]["port"], "http-metrics")
        self.assertEqual(monitor["spec"]["endpoints"][0]["scheme"], "https")

    def test_bad_values_refuse_to_render_naming_the_value(self):
        cases = [
            (["--set", "database.url=postgres://sts:hunter2@db:5432/sts"], "database.url holds a password"),
            (["--set", "database.url=mysql://db/sts"], "database.url must start with postgres://"),
            (["--set", "allowPlaintext=false"], "tls.enabled and allowPlaintext are both false"),
            (["--set", "tls.enabled=true"], "tls.secretName is unset"),
            (["--set", "config.rest_listen=0.0.0.0:1"], "config.rest_listen is set by the chart"),
            (["--set", "config.database_url=postgres://db/sts"], "config.database_url is set by the chart"),
            (["--set", "database.url=postgres://sts@db/sts"], "database.url needs database.keyEncryptionKeySecret"),
            (["--set", "config.key_encryption_key_file=/k"], "config.key_encryption_key_file is set by the chart"),
            (["--set", "database.passwordSecret.name=db"], "database.passwordSecret is set but database.url is not"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = helm("template", "cray-sts", CHART, *args)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)
                self.assertNotIn("hunter2", result.stderr)


if __name__ == "__main__":
    unittest.main()
