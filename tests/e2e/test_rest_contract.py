"""The Cray STS REST contract (DESIGN §1.1, §1.5) against the real stsd, with curl and Python requests."""
import datetime
import json
import re
import unittest

import requests

from stsd import StsdTestCase, curl, error_body

CREDENTIAL_KEYS = ["AccessKeyId", "EndpointURL", "Expiration", "SecretAccessKey", "SessionToken"]
EXPIRATION = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def lifetime(expiration):
    expires = datetime.datetime.fromisoformat(expiration)
    return (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


class TokenContract(StsdTestCase):
    stsd_args = ("--max-body-bytes", "1024", "--endpoint-url", "https://s3.example.test")

    def check_credentials(self, status, headers, body, expected_lifetime=3600):
        self.assertEqual(status, 201, body)
        self.assertEqual(headers["content-type"], "application/json")
        document = json.loads(body, object_pairs_hook=list)
        self.assertEqual([k for k, _ in document], ["Credentials"])
        credentials = document[0][1]
        self.assertEqual([k for k, _ in credentials], CREDENTIAL_KEYS)
        values = dict(credentials)
        self.assertRegex(values["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(values["SecretAccessKey"]), 40)
        self.assertEqual(values["EndpointURL"], "https://s3.example.test")
        self.assertRegex(values["Expiration"], EXPIRATION)
        self.assertAlmostEqual(lifetime(values["Expiration"]), expected_lifetime, delta=60)
        self.assertGreater(len(values["SessionToken"]), 40)
        return values

    def test_put_token_on_both_paths(self):
        for path in ("/token", "/apis/sts/token"):
            with self.subTest(path=path):
                self.check_credentials(*curl("-X", "PUT", self.stsd.rest + path))

    def test_each_call_gets_new_credentials(self):
        first = self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token"))
        second = self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token"))
        self.assertNotEqual(first["AccessKeyId"], second["AccessKeyId"])
        self.assertNotEqual(first["SecretAccessKey"], second["SecretAccessKey"])

    def test_duration_from_body_and_query(self):
        self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token", data='{"DurationSeconds": 900}'), 900)
        self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token?DurationSeconds=43200"), 43200)
        self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token", data='{"DurationSeconds": 1800, '
                                     '"Policy": "{\\"Version\\":\\"2012-10-17\\"}"}'), 1800)

    def test_duration_out_of_range(self):
        for value in ("100", "50000", "0", "-5"):
            with self.subTest(value=value):
                status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data='{"DurationSeconds": %s}' % value)
                self.assertEqual(status, 400)
                message = error_body(self, body, 400, "INVALID_ARGUMENT")
                self.assertIn("DurationSeconds", message)
                self.assertIn("900", message)
                self.assertIn("43200", message)

    def test_policy_too_long(self):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token?Policy=" + "x" * 2100)
        self.assertEqual(status, 400)
        self.assertIn("Policy", error_body(self, body, 400, "INVALID_ARGUMENT"))

    def test_health(self):
        for path in ("/healthz", "/apis/sts/healthz"):
            with self.subTest(path=path):
                status, headers, body = curl(self.stsd.rest + path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["content-type"], "application/json")
                self.assertEqual(body, b'{"Status":"ok"}')

    def test_wrong_method_is_405_with_allow(self):
        status, headers, body = curl("-X", "POST", self.stsd.rest + "/token")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "PUT")
        error_body(self, body, 405, "UNIMPLEMENTED")
        status, headers, _ = curl("-X", "DELETE", self.stsd.rest + "/healthz")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET")

    def test_unknown_path_is_404(self):
        for path in ("/nope", "/token/extra", "/apis/sts"):
            with self.subTest(path=path):
                status, _, body = curl("-X", "PUT", self.stsd.rest + path)
                self.assertEqual(status, 404)
                error_body(self, body, 404, "NOT_FOUND")

    def test_body_over_the_limit_is_413(self):
        big = '{"Policy": "%s"}' % ("x" * 1500)
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data=big)
        self.assertEqual(status, 413)
        self.assertIn("1024", error_body(self, body, 413, "RESOURCE_EXHAUSTED"))
        status, _, _ = curl("-X", "PUT", self.stsd.rest + "/token", data="x" * 100000)
        self.assertEqual(status, 413)
        self.check_credentials(*curl("-X", "PUT", self.stsd.rest + "/token"))

    def test_malformed_json_is_400(self):
        cases = {
            '{"DurationSeconds":': "malformed JSON",
            '{"DurationSeconds": "abc"}': "DurationSeconds",
            '{"DurationSeconds": 1.5}': "DurationSeconds",
            '{"DurationSeconds": 99999999999999999999999}': "DurationSeconds",
            '{"Policy": 5}': "Policy must be a string",
            '{"Nope": 1}': 'unknown field "Nope"',
            '[1, 2]': "must be a JSON object",
            b'{"Policy": "\xff\xfe"}': "UTF8",
            '{"Policy": "a", "Policy": "b"}': "Policy appears more than once",
        }
        for data, expected in cases.items():
            with self.subTest(data=data):
                status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data=data)
                self.assertEqual(status, 400)
                self.assertIn(expected, error_body(self, body, 400, "INVALID_ARGUMENT"))

    def test_bad_query_parameter_is_400(self):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token?DurationSeconds=soon")
        self.assertEqual(status, 400)
        self.assertIn("DurationSeconds", error_body(self, body, 400, "INVALID_ARGUMENT"))
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token?Color=red")
        self.assertEqual(status, 400)
        self.assertIn("Color", error_body(self, body, 400, "INVALID_ARGUMENT"))

    def test_http2_cleartext(self):
        status, _, body = curl("--http2-prior-knowledge", "-X", "PUT", self.stsd.rest + "/token")
        self.assertEqual(status, 201, body)

    def test_python_requests_client(self):
        with requests.Session() as session:
            response = session.put(self.stsd.rest + "/token", timeout=10)
            self.assertEqual(response.status_code, 201)
            self.assertEqual(list(response.json()["Credentials"].keys()), CREDENTIAL_KEYS)
            response = session.put(self.stsd.rest + "/apis/sts/token", json={"DurationSeconds": 900}, timeout=10)
            self.assertEqual(response.status_code, 201)
            self.assertAlmostEqual(lifetime(response.json()["Credentials"]["Expiration"]), 900, delta=60)


if __name__ == "__main__":
    unittest.main()
