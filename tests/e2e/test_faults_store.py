"""Faults under the store, against the real stsd and SQLite: the database on a filesystem that fills up (a small
tmpfs the test mounts), and the database write-locked by another process for longer than the busy timeout. Each
asserts what callers see during the fault (503 naming the cause, reads and issuing unaffected, no hang) and that
stsd recovers without a restart once the fault clears, with nothing it acknowledged lost. Needs root (mount)."""
import contextlib
import errno
import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import requests

from stsd import Stsd

BASE = "/v1/auth/access-tokens/"


def start(data_dir):
    stsd = Stsd("--max-tokens-per-user", "1000", env={"STS_AUTH": "access-token"}, data_dir=data_dir)
    stsd.start()
    with open(os.path.join(stsd.data_dir, "admin.token")) as f:
        stsd.admin = f.read().strip()
    return stsd


class Caller:
    def __init__(self, stsd):
        self.stsd = stsd
        self.headers = {"Authorization": "Bearer " + stsd.admin}

    def create(self, name, timeout=30):
        return requests.post(self.stsd.rest + BASE, json={"user": {"name": name, "domain": "LOCAL"}},
                             headers=self.headers, timeout=timeout)

    def get(self, path, timeout=30):
        return requests.get(self.stsd.rest + path, headers=self.headers, timeout=timeout)

    def put_token(self, timeout=30):
        return requests.put(self.stsd.rest + "/token", headers=self.headers, timeout=timeout)


class FullFilesystem(unittest.TestCase):
    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="sts-full-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", self.mount], check=True)
        self.stsd = None

    def tearDown(self):
        if self.stsd is not None and self.stsd.proc is not None and self.stsd.proc.poll() is None:
            self.stsd.stop()
        subprocess.run(["umount", self.mount], check=True)
        os.rmdir(self.mount)

    def fill(self, path):
        """Writes path until the filesystem has no block left."""
        with open(path, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as full:
                self.assertEqual(full.errno, errno.ENOSPC)
        for size in (4096, 512, 1):  # the last partial blocks too
            try:
                with open(path, "ab") as f:
                    while True:
                        f.write(b"\0" * size)
                        f.flush()
            except OSError:
                pass

    def test_writes_fail_with_503_reads_and_issuing_go_on_and_nothing_acknowledged_is_lost(self):
        data_dir = os.path.join(self.mount, "data")
        self.stsd = start(data_dir)
        caller = Caller(self.stsd)
        acknowledged = []
        for i in range(5):
            reply = caller.create("before-%d" % i)
            self.assertEqual(reply.status_code, 200, reply.text)
            acknowledged.append(reply.json()["id"])
        filler = os.path.join(self.mount, "filler")
        self.fill(filler)
        # The WAL may still have room for a few commits; the first that needs a new page fails.
        refused = None
        for i in range(300):
            reply = caller.create("during-%d" % i)
            if reply.status_code == 200:
                acknowledged.append(reply.json()["id"])
                continue
            refused = reply
            break
        self.assertIsNotNone(refused, "a full filesystem never refused a write")
        self.assertEqual(refused.status_code, 503, refused.text)
        self.assertEqual(refused.json()["status"], "UNAVAILABLE")
        self.assertIn("full", refused.json()["message"])
        # Reads, authentication and issuing need no new blocks.
        self.assertEqual(caller.get(BASE + acknowledged[0]).status_code, 200)
        self.assertEqual(caller.get(BASE + "?limit=5").status_code, 200)
        self.assertEqual(caller.put_token().status_code, 201)
        self.assertEqual(requests.get(self.stsd.rest + "/healthz", timeout=10).status_code, 200)
        # The fault clears: writes work again without a restart.
        os.unlink(filler)
        reply = caller.create("after")
        self.assertEqual(reply.status_code, 200, reply.text)
        acknowledged.append(reply.json()["id"])
        self.stsd.stop_clean()
        self.stsd = start(data_dir)
        caller = Caller(self.stsd)
        missing = [i for i in acknowledged if caller.get(BASE + i).status_code != 200]
        self.assertEqual(missing, [])
        with contextlib.closing(sqlite3.connect(os.path.join(data_dir, "sts.db"))) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        self.assertNotIn(self.stsd.admin, self.stsd.log())
        self.stsd.stop_clean()


class LockedDatabase(unittest.TestCase):
    def test_a_write_waits_the_busy_timeout_then_503_and_nothing_else_waits(self):
        stsd = start(None)
        caller = Caller(stsd)
        try:
            self.assertEqual(caller.create("before").status_code, 200)
            other = sqlite3.connect(os.path.join(stsd.data_dir, "sts.db"), isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            answer = {}

            def write():
                started = time.monotonic()
                answer["reply"] = caller.create("during", timeout=60)
                answer["seconds"] = time.monotonic() - started
            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(0.5)
            # Meanwhile reads, issuing and health answer at once (WAL readers do not wait for writers).
            for call in (lambda: caller.get(BASE + "?limit=5"), caller.put_token,
                         lambda: requests.get(stsd.rest + "/healthz", timeout=10)):
                started = time.monotonic()
                self.assertIn(call().status_code, (200, 201))
                self.assertLess(time.monotonic() - started, 2.0)
            writer.join(timeout=60)
            self.assertFalse(writer.is_alive(), "the write hung")
            reply = answer["reply"]
            self.assertEqual(reply.status_code, 503, reply.text)
            self.assertIn("locked", reply.json()["message"])
            self.assertGreaterEqual(answer["seconds"], 4.0, "it waited for the lock first")
            self.assertLess(answer["seconds"], 30.0)
            other.execute("ROLLBACK")
            other.close()
            self.assertEqual(caller.create("after").status_code, 200)
        finally:
            stsd.stop_clean()


if __name__ == "__main__":
    unittest.main()
