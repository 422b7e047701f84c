"""Request ids and the request log, against the real stsd: a sane x-request-id is kept (REST header, gRPC
metadata), anything else replaced by a new one; every answer carries it, errors included; the upstream STS receives
it; and each request gets one log line naming id, protocol, method, route template, principal, peer, status, latency
and bytes, in text or JSON (log_format), where every line of the log is then a JSON object."""
import http.server
import json
import os
import re
import tempfile
import threading
import time
import unittest

import grpc
import requests

from stsd import Stsd, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def wait_for(condition, seconds=10):
    """Request lines are written when h2o lets go of the request, just after the answer: poll briefly."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def request_lines(stsd):
    lines = [json.loads(line) for line in stsd.log().splitlines()]
    return [line for line in lines if line.get("type") == "request"]


class RequestIdsAndLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd("--log-format", "json", env={"STS_AUTH": "access-token"}).start()
        with open(os.path.join(cls.stsd.data_dir, "admin.token")) as f:
            cls.admin = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def put(self, headers=None):
        return requests.put(self.stsd.rest + "/token", headers=dict(headers or {}, Authorization="Bearer " + self.admin),
                            timeout=30)

    def line_for(self, request_id):
        wait_for(lambda: any(line["id"] == request_id for line in request_lines(self.stsd)))
        found = [line for line in request_lines(self.stsd) if line["id"] == request_id]
        self.assertEqual(len(found), 1, (request_id, found))
        return found[0]

    def test_a_sane_id_is_kept_and_logged_with_the_request(self):
        reply = self.put({"x-request-id": "trace-42:abc/DEF_1.2+3=4@x"})
        self.assertEqual(reply.status_code, 201)
        self.assertEqual(reply.headers["x-request-id"], "trace-42:abc/DEF_1.2+3=4@x")
        line = self.line_for("trace-42:abc/DEF_1.2+3=4@x")
        self.assertEqual((line["protocol"], line["method"], line["route"], line["principal"], line["peer"],
                          line["status"], line["bytes"]),
                         ("rest", "sts.v1.TokenService/IssueToken", "PUT /token", "admin", "127.0.0.1", 201,
                          len(reply.content)))
        self.assertGreater(line["latency_us"], 0)
        self.assertEqual(line["level"], "info")

    def test_anything_else_gets_a_new_id(self):
        for bad in ("has space", "x" * 129, "semi;colon", "quote\"", "", "\u00e9t\u00e9".encode().decode("latin-1")):
            reply = self.put({"x-request-id": bad})
            self.assertEqual(reply.status_code, 201)
            self.assertRegex(reply.headers["x-request-id"], HEX_ID, repr(bad))
        first, second = self.put(), self.put()
        self.assertRegex(first.headers["x-request-id"], HEX_ID)
        self.assertNotEqual(first.headers["x-request-id"], second.headers["x-request-id"])
        self.line_for(first.headers["x-request-id"])
        self.assertEqual(len("x" * 128), len(self.put({"x-request-id": "x" * 128}).headers["x-request-id"]))

    def test_errors_carry_it_too(self):
        cases = [(requests.get, "/no/such/path", {}, 404, "-"),
                 (requests.delete, "/token", {}, 405, "-"),
                 (requests.put, "/token", {"Authorization": "Bearer wrong"}, 401, "PUT /token"),
                 (requests.get, "/v1/auth/access-tokens/", {}, 401, "GET /v1/auth/access-tokens/")]
        for number, (method, path, headers, status, route) in enumerate(cases):
            request_id = "error-%d" % number
            reply = method(self.stsd.rest + path, headers=dict(headers, **{"x-request-id": request_id}), timeout=30)
            self.assertEqual((reply.status_code, reply.headers["x-request-id"]), (status, request_id))
            line = self.line_for(request_id)
            self.assertEqual((line["status"], line["route"], line["principal"]), (status, route, "-"))

    def test_grpc_keeps_sane_ids_sends_them_back_and_logs(self):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = token_pb2_grpc.TokenServiceStub(channel)
            _, call = stub.IssueToken.with_call(
                token_pb2.IssueTokenRequest(), timeout=30,
                metadata=(("authorization", "Bearer " + self.admin), ("x-request-id", "grpc-trace-7")))
            self.assertIn(("x-request-id", "grpc-trace-7"), call.initial_metadata())
            line = self.line_for("grpc-trace-7")
            self.assertEqual((line["protocol"], line["method"], line["route"], line["principal"], line["status"]),
                             ("grpc", "sts.v1.TokenService/IssueToken", "/sts.v1.TokenService/IssueToken", "admin",
                              0))
            self.assertGreater(line["bytes"], 100)
            with self.assertRaises(grpc.RpcError) as raised:
                stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=30,
                                metadata=(("authorization", "Bearer wrong"), ("x-request-id", "bad id")))
            replaced = dict(raised.exception.initial_metadata())["x-request-id"]
            self.assertRegex(replaced, HEX_ID)
            self.assertEqual((self.line_for(replaced)["status"], self.line_for(replaced)["principal"]), (16, "-"))
            _, call = health_pb2_grpc.HealthStub(channel).Check.with_call(health_pb2.HealthCheckRequest(), timeout=30)
            self.assertRegex(dict(call.initial_metadata())["x-request-id"], HEX_ID)

    def test_every_line_is_json_and_names_are_escaped(self):
        """A name with quotes and a backslash stays inside its JSON string; control characters never reach a name."""
        created = requests.post(self.stsd.rest + "/v1/auth/access-tokens/", timeout=30,
                                headers={"Authorization": "Bearer " + self.admin},
                                json={"user": {"name": "eve\"},\"level\":\"error\\", "domain": "LOCAL"}})
        self.assertEqual(created.status_code, 200, created.text)
        self.assertIn('eve\\"},\\"level\\":\\"error\\\\', self.stsd.log())
        text = self.stsd.log()
        for line in text.splitlines():
            self.assertIsInstance(json.loads(line), dict, line)
        self.assertNotIn(self.admin, text)


class Peer(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Peer.seen.append(self.headers.get("X-Request-Id"))
        body = (b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAPEER</AccessKeyId>"
                b"<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                b"<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class UpstreamAndText(unittest.TestCase):
    def test_the_upstream_gets_the_request_id_and_text_lines_name_every_field(self):
        peer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
        thread = threading.Thread(target=peer.serve_forever)
        thread.start()
        creds = tempfile.mkdtemp(prefix="sts-reqlog-creds-")
        for name, value in (("access_key", "AKIAREQLOG"), ("secret_key", "reqlog-secret")):
            path = os.path.join(creds, name)
            with open(path, "w") as f:
                f.write(value)
            os.chmod(path, 0o600)
        stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d/" % peer.server_address[1],
                    "--creds-path", creds, "--role-arn", "arn:aws:iam:::role/r").start()
        try:
            reply = requests.put(stsd.rest + "/token", headers={"x-request-id": "upstream-trace-9"}, timeout=30)
            self.assertEqual(reply.status_code, 201, reply.text)
            self.assertIn("upstream-trace-9", Peer.seen)
            wait_for(lambda: " request id=upstream-trace-9 " in stsd.log())
            line = [l for l in stsd.log().splitlines() if " request id=upstream-trace-9 " in l]
            self.assertEqual(len(line), 1, stsd.log())
            self.assertRegex(line[0], r" info request id=upstream-trace-9 protocol=rest "
                                      r"method=sts\.v1\.TokenService/IssueToken route=PUT /token principal=- "
                                      r"peer=127\.0\.0\.1 status=201 latency_us=\d+ bytes=\d+$")
        finally:
            stsd.stop_clean()
            peer.shutdown()
            peer.server_close()
            thread.join()


if __name__ == "__main__":
    unittest.main()
