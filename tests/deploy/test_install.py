"""`cmake --install`: the installed tree, the systemd unit (verify, security), and the sysusers.d/tmpfiles.d files
applied to a scratch root."""
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

BUILD_DIR = os.environ["STS_BUILD_DIR"]
PREFIX = os.environ["STS_INSTALL_PREFIX"]  # the prefix the build was configured with
SOURCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT_DIR = os.environ.get("STS_SYSTEMD_UNIT_DIR", "lib/systemd/system")
SYSUSERS_DIR = os.environ.get("STS_SYSUSERS_DIR", "lib/sysusers.d")
TMPFILES_DIR = os.environ.get("STS_TMPFILES_DIR", "lib/tmpfiles.d")
# The unit's exposure from `systemd-analyze security --offline`: 1.2 today (0 is best, 10 worst); --threshold takes
# it in tenths. A lost sandboxing option raises it above this.
EXPOSURE_LIMIT_TENTHS = "15"


def under(prefix, directory):
    return directory if os.path.isabs(directory) else os.path.join(prefix, directory)


def run(args, env=None, check=True, timeout=120):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    if check and result.returncode != 0:
        raise AssertionError("%s: rc %d\n%s\n%s" % (" ".join(args), result.returncode, result.stdout, result.stderr))
    return result


def unit_commands(text):
    """The executables of ExecStart, ExecStartPre and ExecReload."""
    commands = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in ("ExecStart", "ExecStartPre", "ExecReload"):
            commands[key] = value.split()[0]
    return commands


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sts-install-")
        cls.root = os.path.join(cls.tmp, "root")
        # DESTDIR: the tree as it would land under the configured prefix.
        run(["cmake", "--install", BUILD_DIR], env={"DESTDIR": cls.root})
        cls.prefix_root = cls.root + PREFIX

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def path(self, *parts):
        return os.path.join(self.prefix_root, *parts)

    def assertMode(self, path, mode):
        self.assertTrue(os.path.isfile(path), path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), mode, path)

    def test_files_and_modes(self):
        for binary in ("stsd", "stsctl"):
            self.assertMode(self.path("bin", binary), 0o755)
        self.assertIn("stsd ", run([self.path("bin", "stsd"), "--version"]).stdout)
        for path in (os.path.join(under(self.prefix_root, UNIT_DIR), "stsd.service"),
                     os.path.join(under(self.prefix_root, SYSUSERS_DIR), "sts.conf"),
                     os.path.join(under(self.prefix_root, TMPFILES_DIR), "sts.conf"),
                     self.path("share/doc/sts/examples/stsd.yaml"), self.path("share/doc/sts/examples/stsd.env"),
                     self.path("share/doc/sts/deployment.md")):
            self.assertMode(path, 0o644)
        # Nothing lands in /etc: a real configuration is never overwritten by an install.
        self.assertFalse(os.path.exists(os.path.join(self.root, "etc")))
        # The example configuration is valid as it is.
        run([self.path("bin", "stsd"), "--check-config", "--config", self.path("share/doc/sts/examples/stsd.yaml"),
             "--data-dir", os.path.join(self.tmp, "check-data")])

    def test_unit_runs_the_installed_binary(self):
        with open(os.path.join(under(self.prefix_root, UNIT_DIR), "stsd.service")) as f:
            text = f.read()
        commands = unit_commands(text)
        self.assertEqual(commands["ExecStart"], os.path.join(PREFIX, "bin", "stsd"))
        self.assertEqual(commands["ExecStartPre"], os.path.join(PREFIX, "bin", "stsd"))
        self.assertTrue(os.access(self.root + commands["ExecStart"], os.X_OK))
        if PREFIX == "/usr/local":
            # The default prefix: what is installed is the file in the repository, unchanged.
            with open(os.path.join(SOURCE_DIR, "deploy/systemd/stsd.service")) as f:
                self.assertEqual(text, f.read())

    def test_systemd_analyze_verify(self):
        # A root holding the installed tree, systemd's own units and /bin/kill (ExecReload): verify resolves every
        # command and dependency there. It exits 0 even on unknown keys or bad values, so its output must be empty.
        shutil.copytree("/lib/systemd/system", os.path.join(self.root, "usr/lib/systemd/system"), symlinks=True,
                        dirs_exist_ok=True)
        os.makedirs(os.path.join(self.root, "usr/bin"), exist_ok=True)
        shutil.copy("/usr/bin/kill", os.path.join(self.root, "usr/bin/kill"))
        if not os.path.lexists(os.path.join(self.root, "bin")):
            os.symlink("usr/bin", os.path.join(self.root, "bin"))
        result = run(["systemd-analyze", "verify", "--root=" + self.root, "stsd.service"])
        self.assertEqual(result.stdout + result.stderr, "")

    def test_systemd_analyze_security(self):
        unit = os.path.join(SOURCE_DIR, "deploy/systemd/stsd.service")
        result = run(["systemd-analyze", "security", "--offline=true", "--threshold=" + EXPOSURE_LIMIT_TENTHS, unit],
                     check=False)
        self.assertIn("Overall exposure level for stsd.service", result.stdout, result.stderr)
        print(result.stdout.strip().splitlines()[-1])
        self.assertEqual(result.returncode, 0, result.stdout)
        for option in ("PrivateDevices=", "ProtectKernelTunables=", "RestrictAddressFamilies=~AF_PACKET",
                       "CapabilityBoundingSet=~CAP_SYS_ADMIN", "MemoryDenyWriteExecute=", "UMask=",
                       "SystemCallFilter=~@mount", "NoNewPrivileges="):
            lines = [line for line in result.stdout.splitlines() if (" " + option) in line]
            self.assertTrue(lines and lines[0].startswith("✓"), (option, lines))

    def test_sysusers_and_tmpfiles_create_the_user_and_directories(self):
        root = os.path.join(self.tmp, "applied")
        shutil.copytree(self.root, root, symlinks=True)
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        prefix_root = root + PREFIX
        run(["systemd-sysusers", "--root=" + root, os.path.join(under(prefix_root, SYSUSERS_DIR), "sts.conf")])
        with open(os.path.join(root, "etc/passwd")) as f:
            users = {line.split(":")[0]: line.strip().split(":") for line in f}
        self.assertIn("sts", users)
        name, _, uid, gid, _, home, shell = users["sts"]
        self.assertEqual((home, shell), ("/var/lib/sts", "/usr/sbin/nologin"))
        # tmpfiles resolves user names through the running system, not --root: it runs in a mount namespace of its
        # own where the scratch root's passwd and group files are the system's.
        tmpfiles = os.path.join(under(prefix_root, TMPFILES_DIR), "sts.conf")
        script = ('mount --bind "$1/etc/passwd" /etc/passwd && mount --bind "$1/etc/group" /etc/group && '
                  'exec systemd-tmpfiles --root="$1" --create "$2"')
        apply = ["unshare", "--mount", "sh", "-c", script, "sh", root, tmpfiles]
        run(apply)
        for directory, mode, owner in (("var/lib/sts", 0o700, (int(uid), int(gid))),
                                       ("var/log/sts", 0o700, (int(uid), int(gid))),
                                       ("etc/sts", 0o750, (0, int(gid)))):
            st = os.stat(os.path.join(root, directory))
            self.assertTrue(stat.S_ISDIR(st.st_mode), directory)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, directory)
            self.assertEqual((st.st_uid, st.st_gid), owner, directory)
        config = os.path.join(root, "etc/sts/stsd.yaml")
        with open(config) as f, open(os.path.join(prefix_root, "share/doc/sts/examples/stsd.yaml")) as example:
            self.assertEqual(f.read(), example.read())
        # A configuration of the site's own is never replaced, however often tmpfiles runs.
        with open(config, "w") as f:
            f.write("log_level: debug\n")
        run(apply)
        with open(config) as f:
            self.assertEqual(f.read(), "log_level: debug\n")

    def test_install_prefix_rewrites_the_paths(self):
        # `cmake --install --prefix P`: the unit and tmpfiles.d name P's binary and example, and the real systemd
        # (no scratch root) verifies that unit file.
        prefix = os.path.join(self.tmp, "opt", "sts")
        run(["cmake", "--install", BUILD_DIR, "--prefix", prefix])
        unit = os.path.join(under(prefix, UNIT_DIR), "stsd.service")
        with open(unit) as f:
            text = f.read()
        self.assertEqual(unit_commands(text)["ExecStart"], os.path.join(prefix, "bin", "stsd"))
        self.assertNotIn("/usr/local/", text)
        with open(os.path.join(under(prefix, TMPFILES_DIR), "sts.conf")) as f:
            self.assertIn(" " + os.path.join(prefix, "share/doc/sts/examples/stsd.yaml") + "\n", f.read())
        result = run(["systemd-analyze", "verify", unit])
        self.assertEqual(result.stdout + result.stderr, "")


if __name__ == "__main__":
    unittest.main()
