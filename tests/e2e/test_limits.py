"""Connection and request limits (README: Limits), each attacked just under and just over, over HTTP/1.1 and HTTP/2
where it applies, and gRPC's per-connection limits seen on the wire: every refusal the server can answer comes in
the service's one JSON error shape."""
import socket
import time
import unittest

import grpc

import h2raw
from stsd import StsdTestCase, curl, error_body, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()

MAX_BODY = 1024


def http1(port, raw, timeout=5):
    """Sends raw bytes on a new connection and returns everything the server sent before closing or going quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_response(sock, timeout)


def read_response(sock, timeout):
    """One HTTP/1.1 response (status, lower-case headers, body) read by Content-Length."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a response: %r" % data)
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def closed_within(sock, seconds):
    """True if the server closes sock (EOF or reset) within seconds; data it sends first is ignored."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def token_body(size):
    """A valid PUT /token body of exactly size bytes (JSON padded with spaces)."""
    body = b'{"DurationSeconds": 900}'
    return body + b" " * (size - len(body))


class RequestLimits(StsdTestCase):
    stsd_args = ("--max-body-bytes", str(MAX_BODY), "--max-header-count", "10", "--max-header-bytes", "600",
                 "--max-request-line-bytes", "300")

    def get(self, headers=(), path="/healthz"):
        """GET path over HTTP/1.1 with exactly the headers given (Host included in the count)."""
        raw = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
        return http1(self.stsd.ports["rest"], raw.encode())

    def curl2(self, *args):
        """curl over HTTP/2 (prior knowledge) without its own User-Agent and Accept, so the test owns the count."""
        return curl("--http2-prior-knowledge", "-H", "User-Agent:", "-H", "Accept:", *args)

    def test_header_count_just_under_and_just_over_over_http1(self):
        # Host becomes the request's authority (as :authority does over HTTP/2), so it is not one of the headers.
        headers = [("Host", "x")] + [("X-%d" % i, "v") for i in range(10)]
        status, _, body = self.get(headers)
        self.assertEqual(status, 200, body)
        status, response_headers, body = self.get(headers + [("X-10", "v")])
        self.assertEqual(status, 431, body)
        self.assertEqual(response_headers["content-type"], "application/json")
        message = error_body(self, body, 431, "RESOURCE_EXHAUSTED")
        self.assertIn("11 headers", message)
        self.assertIn("max_header_count", message)

    def test_header_count_just_under_and_just_over_over_http2(self):
        status, _, body = self.curl2(*sum((["-H", "X-%d: v" % i] for i in range(10)), []), self.stsd.rest + "/healthz")
        self.assertEqual(status, 200, body)
        status, _, body = self.curl2(*sum((["-H", "X-%d: v" % i] for i in range(11)), []), self.stsd.rest + "/healthz")
        self.assertEqual(status, 431, body)
        self.assertIn("max_header_count", error_body(self, body, 431, "RESOURCE_EXHAUSTED"))

    def test_header_bytes_just_under_and_just_over(self):
        # Names and values count (Host is the authority, not a header): "x-big" and its value fill 600 exactly.
        fill = 600 - 5
        status, _, body = self.get([("Host", "x"), ("X-Big", "a" * fill)])
        self.assertEqual(status, 200, body)
        status, _, body = self.get([("Host", "x"), ("X-Big", "a" * (fill + 1))])
        self.assertEqual(status, 431, body)
        self.assertIn("max_header_bytes", error_body(self, body, 431, "RESOURCE_EXHAUSTED"))
        status, _, body = self.curl2("-H", "X-Big: " + "a" * (600 - 5), self.stsd.rest + "/healthz")
        self.assertEqual(status, 200, body)
        status, _, body = self.curl2("-H", "X-Big: " + "a" * (600 - 4), self.stsd.rest + "/healthz")
        self.assertEqual(status, 431, body)
        error_body(self, body, 431, "RESOURCE_EXHAUSTED")

    def test_request_line_just_under_and_just_over(self):
        # "GET" + one space + the target: 300 bytes in all at the limit, which reaches the router (an unknown path).
        target = "/" + "a" * (300 - 4 - 1)
        status, _, body = self.get([("Host", "x")], path=target)
        self.assertEqual(status, 404, body)
        error_body(self, body, 404, "NOT_FOUND")
        status, _, body = self.get([("Host", "x")], path=target + "a")
        self.assertEqual(status, 414, body)
        self.assertIn("max_request_line_bytes", error_body(self, body, 414, "RESOURCE_EXHAUSTED"))
        status, _, body = self.curl2(self.stsd.rest + target)
        self.assertEqual(status, 404, body)
        status, _, body = self.curl2(self.stsd.rest + target + "a")
        self.assertEqual(status, 414, body)
        error_body(self, body, 414, "RESOURCE_EXHAUSTED")

    def test_body_at_the_limit_is_served_and_over_it_is_a_json_413(self):
        for protocol in ("--http1.1", "--http2-prior-knowledge"):
            status, _, body = curl(protocol, "-X", "PUT", "-H", "Content-Type: application/json",
                                   self.stsd.rest + "/token", data=token_body(MAX_BODY))
            self.assertEqual(status, 201, body)
            status, headers, body = curl(protocol, "-X", "PUT", self.stsd.rest + "/token", data=token_body(MAX_BODY + 1))
            self.assertEqual(status, 413, body)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertIn("limit of %d bytes" % MAX_BODY, error_body(self, body, 413, "RESOURCE_EXHAUSTED"))

    def test_a_body_over_twice_the_limit_gets_the_json_413_not_h2o_text(self):
        # h2o refuses these itself (Content-Length, or a chunked body as it grows): the client still sees our shape.
        for extra in (["-H", "Content-Type: application/json"], ["-H", "Transfer-Encoding: chunked"]):
            status, headers, body = curl("--http1.1", "-X", "PUT", *extra, self.stsd.rest + "/token",
                                         data=token_body(2 * MAX_BODY + 1))
            self.assertEqual(status, 413, body)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertNotIn(b"request entity is too large", body)
            self.assertIn("limit of %d bytes" % MAX_BODY, error_body(self, body, 413, "RESOURCE_EXHAUSTED"))

    def test_other_h2o_errors_come_in_the_json_shape_too(self):
        status, headers, body = http1(self.stsd.ports["rest"],
                                      b"PUT /token HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        self.assertEqual(status, 400, body)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertIn("content-length", error_body(self, body, 400, "INVALID_ARGUMENT"))


class ConnectionLimit(StsdTestCase):
    stsd_args = ("--max-connections", "4", "--header-timeout-ms", "30000")

    def test_connections_beyond_the_limit_are_closed_at_once_and_counted(self):
        port = self.stsd.ports["rest"]
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            # Just under: all four are served. Each answer also proves that the server has accepted that connection:
            # a handshake completes in the kernel before accept, and two event loops accept in no set order, so the
            # fifth, opened after these, could otherwise be accepted before one of them and take its place.
            for sock in held:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(read_response(sock, 5)[0], 200)
            # Just over: the fifth is closed before a byte is read, and the log counts it.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
                started = time.monotonic()
                self.assertTrue(closed_within(extra, 2))
                self.assertLess(time.monotonic() - started, 1)
            deadline = time.monotonic() + 5
            while "max_connections (4) reached" not in self.stsd.log():
                self.assertLess(time.monotonic(), deadline, self.stsd.log())
                time.sleep(0.05)
            self.assertIn("closed a new connection at accept (1 so far)", self.stsd.log())
            # A connection that ends frees its place.
            held.pop().close()
            deadline = time.monotonic() + 5
            while True:
                try:
                    self.assertEqual(curl(self.stsd.rest + "/healthz")[0], 200)
                    break
                except AssertionError:
                    self.assertLess(time.monotonic(), deadline, "no place freed:\n" + self.stsd.log())
                    time.sleep(0.1)
        finally:
            for sock in held:
                sock.close()


class Timeouts(StsdTestCase):
    stsd_args = ("--header-timeout-ms", "1000", "--idle-timeout-ms", "1000")

    def test_a_client_that_sends_nothing_is_closed_at_the_header_timeout(self):
        with socket.create_connection(("127.0.0.1", self.stsd.ports["rest"]), timeout=5) as sock:
            self.assertFalse(closed_within(sock, 0.6))  # just under: still open
            self.assertTrue(closed_within(sock, 2.0))

    def test_slowloris_is_closed_however_steadily_it_trickles(self):
        with socket.create_connection(("127.0.0.1", self.stsd.ports["rest"]), timeout=5) as sock:
            started = time.monotonic()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            closed = False
            while time.monotonic() - started < 4 and not closed:
                try:
                    sock.sendall(b"X")  # one byte of a header line every 100 ms
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                closed = closed_within(sock, 0.1)
            self.assertTrue(closed, "a slowloris client kept its connection for 4 s")
            self.assertLess(time.monotonic() - started, 2.5)

    def test_a_request_sent_in_pieces_within_the_timeout_is_served(self):
        with socket.create_connection(("127.0.0.1", self.stsd.ports["rest"]), timeout=5) as sock:
            for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"X-A: b\r\n", b"\r\n"):
                sock.sendall(piece)
                time.sleep(0.15)
            status, _, body = read_response(sock, 5)
            self.assertEqual(status, 200, body)

    def test_an_idle_http1_keep_alive_connection_is_closed_at_the_header_timeout(self):
        with socket.create_connection(("127.0.0.1", self.stsd.ports["rest"]), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(read_response(sock, 5)[0], 200)
            self.assertFalse(closed_within(sock, 0.6))
            self.assertTrue(closed_within(sock, 2.0))

    def test_an_idle_http2_connection_gets_goaway_at_the_idle_timeout(self):
        connection = h2raw.Connection(self.stsd.ports["rest"])
        try:
            early = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 0.6)
            self.assertFalse(connection.closed)
            self.assertNotIn(h2raw.GOAWAY, [f.kind for f in early])
            frames = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 2.0)
            self.assertEqual(frames[-1].kind, h2raw.GOAWAY, frames)
            self.assertEqual(frames[-1].error_code(), h2raw.NO_ERROR)
            self.assertTrue(connection.wait_closed(1.0))
        finally:
            connection.close()


def grpc_connect(test):
    """A raw HTTP/2 connection to stsd's gRPC port, and the SETTINGS the server announced on it."""
    connection = h2raw.Connection(test.stsd.ports["grpc"])
    test.addCleanup(connection.close)
    settings = connection.read_until(lambda f: f.kind == h2raw.SETTINGS and not f.flags & h2raw.ACK, 5)
    test.assertTrue(settings and settings[-1].kind == h2raw.SETTINGS, settings)
    return connection, settings[-1].settings()


class GrpcLimits(StsdTestCase):
    stsd_args = ("--grpc-max-concurrent-streams", "3", "--grpc-min-ping-interval-ms", "300",
                 "--grpc-max-ping-strikes", "2")

    def connect(self):
        return grpc_connect(self)

    def test_the_server_announces_and_enforces_max_concurrent_streams(self):
        connection, settings = self.connect()
        self.assertEqual(settings.get(h2raw.SETTINGS_MAX_CONCURRENT_STREAMS), 3)
        port = self.stsd.ports["grpc"]
        for stream in (1, 3, 5):  # just under: three calls held open (no message yet) are kept
            connection.grpc_request(stream, "/grpc.health.v1.Health/Check", port)
        frames = connection.read_until(lambda f: f.kind in (h2raw.RST_STREAM, h2raw.HEADERS), 1)
        self.assertFalse(connection.closed)
        self.assertEqual([f for f in frames if f.kind in (h2raw.RST_STREAM, h2raw.HEADERS)], [])
        # One over the announced limit is a protocol error to gRPC: the connection goes, and its calls with it.
        connection.grpc_request(7, "/grpc.health.v1.Health/Check", port)
        self.assertTrue(connection.wait_closed(3))

    def test_a_real_client_queues_its_calls_within_the_limit(self):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            calls = [stub.Check.future(health_pb2.HealthCheckRequest(), timeout=10) for _ in range(12)]
            for call in calls:
                self.assertEqual(call.result().status, health_pb2.HealthCheckResponse.SERVING)

    def test_pings_spaced_out_are_fine_and_a_ping_flood_gets_goaway(self):
        connection, _ = self.connect()
        for _ in range(4):  # just under: pings further apart than the minimum are never strikes
            connection.ping()
            time.sleep(0.7)
        frames = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 0.2)
        self.assertNotIn(h2raw.GOAWAY, [f.kind for f in frames])
        # Over: the first quick ping is still spaced from the last; the next two are strikes 1 and 2, the allowed
        # number; only the third strike is one too many. Each ping waits for its ack, so the server has read all
        # we sent when it closes (unread data would turn its close into a reset that can swallow the GOAWAY).
        for _ in range(3):
            connection.ping()
            frames = connection.read_until(lambda f: f.kind in (h2raw.PING, h2raw.GOAWAY), 1)
            self.assertEqual([f.kind for f in frames if f.kind in (h2raw.PING, h2raw.GOAWAY)], [h2raw.PING], frames)
        connection.ping()
        frames = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 3)
        self.assertEqual(frames[-1].kind, h2raw.GOAWAY, frames)
        self.assertEqual(frames[-1].error_code(), h2raw.ENHANCE_YOUR_CALM)
        self.assertIn(b"too_many_pings", frames[-1].payload)



class GrpcConnectionAge(StsdTestCase):
    stsd_args = ("--grpc-max-connection-age-ms", "1500", "--grpc-max-connection-age-grace-ms", "500")

    def test_a_connection_gets_goaway_at_its_maximum_age_and_clients_carry_on(self):
        connection, _ = grpc_connect(self)
        started = time.monotonic()
        frames = connection.read_until(lambda f: f.kind == h2raw.GOAWAY, 4)
        age = time.monotonic() - started
        self.assertEqual(frames[-1].kind, h2raw.GOAWAY, frames)
        self.assertGreater(age, 1.0)  # gRPC jitters the age by up to 10%
        self.assertLess(age, 3.0)
        self.assertTrue(connection.wait_closed(3))
        # A real client across several ages: every call succeeds, the channel reconnecting as needed.
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + 3.5
            while time.monotonic() < deadline:
                self.assertEqual(stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status,
                                 health_pb2.HealthCheckResponse.SERVING)
                time.sleep(0.1)


if __name__ == "__main__":
    unittest.main()
