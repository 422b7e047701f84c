"""The throwaway directory of tests/ldap/slapd.sh, checked with real clients (ldap-utils) before sts relies on it:
TLS with certificate verification, search-then-bind's two binds, group membership, and the binds it must refuse."""
import re
import unittest

from ldapdir import SlapdLog, ldap_env, ldap_tool, parse_ldif, server

INVALID_CREDENTIALS = 49
INAPPROPRIATE_AUTHENTICATION = 48
UNWILLING_TO_PERFORM = 53


def bind_line(dn):
    """The `stats` line slapd writes for a successful simple bind of dn, with the connection's ssf (0 in clear)."""
    return re.compile(r'BIND dn="%s" mech=SIMPLE bind_ssf=0 ssf=(\d+)' % re.escape(dn))


class Directory(unittest.TestCase):
    def setUp(self):
        self.env = ldap_env()

    def whoami(self, url, dn, password, *options, ca_file=None):
        return ldap_tool("ldapwhoami", *options, "-H", url, "-D", dn, "-w", password, ca_file=ca_file)

    def search_as_service(self, base, search_filter, *attributes):
        result = ldap_tool("ldapsearch", "-ZZ", "-LLL", "-o", "ldif_wrap=no", "-H", self.env["LDAP_URL"],
                           "-D", self.env["LDAP_BIND_DN"], "-y", self.env["LDAP_BIND_PASSWORD_FILE"],
                           "-b", base, search_filter, *attributes)
        self.assertEqual(result.returncode, 0, result.stderr)
        return parse_ldif(result.stdout)

    def test_service_account_binds_over_starttls(self):
        log = SlapdLog()
        result = ldap_tool("ldapwhoami", "-ZZ", "-H", self.env["LDAP_URL"], "-D", self.env["LDAP_BIND_DN"],
                           "-y", self.env["LDAP_BIND_PASSWORD_FILE"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "dn:" + self.env["LDAP_BIND_DN"])
        lines = log.new_lines()
        self.assertIn("STARTTLS", lines)
        ssf = bind_line(self.env["LDAP_BIND_DN"]).search(lines)
        self.assertIsNotNone(ssf, lines)
        self.assertGreaterEqual(int(ssf.group(1)), 128)  # the password travelled inside TLS

    def test_user_binds_over_starttls_and_ldaps(self):
        for url, options in ((self.env["LDAP_URL"], ("-ZZ",)), (self.env["LDAPS_URL"], ())):
            with self.subTest(url=url):
                log = SlapdLog()
                result = self.whoami(url, self.env["LDAP_ALICE_DN"], self.env["LDAP_ALICE_PASSWORD"], *options)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.strip(), "dn:" + self.env["LDAP_ALICE_DN"])
                ssf = bind_line(self.env["LDAP_ALICE_DN"]).search(log.new_lines())
                self.assertIsNotNone(ssf)
                self.assertGreaterEqual(int(ssf.group(1)), 128)

    def test_server_certificate_is_verified(self):
        """Against a CA that did not sign slapd's certificate, neither StartTLS nor ldaps gets as far as a bind."""
        for url, options in ((self.env["LDAP_URL"], ("-ZZ",)), (self.env["LDAPS_URL"], ())):
            with self.subTest(url=url):
                log = SlapdLog()
                result = self.whoami(url, self.env["LDAP_ALICE_DN"], self.env["LDAP_ALICE_PASSWORD"], *options,
                                     ca_file=self.env["LDAP_OTHER_CA_FILE"])
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertRegex(result.stderr, r"Connect error|Can't contact LDAP server")
                self.assertNotRegex(log.new_lines(), r"\bBIND\b")  # UNBIND: the end of an earlier connection

    def test_service_account_finds_users_but_not_their_passwords(self):
        entries = self.search_as_service(self.env["LDAP_PEOPLE_BASE"], "(objectClass=inetOrgPerson)",
                                         "uid", "cn", "userPassword")
        self.assertEqual(sorted(e["uid"][0] for e in entries), ["alice", "bob", "carol"])
        for entry in entries:
            self.assertNotIn("userPassword", entry)
        alice = self.search_as_service(self.env["LDAP_BASE"], "(uid=alice)", "uid")
        self.assertEqual([e["dn"] for e in alice], [[self.env["LDAP_ALICE_DN"]]])

    def test_group_membership(self):
        expected = {"LDAP_ALICE_DN": ["admins"], "LDAP_BOB_DN": ["operators"], "LDAP_CAROL_DN": []}
        for user, groups in expected.items():
            with self.subTest(user=user):
                entries = self.search_as_service(self.env["LDAP_GROUPS_BASE"],
                                                 "(&(objectClass=groupOfNames)(member=%s))" % self.env[user], "cn")
                self.assertEqual(sorted(e["cn"][0] for e in entries), groups)
        admins = self.search_as_service(self.env["LDAP_ADMINS_GROUP_DN"], "(objectClass=groupOfNames)", "member")
        self.assertEqual(admins[0]["member"], [self.env["LDAP_ALICE_DN"]])

    def test_user_reads_its_groups_after_binding(self):
        """After search-then-bind the connection is the user's; the user may still read the groups."""
        result = ldap_tool("ldapsearch", "-ZZ", "-LLL", "-H", self.env["LDAP_URL"], "-D", self.env["LDAP_BOB_DN"],
                           "-w", self.env["LDAP_BOB_PASSWORD"], "-b", self.env["LDAP_GROUPS_BASE"],
                           "(member=%s)" % self.env["LDAP_BOB_DN"], "cn")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([e["cn"] for e in parse_ldif(result.stdout)], [["operators"]])

    def test_wrong_password_is_refused(self):
        cases = ((self.env["LDAP_ALICE_DN"], self.env["LDAP_BOB_PASSWORD"]),
                 (self.env["LDAP_ALICE_DN"], self.env["LDAP_ALICE_PASSWORD"] + "x"),
                 ("uid=mallory," + self.env["LDAP_PEOPLE_BASE"], self.env["LDAP_ALICE_PASSWORD"]))
        for dn, password in cases:
            with self.subTest(dn=dn):
                result = self.whoami(self.env["LDAP_URL"], dn, password, "-ZZ")
                self.assertEqual(result.returncode, INVALID_CREDENTIALS, result.stdout + result.stderr)
                self.assertIn("Invalid credentials", result.stderr)

    def test_empty_password_is_an_unauthenticated_bind_and_refused(self):
        """RFC 4513 5.1.2: a DN with an empty password is an unauthenticated bind. slapd 2.5 refuses it by default
        (it would succeed as anonymous with `allow bind_anon_dn`); sts must refuse empty passwords itself anyway."""
        result = self.whoami(self.env["LDAP_URL"], self.env["LDAP_ALICE_DN"], "", "-ZZ")
        self.assertEqual(result.returncode, UNWILLING_TO_PERFORM, result.stdout + result.stderr)
        self.assertIn("unauthenticated bind", result.stderr)
        self.assertNotIn(self.env["LDAP_ALICE_DN"], result.stdout)

    def test_anonymous_bind_is_refused(self):
        """`disallow bind_anon`: an empty DN and password is refused, so nothing can be read without binding."""
        result = ldap_tool("ldapwhoami", "-ZZ", "-H", self.env["LDAP_URL"])
        self.assertEqual(result.returncode, INAPPROPRIATE_AUTHENTICATION, result.stdout + result.stderr)
        self.assertIn("anonymous bind disallowed", result.stderr)
        result = ldap_tool("ldapsearch", "-LLL", "-H", self.env["LDAP_URL"], "-b", self.env["LDAP_BASE"], "(uid=*)")
        self.assertEqual(result.returncode, INAPPROPRIATE_AUTHENTICATION, result.stdout + result.stderr)
        self.assertNotIn("uid:", result.stdout)

    def test_outage_and_restart_keep_port_and_data(self):
        """stop-server and start-server, as the login outage tests use them."""
        before = self.env
        server("stop-server")
        try:
            result = self.whoami(before["LDAP_URL"], before["LDAP_ALICE_DN"], before["LDAP_ALICE_PASSWORD"], "-ZZ")
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertIn("Can't contact LDAP server", result.stderr)
        finally:
            server("start-server")
        after = ldap_env()
        self.assertEqual((after["LDAP_URL"], after["LDAPS_URL"]), (before["LDAP_URL"], before["LDAPS_URL"]))
        self.assertNotEqual(after["LDAP_PID"], before["LDAP_PID"])
        with open(after["LDAP_DIR"] + "/slapd.pid") as f:
            self.assertEqual(f.read().strip(), after["LDAP_PID"])
        result = self.whoami(after["LDAP_URL"], after["LDAP_ALICE_DN"], after["LDAP_ALICE_PASSWORD"], "-ZZ")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "dn:" + after["LDAP_ALICE_DN"])


if __name__ == "__main__":
    unittest.main()
