"""The real Ceph RGW started by tests/rgw/rgw.sh for the upstream tests, and stsd configured to use it."""
import json
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
    """Writes the Cray-style creds files, private to stsd's user as secret files must be."""
    for name, value in (("access_key", access_key + "\n"), ("secret_key", secret_key)):
        with open(os.path.join(directory, name), "w") as f:
            f.write(value)
        os.chmod(os.path.join(directory, name), 0o600)


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


def iam(*command):
    """Runs /usr/bin/aws iam as the RGW test user (it holds the roles capability); returns the parsed output."""
    rgw = rgw_env()
    env = dict(os.environ, AWS_ACCESS_KEY_ID=rgw["RGW_ACCESS_KEY"], AWS_SECRET_ACCESS_KEY=rgw["RGW_SECRET_KEY"],
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    result = subprocess.run(["/usr/bin/aws", "--endpoint-url", rgw["RGW_ENDPOINT"], "--output", "json", "iam"]
                            + list(command), env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError("aws iam %s failed: %s" % (command[0], result.stderr))
    return json.loads(result.stdout) if result.stdout.strip() else None


def native_stsd(*args, key=None, key_mode=0o600, role_arn=None, lookup=True, env=None):
    """stsd with the rgw-native issuer minting RGW session tokens with RGW's key (or key); the role is looked up
    with GetRole through the Cray creds directory and rados_conf, unless lookup is False (then STS_RGW_ROLE_ID
    must come in env)."""
    rgw = rgw_env()
    stsd = upstream_stsd(*args, role_arn=role_arn) if lookup else Stsd(*args)
    key_dir = tempfile.mkdtemp(prefix="sts-rgw-key-")
    stsd.key_file = os.path.join(key_dir, "rgw_sts_key")
    with open(stsd.key_file, "w") as f:
        f.write((key or rgw["RGW_STS_KEY"]) + "\n")
    os.chmod(stsd.key_file, key_mode)
    stsd.env.update({"STS_ISSUER": "rgw-native", "STS_RGW_STS_KEY_FILE": stsd.key_file,
                     "STS_RGW_USER": rgw["RGW_UID"]})
    if not lookup:
        stsd.env["STS_ENDPOINT_URL"] = rgw["RGW_ENDPOINT"]
    stsd.env.update(env or {})
    return stsd
