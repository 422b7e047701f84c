"""Operating stsd without surprises: --check-config runs every start check before the data directory is touched
(configuration errors exit 2, runtime failures 1), unknown STS_* variables are named, SIGHUP reloads and never stops
the process, a garbage bearer token is called malformed, --version says how stsd was built, and the break-glass
`stsd admin-token create` works offline on the data directory."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import grpc
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stsd import STSD, Stsd, curl, error_body, stubs
from test_tls import Pki, served_certificate

token_pb2, token_pb2_grpc, _, _ = stubs()

ISSUER = "https://idp.test"


def stsd_run(*args, env=None, auth="none", stdin=None):
    """Runs stsd to completion; STS_AUTH is auth unless env sets it. Returns the completed process."""
    # The test harness's own STS_* variables (STS_PROTO_DIR, ...) would be named as unknown: they are not stsd's.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STS_")}
    environment["STS_AUTH"] = auth
    environment.update(env or {})
    return subprocess.run([STSD] + list(args), capture_output=True, text=True, timeout=60, env=environment,
                          input=stdin)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def write_file(path, data, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def mint(key, username="alice", roles=("admin",)):
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": "sts", "sub": "u-" + username, "preferred_username": username,
                       "iat": now, "exp": now + 300, "realm_access": {"roles": list(roles)}}, key, algorithm="ES256")


class CheckConfigRunsEveryStartCheck(unittest.TestCase):
    """Each setting a start refuses is refused by --check-config too, with exit 2, and a start refuses it with exit 2
    before it creates anything in the data directory (no keys.kek, no sts.db, no admin.token)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sts-ops-")
        self.data_dir = os.path.join(self.tmp, "data")

    def path(self, name, content=None, mode=0o600):
        path = os.path.join(self.tmp, name)
        if content is not None:
            write_file(path, content, mode)
        return path

    def refused(self, env, message, auth="access-token"):
        """Both --check-config and a start exit 2 naming the problem; the data directory stays untouched."""
        checked = stsd_run("--check-config", "--data-dir", self.data_dir, env=env, auth=auth)
        self.assertEqual(checked.returncode, 2, checked.stderr)
        self.assertIn(message, checked.stderr)
        self.assertNotIn("configuration is valid", checked.stderr)
        started = stsd_run("--data-dir", self.data_dir, "--rest-listen", "127.0.0.1:0", "--grpc-listen",
                           "127.0.0.1:0", env=env, auth=auth)
        self.assertEqual(started.returncode, 2, started.stderr)
        self.assertIn(message, started.stderr)
        self.assertNotIn(" info ready", started.stderr)
        self.assertFalse(os.path.exists(self.data_dir), os.listdir(self.data_dir) if os.path.isdir(self.data_dir)
                         else None)

    def test_a_missing_jwks_file(self):
        missing = self.path("missing-jwks.json")
        self.refused({"STS_JWT_JWKS_FILE": missing, "STS_JWT_ISSUER": ISSUER, "STS_JWT_AUDIENCE": "sts"},
                     "cannot open the JWKS file " + missing, auth="access-token,jwt")

    def test_a_malformed_jwks_file(self):
        jwks = self.path("jwks.json", "{\"keys\": 7}", 0o644)
        self.refused({"STS_JWT_JWKS_FILE": jwks, "STS_JWT_ISSUER": ISSUER, "STS_JWT_AUDIENCE": "sts"}, "keys",
                     auth="jwt")

    def test_a_missing_pem_key_file(self):
        missing = self.path("missing.pem")
        self.refused({"STS_JWT_PUBLIC_KEYS": missing, "STS_JWT_ISSUER": ISSUER, "STS_JWT_AUDIENCE": "sts"},
                     "cannot open the JWT key " + missing, auth="jwt")

    def test_malformed_access_token_roles(self):
        for grants, message in (("garbage", "access_token_roles: 'garbage' is not user:NAME=role|role"),
                                ("domain:NOWHERE=admin", "access_token_roles: 'NOWHERE' is not an identity domain"),
                                ("user:admin=", "access_token_roles: 'user:admin=' is not")):
            with self.subTest(grants=grants):
                self.refused({"STS_ACCESS_TOKEN_ROLES": grants}, message)

    def test_tls_files(self):
        pki = Pki(self.tmp, "ops test ca")
        pki.issue("server", "localhost")
        cases = [
            ({"STS_TLS_CERT_FILE": self.path("no-cert.pem"), "STS_TLS_KEY_FILE": pki.path("server", ".key")},
             self.path("no-cert.pem")),
            ({"STS_TLS_CERT_FILE": pki.path("server", ".pem"), "STS_TLS_KEY_FILE": self.path("junk.key", "junk")},
             self.path("junk.key")),
        ]
        for env, message in cases:
            with self.subTest(env=env):
                self.refused(env, message)

    def test_client_cert_roles(self):
        pki = Pki(self.tmp, "ops test ca")
        pki.issue("server", "localhost")
        self.refused({"STS_TLS_CERT_FILE": pki.path("server", ".pem"), "STS_TLS_KEY_FILE": pki.path("server", ".key"),
                      "STS_GRPC_CLIENT_CA_FILE": pki.ca_file, "STS_CLIENT_CERT_ROLES": "nonsense"}, "nonsense")

    def test_ldap_password_file(self):
        missing = self.path("ldap-password")
        env = {"STS_USER_SOURCES": "ldap", "STS_LDAP_URL": "ldaps://ldap.test", "STS_LDAP_BIND_DN": "cn=sts,dc=test",
               "STS_LDAP_BIND_PASSWORD_FILE": missing, "STS_LDAP_BASE_DN": "ou=people,dc=test"}
        self.refused(env, missing)
        # Readable by others: refused as a start refuses it.
        self.path("ldap-password", "secret-password", 0o644)
        self.refused(env, missing)

    def test_upstream_and_rgw_secret_files(self):
        creds = os.path.join(self.tmp, "creds")
        os.mkdir(creds)
        self.refused({"STS_ISSUER": "sts", "STS_STS_ENDPOINT_URL": "https://rgw.test", "STS_CREDS_PATH": creds},
                     os.path.join(creds, "access_key"))
        write_file(os.path.join(creds, "access_key"), "AKIDEXAMPLE", 0o600)
        self.refused({"STS_ISSUER": "sts", "STS_STS_ENDPOINT_URL": "https://rgw.test", "STS_CREDS_PATH": creds},
                     os.path.join(creds, "secret_key"))
        short = self.path("rgw.key", "short", 0o600)
        self.refused({"STS_ISSUER": "rgw-native", "STS_RGW_STS_KEY_FILE": short, "STS_RGW_USER": "sts",
                      "STS_RGW_ROLE_ID": "r1"}, "at least 16 characters")

    def test_a_missing_session_key_file(self):
        missing = self.path("session.key")
        self.refused({"STS_SESSION_KEY_FILE": missing}, missing)

    def test_a_valid_configuration_touches_nothing(self):
        checked = stsd_run("--check-config", "--data-dir", self.data_dir, auth="access-token")
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertIn("configuration is valid", checked.stderr)
        self.assertFalse(os.path.exists(self.data_dir))

    def test_runtime_failures_exit_1(self):
        # A file where the data directory should be: the configuration is fine, the start fails.
        write_file(self.data_dir, "not a directory")
        started = stsd_run("--data-dir", self.data_dir, "--rest-listen", "127.0.0.1:0", "--grpc-listen",
                           "127.0.0.1:0", auth="access-token")
        self.assertEqual(started.returncode, 1, started.stderr)
        self.assertIn(self.data_dir, started.stderr)


class EnvironmentAndAuthSurprises(unittest.TestCase):
    def test_unknown_sts_variables_are_named(self):
        result = stsd_run("--check-config", env={"STS_REST_LISTN": "127.0.0.1:1", "STS_ZZZ_QQQ_UNRELATED": "1",
                                                 "STS_URL": "http://x", "NOT_STS_REST_LISTN": "1"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("environment variable STS_REST_LISTN is not an stsd option and is ignored; did you mean "
                      "STS_REST_LISTEN?", result.stderr)
        self.assertRegex(result.stderr, r"environment variable STS_ZZZ_QQQ_UNRELATED is not an stsd option and is "
                                        r"ignored \(stsd --help")
        self.assertNotIn("STS_URL", result.stderr)  # stsctl's, not a typo
        self.assertNotIn("NOT_STS", result.stderr)
        # Known variables and the value are never reported.
        self.assertNotIn("127.0.0.1:1", result.stderr)
        quiet = stsd_run("--check-config", env={"STS_REST_THREADS": "2"})
        self.assertNotIn("environment variable", quiet.stderr)

    def test_jwt_keys_without_jwt_in_auth_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            pem = os.path.join(tmp, "idp.pem")
            write_file(pem, public_pem(ec.generate_private_key(ec.SECP256R1())))
            for auth in ("access-token", "none"):
                with self.subTest(auth=auth):
                    data_dir = os.path.join(tmp, "data")
                    env = {"STS_JWT_PUBLIC_KEYS": pem, "STS_JWT_ISSUER": ISSUER, "STS_JWT_AUDIENCE": "sts"}
                    for args in (["--check-config"], ["--rest-listen", "127.0.0.1:0", "--grpc-listen",
                                                      "127.0.0.1:0"]):
                        result = stsd_run(*args, "--data-dir", data_dir, env=env, auth=auth)
                        self.assertEqual(result.returncode, 2, result.stderr)
                        self.assertIn("JWT keys are configured (jwt_public_keys) but auth (%s) does not list jwt"
                                      % auth, result.stderr)
                        self.assertFalse(os.path.exists(data_dir))

    def test_grpc_port_in_use_is_one_line(self):
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        address = "127.0.0.1:%d" % holder.getsockname()[1]
        try:
            stsd = Stsd("--grpc-listen", address).start(wait_ready=False)
            code = stsd.wait(timeout=30)
            log = stsd.log()
            stsd.stop()
        finally:
            holder.close()
        self.assertEqual(code, 1, log)
        lines = [line for line in log.splitlines() if address in line]
        self.assertEqual(lines, [lines[0]], log)
        self.assertIn("cannot listen for gRPC on %s: Address already in use" % address, lines[0])
        # Nothing from gRPC core's own logging (its lines start with a severity letter and a date, e.g. "E1201").
        self.assertNotRegex(log, r"(?m)^[EIWD]\d{4} ")
        self.assertNotIn("UNKNOWN:", log)


class Sighup(unittest.TestCase):
    def test_sighup_without_anything_to_reload_keeps_serving(self):
        stsd = Stsd().start()
        try:
            for count in range(1, 4):  # one at a time: signals sent together may arrive as one
                os.kill(stsd.proc.pid, signal.SIGHUP)
                wait_for(lambda: stsd.log().count("received SIGHUP") >= count, 10, "SIGHUP log line %d" % count)
            self.assertIn("nothing to reload", stsd.log())
            self.assertIsNone(stsd.proc.poll())
            status, _, _ = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 201)
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)

    def test_sighup_before_ready_does_not_stop_the_start(self):
        # An unknown variable makes stsd log at once, from main: from then on SIGHUP is blocked and waited for. (Before
        # main runs, no program can catch a signal.)
        stsd = Stsd(env={"STS_OPS_TEST_MARKER": "1"}).start(wait_ready=False)
        try:
            wait_for(lambda: "STS_OPS_TEST_MARKER" in stsd.log(), 20, "the first log line")
            os.kill(stsd.proc.pid, signal.SIGHUP)
            wait_for(lambda: " info ready" in stsd.log(), 20, "ready")
            wait_for(lambda: "received SIGHUP" in stsd.log(), 10, "the SIGHUP line")
            self.assertIsNone(stsd.proc.poll())
        finally:
            self.assertEqual(stsd.stop(), 0)

    def test_sighup_reloads_the_tls_certificate(self):
        tmp = tempfile.mkdtemp(prefix="sts-ops-tls-")
        pki = Pki(tmp, "ops reload ca")
        pki.issue("server", "localhost")
        # The periodic check is far away: only the SIGHUP can explain a reload within the test.
        stsd = Stsd("--tls-cert-file", pki.path("server", ".pem"), "--tls-key-file", pki.path("server", ".key"),
                    "--tls-reload-seconds", "3600").start()
        try:
            cert, _ = pki.issue("next", "localhost")
            os.replace(pki.path("next", ".key"), pki.path("server", ".key"))
            os.replace(pki.path("next", ".pem"), pki.path("server", ".pem"))
            time.sleep(0.5)
            self.assertNotEqual(served_certificate(stsd.ports["rest"], pki.ca_file).serial_number, cert.serial_number)
            os.kill(stsd.proc.pid, signal.SIGHUP)
            wait_for(lambda: all(served_certificate(stsd.ports[p], pki.ca_file).serial_number == cert.serial_number
                                 for p in ("rest", "grpc")), 15, "the new certificate after SIGHUP")
            self.assertIn("received SIGHUP: reloading the TLS files", stsd.log())
            self.assertIsNone(stsd.proc.poll())
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)


class JwtKeyFiles(unittest.TestCase):
    """PEM files hold several keys, and are loaded again on SIGHUP and when they change."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sts-ops-pem-")
        self.pem = os.path.join(self.tmp, "idp.pem")
        self.old, self.new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def start(self, *args):
        env = {"STS_AUTH": "jwt", "STS_JWT_PUBLIC_KEYS": self.pem, "STS_JWT_ISSUER": ISSUER, "STS_JWT_AUDIENCE": "sts"}
        return Stsd(*args, env=env).start()

    def status(self, stsd, key):
        status, _, body = curl("-X", "PUT", "-H", "Authorization: Bearer " + mint(key), stsd.rest + "/token")
        return status

    def test_a_pem_file_with_several_keys_loads_them_all(self):
        write_file(self.pem, public_pem(self.old) + public_pem(self.new))
        stsd = self.start()
        try:
            self.assertEqual(self.status(stsd, self.old), 201)
            self.assertEqual(self.status(stsd, self.new), 201)
            self.assertEqual(self.status(stsd, ec.generate_private_key(ec.SECP256R1())), 401)
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)

    def test_a_pem_file_with_a_bad_second_block_is_refused(self):
        write_file(self.pem, public_pem(self.old) + b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
        result = stsd_run("--check-config", env={"STS_JWT_PUBLIC_KEYS": self.pem, "STS_JWT_ISSUER": ISSUER,
                                                 "STS_JWT_AUDIENCE": "sts"}, auth="jwt")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(self.pem, result.stderr)

    def test_sighup_reloads_the_pem_file_and_a_bad_file_keeps_the_keys(self):
        write_file(self.pem, public_pem(self.old))
        # The change check runs every 5 s: the rename below and the SIGHUP come well within that.
        stsd = self.start()
        try:
            self.assertEqual(self.status(stsd, self.new), 401)
            mark = len(stsd.log())
            write_file(self.pem, public_pem(self.new))
            os.kill(stsd.proc.pid, signal.SIGHUP)
            wait_for(lambda: self.status(stsd, self.new) == 201, 4, "the new key after SIGHUP")
            self.assertEqual(self.status(stsd, self.old), 401)
            self.assertIn("JWT key files: loaded 1 keys", stsd.log()[mark:])
            self.assertIn("received SIGHUP: reloading the JWT key files", stsd.log()[mark:])
            self.assertNotIn("reloading the TLS", stsd.log())
            # A broken file is reported and the keys in use stay.
            write_file(self.pem, "not a key")
            os.kill(stsd.proc.pid, signal.SIGHUP)
            wait_for(lambda: "the keys loaded before stay in use" in stsd.log(), 10, "the reload error")
            self.assertEqual(self.status(stsd, self.new), 201)
            self.assertIsNone(stsd.proc.poll())
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)

    def test_a_changed_pem_file_is_picked_up_without_a_signal(self):
        write_file(self.pem, public_pem(self.old))
        stsd = self.start()
        try:
            self.assertEqual(self.status(stsd, self.new), 401)
            write_file(self.pem, public_pem(self.old) + public_pem(self.new))
            wait_for(lambda: self.status(stsd, self.new) == 201, 15, "the changed PEM file")
            self.assertEqual(self.status(stsd, self.old), 201)
            self.assertNotIn("SIGHUP", stsd.log())
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)


MALFORMED = "malformed bearer token: expected an access token (sts-at-v1:...) or a JWT"


class MalformedBearer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd(env={"STS_AUTH": "access-token"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop()

    def rest_message(self, token):
        status, _, body = curl("-X", "PUT", "-H", "Authorization: Bearer " + token, self.stsd.rest + "/token")
        return error_body(self, body, 401, "UNAUTHENTICATED")

    def grpc_error(self, token):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = token_pb2_grpc.TokenServiceStub(channel)
            with self.assertRaises(grpc.RpcError) as caught:
                stub.IssueToken(token_pb2.IssueTokenRequest(), metadata=[("authorization", "Bearer " + token)],
                                timeout=10)
        return caught.exception

    def test_garbage_is_malformed_over_rest_and_grpc(self):
        for token in ("garbage", "a.b", "a..c", "a.b.c.d", "a.b.c!", "{}", "a.b.", ".b.c"):
            with self.subTest(token=token):
                self.assertIn(MALFORMED, self.rest_message(token))
                error = self.grpc_error(token)
                self.assertEqual(error.code(), grpc.StatusCode.UNAUTHENTICATED)
                self.assertIn(MALFORMED, error.details())
        # The token itself is never echoed.
        self.assertNotIn("garbage", self.rest_message("garbage"))

    def test_a_jwt_shaped_token_goes_to_the_jwt_verifier(self):
        # Without jwt in auth, stsd's own JWTs are still verified: a foreign one fails its signature, not its shape.
        token = mint(ec.generate_private_key(ec.SECP256R1()))
        self.assertEqual(self.rest_message(token), "bad signature")
        self.assertEqual(self.grpc_error(token).details(), "bad signature")

    def test_a_malformed_access_token_is_not_called_a_jwt(self):
        message = self.rest_message("sts-at-v1:short")
        self.assertNotIn("JWT", message.split(":")[0])


class Version(unittest.TestCase):
    def test_version_prints_the_build(self):
        result = stsd_run("--version")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertRegex(lines[0], r"^stsd \d+\.\d+\.\d+$")
        fields = dict(line.split(": ", 1) for line in lines[1:])
        self.assertEqual(set(fields), {"compiler", "build type", "sanitizers", "h2o", "grpc core", "openssl", "sqlite",
                                       "libyaml", "loaded when configured"})
        # What stsd opens with dlopen when configured: packagers read this line (deploy/container/build.sh).
        self.assertRegex(fields["loaded when configured"], r"^libcurl\.so\.\d+ libpq\.so\.\d+ libldap-[\d.]+\.so\.\d+$")
        self.assertRegex(fields["compiler"], r"^(gcc|clang) \d+")
        sqlite_version = subprocess.run(["/usr/bin/python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"],
                                        capture_output=True, text=True).stdout.strip()
        self.assertTrue(fields["sqlite"].startswith(sqlite_version), fields["sqlite"])
        openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.split()[1]
        self.assertIn(openssl, fields["openssl"])
        for name in ("h2o", "grpc core", "libyaml"):
            self.assertRegex(fields[name], r"^\d+\.\d+\.\d+")


class BreakGlassAdminToken(unittest.TestCase):
    def list_tokens(self, stsd, token):
        return curl("-H", "Authorization: Bearer " + token, stsd.rest + "/v1/auth/access-tokens/")

    def test_a_new_admin_token_offline_when_every_one_is_lost(self):
        stsd = Stsd(env={"STS_AUTH": "access-token"}).start()
        data_dir = stsd.data_dir
        with open(os.path.join(data_dir, "admin.token")) as f:
            first = f.read().strip()
        self.assertEqual(self.list_tokens(stsd, first)[0], 200)
        self.assertEqual(stsd.stop(), 0)
        os.unlink(os.path.join(data_dir, "admin.token"))  # lost
        # The per-user limit (2) does not stand in the way back in: three tokens for admin.
        tokens = []
        for _ in range(2):
            result = stsd_run("admin-token", "create", "--data-dir", data_dir, auth="access-token")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertRegex(result.stdout, r"^sts-at-v1:[0-9a-f]{32}:[A-Za-z0-9_-]{43}\n$")
            self.assertNotIn(result.stdout.strip(), result.stderr)
            self.assertIn("for the LOCAL user admin", result.stderr)
            tokens.append(result.stdout.strip())
        self.assertNotEqual(tokens[0], tokens[1])
        stsd = Stsd(env={"STS_AUTH": "access-token"}, data_dir=data_dir).start()
        try:
            for token in tokens:
                status, _, body = self.list_tokens(stsd, token)
                self.assertEqual(status, 200, body)
            entries = json.loads(self.list_tokens(stsd, tokens[0])[2])["entries"]
            self.assertEqual(len(entries), 3)
            self.assertFalse(os.path.exists(os.path.join(data_dir, "admin.token")))  # not bootstrapped again
            self.assertEqual(self.list_tokens(stsd, first)[0], 200)  # the lost one still works until deleted
            self.assertNotIn(tokens[0], stsd.log())
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)

    def test_while_stsd_runs(self):
        stsd = Stsd(env={"STS_AUTH": "access-token"}).start()
        try:
            result = stsd_run("admin-token", "create", "--data-dir", stsd.data_dir, auth="access-token")
            self.assertEqual(result.returncode, 0, result.stderr)
            status, _, body = self.list_tokens(stsd, result.stdout.strip())
            self.assertEqual(status, 200, body)
        finally:
            self.assertEqual(stsd.stop(), 0)
        stsd.assert_clean(self)

    def test_name_and_role_ceiling(self):
        data_dir = tempfile.mkdtemp(prefix="sts-ops-bg-")
        env = {"STS_ACCESS_TOKEN_ROLES": "user:ops=admin"}
        result = stsd_run("admin-token", "create", "--name", "ops", "--roles", "viewer", "--data-dir", data_dir,
                          env=env, auth="access-token")
        self.assertEqual(result.returncode, 0, result.stderr)
        limited = result.stdout.strip()
        self.assertIn("roles at most viewer", result.stderr)
        result = stsd_run("admin-token", "create", "--name", "ops", "--data-dir", data_dir, env=env,
                          auth="access-token")
        full = result.stdout.strip()
        self.assertNotIn("warning", result.stderr)
        # A name access_token_roles grants nothing gets a warning (the token authenticates, but may do nothing).
        result = stsd_run("admin-token", "create", "--name", "nobody", "--data-dir", data_dir, env=env,
                          auth="access-token")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("grants nobody no role", result.stderr)
        stsd = Stsd(env=dict(env, STS_AUTH="access-token"), data_dir=data_dir).start()
        try:
            self.assertEqual(self.list_tokens(stsd, full)[0], 200)
            # The ceiling holds: admin is granted by configuration, but the token may carry at most viewer.
            status, _, _ = curl("-X", "PUT", "-H", "Authorization: Bearer " + limited, stsd.rest + "/token")
            self.assertEqual(status, 403)
        finally:
            self.assertEqual(stsd.stop(), 0)

    def test_bad_usage_and_a_broken_data_directory(self):
        result = stsd_run("admin-token", "create", "extra")
        self.assertEqual(result.returncode, 2)
        self.assertIn("stsd admin-token create", result.stderr)
        result = stsd_run("admin-token", "revoke")
        self.assertEqual(result.returncode, 2)
        result = stsd_run("admin-token", "create", "--name", "")
        self.assertEqual(result.returncode, 2)
        with tempfile.TemporaryDirectory() as tmp:
            not_a_dir = os.path.join(tmp, "file")
            write_file(not_a_dir, "x")
            result = stsd_run("admin-token", "create", "--data-dir", not_a_dir)
            self.assertEqual(result.returncode, 1)
            self.assertEqual(result.stdout, "")
            self.assertIn(not_a_dir, result.stderr)


class BackupAndRestore(unittest.TestCase):
    """The procedure of docs/operations.md, as written there: an online backup with sqlite3 .backup, keys.kek beside
    it, restored into a fresh data directory."""

    def test_online_backup_restores_tokens_and_credentials(self):
        stsd = Stsd(env={"STS_AUTH": "access-token"}).start()
        backup_dir = tempfile.mkdtemp(prefix="sts-ops-backup-")
        backup = os.path.join(backup_dir, "sts.db")
        try:
            with open(os.path.join(stsd.data_dir, "admin.token")) as f:
                admin = f.read().strip()
            auth = ("-H", "Authorization: Bearer " + admin)
            status, _, body = curl("-X", "PUT", *auth, stsd.rest + "/token")
            self.assertEqual(status, 201, body)
            credentials = json.loads(body)["Credentials"]

            def create_token():
                status, _, body = curl("-X", "POST", *auth, stsd.rest + "/v1/auth/access-tokens/",
                                       data=json.dumps({"user": {"domain": "LOCAL", "name": "ops"}}))
                self.assertEqual(status, 200, body)
                return json.loads(body)["bearer_token"]

            before = create_token()
            # While stsd serves (the write above may still be only in the WAL).
            result = subprocess.run(["sqlite3", os.path.join(stsd.data_dir, "sts.db"), ".backup '%s'" % backup],
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            after = create_token()
            kek = open(os.path.join(stsd.data_dir, "keys.kek")).read()
        finally:
            self.assertEqual(stsd.stop(), 0)
        check = subprocess.run(["sqlite3", backup, "PRAGMA integrity_check"], capture_output=True, text=True)
        self.assertEqual(check.stdout.strip(), "ok")

        restored_dir = tempfile.mkdtemp(prefix="sts-ops-restored-")
        os.chmod(restored_dir, 0o700)
        with open(backup, "rb") as f:
            write_file(os.path.join(restored_dir, "sts.db"), f.read(), 0o600)
        write_file(os.path.join(restored_dir, "keys.kek"), kek, 0o600)
        restored = Stsd(env={"STS_AUTH": "access-token"}, data_dir=restored_dir).start()
        try:
            self.assertFalse(os.path.exists(os.path.join(restored_dir, "admin.token")))
            for token, expected in ((admin, 200), (before, 200), (after, 401)):
                status, _, _ = curl("-H", "Authorization: Bearer " + token, restored.rest + "/v1/auth/access-tokens/")
                self.assertIn(status, (expected,) if expected == 401 else (200, 403), token[:12])
            status, _, body = curl("-X", "POST", "-H", "Authorization: Bearer " + admin,
                                   restored.rest + "/v1/credentials/verify",
                                   data=json.dumps({"AccessKeyId": credentials["AccessKeyId"],
                                                    "SessionToken": credentials["SessionToken"]}))
            self.assertEqual(status, 200, body)
        finally:
            self.assertEqual(restored.stop(), 0)
        restored.assert_clean(self)

        # The same database under another key-encryption key: refused, naming it; nothing is served.
        wrong_dir = tempfile.mkdtemp(prefix="sts-ops-wrong-kek-")
        with open(backup, "rb") as f:
            write_file(os.path.join(wrong_dir, "sts.db"), f.read(), 0o600)
        write_file(os.path.join(wrong_dir, "keys.kek"), os.urandom(32).hex(), 0o600)
        wrong = Stsd(env={"STS_AUTH": "access-token"}, data_dir=wrong_dir).start(wait_ready=False)
        code = wrong.wait(timeout=30)
        log = wrong.log()
        wrong.stop()
        self.assertEqual(code, 1, log)
        self.assertNotIn(" info ready", log)
        self.assertIn("key-encryption key", log)

    def test_a_newer_schema_is_refused(self):
        stsd = Stsd().start()
        self.assertEqual(stsd.stop(), 0)
        database = os.path.join(stsd.data_dir, "sts.db")
        subprocess.run(["sqlite3", database, "UPDATE schema_version SET version = 99"], check=True, timeout=30)
        newer = Stsd(data_dir=stsd.data_dir).start(wait_ready=False)
        code = newer.wait(timeout=30)
        log = newer.log()
        newer.stop()
        self.assertEqual(code, 1, log)
        self.assertRegex(log, r"database: schema version 99 is newer than this stsd \(\d+\); upgrade stsd")
        version = subprocess.run(["sqlite3", database, "SELECT version FROM schema_version"], capture_output=True,
                                 text=True, timeout=30).stdout.strip()
        self.assertEqual(version, "99")  # untouched


if __name__ == "__main__":
    unittest.main()
