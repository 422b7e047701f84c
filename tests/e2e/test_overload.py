"""Graceful overload: with the upstream worker and its queue full (an upstream held open by the test), further calls
are refused at once with 429 / RESOURCE_EXHAUSTED and a retry hint, while health and readiness still answer."""
import concurrent.futures
import os
import socket
import tempfile
import threading
import time
import unittest

import grpc

from stsd import Stsd, curl, error_body, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()


def upstream_creds():
    creds = tempfile.mkdtemp(prefix="sts-overload-creds-")
    for name in ("access_key", "secret_key"):
        path = os.path.join(creds, name)
        with open(path, "w") as f:
            f.write("test-" + name)
        os.chmod(path, 0o600)
    return creds


class FullUpstreamQueue(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The kernel completes connections to this socket but nothing ever answers: every upstream call hangs
        # until upstream_timeout_ms, holding the one worker while one more call waits in the queue of one.
        cls.black_hole = socket.socket()
        cls.black_hole.bind(("127.0.0.1", 0))
        cls.black_hole.listen(64)
        cls.stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d" % cls.black_hole.getsockname()[1],
                        "--creds-path", upstream_creds(), "--role-arn", "arn:aws:iam:::role/r",
                        "--upstream-timeout-ms", "4000", "--worker-threads", "1", "--worker-queue", "1",
                        "--readiness-interval-seconds", "3600").start()

    @classmethod
    def tearDownClass(cls):
        code = cls.stsd.stop()
        cls.black_hole.close()
        if code != 0:
            raise AssertionError("stsd exited with %s:\n%s" % (code, cls.stsd.log()))
        cls.stsd.assert_clean(unittest.TestCase())

    def timed(self, call):
        started = time.monotonic()
        result = call()
        return result, time.monotonic() - started

    def assert_refused_at_once_over_rest(self):
        (status, headers, body), seconds = self.timed(lambda: curl("-X", "PUT", self.stsd.rest + "/token"))
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("retry-after"), "1")
        self.assertIn("worker_queue is full", error_body(self, body, 429, "RESOURCE_EXHAUSTED"))
        self.assertLess(seconds, 1.0)

    def assert_refused_at_once_over_grpc(self, channel):
        stub = token_pb2_grpc.TokenServiceStub(channel)
        started = time.monotonic()
        with self.assertRaises(grpc.RpcError) as raised:
            stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=10)
        self.assertLess(time.monotonic() - started, 1.0)
        error = raised.exception
        self.assertEqual(error.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("worker_queue is full", error.details())
        self.assertIn(("retry-after", "1"), tuple(error.trailing_metadata()))

    def test_a_full_queue_refuses_at_once_and_health_still_answers(self):
        held = []
        threads = [threading.Thread(target=lambda: held.append(curl("-X", "PUT", self.stsd.rest + "/token")))
                   for _ in range(2)]
        threads[0].start()  # takes the one worker, which waits on the black hole
        time.sleep(0.5)
        threads[1].start()  # just under: waits in the queue of one
        time.sleep(0.5)
        try:
            with grpc.insecure_channel(self.stsd.grpc) as channel:
                self.assert_refused_at_once_over_rest()
                self.assert_refused_at_once_over_grpc(channel)
                # Under a burst, every extra caller is refused at once, none queued behind the others.
                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    for status, headers, _ in pool.map(lambda _: curl("-X", "PUT", self.stsd.rest + "/token"),
                                                       range(16)):
                        self.assertEqual((status, headers.get("retry-after")), (429, "1"))
                # Health and readiness stay answerable, on both protocols.
                (status, _, body), seconds = self.timed(lambda: curl(self.stsd.rest + "/healthz"))
                self.assertEqual((status, seconds < 1.0), (200, True), body)
                (status, _, body), seconds = self.timed(lambda: curl(self.stsd.rest + "/readyz"))
                self.assertIn(status, (200, 503), body)
                self.assertLess(seconds, 1.0)
                health = health_pb2_grpc.HealthStub(channel)
                reply, seconds = self.timed(lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=5))
                self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)
                self.assertLess(seconds, 1.0)
                token_pb2_grpc.TokenServiceStub(channel).Health(token_pb2.HealthRequest(), timeout=1)
        finally:
            for thread in threads:
                thread.join(timeout=20)
        # The two admitted calls ran to the upstream's timeout: neither was refused.
        self.assertEqual(len(held), 2)
        for status, headers, body in held:
            self.assertIn(status, (503, 504), body)
            self.assertNotIn("retry-after", headers)
        # Once they are done the queue takes calls again (they wait on the upstream, so only admission is checked).
        late = threading.Thread(target=lambda: held.append(curl("-X", "PUT", self.stsd.rest + "/token")))
        late.start()
        late.join(timeout=20)
        self.assertIn(held[-1][0], (503, 504), held[-1][2])


if __name__ == "__main__":
    unittest.main()
