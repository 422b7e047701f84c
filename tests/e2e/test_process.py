"""stsd as a process: flags, configuration errors, port conflicts, the sealing key, and draining on SIGTERM."""
import base64
import hashlib
import json
import os
import re
import signal
import stat
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import grpc
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stsd import STSD, Stsd, curl, stubs

token_pb2, token_pb2_grpc, _, _ = stubs()


def run_stsd(*args, env=None):
    environment = dict(os.environ, STS_AUTH="none")
    environment.update(env or {})
    return subprocess.run([STSD] + list(args), capture_output=True, text=True, timeout=30, env=environment)


class Flags(unittest.TestCase):
    def test_version_and_help(self):
        result = run_stsd("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, r"^stsd \d+\.\d+\.\d+\ncompiler: ")
        result = run_stsd("--help")
        self.assertEqual(result.returncode, 0)
        for word in ("--rest-listen", "--grpc-listen", "--data-dir", "--config", "STS_REST_LISTEN", "rest_threads"):
            self.assertIn(word, result.stdout)

    def test_check_config(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "stsd.yaml")
            with open(path, "w") as f:
                f.write("rest_threads: 3\nendpoint_url: https://s3.test\n")
            result = run_stsd("--check-config", "--config", path, "--grpc-threads", "2")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("rest_threads: 3\n", result.stdout)
            self.assertIn("grpc_threads: 2\n", result.stdout)
            self.assertIn('endpoint_url: "https://s3.test"\n', result.stdout)
            self.assertIn("configuration is valid", result.stderr)

    def test_configuration_errors_exit_2_naming_the_problem(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "stsd.yaml")
            with open(path, "w") as f:
                f.write("rest_threads: 2\nrest_threds: 3\n")
            cases = [
                (["--rest-threads", "abc"], None, "--rest-threads: expected an integer from 1 to 64, got 'abc'"),
                (["--config", path], None, path + ":2: unknown key 'rest_threds'"),
                ([], {"STS_CONFIG": path}, path + ":2: unknown key 'rest_threds'"),
                ([], {"STS_REST_LISTEN": "nowhere"}, "STS_REST_LISTEN: expected HOST:PORT"),
                (["--bogus"], None, "unknown option '--bogus'"),
            ]
            for args, env, expected in cases:
                with self.subTest(args=args, env=env):
                    result = run_stsd(*args, env=env)
                    self.assertEqual(result.returncode, 2)
                    self.assertIn(expected, result.stderr)

    def test_environment_sets_listen_addresses(self):
        stsd = Stsd(env={"STS_ENDPOINT_URL": "https://rgw.test"})
        stsd.args = ["--data-dir", stsd.data_dir]
        stsd.env.update(STS_REST_LISTEN="127.0.0.1:0", STS_GRPC_LISTEN="127.0.0.1:0")
        stsd.start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 201)
            self.assertEqual(json.loads(body)["Credentials"]["EndpointURL"], "https://rgw.test")
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)


class OptionalLibraries(unittest.TestCase):
    def test_defaults_load_no_optional_library(self):
        """On its defaults (SQLite, no LDAP, no upstream, no JWKS URL) stsd maps none of libcurl, libpq, libldap."""
        stsd = Stsd().start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 201, body)
            self.assertEqual(stsd.optional_libraries(), set())
        finally:
            stsd.stop_clean()


class PortConflict(unittest.TestCase):
    def test_second_stsd_on_the_same_ports_fails(self):
        first = Stsd().start()
        try:
            for port_flag, protocol in (("--rest-listen", "rest"), ("--grpc-listen", "grpc")):
                with self.subTest(protocol=protocol):
                    second = Stsd(port_flag, "127.0.0.1:%d" % first.ports[protocol]).start(wait_ready=False)
                    code = second.wait(timeout=20)
                    log = second.log()
                    second.stop()
                    self.assertIsNotNone(code, "the second stsd kept running")
                    self.assertNotEqual(code, 0)
                    self.assertIn("already in use", log)
                    self.assertIn("127.0.0.1:%d" % first.ports[protocol], log)
                    self.assertNotIn(" info ready", log)
            status, _, _ = curl(first.rest + "/healthz")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(first.stop(), 0)
        first.assert_clean(self)


def legacy_session_token(key, access_key_id, seconds):
    """A session token as stsd sealed them before key rings: version 1, key id, nonce, AES-256-GCM (header as aad)."""
    now = int(time.time() * 1000000)
    fields = b"".join(struct.pack("<H", len(v)) + v for v in (access_key_id.encode(), b"s" * 40, b"old", b""))
    plain = struct.pack("<qq", now, now + seconds * 1000000) + fields
    header = bytes([1]) + hashlib.sha256(key).digest()[:8] + os.urandom(12)
    return base64.b64encode(header + AESGCM(key).encrypt(header[9:], plain, header)).decode()


class SealingKeys(unittest.TestCase):
    def verify(self, stsd, credentials):
        status, _, body = curl("-X", "POST", stsd.rest + "/v1/credentials/verify", data=json.dumps(
            {"AccessKeyId": credentials["AccessKeyId"], "SessionToken": credentials["SessionToken"]}))
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_keys_live_in_the_store_and_survive_restarts_without_key_files(self):
        stsd = Stsd().start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 201)
        finally:
            self.assertEqual(stsd.stop(), 0)
        self.assertFalse(os.path.exists(os.path.join(stsd.data_dir, "session.key")))
        self.assertFalse(os.path.exists(os.path.join(stsd.data_dir, "token.key")))
        kek = os.path.join(stsd.data_dir, "keys.kek")
        self.assertEqual(stat.S_IMODE(os.stat(kek).st_mode), 0o600)
        with open(kek) as f:
            self.assertNotIn(f.read().strip(), stsd.log())
        credentials = json.loads(body)["Credentials"]
        again = Stsd(data_dir=stsd.data_dir).start()
        try:
            self.assertTrue(self.verify(again, credentials)["Valid"])
        finally:
            self.assertEqual(again.stop(), 0)
        again.assert_clean(self)

    def test_an_old_session_key_file_is_imported_so_its_credentials_stay_valid(self):
        data_dir = tempfile.mkdtemp(prefix="sts-e2e-")
        key = os.urandom(32)
        path = os.path.join(data_dir, "session.key")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(key.hex() + "\n")
        old = {"AccessKeyId": "ASIAOLDKEYOLDKEYOLDK", "SessionToken": legacy_session_token(key, "ASIAOLDKEYOLDKEYOLDK", 600)}
        stsd = Stsd(data_dir=data_dir).start()
        try:
            self.assertTrue(self.verify(stsd, old)["Valid"], "a credential sealed by the old key file")
            self.assertIn("imported the old key file as the active session-seal key", stsd.log())
            self.assertNotIn(key.hex(), stsd.log())
            foreign = dict(old, SessionToken=legacy_session_token(os.urandom(32), old["AccessKeyId"], 600))
            self.assertFalse(self.verify(stsd, foreign)["Valid"])
        finally:
            self.assertEqual(stsd.stop(), 0)
        os.remove(path)  # imported once: the store has it now
        again = Stsd(data_dir=data_dir).start()
        try:
            self.assertTrue(self.verify(again, old)["Valid"])
        finally:
            self.assertEqual(again.stop(), 0)
        again.assert_clean(self)


class Shutdown(unittest.TestCase):
    """SIGTERM under concurrent load: every request stsd admitted completes, and stsd exits 0.

    A request sent after the listeners closed is refused (connection refused, or a gRPC stream the server never
    admitted, seen as UNAVAILABLE or CANCELLED). Whether a request was admitted is read from stsd's own counts at
    exit: every call it admitted must be one the client received a complete, valid response for.
    """

    WORKERS = 8
    MAX_REQUESTS = 300

    def test_sigterm_drains_in_flight_calls(self):
        stsd = Stsd().start()
        ok = {"rest": 0, "grpc": 0}
        bad = []
        lock = threading.Lock()

        def rest_worker():
            with requests.Session() as session:
                for _ in range(self.MAX_REQUESTS):
                    try:
                        response = session.put(stsd.rest + "/token", timeout=10)
                    except requests.ConnectionError:
                        return
                    with lock:
                        if response.status_code == 201 and "SessionToken" in response.json()["Credentials"]:
                            ok["rest"] += 1
                        else:
                            bad.append("REST %s %r" % (response.status_code, response.text[:200]))

        def grpc_worker():
            with grpc.insecure_channel(stsd.grpc) as channel:
                stub = token_pb2_grpc.TokenServiceStub(channel)
                for _ in range(self.MAX_REQUESTS):
                    try:
                        reply = stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=10)
                    except grpc.RpcError as error:
                        if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                            with lock:
                                bad.append("gRPC %s %s" % (error.code(), error.details()))
                        return
                    with lock:
                        if reply.credentials.session_token:
                            ok["grpc"] += 1
                        else:
                            bad.append("gRPC reply without credentials")

        threads = [threading.Thread(target=rest_worker if i % 2 == 0 else grpc_worker) for i in range(self.WORKERS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        signalled = time.monotonic()
        os.kill(stsd.proc.pid, signal.SIGTERM)
        code = stsd.wait(timeout=15)
        exit_seconds = time.monotonic() - signalled
        for thread in threads:
            thread.join(timeout=30)
        log = stsd.log()
        stsd.stop()
        self.assertEqual(code, 0, log)
        self.assertLess(exit_seconds, 6.0, "stsd took %.1fs to exit" % exit_seconds)
        self.assertEqual(bad, [])
        self.assertIn("draining in-flight calls", log)
        rest = re.search(r"rest: stopped after answering (\d+) requests", log)
        grpc_counts = re.search(r"grpc: stopped after replying to (\d+) calls; (\d+) cancelled", log)
        self.assertIsNotNone(rest, log)
        self.assertIsNotNone(grpc_counts, log)
        self.assertGreater(ok["rest"], 0)
        self.assertGreater(ok["grpc"], 0)
        self.assertEqual(int(rest.group(1)), ok["rest"], "REST requests admitted but not completed")
        self.assertEqual(int(grpc_counts.group(1)), ok["grpc"], "gRPC calls admitted but not completed")
        self.assertEqual(int(grpc_counts.group(2)), 0, "gRPC calls cut off")
        stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
