"""TokenService and grpc.health.v1 over gRPC with Debian's python3-grpcio against the real stsd."""
import datetime
import time
import unittest

import grpc

from stsd import StsdTestCase, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()


class GrpcApi(StsdTestCase):
    stsd_args = ("--max-message-bytes", "1024")

    def setUp(self):
        self.channel = grpc.insecure_channel(self.stsd.grpc)
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def tearDown(self):
        self.channel.close()

    def test_issue_token(self):
        reply = self.tokens.IssueToken(token_pb2.IssueTokenRequest(), timeout=10)
        credentials = reply.credentials
        self.assertRegex(credentials.access_key_id, r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(credentials.secret_access_key), 40)
        self.assertEqual(credentials.endpoint_url, "")
        self.assertRegex(credentials.expiration, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
        left = datetime.datetime.fromisoformat(credentials.expiration) - datetime.datetime.now(datetime.timezone.utc)
        self.assertAlmostEqual(left.total_seconds(), 3600, delta=60)
        reply = self.tokens.IssueToken(token_pb2.IssueTokenRequest(duration_seconds=900), timeout=10)
        left = datetime.datetime.fromisoformat(reply.credentials.expiration) - datetime.datetime.now(
            datetime.timezone.utc)
        self.assertAlmostEqual(left.total_seconds(), 900, delta=60)

    def test_health(self):
        self.assertEqual(self.tokens.Health(token_pb2.HealthRequest(), timeout=10).status, "ok")

    def test_standard_health_check(self):
        serving = health_pb2.HealthCheckResponse.SERVING
        for service in ("", "sts.v1.TokenService"):
            with self.subTest(service=service):
                reply = self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
                self.assertEqual(reply.status, serving)
        with self.assertRaises(grpc.RpcError) as raised:
            self.health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_unknown_method_is_unimplemented_at_once(self):
        for path in ("/sts.v1.TokenService/Nope", "/no.such.Service/Call"):
            with self.subTest(path=path):
                call = self.channel.unary_unary(path)
                started = time.monotonic()
                with self.assertRaises(grpc.RpcError) as raised:
                    call(b"", timeout=10)
                elapsed = time.monotonic() - started
                self.assertEqual(raised.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
                self.assertIn(path, raised.exception.details())
                self.assertLess(elapsed, 1.0)

    def test_bad_duration_is_invalid_argument(self):
        for value in (5, 0, 43201, -1):
            with self.subTest(value=value):
                with self.assertRaises(grpc.RpcError) as raised:
                    self.tokens.IssueToken(token_pb2.IssueTokenRequest(duration_seconds=value), timeout=10)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                self.assertIn("DurationSeconds", raised.exception.details())

    def test_malformed_protobuf_is_invalid_argument(self):
        call = self.channel.unary_unary("/sts.v1.TokenService/IssueToken")
        with self.assertRaises(grpc.RpcError) as raised:
            call(b"\x08\xff\xff", timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_message_over_the_limit_is_resource_exhausted(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.tokens.IssueToken(token_pb2.IssueTokenRequest(policy="x" * 5000), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertEqual(self.tokens.Health(token_pb2.HealthRequest(), timeout=10).status, "ok")

    def test_expired_deadline(self):
        # gRPC keeps deadlines at millisecond granularity, so a call finished inside that millisecond can still
        # succeed: a few tries must show DEADLINE_EXCEEDED, and nothing else may go wrong.
        codes = []
        for _ in range(10):
            try:
                self.tokens.IssueToken(token_pb2.IssueTokenRequest(), timeout=0.000001)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
            if codes[-1] == grpc.StatusCode.DEADLINE_EXCEEDED:
                break
        self.assertEqual(codes[-1], grpc.StatusCode.DEADLINE_EXCEEDED, codes)
        self.assertEqual(set(codes) - {grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED}, set(), codes)


if __name__ == "__main__":
    unittest.main()
