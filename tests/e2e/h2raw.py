"""A raw HTTP/2 client over one socket (RFC 9113 frames, HPACK literals only): enough to see what a server sends
that real clients hide (SETTINGS, GOAWAY, RST_STREAM) and to do what they will not (ping floods, idle holds)."""
import socket
import struct
import time

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
NO_ERROR, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x0, 0x7, 0xB
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _integer(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def encode_headers(headers):
    """HPACK: every field a literal without indexing and without Huffman (always valid, never shortest)."""
    out = b""
    for name, value in headers:
        name, value = name.encode(), value.encode()
        out += b"\x00" + _integer(len(name), 7) + name + _integer(len(value), 7) + value
    return out


class Frame:
    def __init__(self, kind, flags, stream, payload):
        self.kind, self.flags, self.stream, self.payload = kind, flags, stream, payload

    def settings(self):
        return {struct.unpack(">H", self.payload[i:i + 2])[0]: struct.unpack(">I", self.payload[i + 2:i + 6])[0]
                for i in range(0, len(self.payload), 6)}

    def error_code(self):
        """The error code of a GOAWAY or RST_STREAM frame."""
        return struct.unpack(">I", self.payload[4:8] if self.kind == GOAWAY else self.payload[:4])[0]

    def __repr__(self):
        return "Frame(type=%d, flags=%#x, stream=%d, %r)" % (self.kind, self.flags, self.stream, self.payload[:64])


class Connection:
    """One cleartext HTTP/2 connection (prior knowledge) to 127.0.0.1:port; the client preface is sent at once."""

    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.closed = False
        self.sock.sendall(PREFACE)
        self.send(SETTINGS, 0, 0, b"")

    def send(self, kind, flags, stream, payload):
        self.sock.sendall(struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream)
                          + payload)

    def ping(self, data=b"12345678"):
        self.send(PING, 0, 0, data)

    def request(self, stream, headers, end_stream=False):
        self.send(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream, encode_headers(headers))

    def grpc_request(self, stream, path, port):
        """Opens a gRPC call on stream and leaves it open (no message, no END_STREAM) so it stays in flight."""
        self.request(stream, [(":method", "POST"), (":scheme", "http"), (":path", path),
                              (":authority", "127.0.0.1:%d" % port), ("content-type", "application/grpc"),
                              ("te", "trailers")])

    def read(self, timeout):
        """The next frame within timeout seconds; None on timeout; sets closed and returns None at EOF."""
        deadline = time.monotonic() + timeout
        while len(self.buffer) < 9 or len(self.buffer) < 9 + int.from_bytes(self.buffer[:3], "big"):
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk
        length = int.from_bytes(self.buffer[:3], "big")
        frame = Frame(self.buffer[3], self.buffer[4], struct.unpack(">I", self.buffer[5:9])[0] & 0x7FFFFFFF,
                      self.buffer[9:9 + length])
        self.buffer = self.buffer[9 + length:]
        if frame.kind == SETTINGS and not frame.flags & ACK:
            self.send(SETTINGS, ACK, 0, b"")
        return frame

    def read_until(self, predicate, timeout):
        """Frames read until one satisfies predicate (returned last), or until timeout or EOF."""
        frames = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.read(deadline - time.monotonic())
            if frame is None:
                if self.closed:
                    break
                continue
            frames.append(frame)
            if predicate(frame):
                break
        return frames

    def wait_closed(self, timeout):
        """Reads (and keeps) frames until the server closes the connection; True if it did within timeout."""
        self.read_until(lambda frame: False, timeout)
        return self.closed

    def close(self):
        self.sock.close()
