"""Faults under the store, against the real stsd and SQLite: the database on a filesystem that fills up (a small
tmpfs the test mounts), the data directory's filesystem turned read-only by the kernel (ext4 on a loop device after
an error, errors=remount-ro) or read-only from the start, and the database write-locked by another process for
longer than the busy timeout. Each asserts what callers see during the fault (503 naming the cause, reads and
issuing unaffected, no hang) and that stsd recovers once the fault clears (without a restart where the fault can
clear under a running process), with nothing it acknowledged lost. Needs root (mount)."""
import contextlib
import errno
import os
import shutil
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


class ReadOnlyFilesystem(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="sts-ro-")
        self.image, self.mount = os.path.join(self.work, "fs.img"), os.path.join(self.work, "mnt")
        os.mkdir(self.mount)
        with open(self.image, "wb") as f:
            f.truncate(16 << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
        self.stsd = None

    def tearDown(self):
        if self.stsd is not None and self.stsd.proc is not None and self.stsd.proc.poll() is None:
            self.stsd.stop()
        subprocess.run(["umount", self.mount], capture_output=True)
        shutil.rmtree(self.work)

    def mount_fs(self, *options):
        subprocess.run(["mount", "-o", ",".join(("loop", "errors=remount-ro") + options), self.image, self.mount],
                       check=True)

    def test_a_filesystem_the_kernel_turns_read_only_fails_writes_only_and_loses_nothing(self):
        self.mount_fs()
        data_dir = os.path.join(self.mount, "data")
        self.stsd = start(data_dir)
        caller = Caller(self.stsd)
        acknowledged = []
        for i in range(3):
            reply = caller.create("before-%d" % i)
            self.assertEqual(reply.status_code, 200, reply.text)
            acknowledged.append(reply.json()["id"])
        device = os.path.basename(subprocess.run(["findmnt", "-no", "SOURCE", self.mount], capture_output=True,
                                                 text=True, check=True).stdout.strip())
        with open("/sys/fs/ext4/%s/trigger_fs_error" % device, "w") as f:
            f.write("sts fault test\n")  # as after an I/O error: ext4 remounts itself read-only
        options = subprocess.run(["findmnt", "-no", "OPTIONS", self.mount], capture_output=True, text=True).stdout
        self.assertTrue({"ro", "emergency_ro"} & set(options.strip().split(",")), options)
        reply = caller.create("during")
        self.assertEqual(reply.status_code, 503, reply.text)
        self.assertEqual(reply.json()["status"], "UNAVAILABLE")
        self.assertRegex(reply.json()["message"], "database: .*(I/O|readonly|read-only)")
        self.assertEqual(caller.get(BASE + acknowledged[0]).status_code, 200)
        self.assertEqual(caller.put_token().status_code, 201)
        self.assertEqual(requests.get(self.stsd.rest + "/healthz", timeout=10).status_code, 200)
        # A filesystem the kernel made read-only comes back only through an unmount: stop, repair, remount, start.
        self.assertEqual(self.stsd.stop(), 0, self.stsd.log())
        subprocess.run(["umount", self.mount], check=True)
        subprocess.run(["e2fsck", "-fy", self.image], capture_output=True)
        self.mount_fs()
        self.stsd = start(data_dir)
        caller = Caller(self.stsd)
        missing = [i for i in acknowledged if caller.get(BASE + i).status_code != 200]
        self.assertEqual(missing, [])
        self.assertEqual(caller.create("after").status_code, 200)
        self.stsd.stop_clean()

    def test_a_read_only_data_directory_at_start_is_refused_naming_it(self):
        self.mount_fs()
        os.mkdir(os.path.join(self.mount, "data"))
        subprocess.run(["mount", "-o", "remount,ro", self.mount], check=True)
        self.stsd = Stsd(env={"STS_AUTH": "access-token"}, data_dir=os.path.join(self.mount, "data"))
        self.stsd.start(wait_ready=False)
        self.assertEqual(self.stsd.wait(20), 1, self.stsd.log())
        self.assertIn("cannot write in the data directory %s: Read-only file system" % os.path.join(self.mount, "data"),
                      self.stsd.log())


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
