"""An upstream outage: 503 within the timeout, NOT_SERVING readiness, and recovery on its own once RGW is back."""
import time
import unittest

import grpc

from rgw import gateway, upstream_stsd
from stsd import curl, error_body, stubs

_, _, health_pb2, health_pb2_grpc = stubs()

TIMEOUT_MS = 3000


def poll(check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


class Outage(unittest.TestCase):
    def test_rgw_down_then_back(self):
        stsd = upstream_stsd("--upstream-timeout-ms", str(TIMEOUT_MS), "--upstream-connect-timeout-ms", "1000").start()
        stopped_gateway = False
        try:
            self.assertTrue(poll(lambda: curl(stsd.rest + "/readyz")[0] == 200, 30), stsd.log())
            gateway("stop-gateway")
            stopped_gateway = True
            started = time.monotonic()
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
            elapsed = time.monotonic() - started
            self.assertEqual(status, 503, body)
            self.assertIn("STS at http://127.0.0.1:", error_body(self, body, 503, "UNAVAILABLE"))
            # Within the configured timeout, with room for one retry pause and a loaded machine.
            self.assertLess(elapsed, TIMEOUT_MS / 1000 * 2 + 5)
            self.assertTrue(poll(lambda: curl(stsd.rest + "/readyz")[0] == 503, 15))
            with grpc.insecure_channel(stsd.grpc) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="sts.v1.TokenService"), timeout=10)
                self.assertEqual(reply.status, health_pb2.HealthCheckResponse.NOT_SERVING)
                status, _, _ = curl(stsd.rest + "/healthz")
                self.assertEqual(status, 200)  # liveness is not readiness
                gateway("start-gateway")
                stopped_gateway = False
                self.assertTrue(poll(lambda: curl(stsd.rest + "/readyz")[0] == 200, 60), stsd.log())
                self.assertTrue(poll(lambda: curl("-X", "PUT", stsd.rest + "/token")[0] == 201, 30))
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service="sts.v1.TokenService"), timeout=10)
                self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)
        finally:
            if stopped_gateway:
                gateway("start-gateway")
            code = stsd.stop()
        self.assertEqual(code, 0, stsd.log())
        stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
