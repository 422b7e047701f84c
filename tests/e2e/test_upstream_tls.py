"""TLS to the upstream STS: verified by default, a configurable CA bundle, and an explicit insecure switch."""
import http.server
import os
import ssl
import subprocess
import tempfile
import threading
import unittest

from stsd import Stsd, curl, error_body


class FailingSts(http.server.BaseHTTPRequestHandler):
    """A TLS peer that answers every POST with 500, so a test can tell "TLS refused" from "reached the server"."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<Error><Code>InternalFailure</Code></Error>"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class UpstreamTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sts-tls-")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cls.cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingSts)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cls.cert, key)
        cls.server.socket = context.wrap_socket(cls.server.socket, server_side=True)
        cls.thread = threading.Thread(target=cls.server.serve_forever)
        cls.thread.start()
        cls.url = "https://127.0.0.1:%d/" % cls.server.server_address[1]
        cls.creds = os.path.join(cls.tmp, "creds")
        os.mkdir(cls.creds)
        for name, value in (("access_key", "AKIATEST"), ("secret_key", "not-a-real-secret")):
            with open(os.path.join(cls.creds, name), "w") as f:
                f.write(value)
            os.chmod(os.path.join(cls.creds, name), 0o600)  # secret files must be private to stsd's user

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.thread.join()

    def issue_with(self, *args):
        stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", self.url, "--creds-path", self.creds, "--role-arn",
                    "arn:aws:iam:::role/r", *args).start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        finally:
            self.assertEqual(stsd.stop(), 0, stsd.log())
        stsd.assert_clean(self)
        return status, body, stsd.log()

    def test_unknown_certificate_is_refused(self):
        status, body, _ = self.issue_with()
        self.assertEqual(status, 503)
        message = error_body(self, body, 503, "UNAVAILABLE")
        self.assertIn("cannot reach the STS at " + self.url, message)
        self.assertIn("certificate", message)

    def test_configured_ca_bundle_is_trusted(self):
        status, body, _ = self.issue_with("--ca-file", self.cert)
        self.assertEqual(status, 503)
        self.assertIn("failed (500 InternalFailure)", error_body(self, body, 503, "UNAVAILABLE"))

    def test_insecure_switch_warns(self):
        status, body, log = self.issue_with("--insecure-skip-tls-verify", "true")
        self.assertIn("failed (500 InternalFailure)", error_body(self, body, 503, "UNAVAILABLE"))
        self.assertIn("TLS certificates of %s are NOT verified" % self.url, log)


if __name__ == "__main__":
    unittest.main()
