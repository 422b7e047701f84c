"""SIGTERM: idle connections close at once (HTTP/2 and gRPC with GOAWAY) and never hold the exit; a slow call in
flight is answered first and stsd exits as soon as it is; calls that hang on the upstream are cut at the drain
deadline with a 503. The log says only what happened."""
import datetime
import http.client
import http.server
import os
import signal
import socket
import tempfile
import threading
import time
import unittest

import grpc

import h2raw
from stsd import Stsd, curl, error_body, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()
FALSE_DRAIN_LINES = ("upstream calls still running", "calls still running after", "connections still open at exit")


def upstream_creds():
    creds = tempfile.mkdtemp(prefix="sts-creds-")
    for name in ("access_key", "secret_key"):
        with open(os.path.join(creds, name), "w") as f:
            f.write("test-" + name)
        os.chmod(os.path.join(creds, name), 0o600)  # secret files must be private to stsd's user
    return creds


class SlowSts(http.server.BaseHTTPRequestHandler):
    """An STS that answers AssumeRole correctly, after `delay` seconds."""

    delay = 0.0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(SlowSts.delay)
        expiration = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = ("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIASLOW</AccessKeyId>"
                "<SecretAccessKey>slow-secret</SecretAccessKey><SessionToken>slow-session</SessionToken>"
                "<Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts:::assumed-role/r/s</Arn>"
                "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
                % expiration).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def exit_watcher(stsd):
    """Starts a thread that records when the process exits (monotonic time) in the returned dict."""
    exited = {}

    def watch():
        exited["code"] = stsd.proc.wait()
        exited["at"] = time.monotonic()

    thread = threading.Thread(target=watch)
    thread.start()
    exited["thread"] = thread
    return exited


class ShutdownWithIdleConnections(unittest.TestCase):
    def test_idle_rest_and_grpc_connections_do_not_hold_the_exit(self):
        stsd = Stsd().start()
        try:
            rest_port, grpc_port = stsd.ports["rest"], stsd.ports["grpc"]
            keep_alive = []
            for _ in range(2):  # HTTP/1.1 keep-alive connections, idle after one request each
                connection = http.client.HTTPConnection("127.0.0.1", rest_port, timeout=5)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                self.assertEqual(response.status, 200)
                keep_alive.append(connection)
            rest_h2 = h2raw.Connection(rest_port)  # an idle HTTP/2 connection
            grpc_h2 = h2raw.Connection(grpc_port)  # an idle raw gRPC connection
            channel = grpc.insecure_channel(stsd.grpc)  # an idle channel, as long-lived clients hold
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            self.assertEqual(health.status, health_pb2.HealthCheckResponse.SERVING)
            time.sleep(0.3)
            exited = exit_watcher(stsd)
            signalled = time.monotonic()
            os.kill(stsd.proc.pid, signal.SIGTERM)
            exited["thread"].join(timeout=15)
            self.assertIn("at", exited, "stsd did not exit within 15 s:\n" + stsd.log())
            seconds = exited["at"] - signalled
            self.assertEqual(exited["code"], 0, stsd.log())
            self.assertLess(seconds, 2.0, "stsd took %.2fs to stop:\n%s" % (seconds, stsd.log()))
            for connection in (rest_h2, grpc_h2):
                frames = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 2)
                self.assertIn(h2raw.GOAWAY, [f.kind for f in frames], frames)
            for connection in keep_alive:
                connection.sock.settimeout(2)
                self.assertEqual(connection.sock.recv(1), b"")
            channel.close()
            rest_h2.close()
            grpc_h2.close()
        finally:
            stsd.stop()
        log = stsd.log()
        for line in FALSE_DRAIN_LINES:
            self.assertNotIn(line, log)
        self.assertIn("grpc: stopped after replying to 1 calls; 0 cancelled before their reply", log)
        stsd.assert_clean(self)


class ShutdownWithSlowCallInFlight(unittest.TestCase):
    def test_a_slow_call_in_flight_is_answered_then_stsd_exits_at_once(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowSts)
        serving = threading.Thread(target=server.serve_forever)
        serving.start()
        SlowSts.delay = 0.0
        stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d/" % server.server_address[1],
                    "--creds-path", upstream_creds(), "--role-arn", "arn:aws:iam:::role/r",
                    "--readiness-interval-seconds", "3600").start()
        try:
            SlowSts.delay = 2.0  # well inside the drain budget (shutdown_timeout_seconds 5)
            replies = {}

            def over_rest():
                replies["rest"] = curl("-X", "PUT", stsd.rest + "/token")
                replies["rest_at"] = time.monotonic()

            def over_grpc():
                with grpc.insecure_channel(stsd.grpc) as channel:
                    stub = token_pb2_grpc.TokenServiceStub(channel)
                    replies["grpc"] = stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=15)
                replies["grpc_at"] = time.monotonic()

            callers = [threading.Thread(target=over_rest), threading.Thread(target=over_grpc)]
            for caller in callers:
                caller.start()
            idle = http.client.HTTPConnection("127.0.0.1", stsd.ports["rest"], timeout=5)
            idle.request("GET", "/healthz")
            idle.getresponse().read()  # and an idle keep-alive connection beside them
            time.sleep(0.7)  # both calls now wait on the upstream
            exited = exit_watcher(stsd)
            signalled = time.monotonic()
            os.kill(stsd.proc.pid, signal.SIGTERM)
            for caller in callers:
                caller.join(timeout=20)
            exited["thread"].join(timeout=20)
            idle.close()
        finally:
            stsd.stop()
            server.shutdown()
            server.server_close()
            serving.join()
        log = stsd.log()
        self.assertEqual(exited.get("code"), 0, log)
        status, _, body = replies["rest"]
        self.assertEqual(status, 201, body)
        self.assertIn(b"ASIASLOW", body)
        self.assertEqual(replies["grpc"].credentials.access_key_id, "ASIASLOW")
        last_reply = max(replies["rest_at"], replies["grpc_at"])
        self.assertLess(last_reply, exited["at"])  # answered before the exit
        self.assertLess(exited["at"] - last_reply, 1.0, log)  # and the exit followed at once
        self.assertLess(exited["at"] - signalled, 3.5, log)
        for line in FALSE_DRAIN_LINES:
            self.assertNotIn(line, log)
        self.assertIn("grpc: stopped after replying to 1 calls; 0 cancelled before their reply", log)
        stsd.assert_clean(self)


class ShutdownWithUpstreamInFlight(unittest.TestCase):
    def test_hung_upstream_calls_are_cut_at_the_drain_deadline(self):
        creds = upstream_creds()
        with socket.socket() as black_hole:  # accepts connections in the kernel backlog, never answers
            black_hole.bind(("127.0.0.1", 0))
            black_hole.listen(64)
            stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d" % black_hole.getsockname()[1],
                        "--creds-path", creds, "--role-arn", "arn:aws:iam:::role/r", "--upstream-timeout-ms",
                        "60000", "--shutdown-timeout-seconds", "3").start()
            replies = []
            caller = threading.Thread(target=lambda: replies.append(curl("-X", "PUT", stsd.rest + "/token")))
            caller.start()
            time.sleep(1.0)  # the call is now waiting on the upstream
            signalled = time.monotonic()
            os.kill(stsd.proc.pid, signal.SIGTERM)
            code = stsd.wait(timeout=20)
            exit_seconds = time.monotonic() - signalled
            caller.join(timeout=30)
            log = stsd.log()
            stsd.stop()
        self.assertEqual(code, 0, log)
        self.assertLess(exit_seconds, 10, "stsd took %.1fs to stop" % exit_seconds)
        self.assertIn("upstream calls still running at the end of the drain; aborting them", log)
        self.assertEqual(len(replies), 1)
        status, _, body = replies[0]
        self.assertEqual(status, 503)
        self.assertIn("stsd is shutting down", error_body(self, body, 503, "UNAVAILABLE"))
        stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
