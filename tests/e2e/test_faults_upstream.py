"""Faults of the upstream STS, against the real stsd (issuer sts) and a scripted peer on loopback: garbage, truncated
XML, an HTML error page, a 200 with an empty body, and no answer for longer than upstream_timeout_ms. Each fails the
call with the service's error naming the peer and what was wrong, over REST and gRPC, never a hang or a crash; and
the next call after the peer heals succeeds, without a restart. JWKS faults are in test_jwt_auth.py."""
import json
import time
import unittest

import grpc

from stsd import Stsd, curl, stubs
from upstream import ScriptedPeer, ScriptedSts, creds_dir

token_pb2, token_pb2_grpc, _, _ = stubs()

class UpstreamFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = ScriptedPeer(ScriptedSts)
        cls.url = cls.peer.url
        cls.creds = creds_dir("sts-faults-creds-", "AKIAFAULTS", "faults-secret-key")
        cls.stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", cls.url, "--creds-path", cls.creds, "--role-arn",
                        "arn:aws:iam:::role/r", "--upstream-timeout-ms", "1500").start()

    @classmethod
    def tearDownClass(cls):
        ScriptedSts.release.set()
        try:
            cls.stsd.stop_clean()
        finally:
            cls.peer.close()

    def issue_rest(self):
        code, _, body = curl("-X", "PUT", self.stsd.rest + "/token")
        return code, json.loads(body)

    def issue_grpc(self):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            try:
                reply = token_pb2_grpc.TokenServiceStub(channel).IssueToken(token_pb2.IssueTokenRequest(), timeout=20)
                return grpc.StatusCode.OK, reply
            except grpc.RpcError as failed:
                return failed.code(), failed.details()

    def heals(self):
        ScriptedSts.mode = "good"
        code, body = self.issue_rest()
        self.assertEqual(code, 201, body)
        self.assertEqual(body["Credentials"]["AccessKeyId"], "ASIAHEALED")
        self.assertEqual(self.issue_grpc()[0], grpc.StatusCode.OK)

    def test_malformed_answers_fail_the_call_naming_the_peer(self):
        for mode in ("garbage", "truncated", "html", "empty"):
            ScriptedSts.mode = mode
            code, body = self.issue_rest()
            self.assertEqual((code, body["status"]), (503, "UNAVAILABLE"), (mode, body))
            self.assertIn(self.url, body["message"], mode)
            self.assertNotIn("faults-secret-key", body["message"])
            status, details = self.issue_grpc()
            self.assertEqual(status, grpc.StatusCode.UNAVAILABLE, (mode, details))
            self.heals()
        self.assertNotIn("faults-secret-key", self.stsd.log())
        self.assertNotIn("healed-secret-key", self.stsd.log())

    def test_a_peer_that_never_answers_costs_the_timeout_not_a_hang(self):
        ScriptedSts.mode = "hang"
        ScriptedSts.release.clear()
        started = time.monotonic()
        code, body = self.issue_rest()
        elapsed = time.monotonic() - started
        # The peer's own timeout: unavailable (retry later), not the caller's deadline.
        self.assertEqual((code, body["status"]), (503, "UNAVAILABLE"), body)
        self.assertIn("did not answer in time", body["message"])
        self.assertGreaterEqual(elapsed, 1.4)
        self.assertLess(elapsed, 10)
        status, _ = self.issue_grpc()
        self.assertEqual(status, grpc.StatusCode.UNAVAILABLE)
        ScriptedSts.release.set()
        self.heals()


if __name__ == "__main__":
    unittest.main()
