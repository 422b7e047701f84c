"""Starts and stops the real stsd for end-to-end tests, and runs the real clients (curl, grpcio) against it."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

STSD = os.environ.get("STSD", "")
PROTO_DIR = os.environ.get("STS_PROTO_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "proto"))
GRPC_PROTO_DIR = os.environ.get("STS_GRPC_PROTO_DIR", "/usr/share/grpc-proto")
HARNESS_VARIABLES = {"STS_PROTO_DIR", "STS_GRPC_PROTO_DIR", "STS_RGW_DIR", "STS_RGW_SCRIPT", "STS_LDAP_DIR",
                     "STS_LDAP_SCRIPT", "STS_PG_DIR", "STS_PG_SCRIPT"}
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
# Text lines ("<time> info …") or JSON lines ({"time":…,"level":"info","message":"…"}) with log_format json.
LISTENING = re.compile(r'(?: info |"level":"info","message":")(rest|grpc|metrics) listening on 127\.0\.0\.1:(\d+)')
# The line main writes once both adapters listen; not "ready: the upstream check passed", which can come first.
READY = re.compile(r'(?: info ready$|"level":"info","message":"ready"\}$)', re.M)


class Stsd:
    """One stsd process on ephemeral loopback ports, stopped by the PID recorded at start."""

    def __init__(self, *args, env=None, data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="sts-e2e-")
        self.log_path = os.path.join(tempfile.mkdtemp(prefix="sts-log-"), "stsd.log")
        self.args = ["--rest-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--data-dir", self.data_dir]
        self.args += list(args)
        # The harness's own variables are not stsd's: passed on, they would be warned about as unknown options.
        self.env = {name: value for name, value in os.environ.items() if name not in HARNESS_VARIABLES}
        self.env["STS_AUTH"] = "none"
        self.env.update(env or {})
        self.proc = None
        self.ports = {}

    def start(self, wait_ready=True, timeout=20):
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([STSD] + self.args, stdout=subprocess.DEVNULL, stderr=self._log, env=self.env)
        if not wait_ready:
            return self
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if READY.search(text):
                self.ports = {m.group(1): int(m.group(2)) for m in LISTENING.finditer(text)}
                return self
            if self.proc.poll() is not None:
                raise AssertionError("stsd exited with %s before it was ready:\n%s" % (self.proc.returncode, text))
            time.sleep(0.05)
        self.stop(signal.SIGKILL)
        raise AssertionError("stsd was not ready within %ss:\n%s" % (timeout, self.log()))

    @property
    def rest(self):
        return "http://127.0.0.1:%d" % self.ports["rest"]

    @property
    def https(self):
        """The REST base URL when stsd serves TLS (tls_cert_file)."""
        return "https://127.0.0.1:%d" % self.ports["rest"]

    @property
    def grpc(self):
        return "127.0.0.1:%d" % self.ports["grpc"]

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait(self, timeout):
        """Waits for exit; returns the exit code, or None if still running after timeout seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signals the recorded PID and returns the exit code; kills it if it does not exit in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        code = self.wait(timeout)
        if code is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._log.close()
        self.proc = None
        return code

    def stop_clean(self):
        """Stops stsd and raises AssertionError unless it exited 0 with no sanitizer report in its log."""
        code = self.stop()
        log = self.log()
        if code != 0 or any(marker in log for marker in SANITIZER_MARKERS):
            raise AssertionError("stsd exited with %s; log:\n%s" % (code, log))

    def optional_libraries(self):
        """Which of the client libraries stsd loads only when configured (libcurl, libpq, libldap) it has mapped."""
        with open("/proc/%d/maps" % self.proc.pid) as f:
            names = {os.path.basename(line.split()[-1]) for line in f if "/" in line}
        # libldap-2.5.so.0, libpq.so.5, libcurl.so.4: the name, then "-" or ".".
        return {re.match(r"lib[a-z]+", n).group(0) for n in names if re.match(r"lib(curl|pq|ldap)[-.]", n)}

    def assert_clean(self, test):
        text = self.log()
        for marker in SANITIZER_MARKERS:
            test.assertNotIn(marker, text, "sanitizer report in stsd's log:\n" + text)


class StsdTestCase(unittest.TestCase):
    """A test case with one stsd for the whole class; it must stop with exit 0 and a clean sanitizer log."""

    stsd_args = ()
    stsd_env = None

    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd(*cls.stsd_args, env=cls.stsd_env).start()

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()


def free_port():
    """A loopback port free now: for an stsd whose address must stay the same across a restart (its issuer URL)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_stsd(*args, password=None):
    """Runs an offline administration command (stsd user/client/keys ...), the password on standard input; asserts
    that it succeeded and returns the completed process."""
    result = subprocess.run([STSD, *args], input=password, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def curl(*args, data=None):
    """Runs the real curl; returns (HTTP status, headers with lower-case names, body bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        body_path, header_path = os.path.join(tmp, "body"), os.path.join(tmp, "headers")
        command = ["curl", "-s", "-S", "--max-time", "20", "-o", body_path, "-D", header_path, "-w", "%{http_code}"]
        if data is not None:
            data_path = os.path.join(tmp, "data")
            with open(data_path, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
            command += ["--data-binary", "@" + data_path]
        result = subprocess.run(command + list(args), capture_output=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError("curl failed: %s" % result.stderr.decode(errors="replace"))
        headers = {}
        with open(header_path, "rb") as f:
            for line in f.read().decode("latin-1").split("\r\n")[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
        with open(body_path, "rb") as f:
            body = f.read()
        return int(result.stdout), headers, body


def error_body(test, body, code, status):
    """Checks the one REST error shape of DESIGN §1.5 and returns its message."""
    document = json.loads(body, object_pairs_hook=list)
    test.assertEqual([k for k, _ in document], ["code", "status", "message"])
    values = dict(document)
    test.assertEqual(values["code"], code)
    test.assertEqual(values["status"], status)
    test.assertTrue(values["message"])
    return values["message"]


_stubs = None


def stubs():
    """Generates Python gRPC stubs from proto/ and health.proto once per process; returns the modules."""
    global _stubs
    if _stubs is None:
        out = tempfile.mkdtemp(prefix="sts-stubs-")
        python = "/usr/bin/python3"
        subprocess.run([python, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR, "-I/usr/include", "--python_out=" + out,
                        "--grpc_python_out=" + out, "sts/v1/options.proto", "sts/v1/token.proto",
                        "sts/v1/access_tokens.proto", "sts/v1/login.proto", "sts/v1/users.proto", "sts/v1/oauth.proto"], check=True)
        health_dir = os.path.join(GRPC_PROTO_DIR, "grpc", "health", "v1")
        subprocess.run([python, "-m", "grpc_tools.protoc", "-I" + health_dir, "--python_out=" + out,
                        "--grpc_python_out=" + out, "health.proto"], check=True)
        sys.path.insert(0, out)
        from sts.v1 import token_pb2, token_pb2_grpc
        import health_pb2, health_pb2_grpc
        _stubs = (token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc)
    return _stubs
