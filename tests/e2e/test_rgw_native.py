"""The rgw-native issuer against a real Ceph RGW: tokens minted here, in RGW's format, that RGW accepts."""
import json
import subprocess
import time
import unittest
import uuid

import botocore.exceptions

from rgw import iam, native_stsd, rgw_env
from s3clients import (bucket_name, exercise_awscli, exercise_boto3, exercise_s3cmd, grpc_credentials, s3_client,
                       wait_ready)
from stsd import SANITIZER_MARKERS, STSD, StsdTestCase, curl, error_body

S3_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::*"}]}'


def rest_credentials(test, stsd, body=None):
    status, _, reply = curl("-X", "PUT", stsd.rest + "/token", data=body)
    test.assertEqual(status, 201, reply)
    credentials = json.loads(reply)["Credentials"]
    test.assertRegex(credentials["AccessKeyId"], r"^[A-Z0-9]{20}$")
    test.assertEqual(len(credentials["SecretAccessKey"]), 40)
    test.assertRegex(credentials["Expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
    return credentials


def status_of(error):
    return error.response["ResponseMetadata"]["HTTPStatusCode"]


class NativeCredentials(StsdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.rgw = rgw_env()
        cls.stsd = native_stsd("--min-duration-seconds", "2", "--default-duration-seconds", "900").start()
        wait_ready(cls.stsd)

    def test_boto3_with_rest_and_grpc_credentials(self):
        for credentials in (rest_credentials(self, self.stsd), grpc_credentials(self.stsd)):
            self.assertEqual(credentials["EndpointURL"], self.rgw["RGW_ENDPOINT"])
            exercise_boto3(self, credentials)

    def test_awscli_with_rest_and_grpc_credentials(self):
        exercise_awscli(self, rest_credentials(self, self.stsd))
        exercise_awscli(self, grpc_credentials(self.stsd))

    def test_s3cmd_with_rest_and_grpc_credentials(self):
        exercise_s3cmd(self, rest_credentials(self, self.stsd))
        exercise_s3cmd(self, grpc_credentials(self.stsd))

    def test_buckets_belong_to_the_configured_user(self):
        s3 = s3_client(rest_credentials(self, self.stsd))
        bucket = bucket_name()
        s3.create_bucket(Bucket=bucket)
        self.assertEqual(s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"], self.rgw["RGW_UID"])

    def test_expired_credentials_are_rejected_by_rgw(self):
        credentials = rest_credentials(self, self.stsd, '{"DurationSeconds": 3}')
        s3 = s3_client(credentials)
        s3.list_buckets()
        time.sleep(5)
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3.list_buckets()
        self.assertEqual(status_of(raised.exception), 403)

    def test_session_policy_reaches_rgw(self):
        read_only = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],' \
                    '"Resource":"*"}]}'
        s3 = s3_client(rest_credentials(self, self.stsd, json.dumps({"Policy": read_only})))
        s3.list_buckets()
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3.create_bucket(Bucket=bucket_name())
        self.assertEqual(status_of(raised.exception), 403)

    def test_malformed_policy_is_refused(self):
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token", data='{"Policy": "not a policy"}')
        self.assertEqual(status, 400)
        self.assertIn("Policy must be a JSON object", error_body(self, body, 400, "INVALID_ARGUMENT"))

    def test_a_token_from_a_neighbouring_key_is_rejected(self):
        """The same credentials re-sealed under another key do not pass; RGW's own key is what makes them work."""
        credentials = rest_credentials(self, self.stsd)
        other = native_stsd(key="ponmlkjihgfedcba").start()
        try:
            wait_ready(other)
            foreign = rest_credentials(self, other)
        finally:
            self.assertEqual(other.stop(), 0, other.log())
        s3_client(credentials).list_buckets()
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3_client(foreign).list_buckets()
        self.assertIn(status_of(raised.exception), (400, 403))

    def test_the_key_is_never_logged_or_returned(self):
        rest_credentials(self, self.stsd)
        self.assertNotIn(self.rgw["RGW_STS_KEY"], self.stsd.log())
        status, _, body = curl("-X", "PUT", self.stsd.rest + "/token")
        self.assertNotIn(self.rgw["RGW_STS_KEY"].encode(), body)

    def test_readiness_and_verify(self):
        status, _, body = curl(self.stsd.rest + "/readyz")
        self.assertEqual((status, body), (200, b'{"Status":"ok"}'))
        status, _, body = curl("-X", "POST", self.stsd.rest + "/v1/credentials/verify",
                               data='{"AccessKeyId":"A","SessionToken":"T"}')
        self.assertEqual(status, 501)
        error_body(self, body, 501, "UNIMPLEMENTED")


class NativeConfiguration(unittest.TestCase):
    def start(self, stsd):
        stsd.start()
        self.addCleanup(self.stop_clean, stsd)
        wait_ready(stsd)
        return stsd

    def stop_clean(self, stsd):
        self.assertEqual(stsd.stop(), 0, stsd.log())
        stsd.assert_clean(self)

    def test_a_key_file_others_can_read_stops_startup_unless_overridden(self):
        stsd = native_stsd(key_mode=0o644)
        result = subprocess.run([STSD] + stsd.args, env=stsd.env, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stderr)  # a configuration error
        self.assertIn(stsd.key_file + " must be private to the service user", result.stderr)
        self.assertIn("secret_files_allow_shared", result.stderr)
        self.assertIn("root-equivalent", result.stderr)
        self.assertNotIn(rgw_env()["RGW_STS_KEY"], result.stderr)
        stsd = self.start(native_stsd("--secret-files-allow-shared", "true", key_mode=0o644))
        self.assertIn(stsd.key_file + " may be read by other users", stsd.log())
        s3_client(rest_credentials(self, stsd)).list_buckets()
        # The old option name keeps working, and says it is deprecated.
        stsd = self.start(native_stsd("--rgw-sts-key-file-allow-shared", "true", key_mode=0o644))
        self.assertIn("rgw_sts_key_file_allow_shared is deprecated", stsd.log())
        self.assertIn(stsd.key_file + " may be read by other users", stsd.log())
        s3_client(rest_credentials(self, stsd)).list_buckets()

    def test_a_rotated_key_takes_effect_without_a_restart(self):
        stsd = self.start(native_stsd(key="ponmlkjihgfedcba"))
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3_client(rest_credentials(self, stsd)).list_buckets()
        self.assertIn(status_of(raised.exception), (400, 403))
        with open(stsd.key_file, "w") as f:
            f.write(rgw_env()["RGW_STS_KEY"] + "\n")
        deadline = time.monotonic() + 15
        while True:
            try:
                s3_client(rest_credentials(self, stsd)).list_buckets()
                break
            except botocore.exceptions.ClientError:
                self.assertLess(time.monotonic(), deadline, "the rotated key was not picked up:\n" + stsd.log())
                time.sleep(0.3)
        self.assertIn("re-read %s after it changed" % stsd.key_file, stsd.log())

    def test_a_configured_role_id_needs_no_lookup(self):
        role_id = iam("get-role", "--role-name", rgw_env()["RGW_ROLE_ARN"].rsplit("/", 1)[1])["Role"]["RoleId"]
        stsd = self.start(native_stsd(lookup=False, env={"STS_RGW_ROLE_ID": role_id}))
        exercise_boto3(self, rest_credentials(self, stsd))

    def test_a_configured_role_id_that_rgw_disagrees_with_is_not_ready(self):
        wrong = "00000000-0000-0000-0000-000000000000"
        stsd = native_stsd(env={"STS_RGW_ROLE_ID": wrong}).start()
        self.addCleanup(self.stop_clean, stsd)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "not ready" not in stsd.log():
            time.sleep(0.1)
        status, _, body = curl(stsd.rest + "/readyz")
        self.assertEqual(status, 503)
        self.assertIn("not the configured rgw_role_id " + wrong, error_body(self, body, 503, "UNAVAILABLE"))
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 400)
        error_body(self, body, 400, "FAILED_PRECONDITION")

    def test_a_deleted_role_ends_its_sessions_and_readiness(self):
        name = "sts-native-" + uuid.uuid4().hex[:8]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam:::user/" + rgw_env()["RGW_UID"]]},
            "Action": ["sts:AssumeRole"]}]}, separators=(",", ":"))  # RGW 16 refuses spaced JSON here
        arn = iam("create-role", "--role-name", name, "--assume-role-policy-document", trust)["Role"]["Arn"]
        iam("put-role-policy", "--role-name", name, "--policy-name", "s3-all", "--policy-document", S3_ALL)
        stsd = self.start(native_stsd(role_arn=arn))
        s3 = s3_client(rest_credentials(self, stsd))
        s3.list_buckets()
        iam("delete-role-policy", "--role-name", name, "--policy-name", "s3-all")
        iam("delete-role", "--role-name", name)
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            s3.list_buckets()
        self.assertEqual(status_of(raised.exception), 403)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and curl(stsd.rest + "/readyz")[0] != 503:
            time.sleep(0.2)
        status, _, body = curl(stsd.rest + "/readyz")
        self.assertEqual(status, 503)
        self.assertIn("role %s does not exist at" % arn, error_body(self, body, 503, "UNAVAILABLE"))
        status, _, body = curl("-X", "PUT", stsd.rest + "/token")
        self.assertEqual(status, 400)
        self.assertIn("no credentials are issued for it", error_body(self, body, 400, "FAILED_PRECONDITION"))
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, stsd.log())


if __name__ == "__main__":
    unittest.main()
