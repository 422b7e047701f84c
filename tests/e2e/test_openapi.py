"""GET /openapi.json against the real stsd: it is gen/openapi.json; its operations are exactly the routes the method
table (gen/sts_methods.c) gives the router, and the server answers each of them; and the answers of every operation,
successes and errors in both error styles, validate against the document's schemas (JSON Schema 2020-12, which
OpenAPI 3.1 uses) with python3-jsonschema. A new operation without a call here fails the coverage checks."""
import json
import os
import re
import unittest

import jsonschema
import requests

from stsd import run_stsd, Stsd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")
VERBS = ("get", "put", "post", "delete", "patch")
ADMIN_PASSWORD = "admin-password-1"
PLAIN_PASSWORD = "plain-password-1"


def load_document():
    with open(os.path.join(ROOT, "gen", "openapi.json"), "rb") as f:
        return f.read()


def table_routes():
    """(VERB, path template) of every row of the generated method table, which the router is built from."""
    with open(os.path.join(ROOT, "gen", "sts_methods.c")) as f:
        return {(verb, path) for verb, path in re.findall(r'\{STS_HTTP_([A-Z]+), "([^"]*)"', f.read())}


def fill(template, **values):
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "probe"), template)


class OpenApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = Stsd(*FAST_HASH, "--login-free-failures", "1000", env={"STS_AUTH": "access-token"})
        data = ("--data-dir", cls.stsd.data_dir, *FAST_HASH)
        run_stsd("user", "add", "admin", "--roles", "admin", *data, password=ADMIN_PASSWORD + "\n")
        run_stsd("user", "add", "plain", *data, password=PLAIN_PASSWORD + "\n")
        run_stsd("client", "add", "shasta", "--roles", "admin", *data)
        made = run_stsd("client", "add", "robot", "--secret", "--roles", "admin", *data)
        cls.robot_secret = made.stdout.split("client secret (shown once, keep it): ")[1].strip()
        cls.stsd.start()
        cls.document = json.loads(load_document())
        cls.operations = {}  # operationId -> (verb, path template, operation)
        for path, item in cls.document["paths"].items():
            for verb, operation in item.items():
                cls.operations[operation["operationId"]] = (verb, path, operation)
        cls.resolver = jsonschema.RefResolver.from_schema(cls.document)

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    # --- checking one answer against the document -------------------------------------------------------------

    def check(self, operation_id, reply, success):
        """Validates reply against the response the document gives operation_id for its status; returns its JSON."""
        verb, path, operation = self.operations[operation_id]
        where = "%s %s %s -> %d %s" % (operation_id, verb.upper(), path, reply.status_code, reply.text[:300])
        responses = operation["responses"]
        status = str(reply.status_code)
        if success:
            # A success must have exactly the documented status, never a range.
            self.assertIn(status, [key for key in responses if key.startswith("2")], where)
        key = status if status in responses else status[0] + "XX"
        self.assertIn(key, responses, where)
        response = responses[key]
        if "$ref" in response:
            response = self.resolver.resolve(response["$ref"])[1]
        if "content" not in response:
            self.assertEqual(reply.content, b"", where)
            return None
        self.assertEqual(reply.headers.get("content-type"), "application/json", where)
        schema = response["content"]["application/json"]["schema"]
        body = reply.json()
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        self.assertEqual([], ["%s at %s" % (e.message, list(e.absolute_path)) for e in errors], where)
        for name, header in response.get("headers", {}).items():
            self.assertEqual(reply.headers.get(name), header["schema"]["const"], where)
        return body

    def call(self, operation_id, token=None, auth=None, success=True, values=None, **kwargs):
        verb, path, _ = self.operations[operation_id]
        headers = {"Authorization": "Bearer " + token} if token else {}
        reply = requests.request(verb.upper(), self.stsd.rest + fill(path, **(values or {})), headers=headers,
                                 auth=auth, timeout=60, **kwargs)
        if success:
            self.assertLess(reply.status_code, 300, "%s: %s" % (operation_id, reply.text))
        body = self.check(operation_id, reply, success)
        return reply, body

    def each(self, method, **kwargs):
        """Calls every operation (HTTP binding) of the gRPC method; returns the last answer's JSON."""
        ids = [oid for oid, (_, _, op) in self.operations.items() if op["x-grpc-method"] == method]
        self.assertTrue(ids, method)
        body = None
        for operation_id in ids:
            # Public operations are called without credentials, the others with them: as the document says.
            self.assertEqual(self.is_public(self.operations[operation_id][2]), "token" not in kwargs, operation_id)
            arguments = {name: (value() if callable(value) else value) for name, value in kwargs.items()}
            _, body = self.call(operation_id, **arguments)
            self.covered.add(operation_id)
        return body

    def is_public(self, operation):
        """Whether the document lets a caller without credentials call it (an empty requirement, or none at all)."""
        return operation["security"] == [] or {} in operation["security"]

    # --- the tests ------------------------------------------------------------------------------------------------

    def test_served_document_is_the_generated_one(self):
        reply = requests.get(self.stsd.rest + "/openapi.json", timeout=20)  # no credentials, with auth on
        self.assertEqual(reply.status_code, 200, reply.text[:200])
        self.assertEqual(reply.headers["content-type"], "application/json")
        self.assertEqual(reply.content, load_document())
        self.assertEqual(reply.json()["openapi"], "3.1.0")
        self.assertEqual(requests.get(self.stsd.rest + "/openapi.json?x=1", timeout=20).content, load_document())
        # Only GET of exactly that path: the rest goes to the router, which knows no such path.
        for verb, path in (("POST", "/openapi.json"), ("DELETE", "/openapi.json"), ("GET", "/openapi.json/"),
                           ("GET", "/OPENAPI.JSON"), ("GET", "/openapi.jsonx"), ("GET", "/v1/openapi.json")):
            reply = requests.request(verb, self.stsd.rest + path, timeout=20)
            self.assertEqual((reply.status_code, reply.json()["status"]), (404, "NOT_FOUND"), (verb, path))

    def test_operations_are_exactly_the_routes_the_server_serves(self):
        documented = {(verb.upper(), path) for verb, path, _ in self.operations.values()}
        self.assertEqual(documented, table_routes())
        allowed = {}
        for verb, path in documented:
            allowed.setdefault(path, set()).add(verb)
        for path, verbs in allowed.items():
            for verb in VERBS:
                reply = requests.request(verb.upper(), self.stsd.rest + fill(path, realm="shasta"), timeout=20)
                if verb.upper() in verbs:
                    # Routed: a handler may still say 404 of a resource, never the router's "no such path".
                    self.assertNotEqual(reply.status_code, 405, (verb, path, reply.text))
                    self.assertNotIn("no such path", reply.text, (verb, path))
                else:
                    self.assertEqual(reply.status_code, 405, (verb, path, reply.text))
                    self.assertEqual(set(reply.headers["allow"].split(", ")), verbs, path)
        # Paths beside the documented ones are not served; the adapter's own two endpoints are (see info).
        for path in ("/v1/auth/token", "/apis/sts", "/oauth2", "/v1/auth/users/a/b/c"):
            self.assertEqual(requests.get(self.stsd.rest + path, timeout=20).status_code, 404, path)
        self.assertIn("/metrics", self.document["info"]["description"])
        self.assertIn("/openapi.json", self.document["info"]["description"])
        self.assertEqual(requests.get(self.stsd.rest + "/metrics", timeout=20).status_code, 200)

    def schema(self, schema):
        """schema with its $ref followed."""
        while "$ref" in schema:
            schema = self.resolver.resolve(schema["$ref"])[1]
        return schema

    def fields(self, verb, path, where):
        """Property names of the request body ("body"), query ("query") or success answer ("answer") of one route,
        and the success status ("status")."""
        operation = self.document["paths"][path][verb]
        if where == "status":
            return [key for key in operation["responses"] if key.startswith("2")]
        if where == "query":
            return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if where == "body":
            return set(self.schema(operation["requestBody"]["content"]["application/json"]["schema"])["properties"])
        success = operation["responses"][self.fields(verb, path, "status")[0]]
        if "content" not in success:
            return None
        return self.schema(success["content"]["application/json"]["schema"])

    def properties(self, schema, *names):
        for name in names:
            schema = self.schema(schema["properties"][name])
        return list(schema["properties"])

    def test_the_seed_contracts_exactly(self):
        # Cray STS: PUT /token and /apis/sts/token answer 201 with the five keys in their order.
        for path in ("/token", "/apis/sts/token"):
            self.assertEqual(self.fields("put", path, "status"), ["201"])
            self.assertEqual(self.fields("put", path, "body"), {"DurationSeconds", "Policy"})
            self.assertEqual(self.properties(self.fields("put", path, "answer"), "Credentials"),
                             ["AccessKeyId", "EndpointURL", "Expiration", "SecretAccessKey", "SessionToken"])
        for path in ("/healthz", "/apis/sts/healthz"):
            self.assertEqual(self.fields("get", path, "status"), ["200"])
            self.assertEqual(list(self.fields("get", path, "answer")["properties"]), ["Status"])
        # Qumulo access tokens.
        base = "/v1/auth/access-tokens/"
        self.assertEqual(self.fields("get", base, "query"), {"user", "after", "limit"})
        listed = self.fields("get", base, "answer")
        self.assertEqual(list(listed["properties"]), ["entries", "paging"])
        self.assertEqual(self.properties(listed, "paging"), ["next"])
        self.assertEqual(self.fields("post", base, "body"), {"user", "expiration_time"})
        self.assertEqual(list(self.fields("post", base, "answer")["properties"]), ["id", "bearer_token"])
        metadata = ["id", "user", "creator", "creation_time", "expiration_time", "enabled", "last_used_time"]
        for verb in ("get", "patch"):
            self.assertEqual(list(self.fields(verb, base + "{id}", "answer")["properties"]), metadata)
        self.assertEqual(self.fields("patch", base + "{id}", "body"), {"enabled", "expiration_time"})
        self.assertIsNone(self.fields("delete", base + "{id}", "answer"))  # 200 with an empty body
        self.assertEqual(self.fields("delete", base + "{id}", "status"), ["200"])
        identity = self.fields("get", base + "{id}", "answer")
        self.assertEqual(self.properties(identity, "user"), ["domain", "auth_id", "uid", "gid", "sid", "name"])
        domains = self.schema(self.schema(identity["properties"]["user"])["properties"]["domain"])["enum"]
        self.assertLessEqual({"LOCAL", "API_NULL_DOMAIN", "WORLD", "POSIX_USER", "POSIX_GROUP", "ACTIVE_DIRECTORY",
                              "API_INVALID_DOMAIN", "API_RESERVED_DOMAIN", "API_INTERNAL_DOMAIN",
                              "API_OPERATOR_DOMAIN", "API_CREATOR_DOMAIN"}, set(domains))
        # EFA/XCO logins: kebab-case, clientId and expiry.
        pair = ["access-token", "token-type", "refresh-token", "message"]
        for path, body, answer in (
                ("/v1/auth/token/access-token", {"username", "password"}, pair),
                ("/v1/auth/token/refresh", {"grant-type", "refresh-token"}, pair),
                ("/v1/auth/token/extended", {"clientId", "expiry"}, pair),
                ("/v1/auth/token/client", {"username", "password", "clientId"}, ["access-token", "token-type",
                                                                                 "message"]),
                ("/v1/auth/token/revoke", {"refresh-token"}, None)):
            self.assertEqual(self.fields("post", path, "status"), ["200"], path)
            self.assertEqual(self.fields("post", path, "body"), body, path)
            got = self.fields("post", path, "answer")
            self.assertEqual(got and list(got["properties"]), answer, path)
        # OAuth 2.0: form bodies and RFC 6749's error shape, also on Keycloak's paths.
        for prefix in ("/oauth2/token", "/realms/{realm}/protocol/openid-connect/token",
                       "/keycloak/realms/{realm}/protocol/openid-connect/token"):
            operation = self.document["paths"][prefix]["post"]
            self.assertIn("application/x-www-form-urlencoded", operation["requestBody"]["content"])
            self.assertTrue(operation["responses"]["4XX"]["$ref"].endswith("/OAuth2Error"))

    def test_errors_of_every_operation_match_its_error_style(self):
        errors = set()
        for operation_id, (verb, path, operation) in self.operations.items():
            # Every binding decodes its query; an unknown parameter is refused before the method runs.
            reply, body = self.call(operation_id, success=False, params={"no_such_parameter": "1"})
            self.assertEqual(reply.status_code, 400, operation_id)
            oauth2 = operation["responses"]["4XX"]["$ref"].endswith("/OAuth2Error")
            self.assertEqual(set(body), {"error", "error_description"} if oauth2 else {"code", "status", "message"})
            if not self.is_public(operation):
                reply, body = self.call(operation_id, success=False)
                self.assertEqual(reply.status_code, 401, operation_id)
                self.assertEqual(body["status"], "UNAUTHENTICATED")
            errors.add(operation_id)
        self.assertEqual(errors, set(self.operations))
        # The other statuses of each style: an OAuth client that fails to authenticate, a missing resource.
        reply, body = self.call("OAuthService_Token", success=False, auth=("robot", "wrong"),
                                data={"grant_type": "client_credentials"})
        self.assertEqual((reply.status_code, body["error"]), (401, "invalid_client"))
        admin = self.login("admin", ADMIN_PASSWORD)["access-token"]
        reply, body = self.call("UserService_GetUser", token=admin, success=False, values={"id": "nobody"})
        self.assertEqual((reply.status_code, body["status"]), (404, "NOT_FOUND"))

    def login(self, username, password):
        reply = requests.post(self.stsd.rest + "/v1/auth/token/access-token",
                              json={"username": username, "password": password}, timeout=60)
        self.assertEqual(reply.status_code, 200, reply.text)
        return reply.json()

    def oauth_refresh_token(self):
        reply = requests.post(self.stsd.rest + "/oauth2/token", data={
            "grant_type": "password", "username": "plain", "password": PLAIN_PASSWORD, "client_id": "shasta"},
            timeout=60)
        self.assertEqual(reply.status_code, 200, reply.text)
        return reply.json()["refresh_token"]

    def test_every_operation_answers_as_documented(self):
        self.covered = set()
        admin = self.login("admin", ADMIN_PASSWORD)["access-token"]
        counter = iter(range(1000))

        # TokenService: the Cray STS contract.
        credentials = self.each("/sts.v1.TokenService/IssueToken", token=admin, json={"DurationSeconds": 900})
        self.assertEqual(list(credentials["Credentials"]), ["AccessKeyId", "EndpointURL", "Expiration",
                                                            "SecretAccessKey", "SessionToken"])
        self.each("/sts.v1.TokenService/Health")
        self.each("/sts.v1.TokenService/Ready")
        verified = self.each("/sts.v1.TokenService/VerifyCredentials", token=admin, json={
            "AccessKeyId": credentials["Credentials"]["AccessKeyId"],
            "SessionToken": credentials["Credentials"]["SessionToken"]})
        self.assertEqual((verified["Valid"], verified["Reason"]), (True, "VERIFY_REASON_VALID"))

        # AccessTokenService: the Qumulo contract. Each user may hold two tokens, so each binding gets its own user.
        made = self.each("/sts.v1.AccessTokenService/CreateAccessToken", token=admin,
                         json=lambda: {"user": {"name": "holder%d" % next(counter), "domain": "LOCAL"}})
        listed = self.each("/sts.v1.AccessTokenService/ListAccessTokens", token=admin, params={"limit": "1"})
        self.assertTrue(listed["paging"]["next"])
        got = self.each("/sts.v1.AccessTokenService/GetAccessToken", token=admin, values={"id": made["id"]})
        self.assertEqual(got["user"]["domain"], "LOCAL")
        self.each("/sts.v1.AccessTokenService/UpdateAccessToken", token=admin, values={"id": made["id"]},
                  json={"enabled": False})
        self.each("/sts.v1.AccessTokenService/DeleteAccessToken", token=admin, values={"id": made["id"]})

        # UserService and ClientService: the admin API.
        user = self.each("/sts.v1.UserService/CreateUser", token=admin,
                         json=lambda: {"username": "user%d" % next(counter), "password": "user-password-1",
                                       "roles": ["viewer"]})
        self.each("/sts.v1.UserService/ListUsers", token=admin)
        self.each("/sts.v1.UserService/GetUser", token=admin, values={"id": user["id"]})
        self.each("/sts.v1.UserService/UpdateUser", token=admin, values={"id": user["id"]}, json={"enabled": True})
        self.each("/sts.v1.UserService/SetUserRoles", token=admin, values={"id": user["id"]},
                  json={"roles": ["admin"]})
        self.each("/sts.v1.UserService/SetPassword", token=admin, values={"id": user["id"]},
                  json={"password": "user-password-2"})
        client = self.each("/sts.v1.ClientService/CreateClient", token=admin,
                           json={"client_id": "xco", "allowed_roles": ["admin", "viewer"], "confidential": True})
        self.assertTrue(client["client_secret"])
        self.each("/sts.v1.ClientService/ListClients", token=admin)
        self.each("/sts.v1.ClientService/GetClient", token=admin, values={"client_id": "xco"})
        self.each("/sts.v1.ClientService/UpdateClient", token=admin, values={"client_id": "xco"},
                  json={"display_name": "XCO"})
        self.each("/sts.v1.ClientService/SetClientRoles", token=admin, values={"client_id": "xco"},
                  json={"allowed_roles": ["admin"]})
        self.each("/sts.v1.SigningKeyService/RotateSigningKey", token=admin, json={})
        keys = self.each("/sts.v1.SigningKeyService/ListSigningKeys", token=admin)
        self.assertTrue(any("retired_time" in key for key in keys["entries"]))

        # LoginService: the EFA/XCO contract; the public ones without credentials.
        pair = self.each("/sts.v1.LoginService/Login", json={"username": "plain", "password": PLAIN_PASSWORD})
        self.assertEqual(list(pair), ["access-token", "token-type", "refresh-token", "message"])
        self.each("/sts.v1.LoginService/Refresh",
                  json={"grant-type": "refresh_token", "refresh-token": pair["refresh-token"]})
        self.each("/sts.v1.LoginService/ExtendedToken", token=admin, json={"clientId": "xco", "expiry": 600})
        single = self.each("/sts.v1.LoginService/ClientToken",
                           json={"username": "admin", "password": ADMIN_PASSWORD, "clientId": "xco"})
        self.assertNotIn("refresh-token", single)
        self.each("/sts.v1.LoginService/Revoke",
                  json=lambda: {"refresh-token": self.login("plain", PLAIN_PASSWORD)["refresh-token"]})
        self.each("/sts.v1.LoginService/GetJwks", values={"realm": "shasta"})

        # OAuthService: RFC 6749, 7662, 7009 and discovery, form-encoded, on Keycloak's paths for realm shasta too.
        granted = self.each("/sts.v1.OAuthService/Token", values={"realm": "shasta"}, data={
            "grant_type": "password", "username": "plain", "password": PLAIN_PASSWORD, "client_id": "shasta",
            "scope": "openid"})
        self.assertEqual(granted["scope"], "openid")
        facts = self.each("/sts.v1.OAuthService/Introspect", values={"realm": "shasta"},
                          auth=("robot", self.robot_secret), data={"token": granted["access_token"]})
        self.assertTrue(facts["active"])
        self.each("/sts.v1.OAuthService/Revoke", values={"realm": "shasta"},
                  data=lambda: {"token": self.oauth_refresh_token(), "client_id": "shasta"})
        self.each("/sts.v1.OAuthService/GetDiscovery", values={"realm": "shasta"})

        # Deletions last: they remove what the calls above used.
        self.each("/sts.v1.UserService/DeleteUser", token=admin, values={"id": user["id"]})
        self.each("/sts.v1.ClientService/DeleteClient", token=admin, values={"client_id": "xco"})

        self.assertEqual(set(self.operations) - self.covered, set(), "operations no call here covers")


if __name__ == "__main__":
    unittest.main()
