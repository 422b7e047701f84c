"""stsctl access-token (every action, paging, the authorization rules as the server applies them) and stsctl
login/logout (the stored refresh token, its refresh, concurrent refreshes, revocation), against the real stsd."""
import concurrent.futures
import datetime
import json
import os
import stat
import subprocess
import tempfile
import unittest

import requests

from stsd import STSD, Stsd
from stsctl import clean_env, run

FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")
PASSWORD = "correct horse battery staple"


def start(*args, users=()):
    stsd = Stsd("--access-token-roles", "user:admin=admin", "--max-tokens-per-user", "5", *FAST_HASH, *args,
                env={"STS_AUTH": "access-token"})
    for name, roles in users:
        made = subprocess.run([STSD, "user", "add", name, "--data-dir", stsd.data_dir, *FAST_HASH, "--roles", roles],
                              input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
    stsd.start()
    with open(os.path.join(stsd.data_dir, "admin.token")) as f:
        stsd.admin = f.read().strip()
    return stsd


class Base(unittest.TestCase):
    secrets = []

    def stsctl(self, *args, env=None, ok=True, stdin=None):
        result = run(*args, env=env, stdin=stdin)
        for secret in self.secrets + [PASSWORD]:
            self.assertNotIn(secret, result.stderr)
        if ok:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def json_of(self, *args, env=None):
        return json.loads(self.stsctl(*args, env=env).stdout)


class AccessTokenCommands(Base):
    @classmethod
    def setUpClass(cls):
        cls.stsd = start()
        cls.secrets = [cls.stsd.admin]

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def admin(self, *args, ok=True):
        return self.stsctl("access-token", *args, "--url", self.stsd.rest, "--token", self.stsd.admin, ok=ok)

    def create(self, user):
        created = json.loads(self.admin("create", "--user", user).stdout)
        self.assertEqual(set(created), {"id", "bearer_token"})
        self.secrets.append(created["bearer_token"])
        return created

    def test_create_get_disable_enable_delete(self):
        created = self.create("carol")
        as_carol = ("--url", self.stsd.rest, "--token", created["bearer_token"])
        metadata = json.loads(self.admin("get", created["id"]).stdout)
        self.assertEqual((metadata["id"], metadata["user"]["name"], metadata["user"]["domain"], metadata["enabled"]),
                         (created["id"], "carol", "LOCAL", True))
        # The bearer token works: carol lists her own tokens with it.
        self.assertEqual([e["id"] for e in self.json_of("access-token", "list", *as_carol)], [created["id"]])
        self.assertFalse(json.loads(self.admin("disable", created["id"]).stdout)["enabled"])
        refused = self.stsctl("access-token", "list", *as_carol, ok=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("HTTP 401", refused.stderr)
        self.assertTrue(json.loads(self.admin("enable", created["id"]).stdout)["enabled"])
        self.stsctl("access-token", "list", *as_carol)
        deleted = self.admin("delete", created["id"])
        self.assertEqual(deleted.stdout, "")
        gone = self.admin("get", created["id"], ok=False)
        self.assertEqual(gone.returncode, 1)
        self.assertIn("the server at %s answered HTTP 404 NOT_FOUND" % self.stsd.rest, gone.stderr)

    def test_create_for_yourself_with_an_expiration(self):
        created = self.create("dave")
        when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        own = self.json_of("access-token", "create", "--expiration", when, "--url", self.stsd.rest, "--token",
                           created["bearer_token"])
        self.secrets.append(own["bearer_token"])
        metadata = json.loads(self.admin("get", own["id"]).stdout)
        self.assertEqual(metadata["user"]["name"], "dave")
        self.assertTrue(metadata["expiration_time"].startswith(when[:19]), (metadata, when))

    def test_list_follows_every_page(self):
        ids = {self.create("page%d" % i)["id"] for i in range(4)}
        listed = json.loads(self.admin("list", "--limit", "1").stdout)
        # Independently: every page with requests.
        expected, path = [], "/v1/auth/access-tokens/?limit=1"
        while path:
            page = requests.get(self.stsd.rest + path, headers={"Authorization": "Bearer " + self.stsd.admin},
                                timeout=30).json()
            expected += page["entries"]
            path = page["paging"]["next"]
        self.assertGreater(len(expected), 4)
        self.assertEqual(listed, expected)
        self.assertTrue(ids <= {entry["id"] for entry in listed})
        only = json.loads(self.admin("list", "--user", "page2", "--limit", "1").stdout)
        self.assertEqual([e["user"]["name"] for e in only], ["page2"])

    def test_a_user_cannot_reach_anothers_token(self):
        victim = self.create("erin")
        attacker = self.create("mallory")
        as_mallory = ("--url", self.stsd.rest, "--token", attacker["bearer_token"])
        for action in ("get", "disable", "delete"):
            result = self.stsctl("access-token", action, victim["id"], *as_mallory, ok=False)
            self.assertEqual(result.returncode, 1, (action, result.stdout))
            self.assertRegex(result.stderr, r"answered HTTP (403|404)")
        result = self.stsctl("access-token", "create", "--user", "erin", *as_mallory, ok=False)
        self.assertIn("HTTP 403", result.stderr)
        self.assertEqual({e["user"]["name"] for e in self.json_of("access-token", "list", *as_mallory)}, {"mallory"})
        self.assertTrue(json.loads(self.admin("get", victim["id"]).stdout)["enabled"])

    def test_an_id_cannot_leave_its_path(self):
        # Escaped: "../../token" is one path segment under /v1/auth/access-tokens/, never PUT /token or another route.
        for hostile in ("../../token", "x?user=admin", "a/b", "%2e%2e"):
            result = self.admin("get", hostile, ok=False)
            self.assertEqual(result.returncode, 1, hostile)
            self.assertRegex(result.stderr, r"GET /v1/auth/access-tokens/[^/ ]+: the server .* answered HTTP (400|404)")

    def test_usage_errors(self):
        for args in ((), ("frobnicate",), ("get",), ("delete",), ("list", "extra"), ("create", "id"),
                     ("list", "--limit", "0"), ("list", "--limit", "1001"), ("create", "--domain", "LOCAL"),
                     ("get", "x", "--limit", "5"), ("get", "x", "--user", "bob"), ("get", "a", "b")):
            result = self.admin(*args, ok=False)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertTrue(result.stderr.startswith("stsctl: "))


class Login(Base):
    lifetime = ()

    @classmethod
    def setUpClass(cls):
        cls.stsd = start(*cls.lifetime, users=[("alice", "admin"), ("bob", "viewer")])

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="stsctl-login-")
        self.env = clean_env(self.home)
        self.path = os.path.join(self.home, ".config", "stsctl", "login.json")

    def login(self, user="alice"):
        result = self.stsctl("login", user, "--url", self.stsd.rest, env=self.env, stdin=PASSWORD + "\n")
        self.assertEqual(result.stdout, "logged in to %s as %s\n" % (self.stsd.rest, user))
        return self.stored()

    def stored(self):
        with open(self.path) as f:
            stored = json.load(f)
        self.secrets += [stored["access-token"], stored["refresh-token"]]
        return stored

    def token(self, ok=True, env=None):
        return self.stsctl("credential-process", "--url", self.stsd.rest, env=env or self.env, ok=ok)


class LoginAndLogout(Login):
    def test_login_keeps_a_private_file_and_later_commands_use_it(self):
        stored = self.login()
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.path)).st_mode), 0o700)
        self.assertEqual(stored["url"], self.stsd.rest)
        self.assertTrue(stored["refresh-token"].startswith("sts-rt-v1:"))
        self.assertEqual(json.loads(self.token().stdout)["Version"], 1)
        # An hour-long access token is used as it is: no refresh, the refresh token unchanged.
        self.token()
        self.assertEqual(self.stored()["refresh-token"], stored["refresh-token"])
        # Another HOME has no login: 401 with the hint.
        other = self.token(ok=False, env=clean_env())
        self.assertIn("no token was given", other.stderr)

    def test_a_login_is_only_for_its_server(self):
        self.login()
        result = self.stsctl("credential-process", "--url", self.stsd.rest.replace("127.0.0.1", "localhost"),
                             env=self.env, ok=False)
        self.assertIn("no token was given", result.stderr)

    def test_xdg_config_home_holds_the_login(self):
        xdg = tempfile.mkdtemp(prefix="stsctl-xdg-")
        self.env["XDG_CONFIG_HOME"] = xdg
        self.path = os.path.join(xdg, "stsctl", "login.json")
        self.login()
        self.token()

    def test_a_user_without_the_role_is_refused(self):
        self.login("bob")
        result = self.token(ok=False)
        self.assertIn("HTTP 403 PERMISSION_DENIED", result.stderr)

    def test_wrong_password(self):
        result = self.stsctl("login", "alice", "--url", self.stsd.rest, env=self.env, stdin="not the password\n",
                             ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("HTTP 401 UNAUTHENTICATED: wrong username or password", result.stderr)
        self.assertNotIn("not the password", result.stderr)
        self.assertFalse(os.path.exists(self.path))
        for stdin in ("", "\n"):
            result = self.stsctl("login", "alice", "--url", self.stsd.rest, env=self.env, stdin=stdin, ok=False)
            self.assertEqual(result.returncode, 2)
        result = self.stsctl("login", "--url", self.stsd.rest, env=self.env, stdin=PASSWORD + "\n", ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("needs a username", result.stderr)

    def test_logout_revokes_and_forgets(self):
        stored = self.login()
        result = self.stsctl("logout", "--url", self.stsd.rest, env=self.env)
        self.assertEqual(result.stdout, "logged out of %s\n" % self.stsd.rest)
        self.assertFalse(os.path.exists(self.path))
        refreshed = requests.post(self.stsd.rest + "/v1/auth/token/refresh", timeout=30,
                                  json={"grant-type": "refresh_token", "refresh-token": stored["refresh-token"]})
        self.assertEqual(refreshed.status_code, 401, refreshed.text)
        self.assertIn("no token was given", self.token(ok=False).stderr)
        again = self.stsctl("logout", env=self.env, ok=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("not logged in", again.stderr)


class LoginRefresh(Login):
    # One-minute access tokens are always within stsctl's refresh margin: every use refreshes.
    lifetime = ("--access-token-lifetime", "60")

    def test_each_use_refreshes_and_rotates(self):
        seen = [self.login()["refresh-token"]]
        for _ in range(3):
            self.assertEqual(json.loads(self.token().stdout)["Version"], 1)
            seen.append(self.stored()["refresh-token"])
        self.assertEqual(len(set(seen)), 4)

    def test_concurrent_uses_refresh_once_each(self):
        # A refresh token presented twice revokes the login: the lock makes parallel runs take turns.
        self.login()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: run("credential-process", "--url", self.stsd.rest, env=self.env),
                                    range(8)))
        for result in results:
            self.assertEqual(result.returncode, 0, result.stderr)
        self.token()

    def test_a_revoked_login_asks_to_log_in_again(self):
        stored = self.login()
        revoked = requests.post(self.stsd.rest + "/v1/auth/token/revoke", timeout=30,
                                json={"refresh-token": stored["refresh-token"]})
        self.assertEqual(revoked.status_code, 200, revoked.text)
        result = self.token(ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("POST /v1/auth/token/refresh: the server at %s answered HTTP 401" % self.stsd.rest,
                      result.stderr)
        self.assertIn("run stsctl login again", result.stderr)


del Login, Base

if __name__ == "__main__":
    unittest.main()
