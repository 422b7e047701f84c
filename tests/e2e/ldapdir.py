"""The real OpenLDAP directory started by tests/ldap/slapd.sh for the test_ldap_* modules, and the ldap-utils
clients (ldapwhoami, ldapsearch) run against it. (Not named ldap.py, which would hide python3-ldap's module.)"""
import os
import subprocess

LDAP_DIR = os.environ.get("STS_LDAP_DIR", "")
LDAP_SCRIPT = os.environ.get("STS_LDAP_SCRIPT", "")


def ldap_env():
    """The values slapd.sh wrote to DIR/env: URLs, base DNs, the service account, the users, the CA file, the PID."""
    values = {}
    with open(os.path.join(LDAP_DIR, "env")) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition("=")
            values[name] = value
    return values


def server(command):
    """"stop-server" or "start-server": stops or restarts only slapd (a directory outage), by its recorded PID; the
    data and the ports stay."""
    subprocess.run(["bash", LDAP_SCRIPT, command, LDAP_DIR], check=True, timeout=60, capture_output=True)


def ldap_tool(tool, *args, ca_file=None, timeout=20):
    """Runs an ldap-utils tool (ldapwhoami, ldapsearch, ...) with the certificate checked against ca_file (the
    fixture's CA by default), whatever /etc/ldap/ldap.conf says; returns the CompletedProcess. The tools exit with
    the LDAP result code (49 invalid credentials, ...), or 1 or 255 for client-side errors."""
    env = dict(os.environ, LDAPTLS_CACERT=ca_file or ldap_env()["LDAP_CA_FILE"], LDAPTLS_REQCERT="demand")
    return subprocess.run([tool, "-x", "-o", "nettimeout=5"] + list(args), env=env, capture_output=True, text=True,
                          timeout=timeout)


def parse_ldif(text):
    """ldapsearch -LLL -o ldif_wrap=no output as a list of {attribute: [values]} (the "dn" under "dn")."""
    entries = []
    for block in text.strip().split("\n\n"):
        if not block.strip():
            continue
        entry = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            entry.setdefault(name.rstrip(":"), []).append(value)
        entries.append(entry)
    return entries


class SlapdLog:
    """DIR/slapd.log (slapd's `stats` log) from the moment this object was made, to see what a client really did:
    STARTTLS, "TLS established", BIND lines with their ssf."""

    def __init__(self):
        self.path = ldap_env()["LDAP_LOG_FILE"]
        self.offset = os.path.getsize(self.path)

    def new_lines(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            return f.read()
