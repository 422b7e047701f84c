"""A throwaway identity provider for the end-to-end tests: one RSA key, its JWKS file, and JWTs minted with the
independent python3-jwt, shaped as Keycloak issues them."""
import json
import os
import tempfile
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class IdentityProvider:
    def __init__(self, issuer, audience="sts"):
        self.issuer, self.audience = issuer, audience
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def env(self):
        """The STS_* variables that make stsd trust this provider."""
        key = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(self.key.public_key()))
        key.update({"kid": "k1", "use": "sig"})
        path = os.path.join(tempfile.mkdtemp(prefix="sts-idp-"), "jwks.json")
        with open(path, "w") as f:
            json.dump({"keys": [key]}, f)
        return {"STS_JWT_JWKS_FILE": path, "STS_JWT_ISSUER": self.issuer, "STS_JWT_AUDIENCE": self.audience}

    def mint(self, sub, username, roles=()):
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": sub, "preferred_username": username, "iat": now,
                  "exp": now + 600, "realm_access": {"roles": list(roles)}}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
