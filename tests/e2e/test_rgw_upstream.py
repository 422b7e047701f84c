"""The sts issuer in front of a real Ceph RGW: credentials that work with boto3, awscli and s3cmd, and clear errors."""
import contextlib
import json
import socket
import statistics
import threading
import time
import unittest

import boto3
import botocore.exceptions
import grpc
import requests

from rgw import rgw_env, upstream_stsd, write_creds
from s3clients import (bucket_name, exercise_awscli, exercise_boto3, exercise_s3cmd, grpc_credentials, s3_client,
                       wait_ready)
from stsd import StsdTestCase, curl, error_body, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()


class UpstreamCredentials(StsdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.rgw = rgw_env()
        cls.stsd = upstream_stsd("--min-duration-seconds", "5", "--upstream-timeout-ms", "5000").start()
        wait_ready(cls.stsd)

    def rest_credentials(self, query=""):
        status, headers, body = curl("-X", "PUT", self.stsd.rest + "/token" + query)
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["content-type"], "application/json")
        credentials = json.loads(body)["Credentials"]
        self.assertEqual(list(credentials), ["AccessKeyId", "EndpointURL", "Expiration", "SecretAccessKey",
                                             "SessionToken"])
        self.assertEqual(credentials["EndpointURL"], self.rgw["RGW_ENDPOINT"])
        self.assertRegex(credentials["Expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
        return credentials

    def test_boto3_with_rest_and_grpc_credentials(self):
        for credentials in (self.rest_credentials(), grpc_credentials(self.stsd)):
            exercise_boto3(self, credentials)

    def test_awscli(self):
        exercise_awscli(self, self.rest_credentials())

    def test_s3cmd(self):
        exercise_s3cmd(self, self.rest_credentials())

    def test_documented_python_flow(self):
        """The original documentation's flow, changed only in the URL."""
        response = requests.put(self.stsd.rest + "/apis/sts/token", headers={"Authorization": "Bearer unused"},
                                timeout=30)
        self.assertEqual(response.status_code, 201)
        creds = response.json()["Credentials"]
        creds_kwargs = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                        "aws_session_token": creds["SessionToken"], "endpoint_url": creds["EndpointURL"]}
        s3 = boto3.resource("s3", region_name="us-east-1", **creds_kwargs)
        bucket = s3.Bucket(bucket_name())
        bucket.create()
        bucket.put_object(Key="doc", Body=b"x")
        self.assertEqual([o.key for o in bucket.objects.all()], ["doc"])

    def test_credentials_expire(self):
        credentials = self.rest_credentials("?DurationSeconds=5")
        s3 = s3_client(credentials)
        bucket = bucket_name()
        s3.create_bucket(Bucket=bucket)
        time.sleep(8)
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3.put_object(Bucket=bucket, Key="late", Body=b"x")
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_tampered_session_token_is_rejected_by_rgw(self):
        credentials = self.rest_credentials()
        token = credentials["SessionToken"]
        middle = len(token) // 2
        credentials["SessionToken"] = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3_client(credentials).list_buckets()
        self.assertIn(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], (400, 403))

    def test_malformed_policy_is_the_callers_error(self):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data='{"Policy": "not a policy"}')
        self.assertEqual(status, 400)
        message = error_body(self, body, 400, "INVALID_ARGUMENT")
        self.assertIn(self.rgw["RGW_ENDPOINT"], message)

    def test_verify_is_not_offered_by_the_sts_issuer(self):
        status, _, body = curl("-X", "POST", self.stsd.rest + "/v1/credentials/verify",
                               data='{"AccessKeyId":"A","SessionToken":"T"}')
        self.assertEqual(status, 501)
        error_body(self, body, 501, "UNIMPLEMENTED")

    def test_readiness_and_health(self):
        status, _, body = curl(self.stsd.rest + "/readyz")
        self.assertEqual((status, body), (200, b'{"Status":"ok"}'))
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="sts.v1.TokenService"), timeout=10)
        self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)

    def test_200_concurrent_calls_and_a_responsive_healthz(self):
        results, latencies = [], []
        stop = threading.Event()

        def issue():
            try:
                response = requests.put(self.stsd.rest + "/token", timeout=60)
                results.append(response.status_code)
            except requests.RequestException as error:
                results.append(repr(error))

        def probe():
            with requests.Session() as session:
                while not stop.is_set():
                    started = time.monotonic()
                    response = session.get(self.stsd.rest + "/healthz", timeout=10)
                    latencies.append((time.monotonic() - started, response.status_code))
                    time.sleep(0.01)

        prober = threading.Thread(target=probe)
        prober.start()
        threads = [threading.Thread(target=issue) for _ in range(200)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
        stop.set()
        prober.join(timeout=30)
        self.assertEqual(results.count(201), 200, [r for r in results if r != 201][:5])
        self.assertTrue(latencies)
        self.assertTrue(all(code == 200 for _, code in latencies))
        ms = sorted(seconds * 1000 for seconds, _ in latencies)
        print("\n200 concurrent PUT /token via RGW in %.2fs; /healthz during them: %d probes, median %.1f ms, "
              "p95 %.1f ms, max %.1f ms" % (elapsed, len(ms), statistics.median(ms), ms[int(len(ms) * 0.95)],
                                            ms[-1]))


class GetSessionTokenAction(StsdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = upstream_stsd("--sts-action", "GetSessionToken").start()
        wait_ready(cls.stsd)

    def test_credentials_work_with_boto3(self):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token")
        self.assertEqual(status, 201, body)
        s3 = s3_client(json.loads(body)["Credentials"])
        bucket = bucket_name()
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"session token")
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"session token")


class UpstreamMisconfigured(unittest.TestCase):
    def start(self, stsd):
        self.stsd = stsd.start()
        self.addCleanup(self.stop_clean, stsd)
        return self.stsd

    def stop_clean(self, stsd):
        self.assertEqual(stsd.stop(), 0, stsd.log())
        stsd.assert_clean(self)

    def test_wrong_secret_is_a_clear_error_and_rotation_fixes_it(self):
        rgw = rgw_env()
        stsd = self.start(upstream_stsd(secret_key="WRONG" + rgw["RGW_SECRET_KEY"][5:]))
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 400)
        message = error_body(self, body, 400, "FAILED_PRECONDITION")
        self.assertIn("rejected our access key", message)
        self.assertIn(rgw["RGW_ENDPOINT"], message)
        self.assertNotIn(rgw["RGW_SECRET_KEY"][5:], message)
        self.assertNotIn(rgw["RGW_SECRET_KEY"][5:], stsd.log())
        # Rotating the key file fixes it without a restart.
        write_creds(stsd.creds_dir, rgw["RGW_ACCESS_KEY"], rgw["RGW_SECRET_KEY"])
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 201, body)
        wait_ready(stsd)

    def test_unknown_role(self):
        stsd = self.start(upstream_stsd(role_arn="arn:aws:iam:::role/no-such-role"))
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 400)
        message = error_body(self, body, 400, "FAILED_PRECONDITION")
        self.assertIn("role arn:aws:iam:::role/no-such-role not found at", message)

    def test_unreachable_endpoint_is_503_naming_it(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = "http://127.0.0.1:%d" % s.getsockname()[1]
        stsd = self.start(upstream_stsd(endpoint=closed))
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 503)
        message = error_body(self, body, 503, "UNAVAILABLE")
        self.assertIn("cannot reach the STS at " + closed, message)
        status, _, body = curl(stsd.rest + "/readyz")
        self.assertEqual(status, 503)
        self.assertIn("not ready", error_body(self, body, 503, "UNAVAILABLE"))

    def test_upstream_timeout_is_503(self):
        with black_hole() as endpoint:
            stsd = self.start(upstream_stsd("--upstream-timeout-ms", "1000", endpoint=endpoint))
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 503)
        self.assertIn("did not answer in time", error_body(self, body, 503, "UNAVAILABLE"))

    def test_caller_deadline_cancels_the_upstream_call(self):
        with black_hole() as endpoint:
            stsd = self.start(upstream_stsd("--upstream-timeout-ms", "60000", endpoint=endpoint))
            with grpc.insecure_channel(stsd.grpc) as channel:
                stub = token_pb2_grpc.TokenServiceStub(channel)
                with self.assertRaises(grpc.RpcError) as raised:
                    stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=1.5)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
            # stsd itself gave up at the deadline, long before its 60 s upstream timeout.
            expected = "DEADLINE_EXCEEDED: the caller's deadline ran out waiting for the STS at " + endpoint
            deadline = time.monotonic() + 20
            while expected not in stsd.log() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertIn(expected, stsd.log())


@contextlib.contextmanager
def black_hole():
    """An endpoint that accepts connections (in the kernel backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield "http://127.0.0.1:%d" % listener.getsockname()[1]


if __name__ == "__main__":
    unittest.main()
