"""REST path parameters are the only source of a resource id (DESIGN §1.7): the query and the body cannot override
them, and a capture is percent-decoded once, by h2o, never twice. Against the real stsd with access tokens, using
curl so the URLs go out byte for byte as written. Issue 11, finding 3."""
import json
import unittest

from stsd import curl, error_body
from test_access_tokens import BASE, Api, start_stsd

BOUND = "id is taken from the path; do not send it in the query or the body"


class PathParameters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = start_stsd(None, "--max-tokens-per-user", "10")
        cls.admin = Api(cls.stsd, cls.stsd.admin)

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def create(self, name, api=None):
        response = (api or self.admin).create(name)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def raw(self, method, path, token=None, body=None):
        """curl with the path exactly as written (no dot squashing, no re-quoting); returns (status, JSON or None)."""
        args = ["-X", method, "--path-as-is", "-H", "Authorization: Bearer " + (token or self.stsd.admin)]
        if body is not None:
            args += ["-H", "Content-Type: application/json"]
        status, _, text = curl(*args, self.stsd.rest + path, data=None if body is None else json.dumps(body))
        return status, (json.loads(text) if text else None)

    def metadata(self, token_id):
        status, body = self.raw("GET", BASE + token_id)
        self.assertEqual(status, 200, body)
        return body

    def assert_bound(self, status, body):
        self.assertEqual(status, 400, body)
        self.assertEqual(error_body(self, json.dumps(body), 400, "INVALID_ARGUMENT"), BOUND)

    def test_delete_query_cannot_name_another_token(self):
        a, b = self.create("victim-a")["id"], self.create("victim-b")["id"]
        for query in ("id=" + b, "id=" + b + "&id=" + a, "%69d=" + b, "i%64=" + b, "id="):
            with self.subTest(query=query):
                self.assert_bound(*self.raw("DELETE", BASE + a + "?" + query))
                self.metadata(a)
                self.metadata(b)

    def test_get_query_cannot_name_another_token(self):
        a, b = self.create("reader-a")["id"], self.create("reader-b")["id"]
        self.assert_bound(*self.raw("GET", BASE + a + "?id=" + b))
        # Without the override the same path answers with its own token.
        self.assertEqual(self.metadata(a)["id"], a)

    def test_patch_body_cannot_name_another_token(self):
        a, b = self.create("patch-a")["id"], self.create("patch-b")["id"]
        for body in ({"id": b, "enabled": False}, {"enabled": False, "id": a}, {"id": None, "enabled": False}):
            with self.subTest(body=body):
                self.assert_bound(*self.raw("PATCH", BASE + a, body=body))
                self.assertTrue(self.metadata(a)["enabled"])
                self.assertTrue(self.metadata(b)["enabled"])
        self.assert_bound(*self.raw("PATCH", BASE + a + "?id=" + b, body={"enabled": False}))
        self.assertTrue(self.metadata(b)["enabled"])
        # The same call without the id field does what it should, to the path's token only.
        status, patched = self.raw("PATCH", BASE + a, body={"enabled": False})
        self.assertEqual((status, patched["id"], patched["enabled"]), (200, a, False))
        self.assertTrue(self.metadata(b)["enabled"])

    def test_non_admin_cannot_redirect_a_call_between_own_tokens(self):
        carol_token = self.create("carol-binding")
        carol = carol_token["bearer_token"]
        other = self.create("carol-binding")["id"]
        status, body = self.raw("DELETE", BASE + carol_token["id"] + "?id=" + other, token=carol)
        self.assert_bound(status, body)
        self.assertEqual(self.raw("GET", BASE + other, token=carol)[0], 200)
        self.assertEqual(self.raw("GET", BASE + carol_token["id"], token=carol)[0], 200)

    def test_capture_is_decoded_once(self):
        target = self.create("encoded")["id"]
        # Encoded once, the id is decoded once by h2o's path normalisation and names the token.
        once = "".join("%%%02X" % ord(c) for c in target)
        self.assertEqual(self.raw("GET", BASE + once)[1]["id"], target)
        # Encoded twice ("%25" + "33" for '3'), the id after one decode is "%33…", which names no token. Decoding
        # again would reach the token: a filter in front that checks ids would be bypassed.
        twice = "%25" + "%02X" % ord(target[0]) + target[1:]
        for method in ("GET", "DELETE"):
            with self.subTest(method=method):
                status, body = self.raw(method, BASE + twice)
                self.assertIn(status, (400, 404), body)  # 404 for an unknown id (400 if ids get a format check)
                self.assertNotEqual(body.get("id"), target)
        status, body = self.raw("PATCH", BASE + twice, body={"enabled": False})
        self.assertIn(status, (400, 404), body)
        self.assertTrue(self.metadata(target)["enabled"])


if __name__ == "__main__":
    unittest.main()
