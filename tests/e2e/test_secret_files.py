"""Every secret file stsd reads is refused when other users may read it, unless secret_files_allow_shared is set."""
import os
import subprocess
import tempfile
import unittest

from stsd import STSD, Stsd, curl

SESSION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def write(path, text, mode):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def creds_dir(secret_mode=0o600, access_mode=0o600):
    directory = tempfile.mkdtemp(prefix="sts-secret-creds-")
    write(os.path.join(directory, "access_key"), "AKIATEST\n", access_mode)
    write(os.path.join(directory, "secret_key"), "not-a-real-secret\n", secret_mode)
    return directory


def run_until_exit(stsd):
    """Runs stsd expecting it to refuse to start; returns (exit code, stderr)."""
    result = subprocess.run([STSD] + stsd.args, env=stsd.env, capture_output=True, text=True, timeout=30)
    return result.returncode, result.stderr


def upstream(creds, *args):
    return Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:1/", "--creds-path", creds, "--role-arn",
                "arn:aws:iam:::role/r", *args)


class SecretFiles(unittest.TestCase):
    def test_upstream_credential_files_others_may_read_stop_startup(self):
        for name, creds in (("secret_key", creds_dir(secret_mode=0o644)), ("access_key", creds_dir(access_mode=0o640))):
            code, stderr = run_until_exit(upstream(creds))
            self.assertEqual(code, 2, stderr)  # a configuration error
            path = os.path.join(creds, name)
            self.assertIn(path + " must be private to the service user", stderr)
            self.assertIn("secret_files_allow_shared", stderr)
            self.assertNotIn("not-a-real-secret", stderr)

    def test_a_session_key_file_others_may_read_stops_startup(self):
        key_dir = tempfile.mkdtemp(prefix="sts-secret-key-")
        key_file = os.path.join(key_dir, "session.key")
        write(key_file, SESSION_KEY + "\n", 0o644)
        code, stderr = run_until_exit(Stsd("--session-key-file", key_file))
        self.assertEqual(code, 2, stderr)  # a configuration error
        self.assertIn("the session key file %s must be private" % key_file, stderr)
        self.assertNotIn(SESSION_KEY, stderr)

    def test_the_override_accepts_shared_files_and_names_each(self):
        key_dir = tempfile.mkdtemp(prefix="sts-secret-key-")
        key_file = os.path.join(key_dir, "session.key")
        write(key_file, SESSION_KEY + "\n", 0o644)
        stsd = Stsd("--session-key-file", key_file, env={"STS_SECRET_FILES_ALLOW_SHARED": "true"}).start()
        try:
            status, _, _ = curl("-X", "PUT", stsd.rest + "/token")
            self.assertEqual(status, 201)
        finally:
            self.assertEqual(stsd.stop(), 0, stsd.log())
        stsd.assert_clean(self)
        log = stsd.log()
        self.assertIn("secret_files_allow_shared=true", log)
        self.assertIn("the session key file %s may be read by other users" % key_file, log)
        self.assertNotIn(SESSION_KEY, log)

    def test_private_files_and_generated_keys_start_quietly(self):
        stsd = upstream(creds_dir(secret_mode=0o400), "--auth", "access-token").start()
        self.assertEqual(stsd.stop(), 0, stsd.log())
        for name in ("session.key", "token.key"):
            path = os.path.join(stsd.data_dir, name)
            if os.path.exists(path):
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertNotIn("may be read by other users", stsd.log())
        self.assertNotIn("must be private", stsd.log())


if __name__ == "__main__":
    unittest.main()
