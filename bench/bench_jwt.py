"""A JWT for the bench scripts: signed with a fresh RSA key by python3-jwt (independent of stsd), its JWKS in a file."""
import json
import os
import time


def mint_jwt(directory):
    """An RS256 JWT and its JWKS from python3-jwt, an implementation independent of stsd."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.get_algorithm_by_name("RS256").to_jwk(key.public_key()))
    jwk["kid"] = "bench"
    path = os.path.join(directory, "jwks.json")
    json.dump({"keys": [jwk]}, open(path, "w"))
    now = int(time.time())
    token = jwt.encode({"iss": "https://bench", "sub": "bench", "aud": "sts", "exp": now + 3600, "iat": now,
                        "realm_access": {"roles": ["admin"]}}, key, algorithm="RS256", headers={"kid": "bench"})
    return path, token
