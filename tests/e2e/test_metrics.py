"""Prometheus metrics at GET /metrics, against the real stsd: the text exposition format (every family with HELP and
TYPE, every sample `name{labels} value`), request counters that count exactly the calls made over REST and gRPC by
method and status code, a cumulative latency histogram whose +Inf bucket is its count, build info and the process
metrics; and nothing secret in it."""
import os
import re
import time
import unittest

import grpc
import requests

from stsd import Stsd, run_stsd, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()
FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")
SAMPLE = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf)$')
LABELS = re.compile(r'([a-z_]+)="([^"]*)"')


def scrape(stsd):
    reply = requests.get(stsd.rest + "/metrics", timeout=30)
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
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 3)
        self.assertLess(abs(value(samples, "process_start_time_seconds") - time.time()), 3600)


if __name__ == "__main__":
    unittest.main()
