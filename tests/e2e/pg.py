"""stsd replicas sharing one PostgreSQL database, for the e2e tests: the server tests/pg/pg.sh started (its DIR/env in
STS_PG_DIR), a database of their own made and dropped through the superuser's socket, and the key-encryption key all
replicas share."""
import os
import secrets
import subprocess
import tempfile

from stsd import Stsd

PSQL = "/usr/lib/postgresql/15/bin/psql"


def pg_env():
    env = {}
    with open(os.path.join(os.environ["STS_PG_DIR"], "env")) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition("=")
            env[name] = value
    return env


def admin_sql(sql):
    """Runs sql as the superuser (over the server's socket) and returns its output; raises on failure."""
    done = subprocess.run([PSQL, pg_env()["PG_ADMIN_URL"], "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True,
                          text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError("psql: %s" % done.stderr)
    return done.stdout.strip()


def server(action):
    """stop-server or start-server: a database outage and its end."""
    subprocess.run(["bash", os.environ["STS_PG_SCRIPT"], action, os.environ["STS_PG_DIR"]], check=True, timeout=60)


class Cluster:
    """A database of its own and the settings every replica gets: database_url, its password file, one KEK file."""

    def __init__(self, name):
        env = pg_env()
        self.database = "%s_%d" % (name, os.getpid())
        admin_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)
        admin_sql("CREATE DATABASE %s OWNER sts" % self.database)
        self.url = "postgres://sts@127.0.0.1:%s/%s" % (env["PG_PORT"], self.database)
        self.kek = os.path.join(tempfile.mkdtemp(prefix="sts-kek-"), "keys.kek")
        with os.fdopen(os.open(self.kek, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        self.args = ("--database-url", self.url, "--database-password-file", env["PG_PASSWORD_FILE"],
                     "--key-encryption-key-file", self.kek)

    def replica(self, *args, env=None):
        """An stsd (not started) on this database."""
        return Stsd(*(self.args + args), env=env)

    def drop(self):
        admin_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)
