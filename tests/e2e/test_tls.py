"""TLS on both listeners: HTTPS (HTTP/1.1 and HTTP/2), gRPC over TLS, client certificates (mTLS) on gRPC with their
role mapping, certificate reload without restart, the refusal to serve plain text beyond loopback, and the expiry
notice. Certificates are made at setup with python3-cryptography; clients are curl, openssl s_client, Python's ssl
and grpcio."""
import datetime
import ipaddress
import json
import os
import re
import shutil
import ssl
import socket
import subprocess
import tempfile
import time
import unittest

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stsd import STSD, SANITIZER_MARKERS, Stsd, stubs

token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()

UTC = datetime.timezone.utc


def write_private(path, data):
    """Writes a key file the way an operator should: mode 0600, replaced atomically."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_public(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Pki:
    """A throwaway CA in a temporary directory that issues server and client certificates."""

    def __init__(self, directory, name):
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(UTC)
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                  key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                  key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                  decipher_only=False), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.ca_file = os.path.join(directory, name.replace(" ", "-") + ".pem")
        write_public(self.ca_file, self.pem(self.cert))

    @staticmethod
    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    @staticmethod
    def key_pem(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def issue(self, stem, subject, server=True, days=365, expired=False):
        """Writes <stem>.pem and <stem>.key (0600); subject is a CN or a list of (oid, value). Returns (cert, key)."""
        key = ec.generate_private_key(ec.SECP256R1())
        if isinstance(subject, str):
            subject = [(NameOID.COMMON_NAME, subject)]
        now = datetime.datetime.now(UTC)
        start = now - datetime.timedelta(days=10 if expired else 0, hours=1)
        end = now - datetime.timedelta(days=1) if expired else now + datetime.timedelta(days=days)
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(oid, value) for oid, value in subject]))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        else:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        if stem is not None:
            write_public(os.path.join(self.dir, stem + ".pem"), self.pem(cert))
            write_private(os.path.join(self.dir, stem + ".key"), self.key_pem(key))
        return cert, key

    def path(self, stem, suffix):
        return os.path.join(self.dir, stem + suffix)


def serial_hex(certificate):
    """The serial as OpenSSL prints it in stsd's log: upper-case hex, an even number of digits."""
    text = "%X" % certificate.serial_number
    return "0" + text if len(text) % 2 else text


def served_certificate(port, ca_file, client=None):
    """The certificate the TLS listener on port presents (verified against ca_file); client: (cert file, key file)."""
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["h2", "http/1.1"])
    if client is not None:
        context.load_cert_chain(*client)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname="localhost") as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def s_client(port, *args):
    """openssl s_client against port; returns (exit code, output). SECLEVEL=0 keeps the client from refusing first."""
    result = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost"]
                            + list(args), input=b"", capture_output=True, timeout=30)
    return result.returncode, (result.stdout + result.stderr).decode(errors="replace")


def curl_version(*args, data=None):
    """Runs curl; returns (HTTP status, negotiated HTTP version, body)."""
    with tempfile.TemporaryDirectory() as tmp:
        body_path = os.path.join(tmp, "body")
        command = ["curl", "-s", "-S", "--max-time", "20", "-o", body_path, "-w", "%{http_code} %{http_version}"]
        if data is not None:
            command += ["--data-binary", data]
        result = subprocess.run(command + list(args), capture_output=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError("curl failed: %s" % result.stderr.decode(errors="replace"))
        status, version = result.stdout.decode().split()
        with open(body_path, "rb") as f:
            return int(status), version, f.read()


def grpc_channel(stsd, ca_file, client=None):
    certificate_chain = private_key = None
    if client is not None:
        with open(client[0], "rb") as f:
            certificate_chain = f.read()
        with open(client[1], "rb") as f:
            private_key = f.read()
    with open(ca_file, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read(), private_key=private_key,
                                                   certificate_chain=certificate_chain)
    return grpc.secure_channel(stsd.grpc, credentials)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


class TlsCase(unittest.TestCase):
    """One stsd per class, started with a fresh CA and server certificate; it must stop cleanly."""

    extra_args = ()
    env = None
    server_days = 365

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sts-tls-e2e-")
        cls.pki = Pki(cls.tmp, "sts test CA")
        cls.server_cert, cls.server_key = cls.pki.issue("server", "localhost", days=cls.server_days)
        cls.stsd = Stsd("--tls-cert-file", cls.pki.path("server", ".pem"), "--tls-key-file",
                        cls.pki.path("server", ".key"), *cls.extra_args, env=cls.env).start()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.stsd.stop_clean()


class HttpsAndGrpcOverTls(TlsCase):
    def test_put_token_and_healthz_over_http_1_1(self):
        status, version, body = curl_version("--http1.1", "--cacert", self.pki.ca_file, "-X", "PUT",
                                             self.stsd.https + "/token")
        self.assertEqual((status, version), (201, "1.1"), body)
        self.assertRegex(json.loads(body)["Credentials"]["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        status, version, body = curl_version("--http1.1", "--cacert", self.pki.ca_file, self.stsd.https + "/healthz")
        self.assertEqual((status, version, body), (200, "1.1", b'{"Status":"ok"}'))

    def test_put_token_and_healthz_over_http_2(self):
        status, version, body = curl_version("--http2", "--cacert", self.pki.ca_file, "-X", "PUT",
                                             self.stsd.https + "/token", data='{"DurationSeconds":900}')
        self.assertEqual((status, version), (201, "2"), body)
        self.assertIn("SecretAccessKey", json.loads(body)["Credentials"])
        status, version, body = curl_version("--http2", "--cacert", self.pki.ca_file,
                                             self.stsd.https + "/apis/sts/healthz")
        self.assertEqual((status, version, body), (200, "2", b'{"Status":"ok"}'))

    def test_readyz_says_only_ok_for_a_certificate_far_from_expiry(self):
        status, _, body = curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/readyz")
        self.assertEqual((status, body), (200, b'{"Status":"ok"}'))

    def test_the_certificate_is_verified_by_its_ca_only(self):
        other = Pki(tempfile.mkdtemp(dir=self.tmp), "another CA")
        result = subprocess.run(["curl", "-s", "-S", "--cacert", other.ca_file, self.stsd.https + "/healthz"],
                                capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 60, result.stderr)  # peer certificate cannot be authenticated

    def test_plain_http_to_the_tls_port_gets_nothing(self):
        result = subprocess.run(["curl", "-s", "-S", "--max-time", "10",
                                 "http://127.0.0.1:%d/healthz" % self.stsd.ports["rest"]],
                                capture_output=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, b"")
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            with self.assertRaises(grpc.RpcError) as raised:
                token_pb2_grpc.TokenServiceStub(channel).Health(token_pb2.HealthRequest(), timeout=5)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_tls_1_1_is_refused_on_both_listeners(self):
        for name in ("rest", "grpc"):
            with self.subTest(listener=name):
                port = self.stsd.ports[name]
                code, out = s_client(port, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
                self.assertNotEqual(code, 0, out)
                self.assertNotIn("BEGIN CERTIFICATE", out)
                # The same client with TLS 1.2 gets through, so the refusal is about the version.
                code, out = s_client(port, "-tls1_2", "-cipher", "DEFAULT:@SECLEVEL=0", "-CAfile", self.pki.ca_file,
                                     "-alpn", "h2")
                self.assertEqual(code, 0, out)
                self.assertIn("Verify return code: 0 (ok)", out)
                self.assertRegex(out, r"Cipher is ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)")

    def test_weak_tls_1_2_suites_are_refused_on_both_listeners(self):
        # CBC and non-forward-secret suites the certificate could otherwise serve.
        for name in ("rest", "grpc"):
            for cipher in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"):
                with self.subTest(listener=name, cipher=cipher):
                    code, out = s_client(self.stsd.ports[name], "-tls1_2", "-cipher", cipher + ":@SECLEVEL=0",
                                         "-alpn", "h2")
                    self.assertNotEqual(code, 0, out)
                    self.assertNotIn("BEGIN CERTIFICATE", out)

    def test_rest_negotiates_tls_1_3(self):
        code, out = s_client(self.stsd.ports["rest"], "-tls1_3", "-CAfile", self.pki.ca_file, "-alpn", "h2")
        self.assertEqual(code, 0, out)
        self.assertIn("New, TLSv1.3", out)
        self.assertIn("ALPN protocol: h2", out)
        self.assertIn("Compression: NONE", out)

    def test_rest_refuses_renegotiation(self):
        # s_client's "R" asks for a TLS 1.2 renegotiation once connected; a server that allowed it would carry on
        # and s_client would exit 0 when its input ends. (stsd sets SSL_OP_NO_RENEGOTIATION; OpenSSL 3 also refuses
        # client-initiated renegotiation unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION is set, so this guards both.)
        script = ("(sleep 1; printf 'R\\n'; sleep 2) | openssl s_client -connect 127.0.0.1:%d -servername localhost "
                  "-tls1_2 -CAfile %s" % (self.stsd.ports["rest"], self.pki.ca_file))
        result = subprocess.run(["bash", "-c", script], capture_output=True, timeout=30)
        out = (result.stdout + result.stderr).decode(errors="replace")
        self.assertIn("Verify return code: 0 (ok)", out)
        self.assertIn("RENEGOTIATING", out)
        self.assertNotEqual(result.returncode, 0, out)

    def test_grpc_secure_channel(self):
        with grpc_channel(self.stsd, self.pki.ca_file) as channel:
            tokens = token_pb2_grpc.TokenServiceStub(channel)
            reply = tokens.IssueToken(token_pb2.IssueTokenRequest(duration_seconds=900), timeout=10)
            self.assertRegex(reply.credentials.access_key_id, r"^ASIA[A-Z2-7]{16}$")
            check = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            self.assertEqual(check.status, health_pb2.HealthCheckResponse.SERVING)
            self.assertEqual(tokens.Ready(token_pb2.ReadyRequest(), timeout=10).message, "")

    def test_grpc_refuses_a_client_that_does_not_trust_the_certificate(self):
        other = Pki(tempfile.mkdtemp(dir=self.tmp), "untrusted CA")
        with grpc_channel(self.stsd, other.ca_file) as channel:
            with self.assertRaises(grpc.RpcError) as raised:
                token_pb2_grpc.TokenServiceStub(channel).Health(token_pb2.HealthRequest(), timeout=5)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_startup_log_says_how_both_listeners_are_protected(self):
        log = self.stsd.log()
        self.assertIn("tls: REST serves HTTPS (HTTP/1.1 and HTTP/2), gRPC serves TLS\n", log)
        self.assertIn("tls: serving the certificate subject CN=localhost, serial %s" % serial_hex(self.server_cert),
                      log)


class MutualTlsOnGrpc(TlsCase):
    """grpc_client_ca_file: gRPC callers must show a certificate from the client CA; it authenticates them."""

    env = {"STS_AUTH": "access-token"}

    @classmethod
    def setUpClass(cls):
        cls.tmp_clients = tempfile.mkdtemp(prefix="sts-tls-clients-")
        cls.clients = Pki(cls.tmp_clients, "client CA")
        cls.audit_log = os.path.join(cls.tmp_clients, "audit.jsonl")
        cls.extra_args = ("--grpc-client-ca-file", cls.clients.ca_file, "--client-cert-roles",
                          "cn:robot-admin=admin|ops, cn:robot-ops=ops", "--audit-log", cls.audit_log)
        super().setUpClass()
        with open(os.path.join(cls.stsd.data_dir, "admin.token")) as f:
            cls.admin_token = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp_clients, ignore_errors=True)
        super().tearDownClass()

    def client(self, stem, subject, pki=None, **kwargs):
        pki = pki or self.clients
        pki.issue(stem, subject, server=False, **kwargs)
        return pki.path(stem, ".pem"), pki.path(stem, ".key")

    def issue(self, client, metadata=()):
        with grpc_channel(self.stsd, self.pki.ca_file, client) as channel:
            return token_pb2_grpc.TokenServiceStub(channel).IssueToken(
                token_pb2.IssueTokenRequest(duration_seconds=900), timeout=10, metadata=metadata)

    def assert_issue_fails(self, client, code, metadata=()):
        with self.assertRaises(grpc.RpcError) as raised:
            self.issue(client, metadata)
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        return raised.exception.details()

    def test_a_mapped_certificate_issues_without_a_bearer_token(self):
        reply = self.issue(self.client("admin", [(NameOID.ORGANIZATION_NAME, "Ops, Inc."),
                                                 (NameOID.COMMON_NAME, "robot-admin")]))
        self.assertRegex(reply.credentials.access_key_id, r"^ASIA[A-Z2-7]{16}$")
        # The audit record names the certificate's CN and its whole identity: the X509 domain and the subject.
        with open(self.audit_log) as f:
            records = [json.loads(line) for line in f]
        issued = [r for r in records if r.get("access_key_id") == reply.credentials.access_key_id]
        self.assertEqual([r["caller"] for r in issued],
                         [{"domain": "X509", "auth_id": "CN=robot-admin,O=Ops\\, Inc.", "name": "robot-admin"}])

    def test_a_certificate_without_the_role_is_permission_denied(self):
        for stem, subject in (("ops", "robot-ops"), ("nobody", "robot-nobody"), ("case", "Robot-Admin"),
                              ("prefix", "robot-admin2"), ("comma", "robot-admin,CN=x"),
                              ("nul", "robot-admin\x00x"), ("newline", "robot-admin\n"),
                              ("org", [(NameOID.ORGANIZATION_NAME, "robot-admin"), (NameOID.COMMON_NAME, "x")]),
                              ("ou", [(NameOID.COMMON_NAME, "x"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "cn:robot-admin")])):
            with self.subTest(subject=subject):
                details = self.assert_issue_fails(self.client(stem, subject), grpc.StatusCode.PERMISSION_DENIED)
                self.assertIn("admin", details)

    def test_no_client_certificate_is_refused(self):
        with grpc_channel(self.stsd, self.pki.ca_file) as channel:
            for call in (lambda stub: stub.IssueToken(token_pb2.IssueTokenRequest(), timeout=5,
                                                      metadata=(("authorization", "Bearer " + self.admin_token),)),
                         lambda stub: stub.Health(token_pb2.HealthRequest(), timeout=5)):
                with self.assertRaises(grpc.RpcError) as raised:
                    call(token_pb2_grpc.TokenServiceStub(channel))
                self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_a_certificate_from_another_ca_is_refused(self):
        other = Pki(tempfile.mkdtemp(dir=self.tmp), "rogue CA")
        self.assert_issue_fails(self.client("rogue", "robot-admin", pki=other), grpc.StatusCode.UNAVAILABLE)
        # Nor does the server's own CA, which signs server certificates, sign clients.
        self.assert_issue_fails(self.client("servers", "robot-admin", pki=self.pki), grpc.StatusCode.UNAVAILABLE)

    def test_an_expired_client_certificate_is_refused(self):
        self.assert_issue_fails(self.client("expired", "robot-admin", expired=True), grpc.StatusCode.UNAVAILABLE)

    def test_a_bearer_token_decides_when_both_are_sent(self):
        viewer = self.client("viewer", "robot-viewer")
        reply = self.issue(viewer, metadata=(("authorization", "Bearer " + self.admin_token),))
        self.assertRegex(reply.credentials.access_key_id, r"^ASIA")
        admin = self.client("admin2", "robot-admin")
        details = self.assert_issue_fails(admin, grpc.StatusCode.UNAUTHENTICATED,
                                          metadata=(("authorization", "Bearer sts-at-v1:not-a-token"),))
        self.assertIn("access token", details)

    def test_public_methods_still_answer_certificate_callers(self):
        with grpc_channel(self.stsd, self.pki.ca_file, self.client("any", "robot-nobody")) as channel:
            check = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            self.assertEqual(check.status, health_pb2.HealthCheckResponse.SERVING)

    def test_rest_does_not_take_client_certificates_as_credentials(self):
        cert, key = self.client("rest", "robot-admin")
        status, _, body = curl_version("--cacert", self.pki.ca_file, "--cert", cert, "--key", key, "-X", "PUT",
                                       self.stsd.https + "/token")
        self.assertEqual(status, 401, body)
        status, _, body = curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/healthz")
        self.assertEqual(status, 200, body)


class ReloadWithoutRestart(TlsCase):
    extra_args = ("--tls-reload-seconds", "1")

    def serials(self):
        return {name: served_certificate(self.stsd.ports[name], self.pki.ca_file).serial_number
                for name in ("rest", "grpc")}

    def replace_and_wait(self, stem):
        cert, key = self.pki.issue(stem, "localhost")
        os.replace(self.pki.path(stem, ".key"), self.pki.path("server", ".key"))
        os.replace(self.pki.path(stem, ".pem"), self.pki.path("server", ".pem"))
        wanted = {"rest": cert.serial_number, "grpc": cert.serial_number}
        wait_for(lambda: self.serials() == wanted, 15, "the new certificate on both listeners")
        return cert, key

    def invalid_replacement(self, break_files, message):
        before = self.serials()
        mark = len(self.stsd.log())
        break_files()
        wait_for(lambda: message in self.stsd.log()[mark:], 15, "the reload error: " + message)
        time.sleep(1.5)  # a few more checks: the old certificate stays
        self.assertEqual(self.serials(), before)
        status, _, _ = curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/healthz")
        self.assertEqual(status, 200)
        with grpc_channel(self.stsd, self.pki.ca_file) as channel:
            self.assertEqual(token_pb2_grpc.TokenServiceStub(channel).Health(token_pb2.HealthRequest(),
                                                                             timeout=10).status, "ok")
        # The same bad files are reported once, not at every check.
        self.assertEqual(self.stsd.log()[mark:].count(message), 1)
        return self.stsd.log()[mark:]

    def test_1_a_replaced_certificate_is_served_without_restart(self):
        self.assertEqual(self.serials(), {"rest": self.server_cert.serial_number,
                                          "grpc": self.server_cert.serial_number})
        cert, _ = self.replace_and_wait("renewed")
        self.assertIn("tls: reloaded; now serving the certificate subject CN=localhost, serial %s" % serial_hex(cert),
                      self.stsd.log())
        # New connections of both protocols work with it.
        status, version, _ = curl_version("--http2", "--cacert", self.pki.ca_file, "-X", "PUT",
                                          self.stsd.https + "/token")
        self.assertEqual((status, version), (201, "2"))
        with grpc_channel(self.stsd, self.pki.ca_file) as channel:
            reply = token_pb2_grpc.TokenServiceStub(channel).IssueToken(token_pb2.IssueTokenRequest(), timeout=10)
            self.assertRegex(reply.credentials.access_key_id, r"^ASIA")

    def test_2_a_key_that_does_not_match_keeps_the_old_pair(self):
        _, stray_key = self.pki.issue(None, "localhost")
        stray = Pki.key_pem(stray_key)

        def replace_key():
            write_private(self.pki.path("server", ".key"), stray)

        log = self.invalid_replacement(replace_key, "the private key in %s does not match the certificate in %s"
                                       % (self.pki.path("server", ".key"), self.pki.path("server", ".pem")))
        self.assertIn("; still serving subject CN=localhost, serial ", log)
        body = b"".join(stray.splitlines()[1:-1]).decode()
        self.assertNotIn(body[:40], self.stsd.log())  # never key material

    def test_3_an_unparseable_certificate_keeps_the_old_pair(self):
        self.replace_and_wait("good-again")

        def garbage():
            write_public(self.pki.path("server", ".pem"), b"-----BEGIN CERTIFICATE-----\nnot base64!\n"
                                                          b"-----END CERTIFICATE-----\n")

        self.invalid_replacement(garbage, "the TLS certificate file %s must hold PEM certificates"
                                 % self.pki.path("server", ".pem"))

    def test_4_a_key_file_others_may_read_keeps_the_old_pair(self):
        self.replace_and_wait("good-third")
        stem = "shared"
        self.pki.issue(stem, "localhost")
        os.chmod(self.pki.path(stem, ".key"), 0o644)

        def replace_shared():
            os.replace(self.pki.path(stem, ".key"), self.pki.path("server", ".key"))
            os.replace(self.pki.path(stem, ".pem"), self.pki.path("server", ".pem"))

        self.invalid_replacement(replace_shared, "the TLS key file %s must be private to the service user"
                                 % self.pki.path("server", ".key"))
        # Fixing the mode is a change too: the new pair then loads.
        os.chmod(self.pki.path("server", ".key"), 0o600)
        with open(self.pki.path("server", ".pem"), "rb") as f:
            fixed = x509.load_pem_x509_certificate(f.read())
        wait_for(lambda: self.serials() == {"rest": fixed.serial_number, "grpc": fixed.serial_number}, 15,
                 "the pair after chmod 600")


class ExpiryNotice(TlsCase):
    server_days = 3
    extra_args = ("--tls-reload-seconds", "1")

    def test_readyz_stays_ready_and_reports_the_expiry(self):
        status, _, body = curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/readyz")
        self.assertEqual(status, 200, body)
        document = json.loads(body, object_pairs_hook=list)
        self.assertEqual([k for k, _ in document], ["Status", "Message"])
        values = dict(document)
        self.assertEqual(values["Status"], "ok")
        expires = self.server_cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(values["Message"], "the TLS certificate (subject CN=localhost, serial %s) expires at %s, "
                                            "please renew" % (serial_hex(self.server_cert), expires))
        with grpc_channel(self.stsd, self.pki.ca_file) as channel:
            self.assertEqual(token_pb2_grpc.TokenServiceStub(channel).Ready(token_pb2.ReadyRequest(),
                                                                            timeout=10).message, values["Message"])

    def test_login_responses_carry_the_notice_in_their_message(self):
        made = subprocess.run([STSD, "user", "add", "reader", "--data-dir", self.stsd.data_dir,
                               "--password-hash-memory-kib", "1024", "--password-hash-iterations", "1"],
                              input="reader-pw\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        status, _, body = curl_version("--cacert", self.pki.ca_file, "-X", "POST",
                                       self.stsd.https + "/v1/auth/token/access-token",
                                       data=json.dumps({"username": "reader", "password": "reader-pw"}))
        self.assertEqual(status, 200, body)
        expires = self.server_cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(json.loads(body)["message"], "the TLS certificate (subject CN=localhost, serial %s) expires "
                                                      "at %s, please renew" % (serial_hex(self.server_cert), expires))

    def test_the_log_warns_once_not_at_every_check(self):
        time.sleep(3)  # three reload checks at one second
        self.assertEqual(len(re.findall(r" warn tls: the TLS certificate .* expires at .*, please renew",
                                        self.stsd.log())), 1)

    def test_zz_a_renewed_certificate_clears_the_notice(self):
        self.pki.issue("renewed", "localhost", days=365)
        os.replace(self.pki.path("renewed", ".key"), self.pki.path("server", ".key"))
        os.replace(self.pki.path("renewed", ".pem"), self.pki.path("server", ".pem"))

        def plain_ok():
            return curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/readyz")[2] == b'{"Status":"ok"}'

        wait_for(plain_ok, 15, "the notice to clear")


class ExpiryWarningWindow(TlsCase):
    server_days = 3
    extra_args = ("--tls-expiry-warning-days", "2")

    def test_a_certificate_outside_the_window_is_not_reported(self):
        status, _, body = curl_version("--cacert", self.pki.ca_file, self.stsd.https + "/readyz")
        self.assertEqual((status, body), (200, b'{"Status":"ok"}'))
        self.assertNotIn("please renew", self.stsd.log())


class StartupRefusals(unittest.TestCase):
    """Configurations stsd must refuse before it listens anywhere."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sts-tls-refusals-")
        cls.pki = Pki(cls.tmp, "sts test CA")
        cls.pki.issue("server", "localhost")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_stsd(self, *args, check=True, env=None):
        data = tempfile.mkdtemp(dir=self.tmp)
        command = [STSD, "--data-dir", data] + (["--check-config"] if check else []) + list(args)
        return subprocess.run(command, capture_output=True, timeout=60,
                              env=dict(os.environ, STS_AUTH="none", **(env or {})))

    def test_non_loopback_without_tls_is_refused(self):
        for flag, name, listen in (("--rest-listen", "rest_listen", "0.0.0.0:9090"),
                                   ("--grpc-listen", "grpc_listen", "[::]:50051"),
                                   ("--rest-listen", "rest_listen", "192.0.2.1:9090"),
                                   ("--grpc-listen", "grpc_listen", "sts.example.com:50051")):
            with self.subTest(listen=listen):
                result = self.run_stsd(flag, listen)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("stsd: %s %s is not a loopback address and TLS is not configured: set tls_cert_file and "
                              "tls_key_file, or allow_plaintext: true" % (name, listen), result.stderr.decode())

    def test_a_real_start_exits_2_before_listening(self):
        # 192.0.2.1 (TEST-NET-1) is on no interface here: even a broken check could not listen there.
        result = self.run_stsd("--rest-listen", "192.0.2.1:0", check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(b"rest_listen 192.0.2.1:0 is not a loopback address", result.stderr)
        self.assertNotIn(b"listening", result.stderr)

    def test_allow_plaintext_and_tls_are_accepted(self):
        result = self.run_stsd("--rest-listen", "0.0.0.0:9090", "--grpc-listen", "[::]:50051", "--allow-plaintext",
                               "true")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b'allow_plaintext: "true"', result.stdout)
        for name, listen in (("rest_listen", "0.0.0.0:9090"), ("grpc_listen", "[::]:50051")):
            self.assertIn(" warn %s %s will serve plain text beyond this host (allow_plaintext: true)" % (name, listen),
                          result.stderr.decode())
        result = self.run_stsd("--rest-listen", "0.0.0.0:9090", env={"STS_TLS_CERT_FILE": self.pki.path("server", ".pem"),
                                                                     "STS_TLS_KEY_FILE": self.pki.path("server", ".key")})
        self.assertEqual(result.returncode, 0, result.stderr)
        for listen in ("127.0.0.2:0", "localhost:0", "[::1]:0"):
            with self.subTest(listen=listen):
                self.assertEqual(self.run_stsd("--rest-listen", listen, "--grpc-listen", listen).returncode, 0)

    def test_incomplete_tls_settings_are_refused(self):
        cert, key = self.pki.path("server", ".pem"), self.pki.path("server", ".key")
        for args, message in (
                (("--tls-cert-file", cert), b"tls_cert_file and tls_key_file go together"),
                (("--tls-key-file", key), b"tls_cert_file and tls_key_file go together"),
                (("--grpc-client-ca-file", self.pki.ca_file), b"grpc_client_ca_file (client certificates on gRPC) "
                                                              b"needs TLS"),
                (("--tls-cert-file", cert, "--tls-key-file", key, "--client-cert-roles", "cn:a=admin"),
                 b"client_cert_roles needs grpc_client_ca_file"),
                (("--tls-cert-file", cert, "--tls-key-file", key, "--grpc-client-ca-file", self.pki.ca_file,
                  "--client-cert-roles", "user:a=admin"), b"--client-cert-roles: expected comma-separated")):
            with self.subTest(args=args):
                result = self.run_stsd(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)

    def start_with(self, cert, key, *args):
        result = self.run_stsd("--rest-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--tls-cert-file",
                               cert, "--tls-key-file", key, "--shutdown-timeout-seconds", "1", *args, check=False)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker.encode(), result.stderr)
        return result

    def test_bad_certificate_files_stop_the_start_naming_the_file(self):
        good_cert, good_key = self.pki.path("server", ".pem"), self.pki.path("server", ".key")
        _, other_key = self.pki.issue("other", "localhost")
        encrypted = os.path.join(self.tmp, "encrypted.key")
        write_private(encrypted, other_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.BestAvailableEncryption(b"pass phrase")))
        shared = os.path.join(self.tmp, "shared.key")
        shutil.copy(good_key, shared)
        os.chmod(shared, 0o640)
        garbage = os.path.join(self.tmp, "garbage.pem")
        write_public(garbage, b"hello\n")
        missing = os.path.join(self.tmp, "missing.pem")
        for cert, key, message in (
                (good_cert, self.pki.path("other", ".key"),
                 "the private key in %s does not match the certificate in %s" % (self.pki.path("other", ".key"),
                                                                                  good_cert)),
                (good_cert, encrypted, "the TLS key file %s must hold an unencrypted PEM private key" % encrypted),
                (good_cert, shared, "the TLS key file %s must be private to the service user (owned by uid %d or "
                 "root, mode 0600 or 0400; it is uid %d, mode 0640); chmod 600 it, or set "
                 "secret_files_allow_shared=true" % (shared, os.geteuid(), os.geteuid())),
                (garbage, good_key, "the TLS certificate file %s must hold PEM certificates" % garbage),
                (good_key, good_key, "the TLS certificate file %s must hold PEM certificates" % good_key),
                (missing, good_key, "cannot read the TLS certificate file %s: No such file or directory" % missing),
                (good_cert, self.tmp, "the TLS key file %s is not a regular file" % self.tmp)):
            with self.subTest(cert=cert, key=key):
                result = self.start_with(cert, key)
                self.assertEqual(result.returncode, 2, result.stderr)  # a configuration error
                self.assertIn(message, result.stderr.decode())
                self.assertNotIn(b"listening", result.stderr)
                self.assertNotIn(b"PRIVATE KEY", result.stderr)

    def test_a_shared_key_file_is_accepted_only_when_allowed(self):
        shared = os.path.join(self.tmp, "allowed-shared.key")
        shutil.copy(self.pki.path("server", ".key"), shared)
        os.chmod(shared, 0o644)
        # The one override for every secret file; the key file has none of its own.
        result = self.start_with(self.pki.path("server", ".pem"), shared, "--tls-key-file-allow-shared", "true")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(b"unknown option '--tls-key-file-allow-shared'", result.stderr)
        stsd = Stsd("--tls-cert-file", self.pki.path("server", ".pem"), "--tls-key-file", shared,
                    "--secret-files-allow-shared", "true").start()
        try:
            self.assertIn("the TLS key file %s may be read by other users (uid %d, mode 0644); accepted because "
                          "secret_files_allow_shared=true" % (shared, os.geteuid()), stsd.log())
            status, _, _ = curl_version("--cacert", self.pki.ca_file, stsd.https + "/healthz")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(stsd.stop(), 0)
            stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
