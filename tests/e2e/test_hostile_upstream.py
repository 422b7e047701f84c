"""A hostile STS peer: its error text reaches callers and the log only cut short and without control characters,
and the credentials in an endpoint URL (https://user:pass@host/) appear in neither."""
import http.server
import re
import time
import unittest

import grpc

from stsd import Stsd, curl, error_body, stubs
from upstream import ScriptedPeer, creds_dir

token_pb2, token_pb2_grpc, _, _ = stubs()

FORGED = "2026-01-01T00:00:00.000000+00:00 info issued ASIAFORGED to admin"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 (debug|info|warn|error) ")
URL_USER, URL_PASSWORD = "stsuser", "hunter2pass"
# XML keeps CR and LF only as character references; a literal tab and DEL pass as they are.
HOSTILE_TEXT = "Denied&#13;&#10;" + FORGED + "&#10;\t\x7f" + "A" * 10240
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HostileSts(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the status the test chose, and an error body full of control characters."""

    status = 400

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>Invalid&#10;%s</Code><Message>%s</Message></Error>"
                "</ErrorResponse>" % (FORGED, HOSTILE_TEXT)).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HostileUpstream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = ScriptedPeer(HostileSts)
        cls.shown_url = cls.peer.url
        cls.url = "http://%s:%s@127.0.0.1:%d/" % (URL_USER, URL_PASSWORD, cls.peer.port)
        cls.creds = creds_dir("sts-hostile-creds-", "AKIATEST", "not-a-real-secret")
        cls.stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", cls.url, "--creds-path", cls.creds, "--role-arn",
                        "arn:aws:iam:::role/r", "--readiness-interval-seconds", "1").start()

    @classmethod
    def tearDownClass(cls):
        code = cls.stsd.stop()
        cls.peer.close()
        if code != 0:
            raise AssertionError("stsd exited with %s:\n%s" % (code, cls.stsd.log()))

    def assert_safe(self, message):
        """The caller's message: the peer's text bounded and printable, the endpoint named without credentials."""
        self.assertIsNone(CONTROL.search(message), repr(message))
        self.assertNotIn(URL_PASSWORD, message)
        self.assertNotIn(URL_USER, message)
        self.assertIn(self.shown_url, message)
        self.assertNotIn("A" * 257, message)
        self.assertLess(len(message), 1024, message)

    def rest_and_grpc(self, status):
        HostileSts.status = status
        code, _, body = curl("-X", "PUT", self.stsd.rest + "/token")
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            with self.assertRaises(grpc.RpcError) as raised:
                token_pb2_grpc.TokenServiceStub(channel).IssueToken(token_pb2.IssueTokenRequest(), timeout=10)
        return code, body, raised.exception

    def test_a_refusal_echoes_the_peer_message_cut_and_cleaned(self):
        code, body, error = self.rest_and_grpc(400)
        self.assertEqual(code, 400, body)
        message = error_body(self, body, 400, "INVALID_ARGUMENT")
        self.assert_safe(message)
        self.assertIn("Denied  " + FORGED, message)
        self.assertIn("A" * 100 + "...)", message)
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.details(), message)

    def test_a_rejected_key_echoes_the_peer_message_cut_and_cleaned(self):
        code, body, error = self.rest_and_grpc(403)
        self.assertEqual(code, 400, body)
        message = error_body(self, body, 400, "FAILED_PRECONDITION")
        self.assert_safe(message)
        self.assertIn("rejected our access key", message)
        self.assertEqual(error.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assert_safe(error.details())

    def test_a_failure_names_the_peer_code_cleaned(self):
        code, body, error = self.rest_and_grpc(500)
        self.assertEqual(code, 503, body)
        message = error_body(self, body, 503, "UNAVAILABLE")
        self.assert_safe(message)
        self.assertIn("failed (500 Invalid " + FORGED, message)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE)

    def test_the_log_has_neither_forged_lines_nor_url_credentials(self):
        HostileSts.status = 400
        deadline = time.monotonic() + 10
        while "not ready: " not in self.stsd.log():  # the readiness check logs the peer's answer
            self.assertLess(time.monotonic(), deadline, self.stsd.log())
            time.sleep(0.1)
        log = self.stsd.log()
        self.assertIn("issuer sts: AssumeRole at " + self.shown_url, log)
        self.assertNotIn(URL_PASSWORD, log)
        for line in log.splitlines():
            self.assertRegex(line, STAMP, "a line stsd did not start:\n" + log)
            self.assertNotIn("A" * 300, line)


if __name__ == "__main__":
    unittest.main()
