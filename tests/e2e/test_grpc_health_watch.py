"""grpc.health.v1.Health/Watch against the real stsd with Debian's python3-grpcio: the current status at once, then
every change (the issuer's readiness, flipped by a scripted upstream STS), SERVICE_UNKNOWN for a service it does not
serve, the client's cancel and deadline ending the stream on the server, and a SIGTERM with watches open (and a
reflection stream nobody reads) ending them with NOT_SERVING and UNAVAILABLE while stsd stops at once."""
import http.server
import os
import queue
import signal
import tempfile
import threading
import time
import unittest

import grpc

from stsd import Stsd, stubs
from test_grpc_reflection import v1_pb2

_, _, health_pb2, health_pb2_grpc = stubs()
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN

GOOD = ("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAWATCHED</AccessKeyId>"
        "<SecretAccessKey>watched-secret-key</SecretAccessKey><SessionToken>watched-session-token</SessionToken>"
        "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>")


class ScriptedSts(http.server.BaseHTTPRequestHandler):
    up = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = (200, GOOD.encode()) if ScriptedSts.up else (503, b"<html>down for maintenance</html>")
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Watcher:
    """Reads a Watch stream on a thread, so the test can wait for each message with a timeout."""

    def __init__(self, channel, service, timeout=60):
        self.call = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=service),
                                                              timeout=timeout)
        self.messages = queue.Queue()
        self.error = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for message in self.call:
                self.messages.put(message.status)
        except grpc.RpcError as error:
            self.error = error
        self.messages.put(None)

    def next(self, timeout=10):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no Watch message within %d s" % timeout) from None

    def end(self, timeout=10):
        """Waits for the stream's end; returns the RpcError it ended with (None for OK)."""
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("the Watch stream did not end within %d s" % timeout)
        return self.error


def wait_for_log(stsd, *parts, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in stsd.log().splitlines():
            if all(part in line for part in parts):
                return line
        time.sleep(0.1)
    raise AssertionError("no log line with %s in:\n%s" % (parts, stsd.log()[-3000:]))


class HealthWatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedSts)
        cls.server.daemon_threads = True
        cls.thread = threading.Thread(target=cls.server.serve_forever)
        cls.thread.start()
        creds = tempfile.mkdtemp(prefix="sts-watch-creds-")
        for name, value in (("access_key", "AKIAWATCH"), ("secret_key", "watch-secret-key")):
            path = os.path.join(creds, name)
            with open(path, "w") as f:
                f.write(value)
            os.chmod(path, 0o600)
        cls.stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d/" % cls.server.server_address[1],
                        "--creds-path", creds, "--role-arn", "arn:aws:iam:::role/r",
                        "--readiness-interval-seconds", "1", "--grpc-threads", "3").start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.stsd.stop_clean()
        finally:
            cls.server.shutdown()
            cls.server.server_close()
            cls.thread.join()

    def setUp(self):
        ScriptedSts.up = True
        self.channel = grpc.insecure_channel(self.stsd.grpc)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        deadline = time.monotonic() + 15
        while self.check("sts.v1.TokenService") != SERVING:
            self.assertLess(time.monotonic(), deadline, "the issuer never became ready")
            time.sleep(0.2)

    def tearDown(self):
        ScriptedSts.up = True
        self.channel.close()

    def check(self, service):
        return self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status

    def test_watch_sends_the_status_then_every_change(self):
        watcher = Watcher(self.channel, "sts.v1.TokenService")
        process = Watcher(self.channel, "")
        self.assertEqual(watcher.next(), SERVING)
        self.assertEqual(process.next(), SERVING)
        ScriptedSts.up = False
        self.assertEqual(watcher.next(timeout=15), NOT_SERVING)
        self.assertEqual(self.check("sts.v1.TokenService"), NOT_SERVING)
        ScriptedSts.up = True
        self.assertEqual(watcher.next(timeout=15), SERVING)
        # The process itself ("") stays serving while the issuer comes and goes: nothing more was sent there.
        self.assertTrue(process.messages.empty())
        watcher.call.cancel()
        process.call.cancel()
        self.assertEqual(watcher.end().code(), grpc.StatusCode.CANCELLED)
        wait_for_log(self.stsd, "grpc.health.v1.Health/Watch", "status=1 ")

    def test_an_unknown_service_is_service_unknown_and_stays_open(self):
        watcher = Watcher(self.channel, "no.such.Service")
        self.assertEqual(watcher.next(), SERVICE_UNKNOWN)
        time.sleep(1)
        self.assertFalse(watcher.call.done())
        self.assertTrue(watcher.messages.empty())
        watcher.call.cancel()
        self.assertEqual(watcher.end().code(), grpc.StatusCode.CANCELLED)

    def test_the_deadline_ends_a_watch(self):
        watcher = Watcher(self.channel, "", timeout=1.5)
        self.assertEqual(watcher.next(), SERVING)
        self.assertEqual(watcher.end().code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        wait_for_log(self.stsd, "grpc.health.v1.Health/Watch", "status=4 ")

    def test_many_watches_opened_and_cancelled_free_their_calls(self):
        # Cancelled watches are freed on the server (ASan's leak check at the class's clean stop) and unregistered
        # from readiness: the flips that follow reach only the live one.
        watchers = [Watcher(self.channel, "sts.v1.TokenService") for _ in range(40)]
        for watcher in watchers:
            self.assertEqual(watcher.next(), SERVING)
        for watcher in watchers[1:]:
            watcher.call.cancel()
        for watcher in watchers[1:]:
            self.assertEqual(watcher.end().code(), grpc.StatusCode.CANCELLED)
        ScriptedSts.up = False
        self.assertEqual(watchers[0].next(timeout=15), NOT_SERVING)
        watchers[0].call.cancel()
        watchers[0].end()


class WatchAtShutdown(unittest.TestCase):
    def test_sigterm_ends_open_streams_and_stsd_stops_at_once(self):
        # A drain budget of 30 s: stopping within a few seconds shows the streams were ended, not waited out.
        stsd = Stsd("--shutdown-timeout-seconds", "30").start()
        try:
            channel = grpc.insecure_channel(stsd.grpc)
            watchers = [Watcher(channel, ""), Watcher(channel, "sts.v1.TokenService"),
                        Watcher(channel, "no.such.Service")]
            for watcher in watchers:
                self.assertIn(watcher.next(), (SERVING, SERVICE_UNKNOWN))
            # And a reflection stream that asks much and reads nothing, so its answers are stuck in flow control.
            request = v1_pb2.ServerReflectionRequest(host="h" * 30000,
                                                     file_containing_symbol="sts.v1.TokenService").SerializeToString()
            stuck = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")(
                iter([request] * 1000), timeout=60)
            time.sleep(1)
            started = time.monotonic()
            code = stsd.stop(signal.SIGTERM, timeout=25)
            elapsed = time.monotonic() - started
            log = stsd.log()
            self.assertEqual(code, 0, log)
            self.assertLess(elapsed, 5, log)
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                self.assertNotIn(marker, log)
            # Named and process watches hear NOT_SERVING, then UNAVAILABLE, as gRPC's health service does.
            for watcher in watchers[:2]:
                self.assertEqual(watcher.next(), NOT_SERVING)
                self.assertEqual(watcher.end().code(), grpc.StatusCode.UNAVAILABLE)
            self.assertEqual(watchers[2].end().code(), grpc.StatusCode.UNAVAILABLE)
            with self.assertRaises(grpc.RpcError) as raised:
                list(stuck)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
            channel.close()
        finally:
            stsd.stop()


if __name__ == "__main__":
    unittest.main()
