"""Prometheus metrics at GET /metrics, against the real stsd: the text exposition format (every family with HELP and
TYPE, every sample `name{labels} value`), request counters that count exactly the calls made over REST and gRPC by
method and status code, a cumulative latency histogram whose +Inf bucket is its count, build info and the process
metrics; and nothing secret in it."""
import concurrent.futures
import os
import re
import subprocess
import time
import unittest

import grpc
import requests

from stsd import STSD, Stsd, run_stsd, stubs
from upstream import ScriptedPeer, ScriptedSts, creds_dir

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()
FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")
SAMPLE = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf)$')
LABELS = re.compile(r'([a-z_]+)="([^"]*)"')


def scrape(stsd, url=None):
    reply = requests.get((url or stsd.rest) + "/metrics", timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4"), reply.headers
    families, samples = {}, []
    for line in reply.text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], line.split(" ")[2], line.split(" ", 3)[3]
            families.setdefault(name, {})[kind] = rest
            continue
        match = SAMPLE.match(line)
        assert match, "not a sample line: %r" % line
        samples.append((match.group(1), dict(LABELS.findall(match.group(2) or "")), float(match.group(3))))
    return reply.text, families, samples


def value(samples, name, **labels):
    found = [v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]
    return sum(found)


def growth(before, after):
    """A function giving how much a sample grew between two scrapes."""
    return lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd(*FAST_HASH, env={"STS_AUTH": "access-token"})
        run_stsd("user", "add", "metrics", "--data-dir", cls.stsd.data_dir, *FAST_HASH, password="metrics-pw\n")
        cls.stsd.start()
        with open(os.path.join(cls.stsd.data_dir, "admin.token")) as f:
            cls.admin = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def settle(self):
        time.sleep(0.3)  # REST requests are counted when h2o lets go of them, just after the answer

    def test_counters_count_exactly_the_calls_made_over_both_protocols(self):
        _, _, before = scrape(self.stsd)
        method = "sts.v1.TokenService/IssueToken"
        for _ in range(3):
            self.assertEqual(requests.put(self.stsd.rest + "/token", timeout=30,
                                          headers={"Authorization": "Bearer " + self.admin}).status_code, 201)
        self.assertEqual(requests.put(self.stsd.rest + "/token", timeout=30).status_code, 401)
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = token_pb2_grpc.TokenServiceStub(channel)
            for _ in range(2):
                stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=30,
                                metadata=(("authorization", "Bearer " + self.admin),))
            with self.assertRaises(grpc.RpcError):
                stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=30)
        self.settle()
        text, families, after = scrape(self.stsd)

        def grew(protocol, code):
            labels = {"protocol": protocol, "method": method, "code": code}
            return value(after, "sts_requests_total", **labels) - value(before, "sts_requests_total", **labels)
        self.assertEqual((grew("rest", "201"), grew("rest", "401"), grew("grpc", "0"), grew("grpc", "16")),
                         (3, 1, 2, 1))
        self.assertNotIn(self.admin, text)

    def test_credentials_access_tokens_and_logins_are_counted_by_label(self):
        _, _, before = scrape(self.stsd)
        auth = {"Authorization": "Bearer " + self.admin}
        requests.put(self.stsd.rest + "/token", headers=auth, timeout=30)
        created = requests.post(self.stsd.rest + "/v1/auth/access-tokens/", headers=auth, timeout=30,
                                json={"user": {"name": "counted", "domain": "LOCAL"}}).json()
        requests.patch(self.stsd.rest + "/v1/auth/access-tokens/" + created["id"], headers=auth, timeout=30,
                       json={"enabled": False})
        requests.delete(self.stsd.rest + "/v1/auth/access-tokens/" + created["id"], headers=auth, timeout=30)
        for password, status in (("metrics-pw", 200), ("wrong", 401), ("wrong", 401)):
            reply = requests.post(self.stsd.rest + "/v1/auth/token/access-token", timeout=30,
                                  json={"username": "metrics", "password": password})
            self.assertEqual(reply.status_code, status)
        self.settle()
        _, families, after = scrape(self.stsd)

        def grew(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)
        self.assertEqual((grew("sts_credentials_issued_total", issuer="local"),
                          grew("sts_credentials_issued_total", issuer="sts")), (1, 0))
        self.assertEqual([grew("sts_access_tokens_total", operation=o) for o in ("create", "update", "delete")],
                         [1, 1, 1])
        self.assertEqual((grew("sts_logins_total", outcome="success"), grew("sts_logins_total", outcome="failure")),
                         (1, 2))
        for name in ("sts_credentials_issued_total", "sts_access_tokens_total", "sts_logins_total"):
            self.assertEqual(families[name]["TYPE"], "counter")

    def test_auth_caches_count_hits_and_misses_per_authenticator(self):
        auth = {"Authorization": "Bearer " + self.admin}
        made = requests.post(self.stsd.rest + "/v1/auth/access-tokens/", headers=auth, timeout=30,
                             json={"user": {"name": "cached", "domain": "LOCAL"}})
        self.assertEqual(made.status_code, 200, made.text)
        jwt = requests.post(self.stsd.rest + "/v1/auth/token/access-token", timeout=30,
                            json={"username": "metrics", "password": "metrics-pw"}).json()["access-token"]
        _, _, before = scrape(self.stsd)
        for token in (made.json()["bearer_token"], made.json()["bearer_token"], jwt, jwt):
            requests.put(self.stsd.rest + "/token", headers={"Authorization": "Bearer " + token}, timeout=30)
        self.settle()
        _, families, after = scrape(self.stsd)
        grew = growth(before, after)
        # The first use of each token reads the store or checks the signature; the second is the cache's.
        self.assertEqual([grew("sts_auth_cache_%s_total" % kind, authenticator=name)
                          for name in ("access-token", "jwt") for kind in ("misses", "hits")], [1, 1, 1, 1])
        self.assertEqual(families["sts_auth_cache_hits_total"]["TYPE"], "counter")
        self.assertEqual(families["sts_auth_cache_misses_total"]["TYPE"], "counter")

    def test_the_format_and_the_histogram_hold_together(self):
        requests.get(self.stsd.rest + "/healthz", timeout=30)
        self.settle()
        _, families, samples = scrape(self.stsd)
        for name, kind in (("sts_requests_total", "counter"), ("sts_request_duration_seconds", "histogram"),
                           ("sts_build_info", "gauge"), ("process_resident_memory_bytes", "gauge"),
                           ("process_cpu_seconds_total", "counter"), ("process_open_fds", "gauge"),
                           ("process_start_time_seconds", "gauge")):
            self.assertEqual(families[name]["TYPE"], kind, name)
            self.assertTrue(families[name]["HELP"], name)
        series = {}
        for name, labels, number in samples:
            if name == "sts_request_duration_seconds_bucket":
                key = (labels["protocol"], labels["method"])
                series.setdefault(key, []).append((labels["le"], number))
        self.assertIn(("rest", "sts.v1.TokenService/Health"), series)
        for key, buckets in series.items():
            counts = [n for _, n in buckets]
            self.assertEqual(counts, sorted(counts), key)
            self.assertEqual(buckets[-1][0], "+Inf")
            self.assertEqual(buckets[-1][1], value(samples, "sts_request_duration_seconds_count",
                                                    protocol=key[0], method=key[1]), key)
        self.assertEqual(value(samples, "sts_build_info", version="0.1.0"), 1)
        # No issuer here calls an upstream; the lookup, store and password queues exist and are empty.
        self.assertEqual(families["sts_worker_queue_depth"]["TYPE"], "gauge")
        self.assertEqual({l["queue"]: v for n, l, v in samples if n == "sts_worker_queue_depth"},
                         {"lookup": 0, "store": 0, "password": 0})
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 3)
        self.assertLess(abs(value(samples, "process_start_time_seconds") - time.time()), 3600)


class UpstreamMetrics(unittest.TestCase):
    """sts_upstream_request_duration_seconds and sts_worker_queue_depth against a scripted STS on loopback."""

    @classmethod
    def setUpClass(cls):
        cls.peer = ScriptedPeer(ScriptedSts)
        cls.creds = creds_dir("sts-metrics-creds-", "AKIAMETRICS", "metrics-upstream-secret")
        cls.stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", cls.peer.url, "--creds-path", cls.creds,
                        "--role-arn", "arn:aws:iam:::role/r", "--upstream-timeout-ms", "1000",
                        "--worker-threads", "1").start()

    @classmethod
    def tearDownClass(cls):
        ScriptedSts.release.set()
        try:
            cls.stsd.stop_clean()
        finally:
            cls.peer.close()

    def put_token(self):
        return requests.put(self.stsd.rest + "/token", timeout=30).status_code

    def test_upstream_calls_are_timed_by_operation_and_outcome(self):
        _, _, before = scrape(self.stsd)
        ScriptedSts.mode = "good"
        self.assertEqual([self.put_token(), self.put_token()], [201, 201])
        ScriptedSts.mode = "refuse"
        self.assertEqual(self.put_token(), 400)
        ScriptedSts.mode = "hang"
        self.assertEqual(self.put_token(), 503)
        ScriptedSts.mode = "good"
        _, families, after = scrape(self.stsd)
        grew = growth(before, after)
        name = "sts_upstream_request_duration_seconds"
        self.assertEqual(families[name]["TYPE"], "histogram")
        self.assertEqual([grew(name + "_count", operation="AssumeRole", outcome=o)
                          for o in ("ok", "refused", "timeout", "unreachable", "invalid")], [2, 1, 1, 0, 0])
        # The hung call waited out the upstream timeout (1 s), and its bucket says so.
        self.assertGreaterEqual(grew(name + "_sum", operation="AssumeRole", outcome="timeout"), 0.9)
        self.assertEqual(grew(name + "_bucket", operation="AssumeRole", outcome="timeout", le="0.5"), 0)
        self.assertEqual(grew(name + "_bucket", operation="AssumeRole", outcome="timeout", le="2.5"), 1)

    def test_the_upstream_queue_depth_shows_calls_waiting_for_the_one_worker(self):
        ScriptedSts.mode = "hang"
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            calls = [pool.submit(self.put_token) for _ in range(3)]
            # The first call holds the one worker for the upstream timeout (1 s); the other two wait in its queue.
            # Until the worker has taken the first call (a wake-up away, longer on a loaded machine) all three wait.
            depths, deadline = [], time.monotonic() + 0.8
            while time.monotonic() < deadline:
                _, _, samples = scrape(self.stsd)
                depths.append(value(samples, "sts_worker_queue_depth", queue="upstream"))
                time.sleep(0.05)
            self.assertEqual(depths[-1], 2, depths)
            self.assertLessEqual(max(depths), 3, depths)
            self.assertEqual([c.result() for c in calls], [503, 503, 503])
        ScriptedSts.mode = "good"
        _, _, samples = scrape(self.stsd)
        self.assertEqual(value(samples, "sts_worker_queue_depth", queue="upstream"), 0)


class MetricsListener(unittest.TestCase):
    """metrics_listen: /metrics on a listener of its own, and then not on the REST one."""

    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd("--metrics-listen", "127.0.0.1:0").start()
        cls.metrics = "http://127.0.0.1:%d" % cls.stsd.ports["metrics"]

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def test_metrics_move_to_their_own_listener(self):
        self.assertEqual(requests.put(self.stsd.rest + "/token", timeout=30).status_code, 201)
        time.sleep(0.3)
        _, _, samples = scrape(self.stsd, self.metrics)
        self.assertEqual(value(samples, "sts_requests_total", protocol="rest",
                               method="sts.v1.TokenService/IssueToken", code="201"), 1)
        self.assertEqual(requests.get(self.stsd.rest + "/metrics", timeout=30).status_code, 404)

    def test_the_metrics_listener_serves_nothing_else(self):
        for method, path in (("PUT", "/token"), ("GET", "/healthz"), ("GET", "/v1/auth/access-tokens/"),
                             ("POST", "/metrics"), ("GET", "/metrics/../token"), ("GET", "/metricsx")):
            reply = requests.request(method, self.metrics + path, timeout=30)
            self.assertEqual(reply.status_code, 404, (method, path))
            self.assertNotIn("AccessKeyId", reply.text)

    def test_a_bad_metrics_address_is_a_configuration_error(self):
        checked = subprocess.run([STSD, "--check-config", "--metrics-listen", "9100"], capture_output=True,
                                 text=True, timeout=30)
        self.assertEqual(checked.returncode, 2, checked.stderr)
        self.assertIn("--metrics-listen: expected HOST:PORT", checked.stderr)


if __name__ == "__main__":
    unittest.main()
