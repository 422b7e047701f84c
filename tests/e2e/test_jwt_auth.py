"""Bearer JWT authentication end to end, with tokens minted by Debian's python3-jwt (an independent implementation)."""
import base64
import http.server
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import grpc
import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys

from stsd import Stsd, StsdTestCase, curl, error_body, stubs

token_pb2, token_pb2_grpc, _, _ = stubs()

ISSUER = "https://kc.test/realms/shasta"


def public_jwk(private_key, kid, alg):
    algorithm = jwt.get_algorithm_by_name(alg)
    key = json.loads(algorithm.to_jwk(private_key.public_key()))
    key.update({"kid": kid, "use": "sig"})
    return key


def mint(private_key, alg, kid, roles=("admin",), lifetime=300, typ="JWT", **claims):
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": ["account", "sts"], "sub": "u-1", "preferred_username": "alice",
               "iat": now, "exp": now + lifetime, "realm_access": {"roles": list(roles)}}
    payload.update(claims)
    headers = {"typ": typ} if kid is None else {"kid": kid, "typ": typ}
    return jwt.encode(payload, private_key, algorithm=alg, headers=headers)


def mint_raw(private_key, alg, kid, claims_json):
    """A token whose payload is exactly claims_json: numbers no JSON encoder would write (1e400) stay as written."""
    return jwt.api_jws.encode(claims_json.encode(), private_key, algorithm=alg, headers={"kid": kid})


class Keys:
    rsa = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    p256 = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    intruder = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    # More RSA keys in the JWKS: with rsa-1, five keys could verify a kid-less RS256 token.
    more_rsa = [rsa_keys.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(4)]


def jwks(*entries):
    return {"keys": [public_jwk(key, kid, alg) for key, kid, alg in entries]}


class JwtOverBothProtocols(StsdTestCase):
    @classmethod
    def setUpClass(cls):
        directory = tempfile.mkdtemp(prefix="sts-jwks-")
        path = os.path.join(directory, "jwks.json")
        more = [(key, "rsa-more-%d" % i, "RS256") for i, key in enumerate(Keys.more_rsa)]
        with open(path, "w") as f:
            json.dump(jwks((Keys.rsa, "rsa-1", "RS256"), (Keys.p256, "ec-1", "ES256"), (Keys.ed, "ed-1", "EdDSA"),
                           *more), f)
        cls.stsd_env = {"STS_AUTH": "jwt", "STS_JWT_JWKS_FILE": path, "STS_JWT_ISSUER": ISSUER,
                        "STS_JWT_AUDIENCE": "sts"}
        super().setUpClass()

    def put(self, token):
        headers = () if token is None else ("-H", "Authorization: Bearer " + token)
        return curl("-X", "PUT", self.stsd.rest + "/token", *headers)

    def assert_unauthenticated(self, token, description):
        status, headers, body = self.put(token)
        self.assertEqual(status, 401, body)
        message = error_body(self, body, 401, "UNAUTHENTICATED")
        self.assertIn(description, message)
        self.assertIn('Bearer realm="sts", error="invalid_token", error_description="', headers["www-authenticate"])
        self.assertIn(description, headers["www-authenticate"])
        if token:
            self.assertNotIn(token, self.stsd.log())

    def test_admin_tokens_of_every_key_type_get_credentials(self):
        for key, alg, kid in ((Keys.rsa, "RS256", "rsa-1"), (Keys.p256, "ES256", "ec-1"), (Keys.ed, "EdDSA", "ed-1")):
            with self.subTest(alg=alg):
                token = mint(key, alg, kid)
                status, _, body = self.put(token)
                self.assertEqual(status, 201, body)
                self.assertNotIn(token, self.stsd.log())

    def test_non_admin_is_forbidden(self):
        status, _, body = self.put(mint(Keys.rsa, "RS256", "rsa-1", roles=("viewer",)))
        self.assertEqual(status, 403)
        self.assertIn("requires the role 'admin'", error_body(self, body, 403, "PERMISSION_DENIED"))

    def test_invalid_tokens_say_why(self):
        self.assert_unauthenticated(None, "missing credentials")
        self.assert_unauthenticated(mint(Keys.rsa, "RS256", "rsa-1", lifetime=-3600), "expired at")
        self.assert_unauthenticated(mint(Keys.rsa, "RS256", "rsa-1", aud="someone-else"), "wrong audience")
        self.assert_unauthenticated(mint(Keys.rsa, "RS256", "rsa-1", iss="https://evil"), "wrong issuer")
        self.assert_unauthenticated(mint(Keys.intruder, "RS256", "rsa-1"), "bad signature")
        self.assert_unauthenticated(mint(Keys.intruder, "RS256", "rsa-9"), "unknown key id 'rsa-9'")
        self.assert_unauthenticated(mint(Keys.rsa, "RS256", "rsa-1", nbf=int(time.time()) + 3600),
                                    "not yet valid")
        self.assert_unauthenticated("not.a.jwt", "malformed")
        forged = jwt.encode({"exp": int(time.time()) + 60}, "secret", algorithm="HS256", headers={"kid": "rsa-1"})
        self.assert_unauthenticated(forged, "algorithm 'HS256' is not accepted")

    def issue_grpc(self, token, timeout=10):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = token_pb2_grpc.TokenServiceStub(channel)
            return stub.IssueToken(token_pb2.IssueTokenRequest(), metadata=(("authorization", "Bearer " + token),),
                                   timeout=timeout)

    def assert_grpc_unauthenticated(self, token, description):
        with self.assertRaises(grpc.RpcError) as raised:
            self.issue_grpc(token)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn(description, raised.exception.details())

    def test_typ_must_name_a_jwt(self):
        for typ in ("JWT", "at+jwt", "application/at+jwt", "AT+JWT", "jwt"):
            with self.subTest(typ=typ):
                token = mint(Keys.p256, "ES256", "ec-1", typ=typ)
                status, _, body = self.put(token)
                self.assertEqual(status, 201, body)
                self.assertTrue(self.issue_grpc(token).credentials.session_token)
        # Another kind of JOSE object signed by the same identity provider is not an access token.
        for typ in ("JOSE+JSON", "foo", "JOSE", "logout+jwt", "application/jose"):
            with self.subTest(typ=typ):
                token = mint(Keys.p256, "ES256", "ec-1", typ=typ)
                description = "typ '%s' is not accepted: expected JWT or at+jwt" % typ
                self.assert_unauthenticated(token, description)
                self.assert_grpc_unauthenticated(token, description)

    def test_kidless_tokens_are_not_tried_against_many_keys(self):
        # One ES256 key in the set: a token without kid is checked against it.
        token = mint(Keys.p256, "ES256", None)
        status, _, body = self.put(token)
        self.assertEqual(status, 201, body)
        self.assertTrue(self.issue_grpc(token).credentials.session_token)
        # Five keys could verify RS256: the token is refused without a signature check, even when correctly signed.
        token = mint(Keys.rsa, "RS256", None)
        description = "the token has no kid and 5 keys could verify it; the issuer must send kid"
        self.assert_unauthenticated(token, description)
        self.assert_grpc_unauthenticated(token, description)
        status, _, body = self.put(mint(Keys.more_rsa[2], "RS256", "rsa-more-2"))
        self.assertEqual(status, 201, body)

    def test_out_of_range_time_claims_are_malformed(self):
        later = int(time.time()) + 300
        base = '{"iss":"%s","aud":"sts","sub":"u-1","realm_access":{"roles":["admin"]},' % ISSUER
        cases = [("exp", '"exp":1e300'), ("exp", '"exp":9223372036854775807'), ("exp", '"exp":1e400'),
                 ("exp", '"exp":-1'), ("nbf", '"exp":%d,"nbf":1e300' % later),
                 ("nbf", '"exp":%d,"nbf":9223372036854775807' % later), ("iat", '"exp":%d,"iat":-1e300' % later),
                 ("iat", '"exp":%d,"iat":18446744073709551616' % later)]
        for claim, times in cases:
            with self.subTest(times=times):
                token = mint_raw(Keys.rsa, "RS256", "rsa-1", base + times + "}")
                description = "malformed: the %s claim " % claim
                self.assert_unauthenticated(token, description)
                self.assert_unauthenticated(token, "is out of range")
                self.assert_grpc_unauthenticated(token, description)
        # A fractional exp is a valid NumericDate (RFC 7519).
        token = mint_raw(Keys.rsa, "RS256", "rsa-1", base + '"exp":%d.5}' % later)
        status, _, body = self.put(token)
        self.assertEqual(status, 201, body)

    def grpc_with_timeout(self, method, token, grpc_timeout):
        """One unary gRPC call by curl over HTTP/2, sending grpc-timeout as given; returns headers and trailers."""
        result = subprocess.run(["curl", "-s", "-S", "--max-time", "20", "--http2-prior-knowledge", "-X", "POST",
                                 "-D", "-", "-o", "/dev/null", "-H", "content-type: application/grpc", "-H",
                                 "te: trailers", "-H", "grpc-timeout: " + grpc_timeout, "-H",
                                 "authorization: Bearer " + token, "--data-binary", "@-",
                                 "http://%s/sts.v1.TokenService/%s" % (self.stsd.grpc, method)],
                                input=b"\0\0\0\0\0", capture_output=True, timeout=30)  # an empty message
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        return result.stdout.decode(errors="replace")

    def test_grpc_far_deadline(self):
        token = mint(Keys.ed, "EdDSA", "ed-1")
        # The longest timeout gRPC can send, 99999999 hours: its nanoseconds from now do not fit in 64 bits.
        for method in ("IssueToken", "Health"):
            with self.subTest(method=method):
                reply = self.grpc_with_timeout(method, token, "99999999H")
                self.assertIn("grpc-status: 0", reply)
        # Python's grpc (1.51) itself fails timeouts past 2**63 ns locally; 3e9 s (95 years) is the long end it sends.
        self.assertTrue(self.issue_grpc(token, timeout=3e9).credentials.session_token)
        status, _, body = curl(self.stsd.rest + "/healthz")
        self.assertEqual(status, 200, body)

    def test_cached_tokens_still_expire(self):
        token = mint(Keys.rsa, "RS256", "rsa-1", lifetime=-55)  # expired, but within the 60 s leeway
        status, _, body = self.put(token)
        self.assertEqual(status, 201, body)
        time.sleep(6)  # now past exp + leeway; the verified-token cache must not keep it alive
        self.assert_unauthenticated(token, "expired at")

    def test_health_stays_open(self):
        status, _, body = curl(self.stsd.rest + "/healthz")
        self.assertEqual((status, body), (200, b'{"Status":"ok"}'))

    def test_documented_python_flow(self):
        token = mint(Keys.p256, "ES256", "ec-1")
        response = requests.put(self.stsd.rest + "/apis/sts/token", headers={"Authorization": "Bearer " + token},
                                timeout=10)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertIn("SessionToken", response.json()["Credentials"])

    def test_grpc(self):
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = token_pb2_grpc.TokenServiceStub(channel)

            def issue(token):
                metadata = () if token is None else (("authorization", "Bearer " + token),)
                return stub.IssueToken(token_pb2.IssueTokenRequest(), metadata=metadata, timeout=10)

            self.assertTrue(issue(mint(Keys.ed, "EdDSA", "ed-1")).credentials.session_token)
            cases = [(mint(Keys.rsa, "RS256", "rsa-1", roles=()), grpc.StatusCode.PERMISSION_DENIED, "admin"),
                     (mint(Keys.rsa, "RS256", "rsa-1", lifetime=-3600), grpc.StatusCode.UNAUTHENTICATED, "expired at"),
                     (mint(Keys.rsa, "RS256", "rsa-1", aud="x"), grpc.StatusCode.UNAUTHENTICATED, "wrong audience"),
                     (mint(Keys.intruder, "RS256", "rsa-1"), grpc.StatusCode.UNAUTHENTICATED, "bad signature"),
                     (None, grpc.StatusCode.UNAUTHENTICATED, "missing credentials")]
            for token, code, text in cases:
                with self.subTest(text=text):
                    with self.assertRaises(grpc.RpcError) as raised:
                        issue(token)
                    self.assertEqual(raised.exception.code(), code)
                    self.assertIn(text, raised.exception.details())
            self.assertEqual(stub.Health(token_pb2.HealthRequest(), timeout=10).status, "ok")


class PemPublicKeys(unittest.TestCase):
    def test_pem_keys_verify_tokens_without_a_jwks(self):
        from cryptography.hazmat.primitives import serialization
        directory = tempfile.mkdtemp(prefix="sts-pem-")
        path = os.path.join(directory, "kc.pem")
        with open(path, "wb") as f:
            f.write(Keys.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
        stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_PUBLIC_KEYS": path, "STS_JWT_ISSUER": ISSUER,
                         "STS_JWT_AUDIENCE": "sts"}).start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H",
                                   "Authorization: Bearer " + mint(Keys.rsa, "PS256", "whatever"))
            self.assertEqual(status, 201, body)
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H",
                                   "Authorization: Bearer " + mint(Keys.intruder, "RS256", "whatever"))
            self.assertEqual(status, 401)
            self.assertIn("bad signature", body.decode())
        finally:
            self.assertEqual(stsd.stop(), 0, stsd.log())
        stsd.assert_clean(self)


class JwksServer(http.server.BaseHTTPRequestHandler):
    document = {}
    fetches = 0
    status = 200
    authorizations = []

    def do_GET(self):
        body = json.dumps(JwksServer.document).encode()
        JwksServer.fetches += 1
        JwksServer.authorizations.append(self.headers.get("Authorization"))
        self.send_response(JwksServer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class JwksUrlRotation(unittest.TestCase):
    def test_unknown_kid_triggers_a_refetch(self):
        JwksServer.document = jwks((Keys.rsa, "k1", "RS256"))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JwksServer)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        url = "http://127.0.0.1:%d/realms/shasta/protocol/openid-connect/certs" % server.server_address[1]
        stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_JWKS_URL": url, "STS_JWT_ISSUER": ISSUER,
                         "STS_JWT_AUDIENCE": "sts"}).start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H",
                                   "Authorization: Bearer " + mint(Keys.rsa, "RS256", "k1"))
            self.assertEqual(status, 201, body)
            # A JWKS URL needs libcurl (which itself links libldap), not libpq.
            self.assertEqual(stsd.optional_libraries() - {"libldap"}, {"libcurl"})
            # The identity provider rotates to a new key.
            JwksServer.document = jwks((Keys.p256, "k2", "ES256"))
            rotated = mint(Keys.p256, "ES256", "k2")
            deadline = time.monotonic() + 30
            status = None
            while time.monotonic() < deadline:
                status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H", "Authorization: Bearer " + rotated)
                if status == 201:
                    break
                self.assertIn("unknown key id 'k2'", body.decode())
                time.sleep(0.5)
            self.assertEqual(status, 201, body)
            self.assertGreaterEqual(JwksServer.fetches, 2)
        finally:
            code = stsd.stop()
            server.shutdown()
            server.server_close()
            thread.join()
        self.assertEqual(code, 0, stsd.log())
        stsd.assert_clean(self)


class JwksUrlFaults(unittest.TestCase):
    def test_garbage_or_no_answer_keeps_the_last_keys_until_their_maximum_age(self):
        JwksServer.document = jwks((Keys.rsa, "k1", "RS256"))
        JwksServer.status = 200
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JwksServer)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        url = "http://127.0.0.1:%d/certs" % server.server_address[1]
        # Fetched every 10 s (the least allowed); kept 25 s after the last good fetch.
        stsd = Stsd("--jwt-jwks-refresh-seconds", "10", "--jwt-jwks-max-age-seconds", "25",
                    env={"STS_AUTH": "jwt", "STS_JWT_JWKS_URL": url, "STS_JWT_ISSUER": ISSUER,
                         "STS_JWT_AUDIENCE": "sts"}).start()
        token = mint(Keys.rsa, "RS256", "k1")

        def put():
            return curl("-X", "PUT", stsd.rest + "/token", "-H", "Authorization: Bearer " + token)[0::2]
        try:
            self.assertEqual(put()[0], 201)
            good_at = time.monotonic()
            # The URL now answers garbage, then an error: the keys stay, the token keeps working.
            JwksServer.document = "<html>garbage</html>"
            fetches = JwksServer.fetches
            while JwksServer.fetches < fetches + 2:
                self.assertEqual(put()[0], 201)
                time.sleep(0.5)
            JwksServer.status = 503
            self.assertEqual(put()[0], 201)
            self.assertIn("keeping the keys we have", stsd.log())
            # Past the maximum age the keys are dropped, cached verifications included.
            deadline = good_at + 45
            status, body = put()
            while status == 201 and time.monotonic() < deadline:
                time.sleep(0.5)
                status, body = put()
            self.assertEqual(status, 401, body)
            self.assertGreaterEqual(time.monotonic() - good_at, 25)
            self.assertIn("jwt_jwks_max_age_seconds", stsd.log())
            # The URL heals: the next fetch brings the keys back, without a restart.
            JwksServer.status = 200
            JwksServer.document = jwks((Keys.rsa, "k1", "RS256"))
            deadline = time.monotonic() + 25
            while put()[0] != 201 and time.monotonic() < deadline:
                time.sleep(0.5)
            self.assertEqual(put()[0], 201)
        finally:
            JwksServer.status = 200
            code = stsd.stop()
            server.shutdown()
            server.server_close()
            thread.join()
        self.assertEqual(code, 0, stsd.log())
        stsd.assert_clean(self)


class JwksUrlCredentials(unittest.TestCase):
    def test_credentials_in_the_url_are_used_but_never_logged(self):
        JwksServer.document = jwks((Keys.rsa, "k1", "RS256"))
        JwksServer.authorizations = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JwksServer)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        with socket.socket() as closed:  # a port nothing listens on once the socket is closed
            closed.bind(("127.0.0.1", 0))
            unreachable = closed.getsockname()[1]
        path = "/realms/shasta/protocol/openid-connect/certs"
        try:
            for port, status, expected in (
                    (server.server_address[1], 200, "loaded 1 JWT keys from http://127.0.0.1:%d" + path),
                    (server.server_address[1], 503, "fetching the JWKS from http://127.0.0.1:%d" + path +
                     " gave HTTP 503; keeping the keys we have"),
                    (unreachable, None, "cannot fetch the JWKS from http://127.0.0.1:%d" + path + ": ")):
                with self.subTest(status=status):
                    JwksServer.status = status
                    url = "http://jwks-reader:pa55%%40s3cr3t@127.0.0.1:%d%s" % (port, path)
                    stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_JWKS_URL": url, "STS_JWT_ISSUER": ISSUER,
                                     "STS_JWT_AUDIENCE": "sts"}).start()
                    code = stsd.stop()
                    log = stsd.log()
                    self.assertEqual(code, 0, log)
                    stsd.assert_clean(self)
                    self.assertIn(expected % port, log)
                    for secret in ("jwks-reader", "pa55", "s3cr3t"):
                        self.assertNotIn(secret, log)
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            JwksServer.status = 200
        # Left out of messages only: the fetches still authenticate with them.
        self.assertEqual(JwksServer.authorizations,
                         ["Basic " + base64.b64encode(b"jwks-reader:pa55@s3cr3t").decode()] * 2)


def write_jwks(*entries):
    path = os.path.join(tempfile.mkdtemp(prefix="sts-jwks-"), "jwks.json")
    with open(path, "w") as f:
        json.dump(jwks(*entries), f)
    return path


class JwtConfiguration(unittest.TestCase):
    def refused(self, env, default_auth=False):
        """Starts stsd with env; it must exit 2 at once, cleanly. Returns its log."""
        stsd = Stsd(env=env)
        if default_auth:
            del stsd.env["STS_AUTH"]  # unset: JWT keys put jwt into the default chain
        stsd.start(wait_ready=False)
        code = stsd.wait(20)
        if code is None:
            stsd.stop()
        stsd.assert_clean(self)
        self.assertEqual(code, 2, stsd.log())
        return stsd.log()

    def test_issuer_and_audience_are_required_with_jwt_keys(self):
        path = write_jwks((Keys.rsa, "rsa-1", "RS256"))
        for env, default_auth, option, claim in (
                ({"STS_JWT_JWKS_FILE": path, "STS_JWT_AUDIENCE": "sts"}, True, "jwt_issuer", "iss"),
                ({"STS_AUTH": "jwt", "STS_JWT_JWKS_FILE": path, "STS_JWT_ISSUER": ISSUER}, False, "jwt_audience",
                 "aud"),
                ({"STS_AUTH": "access-token,jwt", "STS_JWT_JWKS_FILE": path}, False, "jwt_issuer", "iss")):
            with self.subTest(env=env):
                log = self.refused(env, default_auth)
                self.assertIn("stsd: %s is required with JWT keys" % option, log)
                self.assertIn("list the accepted %s values, or set it to '*' to accept any" % claim, log)

    def test_wildcard_mixed_with_values_is_refused(self):
        path = write_jwks((Keys.rsa, "rsa-1", "RS256"))
        log = self.refused({"STS_AUTH": "jwt", "STS_JWT_JWKS_FILE": path, "STS_JWT_ISSUER": "*," + ISSUER,
                            "STS_JWT_AUDIENCE": "sts"})
        self.assertIn("jwt_issuer: '*' (accept any issuer) cannot be combined with other values", log)

    def test_plain_http_jwks_url_is_refused_unless_loopback(self):
        for url, host in (("http://kc.example/certs", "kc.example"), ("http://10.0.0.1:8080/certs", "10.0.0.1"),
                          ("http://127.0.0.1@kc.example/certs", "kc.example")):
            with self.subTest(url=url):
                log = self.refused({"STS_AUTH": "jwt", "STS_JWT_JWKS_URL": url, "STS_JWT_ISSUER": ISSUER,
                                    "STS_JWT_AUDIENCE": "sts"})
                self.assertIn("jwt_jwks_url must use https: plain http is allowed only to a loopback host", log)
                self.assertIn("not to '%s'" % host, log)

    def test_wildcards_opt_out_with_a_warning(self):
        path = write_jwks((Keys.rsa, "rsa-1", "RS256"))
        stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_JWKS_FILE": path, "STS_JWT_ISSUER": "*",
                         "STS_JWT_AUDIENCE": "*"}).start()
        try:
            token = mint(Keys.rsa, "RS256", "rsa-1", iss="https://anyone", aud="some-other-service")
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H", "Authorization: Bearer " + token)
            self.assertEqual(status, 201, body)
            # The wildcard does not relax anything else.
            token = mint(Keys.rsa, "RS256", "rsa-1", iss="https://anyone", typ="JOSE")
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H", "Authorization: Bearer " + token)
            self.assertEqual(status, 401, body)
        finally:
            self.assertEqual(stsd.stop(), 0, stsd.log())
        log = stsd.log()
        self.assertIn("warn jwt_issuer is '*': JWTs from any issuer", log)
        self.assertIn("warn jwt_audience is '*': JWTs meant for any audience are accepted", log)
        stsd.assert_clean(self)


class SafeDefaults(unittest.TestCase):
    def test_unset_auth_requires_access_tokens_and_bootstraps_an_admin_token(self):
        stsd = Stsd()
        del stsd.env["STS_AUTH"]
        stsd.start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 401)
            self.assertIn("missing credentials", error_body(self, body, 401, "UNAUTHENTICATED"))
            path = os.path.join(stsd.data_dir, "admin.token")
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            with open(path) as f:
                token = f.read().strip()
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H", "Authorization: Bearer " + token)
            self.assertEqual(status, 201, body)
        finally:
            self.assertEqual(stsd.stop(), 0)
        self.assertIn("created the first admin access token; it is in " + path, stsd.log())
        self.assertNotIn(token, stsd.log())
        stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
