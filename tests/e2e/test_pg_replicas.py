"""Three stsd replicas on loopback sharing one PostgreSQL: what one replica writes, the others serve; refresh rotation
is atomic across them; an outage of the database is a 503 naming it for the calls that need it, while issuing that
needs none goes on, and everything recovers without a restart."""
import concurrent.futures
import os
import time
import unittest

import requests

from pg import Cluster, server
from stsd import run_stsd

FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")


class Replicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster("replicas")
        env = {"STS_AUTH": "access-token"}
        first = cls.cluster.replica(*FAST_HASH, "--login-free-failures", "1000", env=env)
        run_stsd("user", "add", "alice", "--roles", "issuer", "--data-dir", first.data_dir, *FAST_HASH,
                 *cls.cluster.args, password="alice-password-1\n")
        cls.replicas = [first.start()]
        # The first replica made the admin token (the store held none); the others find it in the database.
        with open(os.path.join(first.data_dir, "admin.token")) as f:
            cls.admin = {"Authorization": "Bearer " + f.read().strip()}
        for _ in range(2):
            cls.replicas.append(cls.cluster.replica(*FAST_HASH, "--login-free-failures", "1000", env=env).start())

    @classmethod
    def tearDownClass(cls):
        try:
            for replica in cls.replicas:
                replica.stop_clean()
        finally:
            cls.cluster.drop()

    def test_only_the_first_replica_made_an_admin_token(self):
        self.assertEqual([os.path.exists(os.path.join(r.data_dir, "admin.token")) for r in self.replicas],
                         [True, False, False])

    def test_an_access_token_made_on_one_replica_works_on_the_others(self):
        a, b, c = self.replicas
        made = requests.post(a.rest + "/v1/auth/access-tokens/", headers=self.admin, timeout=30,
                             json={"user": {"name": "alice", "domain": "LOCAL"}})
        self.assertEqual(made.status_code, 200, made.text)
        token_id = made.json()["id"]
        for replica in (b, c):
            got = requests.get(replica.rest + "/v1/auth/access-tokens/" + token_id, headers=self.admin, timeout=30)
            self.assertEqual(got.status_code, 200, got.text)
            self.assertEqual(got.json()["user"]["name"], "alice")
            self.assertEqual(requests.put(replica.rest + "/token", headers=self.admin, timeout=30).status_code, 201)

    def test_twenty_concurrent_refreshes_over_three_replicas_exactly_one_wins(self):
        login = requests.post(self.replicas[0].rest + "/v1/auth/token/access-token", timeout=30,
                              json={"username": "alice", "password": "alice-password-1"})
        self.assertEqual(login.status_code, 200, login.text)
        refresh_token = login.json()["refresh-token"]

        def refresh(i):
            return requests.post(self.replicas[i % 3].rest + "/v1/auth/token/refresh", timeout=60,
                                 json={"grant-type": "refresh_token", "refresh-token": refresh_token})
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(refresh, range(20)))
        statuses = sorted(r.status_code for r in replies)
        self.assertEqual(statuses.count(200), 1, [(r.status_code, r.text) for r in replies])
        self.assertFalse([s for s in statuses if s >= 500], [(r.status_code, r.text) for r in replies])
        self.assertEqual(set(statuses) - {200}, {401}, statuses)

    def test_a_database_outage_is_a_503_naming_it_and_passes_without_a_restart(self):
        a, b, _ = self.replicas
        # B verifies the admin token once, and caches it.
        self.assertEqual(requests.put(b.rest + "/token", headers=self.admin, timeout=30).status_code, 201)
        server("stop-server")
        try:
            listed = requests.get(a.rest + "/v1/auth/access-tokens/", headers=self.admin, timeout=30)
            self.assertEqual(listed.status_code, 503, listed.text)
            self.assertIn("database", listed.json()["message"])
            self.assertIn("127.0.0.1", listed.json()["message"])
            self.assertNotIn(open(os.environ["STS_PG_DIR"] + "/password").read(), listed.text)
            # The admin token is in the authenticator's cache, and the local issuer needs no database.
            self.assertEqual(requests.put(b.rest + "/token", headers=self.admin, timeout=30).status_code, 201)
        finally:
            server("start-server")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            listed = requests.get(a.rest + "/v1/auth/access-tokens/", headers=self.admin, timeout=30)
            if listed.status_code == 200:
                break
            time.sleep(0.2)
        self.assertEqual(listed.status_code, 200, listed.text)


if __name__ == "__main__":
    unittest.main()
