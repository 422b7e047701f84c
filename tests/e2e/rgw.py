"""The real Ceph RGW started by tests/rgw/rgw.sh for the upstream tests, and stsd configured to use it."""
import os
import subprocess
import tempfile

from stsd import Stsd

RGW_DIR = os.environ.get("STS_RGW_DIR", "")
RGW_SCRIPT = os.environ.get("STS_RGW_SCRIPT", "")


def rgw_env():
    """The values rgw.sh wrote: endpoint, the test user's keys, the role ARN."""
    values = {}
    with open(os.path.join(RGW_DIR, "rgw.env")) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            values[name] = value
    return values


def gateway(command):
    """Stops or starts only radosgw (an upstream outage), by the PID the script recorded."""
    subprocess.run(["bash", RGW_SCRIPT, command, RGW_DIR], check=True, timeout=120, capture_output=True)


def write_creds(directory, access_key, secret_key):
    with open(os.path.join(directory, "access_key"), "w") as f:
        f.write(access_key + "\n")
    with open(os.path.join(directory, "secret_key"), "w") as f:
        f.write(secret_key)


def upstream_stsd(*args, secret_key=None, endpoint=None, role_arn=None, env=None):
    """stsd with the sts issuer in front of the RGW, configured the Cray way: a creds directory and a rados_conf."""
    rgw = rgw_env()
    config_dir = tempfile.mkdtemp(prefix="sts-creds-")
    write_creds(config_dir, rgw["RGW_ACCESS_KEY"], secret_key or rgw["RGW_SECRET_KEY"])
    rados = os.path.join(config_dir, "rados.yaml")
    with open(rados, "w") as f:
        f.write("int_endpoint_url: %s\next_endpoint_url: %s\narn: %s\n" % (
            endpoint or rgw["RGW_ENDPOINT"], rgw["RGW_ENDPOINT"], role_arn or rgw["RGW_ROLE_ARN"]))
    environment = {"STS_ISSUER": "sts", "STS_CREDS_PATH": config_dir, "STS_RADOS_CONFIG_PATH": rados}
    environment.update(env or {})
    stsd = Stsd("--readiness-interval-seconds", "1", *args, env=environment)
    stsd.creds_dir = config_dir
    return stsd
