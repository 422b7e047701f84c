"""Bearer JWT authentication end to end, with tokens minted by Debian's python3-jwt (an independent implementation)."""
import http.server
import json
import os
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


def mint(private_key, alg, kid, roles=("admin",), lifetime=300, **claims):
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": ["account", "sts"], "sub": "u-1", "preferred_username": "alice",
               "iat": now, "exp": now + lifetime, "realm_access": {"roles": list(roles)}}
    payload.update(claims)
    return jwt.encode(payload, private_key, algorithm=alg, headers={"kid": kid})


class Keys:
    rsa = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    p256 = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519.Ed25519PrivateKey.generate()
    intruder = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*entries):
    return {"keys": [public_jwk(key, kid, alg) for key, kid, alg in entries]}


class JwtOverBothProtocols(StsdTestCase):
    @classmethod
    def setUpClass(cls):
        directory = tempfile.mkdtemp(prefix="sts-jwks-")
        path = os.path.join(directory, "jwks.json")
        with open(path, "w") as f:
            json.dump(jwks((Keys.rsa, "rsa-1", "RS256"), (Keys.p256, "ec-1", "ES256"), (Keys.ed, "ed-1", "EdDSA")), f)
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
        stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_PUBLIC_KEYS": path}).start()
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

    def do_GET(self):
        body = json.dumps(JwksServer.document).encode()
        JwksServer.fetches += 1
        self.send_response(200)
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
        stsd = Stsd(env={"STS_AUTH": "jwt", "STS_JWT_JWKS_URL": url, "STS_JWT_AUDIENCE": "sts"}).start()
        try:
            status, _, body = curl("-X", "PUT", stsd.rest + "/token", "-H",
                                   "Authorization: Bearer " + mint(Keys.rsa, "RS256", "k1"))
            self.assertEqual(status, 201, body)
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
