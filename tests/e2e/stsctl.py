"""Runs the real stsctl binary for end-to-end tests, in a clean environment with its own temporary HOME."""
import os
import subprocess
import tempfile

from stsd import SANITIZER_MARKERS

STSCTL = os.environ.get("STSCTL", "")
# Variables stsctl reads; a developer's own settings must not leak into the tests.
SETTINGS = ("STS_URL", "STS_TOKEN", "STS_CACERT", "STSCTL_CONFIG", "XDG_CONFIG_HOME")


def clean_env(home=None, **extra):
    """os.environ without stsctl's settings, HOME set to home (a new temporary directory when None)."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS and not k.startswith("AWS_")}
    env["HOME"] = home or tempfile.mkdtemp(prefix="stsctl-home-")
    env.update(extra)
    return env


def run(*args, env=None, stdin=None, timeout=60):
    """Runs stsctl with args; returns the completed process (text). A sanitizer report on stderr fails at once."""
    result = subprocess.run([STSCTL, *args], env=env if env is not None else clean_env(), input=stdin,
                            capture_output=True, text=True, timeout=timeout)
    for marker in SANITIZER_MARKERS:
        if marker in result.stderr:
            raise AssertionError("sanitizer report from stsctl %s:\n%s" % (args, result.stderr))
    return result
