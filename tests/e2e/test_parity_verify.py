"""The same operation over both protocols: same fields and lifetime, and credentials verify across protocols."""
import datetime
import json
import unittest

import grpc

from stsd import Stsd, StsdTestCase, curl, stubs

token_pb2, token_pb2_grpc, _, _ = stubs()

JSON_NAMES = {"access_key_id": "AccessKeyId", "endpoint_url": "EndpointURL", "expiration": "Expiration",
              "secret_access_key": "SecretAccessKey", "session_token": "SessionToken"}


def seconds_left(expiration):
    expires = datetime.datetime.fromisoformat(expiration)
    return (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


class Parity(StsdTestCase):
    def setUp(self):
        self.channel = grpc.insecure_channel(self.stsd.grpc)
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)

    def tearDown(self):
        self.channel.close()

    def rest_credentials(self, data=None):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data=data)
        self.assertEqual(status, 201, body)
        return json.loads(body)["Credentials"]

    def grpc_credentials(self, **request):
        credentials = self.tokens.IssueToken(token_pb2.IssueTokenRequest(**request), timeout=10).credentials
        return {JSON_NAMES[f.name]: getattr(credentials, f.name) for f in credentials.DESCRIPTOR.fields}

    def rest_verify(self, access_key_id, session_token):
        status, _, body = curl("-X", "POST", self.stsd.rest + "/v1/credentials/verify",
                               data=json.dumps({"AccessKeyId": access_key_id, "SessionToken": session_token}))
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def grpc_verify(self, access_key_id, session_token):
        return self.tokens.VerifyCredentials(
            token_pb2.VerifyCredentialsRequest(access_key_id=access_key_id, session_token=session_token), timeout=10)

    def test_same_fields_and_lifetime(self):
        for request, body in (({}, None), ({"duration_seconds": 1800}, '{"DurationSeconds":1800}')):
            with self.subTest(request=request):
                over_rest = self.rest_credentials(body)
                over_grpc = self.grpc_credentials(**request)
                self.assertEqual(set(over_rest), set(over_grpc))
                self.assertEqual(set(over_rest), set(JSON_NAMES.values()))
                self.assertAlmostEqual(seconds_left(over_rest["Expiration"]), seconds_left(over_grpc["Expiration"]),
                                       delta=5)
                self.assertEqual(len(over_rest["SecretAccessKey"]), len(over_grpc["SecretAccessKey"]))

    def test_rest_credentials_verify_over_grpc(self):
        credentials = self.rest_credentials()
        reply = self.grpc_verify(credentials["AccessKeyId"], credentials["SessionToken"])
        self.assertTrue(reply.valid)
        self.assertEqual(reply.reason, token_pb2.VERIFY_REASON_VALID)
        self.assertEqual(reply.expiration, credentials["Expiration"])
        self.assertNotIn(credentials["SecretAccessKey"], str(reply))

    def test_grpc_credentials_verify_over_rest(self):
        credentials = self.grpc_credentials()
        reply = self.rest_verify(credentials["AccessKeyId"], credentials["SessionToken"])
        self.assertEqual(list(reply), ["Valid", "Reason", "Subject", "Expiration", "Message"])
        self.assertTrue(reply["Valid"])
        self.assertEqual(reply["Reason"], "VERIFY_REASON_VALID")
        self.assertEqual(reply["Expiration"], credentials["Expiration"])
        self.assertNotIn(credentials["SecretAccessKey"], json.dumps(reply))

    def test_invalid_credentials_say_why(self):
        credentials = self.rest_credentials()
        token = credentials["SessionToken"]
        middle = len(token) // 2
        tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
        other = self.grpc_credentials()
        cases = {
            "VERIFY_REASON_TAMPERED": (credentials["AccessKeyId"], tampered),
            "VERIFY_REASON_MALFORMED": (credentials["AccessKeyId"], "not-a-token"),
            "VERIFY_REASON_ACCESS_KEY_MISMATCH": (other["AccessKeyId"], token),
        }
        for reason, (access_key_id, session_token) in cases.items():
            with self.subTest(reason=reason):
                reply = self.rest_verify(access_key_id, session_token)
                self.assertFalse(reply["Valid"])
                self.assertEqual(reply["Reason"], reason)
                self.assertNotIn(credentials["SecretAccessKey"], json.dumps(reply))
                grpc_reply = self.grpc_verify(access_key_id, session_token)
                self.assertFalse(grpc_reply.valid)
                self.assertEqual(token_pb2.VerifyReason.Name(grpc_reply.reason), reason)

    def test_credentials_from_another_key_are_foreign(self):
        other = Stsd().start()
        try:
            status, _, body = curl("-X", "PUT", other.rest + "/token")
            self.assertEqual(status, 201)
        finally:
            self.assertEqual(other.stop(), 0)
            other.assert_clean(self)
        credentials = json.loads(body)["Credentials"]
        reply = self.rest_verify(credentials["AccessKeyId"], credentials["SessionToken"])
        self.assertFalse(reply["Valid"])
        self.assertEqual(reply["Reason"], "VERIFY_REASON_FOREIGN_KEY")


if __name__ == "__main__":
    unittest.main()
