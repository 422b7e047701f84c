"""The OCI image of deploy/container/build.sh, built and run with rootful podman: read-only root, the data directory as
a volume, a non-root user, no shell, and the real stsd answering /healthz, gRPC health and PUT /token on loopback."""
import io
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

import grpc
import requests

SOURCE_DIR = os.environ.get("STS_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD_DIR = os.environ["STS_IMAGE_BUILD_DIR"]  # the Release build the image is made from
IMAGE = os.environ["STS_IMAGE"]  # localhost/sts:<version>, built (or found current) by build.sh
UID = 10001
PODMAN_FILES = {"etc/hostname", "etc/resolv.conf", "etc/hosts", "run/.containerenv"}
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from stsd import stubs  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def podman(*args, check=True, timeout=60):
    result = subprocess.run(["podman"] + list(args), capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("podman %s: rc %d\n%s\n%s" % (" ".join(args), result.returncode, result.stdout,
                                                            result.stderr))
    return result


class Image(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the image is built and run as root (rootful podman, mmdebstrap)")
        # tools/deps.sh installs them: missing, the test fails rather than skips.
        for tool in ("podman", "buildah", "mmdebstrap", "runc"):
            if shutil.which(tool) is None:
                raise AssertionError("%s is missing: run tools/deps.sh" % tool)
        started = time.monotonic()
        result = subprocess.run(["bash", os.path.join(SOURCE_DIR, "deploy/container/build.sh"), "--build-dir",
                                 BUILD_DIR, "--tag", IMAGE],
                                capture_output=True, text=True, timeout=900)
        print(result.stdout, end="")
        print("image build: %.1f s" % (time.monotonic() - started))
        if result.returncode != 0:
            raise AssertionError("build.sh failed (rc %d):\n%s" % (result.returncode, result.stderr))
        cls.image = IMAGE
        podman("image", "exists", cls.image)
        cls.tmp = tempfile.mkdtemp(prefix="sts-image-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_image_configuration(self):
        config = json.loads(podman("image", "inspect", self.image).stdout)[0]["Config"]
        self.assertEqual(config["User"], "%d:%d" % (UID, UID))
        self.assertEqual(config["Entrypoint"], ["/usr/bin/stsd"])
        self.assertFalse(config.get("Cmd"))
        self.assertIn("/var/lib/sts", config["Volumes"])
        self.assertEqual(set(config["ExposedPorts"]), {"9090/tcp", "50051/tcp"})
        self.assertIn("STS_CONFIG=/etc/sts/stsd.yaml", config["Env"])
        self.assertFalse([v for v in config["Env"] if v.startswith("STS_") and not v.startswith("STS_CONFIG=")])

    def test_only_stsd_and_stsctl_are_programs(self):
        container = podman("create", self.image).stdout.strip()
        try:
            exported = subprocess.run(["podman", "export", container], capture_output=True, timeout=60, check=True)
        finally:
            podman("rm", container)
        programs, owners = [], {}
        with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as tar:
            for member in tar:
                name = member.name.lstrip("./")
                # podman's own files of every container (hostname, resolv.conf) are not the image's.
                if member.isfile() and member.mode & 0o111 and not name.startswith("usr/lib/") and \
                        name not in PODMAN_FILES:
                    programs.append(name)
                owners[name] = (member.uid, member.gid, member.mode & 0o7777, member.type)
        self.assertEqual(sorted(programs), ["usr/bin/stsctl", "usr/bin/stsd"])
        for shell in ("bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/bash", "usr/bin/dash"):
            self.assertNotIn(shell, owners)
        self.assertEqual(owners["var/lib/sts"][:3], (UID, UID, 0o700))
        self.assertEqual(owners["etc/sts"][:3], (0, UID, 0o750))
        self.assertEqual(owners["usr/bin/stsd"][:3], (0, 0, 0o755))
        self.assertIn("%d:%d" % (UID, UID), self.read_member(exported.stdout, "etc/passwd"))
        with open(os.path.join(SOURCE_DIR, "deploy/container/stsd.yaml")) as f:
            self.assertEqual(self.read_member(exported.stdout, "etc/sts/stsd.yaml"), f.read())
        self.assertIn("BEGIN CERTIFICATE", self.read_member(exported.stdout, "etc/ssl/certs/ca-certificates.crt"))

    def test_libraries_loaded_when_configured_are_in_the_image(self):
        """ldd cannot see what stsd opens with dlopen (libcurl, libpq, libldap): build.sh adds them, and so their
        dependencies, from `stsd --version`."""
        version = podman("run", "--rm", "--network=none", self.image, "--version").stdout
        sonames = re.search(r"^loaded when configured: (.+)$", version, re.M).group(1).split()
        self.assertEqual(len(sonames), 3, version)
        container = podman("create", self.image).stdout.strip()
        try:
            exported = subprocess.run(["podman", "export", container], capture_output=True, timeout=60, check=True)
        finally:
            podman("rm", container)
        with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as tar:
            in_image = {os.path.basename(m.name) for m in tar if m.name.lstrip("./").startswith("usr/lib/")}
        for soname in sonames:
            self.assertTrue(soname in in_image, "%s is not in the image" % soname)
            host_path = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
            path = re.search(r"^\s*%s \(.*x86-64.*\) => (\S+)$" % re.escape(soname), host_path, re.M).group(1)
            needed = re.findall(r"^\s*(\S+) => /", subprocess.run(["ldd", path], capture_output=True, text=True,
                                                                  check=True).stdout, re.M)
            self.assertTrue(needed, path)
            self.assertFalse([n for n in needed if n not in in_image], "missing beside %s" % soname)

    def test_a_postgresql_store_loads_libpq_in_the_image(self):
        kek = os.path.join(self.tmp, "keys.kek")
        with open(kek, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chown(kek, UID, UID)
        os.chmod(kek, 0o600)
        # Nothing listens on port 9: "cannot connect" is libpq's own answer, so libpq was found and loaded.
        result = podman("run", "--rm", "--network=none", "--read-only", "-v", kek + ":/etc/sts/keys.kek:ro", "-e",
                        "STS_ALLOW_PLAINTEXT=true", "-e",
                        "STS_DATABASE_URL=postgres://sts@127.0.0.1:9/sts?sslmode=disable", "-e",
                        "STS_KEY_ENCRYPTION_KEY_FILE=/etc/sts/keys.kek", self.image, check=False, timeout=60)
        self.assertNotIn("could not be loaded", result.stderr)
        self.assertIn("cannot connect to postgres://sts@127.0.0.1:9/sts", result.stderr)

    @staticmethod
    def read_member(tar_bytes, name):
        with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
            for member in tar:
                if member.name.lstrip("./") == name:
                    return tar.extractfile(member).read().decode()
        raise AssertionError("%s is not in the image" % name)

    def test_no_shell_at_run_time(self):
        result = podman("run", "--rm", "--network=none", "--entrypoint", "/bin/sh", self.image, "-c", "true",
                        check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no such file or directory", result.stderr)

    def test_plain_text_on_the_network_needs_a_decision(self):
        # The image's configuration listens on 0.0.0.0; without TLS or STS_ALLOW_PLAINTEXT=true, stsd refuses to
        # start (exit 2).
        result = podman("run", "--rm", "--network=none", "--read-only", self.image, check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("rest_listen 0.0.0.0:9090 is not a loopback address and TLS is not configured", result.stderr)
        result = podman("run", "--rm", "--network=none", "--read-only", "-e", "STS_ALLOW_PLAINTEXT=true",
                        self.image, "--check-config", check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('rest_listen: "0.0.0.0:9090"', result.stdout)

    def test_configuration_file_mounted_at_etc_sts(self):
        config = os.path.join(self.tmp, "stsd.yaml")
        # It replaces the image's own file: its values count, not the image's 0.0.0.0.
        with open(config, "w") as f:
            f.write("log_level: debug\nrest_listen: 127.0.0.1:9090\n")
        os.chmod(config, 0o644)
        result = podman("run", "--rm", "--network=none", "--read-only", "-v", config + ":/etc/sts/stsd.yaml:ro",
                        "-e", "STS_CONFIG=/etc/sts/stsd.yaml", "-e", "STS_REST_LISTEN=127.0.0.1:9191", self.image,
                        "--check-config", check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('log_level: "debug"', result.stdout)
        self.assertIn('grpc_listen: "127.0.0.1:50051"', result.stdout)
        # STS_* variables override the file, as everywhere.
        self.assertIn('rest_listen: "127.0.0.1:9191"', result.stdout)

    def test_serves_on_a_read_only_root_as_the_sts_user(self):
        data = os.path.join(self.tmp, "data")
        os.mkdir(data, 0o700)
        os.chown(data, UID, UID)
        rest, grpc_port = free_port(), free_port()
        container = podman("run", "--rm", "-d", "--read-only", "--network=host", "-v", data + ":/var/lib/sts",
                           self.image, "--rest-listen", "127.0.0.1:%d" % rest,
                           "--grpc-listen", "127.0.0.1:%d" % grpc_port).stdout.strip()
        try:
            base = "http://127.0.0.1:%d" % rest
            deadline = time.monotonic() + 20
            while True:
                try:
                    health = requests.get(base + "/healthz", timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        raise AssertionError("no answer on %s within 20 s:\n%s" % (
                            base, podman("logs", container, check=False).stderr))
                    time.sleep(0.1)
            self.assertEqual((health.status_code, health.json()), (200, {"Status": "ok"}))

            _, _, health_pb2, health_pb2_grpc = stubs()
            with grpc.insecure_channel("127.0.0.1:%d" % grpc_port) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            self.assertEqual(reply.status, health_pb2.HealthCheckResponse.SERVING)

            # The first admin token lands in the volume, written by the sts user, private.
            token_path = os.path.join(data, "admin.token")
            for name in ("admin.token", "keys.kek", "sts.db"):
                st = os.stat(os.path.join(data, name))
                self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777), (UID, UID, 0o600), name)
            with open(token_path) as f:
                token = f.read().strip()
            reply = requests.put(base + "/token", headers={"Authorization": "Bearer " + token}, timeout=10)
            self.assertEqual(reply.status_code, 201, reply.text)
            credentials = reply.json()["Credentials"]
            self.assertTrue(credentials["AccessKeyId"].startswith("ASIA"))
            self.assertTrue(credentials["SecretAccessKey"] and credentials["SessionToken"])
            self.assertEqual(requests.put(base + "/token", timeout=10).status_code, 401)

            # Without a shell, an operator mints an admin token with stsd itself (docs/deployment.md), given the
            # server's configuration (here its listen addresses: the image's file says 0.0.0.0).
            minted = podman("exec", "-e", "STS_REST_LISTEN=127.0.0.1:%d" % rest,
                            "-e", "STS_GRPC_LISTEN=127.0.0.1:%d" % grpc_port, container,
                            "/usr/bin/stsd", "admin-token", "create")
            self.assertNotEqual(minted.stdout.strip(), token)
            reply = requests.put(base + "/token", headers={"Authorization": "Bearer " + minted.stdout.strip()},
                                 timeout=10)
            self.assertEqual(reply.status_code, 201, reply.text)

            # stsctl works inside the image too.
            result = podman("exec", container, "/usr/bin/stsctl", "health", "--url", base, check=False)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

            state = json.loads(podman("inspect", container).stdout)[0]
            self.assertTrue(state["HostConfig"]["ReadonlyRootfs"])
            with open("/proc/%d/status" % state["State"]["Pid"]) as f:
                ids = {line.split(":")[0]: line.split()[1:] for line in f if line.startswith(("Uid:", "Gid:"))}
            self.assertEqual(ids["Uid"], [str(UID)] * 4)
            self.assertEqual(ids["Gid"], [str(UID)] * 4)

            started = time.monotonic()
            podman("stop", "-t", "5", container, timeout=30)
            stopped_in = time.monotonic() - started
            # SIGTERM drains and exits; a stop that had to fall back to SIGKILL takes the whole 5 s.
            self.assertLess(stopped_in, 4.5)
        finally:
            podman("rm", "-f", "--ignore", container, check=False)
        self.assertFalse(podman("container", "exists", container, check=False).returncode == 0)


if __name__ == "__main__":
    unittest.main()
