"""ListAccessTokens paging: REST clients follow paging.next, a URI, until it is empty (the Qumulo contract); gRPC
clients get the cursor itself, the id to pass as `after`. Both from one annotation on Paging.next (page_cursor_for).
Issue 11, finding 13 (the cursor half)."""
import re
import unittest
import urllib.parse

import grpc

from test_access_tokens import BASE, Api, at_grpc, at_pb2, start_stsd

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


class PagingCursor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stsd = start_stsd(None, "--max-tokens-per-user", "10")
        cls.admin = Api(cls.stsd, cls.stsd.admin)
        cls.pager = set()
        for name, count in (("pager", 7), ("other", 3)):
            for _ in range(count):
                response = cls.admin.create(name)
                assert response.status_code == 200, response.text
                if name == "pager":
                    cls.pager.add(response.json()["id"])

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def follow_rest(self, url):
        """Follows paging.next from url until it is empty; returns the pages (lists of ids) and the URIs followed."""
        pages, uris = [], []
        while url:
            self.assertLess(len(pages), 20, "paging.next does not end")
            response = self.admin.call("GET", url)
            self.assertEqual(response.status_code, 200, response.text)
            body = response.json()
            pages.append([entry["id"] for entry in body["entries"]])
            url = body["paging"]["next"]
            if url:
                uris.append(url)
        return pages, uris

    def test_rest_next_is_the_uri_of_the_next_page_and_keeps_the_query(self):
        for path in ("/v1/auth/access-tokens", BASE):
            with self.subTest(path=path):
                pages, uris = self.follow_rest(path + "?user=pager&limit=2")
                self.assertEqual([len(p) for p in pages], [2, 2, 2, 1])
                ids = [i for page in pages for i in page]
                self.assertEqual(ids, sorted(set(ids)))
                self.assertEqual(set(ids), self.pager)
                for page, uri in zip(pages, uris):
                    # The request's own path, its query as sent, and after= the last id of the page.
                    self.assertTrue(uri.startswith(path + "?"), uri)
                    self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query),
                                     {"user": ["pager"], "limit": ["2"], "after": [page[-1]]})

    def test_rest_after_in_the_query_is_replaced_not_repeated(self):
        first = self.admin.call("GET", BASE + "?user=pager&limit=3").json()
        start = first["entries"][0]["id"]
        second = self.admin.call("GET", BASE + "?after=" + start + "&limit=3&user=pager").json()
        self.assertEqual(second["entries"][0]["id"], first["entries"][1]["id"])
        next_uri = second["paging"]["next"]
        self.assertEqual(next_uri, BASE + "?after=" + second["entries"][-1]["id"] + "&limit=3&user=pager")

    def test_grpc_next_is_the_bare_cursor_that_after_takes(self):
        metadata = (("authorization", "Bearer " + self.stsd.admin),)
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            stub = at_grpc.AccessTokenServiceStub(channel)
            pages, after = [], ""
            while True:
                self.assertLess(len(pages), 20, "paging.next does not end")
                reply = stub.ListAccessTokens(at_pb2.ListAccessTokensRequest(user="pager", limit=2, after=after),
                                              metadata=metadata, timeout=10)
                pages.append([entry.id for entry in reply.entries])
                after = reply.paging.next
                if not after:
                    break
                self.assertRegex(after, HEX_ID)
                self.assertEqual(after, reply.entries[-1].id)
        self.assertEqual([len(p) for p in pages], [2, 2, 2, 1])
        # The same pages as a REST client following the URIs.
        rest_pages, _ = self.follow_rest(BASE + "?user=pager&limit=2")
        self.assertEqual(pages, rest_pages)

    def test_last_page_has_an_empty_next_on_both_protocols(self):
        rest = self.admin.call("GET", BASE + "?user=other&limit=5").json()
        self.assertEqual((len(rest["entries"]), rest["paging"]["next"]), (3, ""))
        with grpc.insecure_channel(self.stsd.grpc) as channel:
            reply = at_grpc.AccessTokenServiceStub(channel).ListAccessTokens(
                at_pb2.ListAccessTokensRequest(user="other", limit=5),
                metadata=(("authorization", "Bearer " + self.stsd.admin),), timeout=10)
        self.assertEqual((len(reply.entries), reply.paging.next), (3, ""))


if __name__ == "__main__":
    unittest.main()
