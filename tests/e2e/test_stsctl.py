"""stsctl, the command-line client, run as a user would against the real stsd: settings from flags, variables and
the config file; health, token in every format, credential-process; errors that name the server and never show a
secret."""
import configparser
import datetime
import json
import os
import re
import shlex
import socket
import subprocess
import tempfile
import time
import unittest

import requests

from stsd import Stsd, free_port
from stsctl import clean_env, run
from test_tls import Pki

EXPIRATION = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def start_stsd(*args):
    stsd = Stsd("--access-token-roles", "user:admin=admin", *args, env={"STS_AUTH": "access-token"})
    stsd.start()
    with open(os.path.join(stsd.data_dir, "admin.token")) as f:
        stsd.admin = f.read().strip()
    return stsd


def seconds_left(expiration):
    when = datetime.datetime.fromisoformat(expiration)
    return (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


class Stsctl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = start_stsd()
        # A user without the admin role: authenticated, but PUT /token is forbidden to it.
        reply = requests.post(cls.stsd.rest + "/v1/auth/access-tokens/", timeout=30,
                              headers={"Authorization": "Bearer " + cls.stsd.admin},
                              json={"user": {"domain": "LOCAL", "name": "bob"}})
        assert reply.status_code == 200, reply.text
        cls.bob = reply.json()["bearer_token"]
        cls.secrets = [cls.stsd.admin, cls.bob]

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def stsctl(self, *args, env=None, ok=True, stdin=None):
        result = run(*args, env=env, stdin=stdin)
        for secret in self.secrets:
            self.assertNotIn(secret, result.stderr)
        if ok:
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stderr, "")
        return result

    def common(self):
        return ("--url", self.stsd.rest, "--token", self.stsd.admin)

    def credentials_of(self, result):
        """Remembers the issued secrets (stderr checks) and returns the credentials of a JSON answer."""
        credentials = json.loads(result.stdout)["Credentials"]
        self.secrets += [credentials["SecretAccessKey"], credentials["SessionToken"]]
        return credentials

    def test_version(self):
        result = self.stsctl("--version")
        self.assertRegex(result.stdout, r"^stsctl \d+\.\d+\.\d+\n")
        self.assertIn("libcurl", result.stdout)
        self.assertIn("yajl", result.stdout)

    def test_health_and_ready(self):
        self.assertEqual(json.loads(self.stsctl("health", "--url", self.stsd.rest).stdout), {"Status": "ok"})
        self.assertEqual(json.loads(self.stsctl("health", "--ready", "--url", self.stsd.rest).stdout)["Status"], "ok")

    def test_token_json_is_the_servers_answer(self):
        credentials = self.credentials_of(self.stsctl("token", *self.common()))
        self.assertRegex(credentials["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertRegex(credentials["Expiration"], EXPIRATION)
        self.assertAlmostEqual(seconds_left(credentials["Expiration"]), 3600, delta=60)
        # The credentials are real: the server's verify endpoint accepts them.
        reply = requests.post(self.stsd.rest + "/v1/credentials/verify", timeout=30,
                              headers={"Authorization": "Bearer " + self.stsd.admin},
                              json={"AccessKeyId": credentials["AccessKeyId"],
                                    "SessionToken": credentials["SessionToken"]})
        self.assertTrue(reply.json()["Valid"], reply.text)

    def test_duration_reaches_the_server(self):
        credentials = self.credentials_of(self.stsctl("token", "--duration", "900", *self.common()))
        self.assertAlmostEqual(seconds_left(credentials["Expiration"]), 900, delta=60)
        credentials = self.credentials_of(self.stsctl("token", *self.common(), "--duration=1800"))
        self.assertAlmostEqual(seconds_left(credentials["Expiration"]), 1800, delta=60)

    def test_env_format_is_evaluated_by_a_shell(self):
        result = self.stsctl("token", "--format", "env", *self.common())
        self.assertRegex(result.stdout, r"^export AWS_ACCESS_KEY_ID='ASIA[A-Z2-7]{16}'\n")
        script = result.stdout + 'printf "%s\\n%s\\n%s\\n%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" ' \
                                 '"$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION"'
        shell = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=10, env={})
        key, secret, session, expiration = shell.stdout.split("\n")[:4]
        self.secrets += [secret, session]
        self.assertRegex(key, r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(secret), 40)
        self.assertTrue(session)
        self.assertRegex(expiration, EXPIRATION)
        for line in result.stdout.splitlines():
            self.assertEqual(shlex.split(line)[0], "export")

    def test_aws_profile_format_is_an_ini_profile(self):
        result = self.stsctl("token", "--format", "aws-profile", "--profile", "sts-test", *self.common())
        parser = configparser.ConfigParser()
        parser.read_string(result.stdout)
        profile = parser["sts-test"]
        self.secrets += [profile["aws_secret_access_key"], profile["aws_session_token"]]
        self.assertRegex(profile["aws_access_key_id"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(profile["aws_secret_access_key"]), 40)
        self.assertTrue(profile["aws_session_token"])
        default = configparser.ConfigParser()
        default.read_string(self.stsctl("token", "--format", "aws-profile", *self.common()).stdout)
        self.assertIn("default", default)

    def test_credential_process_output(self):
        result = self.stsctl("credential-process", "--duration", "900", *self.common())
        document = json.loads(result.stdout, object_pairs_hook=list)
        self.assertEqual([k for k, _ in document],
                         ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"])
        values = dict(document)
        self.secrets += [values["SecretAccessKey"], values["SessionToken"]]
        self.assertEqual(values["Version"], 1)
        self.assertRegex(values["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertRegex(values["Expiration"], EXPIRATION)
        self.assertAlmostEqual(seconds_left(values["Expiration"]), 900, delta=60)

    def test_settings_from_variables(self):
        env = clean_env(STS_URL=self.stsd.rest, STS_TOKEN=self.stsd.admin)
        self.credentials_of(self.stsctl("token", env=env))

    def test_settings_from_the_config_file(self):
        home = tempfile.mkdtemp(prefix="stsctl-home-")
        os.makedirs(os.path.join(home, ".config", "stsctl"))
        path = os.path.join(home, ".config", "stsctl", "config")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("# stsctl settings\nurl = %s/\n\ntoken = %s\n" % (self.stsd.rest, self.stsd.admin))
        self.credentials_of(self.stsctl("token", env=clean_env(home)))
        # $XDG_CONFIG_HOME wins over ~/.config, and --config over both.
        xdg = tempfile.mkdtemp(prefix="stsctl-xdg-")
        os.makedirs(os.path.join(xdg, "stsctl"))
        with open(os.path.join(xdg, "stsctl", "config"), "w") as f:
            f.write("url = http://127.0.0.1:1\n")
        failed = self.stsctl("token", env=clean_env(home, XDG_CONFIG_HOME=xdg), ok=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("http://127.0.0.1:1", failed.stderr)
        self.credentials_of(self.stsctl("token", "--config", path, env=clean_env(home, XDG_CONFIG_HOME=xdg)))

    def test_a_token_file(self):
        path = os.path.join(tempfile.mkdtemp(prefix="stsctl-"), "token")
        with open(path, "w") as f:
            f.write("  %s  \n" % self.stsd.admin)
        self.credentials_of(self.stsctl("token", "--url", self.stsd.rest, "--token-file", path))

    def test_flags_win_over_variables_and_variables_over_the_file(self):
        home = tempfile.mkdtemp(prefix="stsctl-home-")
        os.makedirs(os.path.join(home, ".config", "stsctl"))
        with open(os.path.join(home, ".config", "stsctl", "config"), "w") as f:
            f.write("url = http://127.0.0.1:1\ntoken = from-the-file\n")
        os.chmod(os.path.join(home, ".config", "stsctl", "config"), 0o600)
        env = clean_env(home, STS_URL=self.stsd.rest, STS_TOKEN="from-the-variable")
        failed = self.stsctl("token", env=env, ok=False)
        self.assertIn("HTTP 401", failed.stderr)
        self.assertIn(self.stsd.rest, failed.stderr)
        self.assertNotIn("from-the-variable", failed.stderr)
        self.credentials_of(self.stsctl("token", "--token", self.stsd.admin, env=env))
        failed = self.stsctl("token", "--url", "http://127.0.0.1:2", "--token", self.stsd.admin, env=env, ok=False)
        self.assertIn("http://127.0.0.1:2", failed.stderr)

    def test_a_group_readable_config_file_with_a_token_is_warned_about(self):
        home = tempfile.mkdtemp(prefix="stsctl-home-")
        os.makedirs(os.path.join(home, ".config", "stsctl"))
        path = os.path.join(home, ".config", "stsctl", "config")
        with open(path, "w") as f:
            f.write("url = %s\ntoken = %s\n" % (self.stsd.rest, self.stsd.admin))
        os.chmod(path, 0o644)
        result = self.stsctl("health", env=clean_env(home), ok=False)
        self.assertEqual(result.returncode, 0)
        self.assertIn("chmod 600", result.stderr)

    def test_config_file_errors_name_the_file_and_line(self):
        path = os.path.join(tempfile.mkdtemp(prefix="stsctl-"), "config")
        with open(path, "w") as f:
            f.write("url = %s\nurll = x\n" % self.stsd.rest)
        result = self.stsctl("health", "--config", path, ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("%s:2: unknown key 'urll'" % path, result.stderr)
        result = self.stsctl("health", "--config", path + ".missing", ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn(path + ".missing", result.stderr)

    def test_server_down_names_the_url(self):
        url = "http://127.0.0.1:%d" % free_port()
        for command in ("health", "token", "credential-process"):
            result = self.stsctl(command, "--url", url, "--token", self.stsd.admin, ok=False)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn("cannot reach the server at " + url, result.stderr)
            self.assertEqual(result.stdout, "")

    def test_a_url_with_a_password_is_never_shown(self):
        url = "http://user:hunter2-secret@127.0.0.1:%d" % free_port()
        result = self.stsctl("token", "--url", url, "--token", self.stsd.admin, ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("http://127.0.0.1:", result.stderr)
        self.assertNotIn("hunter2-secret", result.stderr)

    def test_401_names_the_server_and_its_message(self):
        wrong = "sts-at-v1:not-a-real-token-0123456789"
        for command in ("token", "credential-process"):
            result = self.stsctl(command, "--url", self.stsd.rest, "--token", wrong, ok=False)
            self.assertEqual(result.returncode, 1)
            self.assertEqual(result.stdout, "")
            self.assertIn("the server at %s answered HTTP 401 UNAUTHENTICATED: " % self.stsd.rest, result.stderr)
            self.assertNotIn(wrong, result.stderr)
        result = self.stsctl("token", "--url", self.stsd.rest, ok=False)
        self.assertIn("HTTP 401", result.stderr)
        self.assertIn("no token was given", result.stderr)

    def test_403_names_the_server_and_its_message(self):
        result = self.stsctl("credential-process", "--url", self.stsd.rest, "--token", self.bob, ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("answered HTTP 403 PERMISSION_DENIED: ", result.stderr)
        self.assertIn("admin", result.stderr)  # the role it lacks, as the server says

    def test_400_carries_the_servers_message(self):
        result = self.stsctl("token", "--duration", "10", *self.common(), ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("HTTP 400 INVALID_ARGUMENT: DurationSeconds must be from 900", result.stderr)

    def test_a_non_sts_server_answering_an_error_page(self):
        # A 404 with a body that is not the service's JSON: the status, the server, and no body bytes.
        result = self.stsctl("health", "--url", self.stsd.rest + "/no/such/prefix", ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("answered HTTP 404", result.stderr)

    def test_bad_command_lines_get_usage_and_exit_2(self):
        cases = [("token", "--format", "xml"), ("token", "--duration", "abc"), ("token", "--duration"),
                 ("token", "--no-such-flag"), ("token", "-x"), ("health", "extra"), ("no-such-command",),
                 ("credential-process", "--format", "json"), ("token", "--url", "ftp://127.0.0.1"),
                 ("token", "--token", "a", "--token-file", "/dev/null"), ("health", "--ready=yes")]
        for args in cases:
            result = self.stsctl(*args, ok=False)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertTrue(result.stderr.startswith("stsctl: "), (args, result.stderr))
            self.assertEqual(result.stdout, "")
        self.assertEqual(self.stsctl(ok=False).returncode, 2)
        self.assertIn("usage: stsctl token", self.stsctl("token", "--help").stdout)
        self.assertIn("credential_process = stsctl", self.stsctl("credential-process", "--help").stdout)

    def test_a_server_that_never_answers_is_given_up_on(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)  # connections complete in the backlog, but nothing is ever read or answered
            url = "http://127.0.0.1:%d" % silent.getsockname()[1]
            started = time.monotonic()
            result = self.stsctl("credential-process", "--url", url, "--token", self.stsd.admin, "--timeout", "1",
                                 ok=False)
            self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot reach the server at %s: " % url, result.stderr)
        self.assertIn("timed out", result.stderr.lower())
        for bad in ("0", "abc", "3601"):
            self.assertEqual(self.stsctl("health", "--timeout", bad, ok=False).returncode, 2)

    def test_bad_config_lines_and_token_files(self):
        directory = tempfile.mkdtemp(prefix="stsctl-")
        path = os.path.join(directory, "config")
        for text, expected in (("url\n", ":1: expected 'key = value'"),
                               ("url = " + "x" * 9000 + "\n", ":1: the line is longer than"),
                               ("timeout = soon\n", "--timeout must be a whole number"),
                               ("token_file = %s/none\n" % directory, "cannot read the token file"),
                               ("url = ftp://example\n", "must start with http:// or https://")):
            with open(path, "w") as f:
                f.write(text)
            result = self.stsctl("token", "--config", path, ok=False)
            self.assertEqual(result.returncode, 2, (text[:40], result.stderr))
            self.assertIn(expected, result.stderr)
        empty = os.path.join(directory, "empty")
        with open(empty, "w") as f:
            f.write("\n")
        result = self.stsctl("token", "--token-file", empty, ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("the token file %s is empty" % empty, result.stderr)
        with open(path, "w") as f:
            f.write("url = %s\ntoken_file = %s\n" % (self.stsd.rest, os.path.join(directory, "token")))
        with open(os.path.join(directory, "token"), "w") as f:
            f.write(self.stsd.admin + "\n")
        self.credentials_of(self.stsctl("token", "--config", path))
        result = self.stsctl("token", "--url", self.stsd.rest, env=clean_env(STS_TOKEN="two\nlines"), ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertNotIn("two", result.stderr)

    def test_a_damaged_login_file_is_named(self):
        home = tempfile.mkdtemp(prefix="stsctl-home-")
        os.makedirs(os.path.join(home, ".config", "stsctl"))
        path = os.path.join(home, ".config", "stsctl", "login.json")
        with open(path, "w") as f:
            f.write('{"url": "%s", "refresh-token": "sts-rt-v1:secret-part"' % self.stsd.rest)
        result = self.stsctl("token", "--url", self.stsd.rest, env=clean_env(home), ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("the login file %s is damaged: run stsctl login again" % path, result.stderr)
        self.assertNotIn("secret-part", result.stderr)
        # A token given explicitly does not need the login.
        self.credentials_of(self.stsctl("token", *self.common(), env=clean_env(home)))

    def test_no_secret_on_stderr_when_the_token_is_refused_in_every_way(self):
        # Tokens with characters that could end up in messages: each refused, none echoed.
        for token in ("sts-at-v1:" + "A" * 40, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "garbage-token-value-77"):
            for command in ("token", "credential-process", "health"):
                result = run(command, "--url", self.stsd.rest, "--token", token)
                self.assertNotIn(token, result.stderr)
                self.assertNotIn(token, result.stdout)


class StsctlOverTls(unittest.TestCase):
    """--cacert: stsctl verifies the server with the given CA and refuses one it does not trust."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="stsctl-tls-")
        cls.pki = Pki(cls.tmp, "stsctl test CA")
        cls.pki.issue("server", "localhost")
        cls.stsd = start_stsd("--tls-cert-file", cls.pki.path("server", ".pem"), "--tls-key-file",
                              cls.pki.path("server", ".key"))

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def test_cacert(self):
        result = run("credential-process", "--url", self.stsd.https, "--token", self.stsd.admin, "--cacert",
                     self.pki.ca_file)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["Version"], 1)
        result = run("health", env=clean_env(STS_URL=self.stsd.https, STS_CACERT=self.pki.ca_file))
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_an_untrusted_server_is_refused(self):
        other = Pki(tempfile.mkdtemp(prefix="stsctl-tls-other-"), "another CA")
        for extra in ((), ("--cacert", other.ca_file)):
            result = run("token", "--url", self.stsd.https, "--token", self.stsd.admin, *extra)
            self.assertEqual(result.returncode, 1)
            self.assertIn("cannot reach the server at " + self.stsd.https, result.stderr)
            self.assertIn("certificate", result.stderr)
            self.assertNotIn(self.stsd.admin, result.stderr)
            self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    unittest.main()
