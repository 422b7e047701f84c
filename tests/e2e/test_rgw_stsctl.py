"""stsctl credential-process as the AWS SDKs' credential_process against a real Ceph RGW, with the sts and the
rgw-native issuer: /usr/bin/aws and boto3 read ~/.aws/config in a temporary HOME, run stsctl for credentials, use
them on RGW, and run it again when the credentials near expiry."""
import os
import subprocess
import tempfile
import unittest

import boto3
import botocore.config

from rgw import native_stsd, rgw_env, upstream_stsd
from s3clients import bucket_name, wait_ready
from stsctl import STSCTL, clean_env


class CredentialProcess:
    """Mixed into one test class per issuer; make_stsd returns the configured, not yet started, stsd."""

    make_stsd = None

    @classmethod
    def setUpClass(cls):
        cls.rgw = rgw_env()
        cls.stsd = cls.make_stsd().start()
        wait_ready(cls.stsd)
        with open(os.path.join(cls.stsd.data_dir, "admin.token")) as f:
            cls.token = f.read().strip()
        cls.home = tempfile.mkdtemp(prefix="stsctl-aws-home-")
        cls.counter = os.path.join(cls.home, "invocations")
        # The wrapper counts runs and then is exactly stsctl with the arguments botocore passes.
        cls.wrapper = os.path.join(cls.home, "stsctl-counted")
        with open(cls.wrapper, "w") as f:
            f.write('#!/bin/sh\necho run >> "%s"\nexec "%s" "$@"\n' % (cls.counter, STSCTL))
        os.chmod(cls.wrapper, 0o700)
        line = "credential-process --url %s --token %s" % (cls.stsd.rest, cls.token)
        os.makedirs(os.path.join(cls.home, ".aws"))
        with open(os.path.join(cls.home, ".aws", "config"), "w") as f:
            f.write("[default]\nregion = us-east-1\ncredential_process = %s %s\n\n" % (STSCTL, line))
            f.write("[profile short]\nregion = us-east-1\ncredential_process = %s %s --duration 900\n\n"
                    % (cls.wrapper, line))
            f.write("[profile long]\nregion = us-east-1\ncredential_process = %s %s --duration 3600\n"
                    % (cls.wrapper, line))

    @classmethod
    def tearDownClass(cls):
        cls.stsd.stop_clean()

    def env(self):
        return clean_env(self.home)

    def runs(self):
        try:
            with open(self.counter) as f:
                return len(f.read().splitlines())
        except FileNotFoundError:
            return 0

    def session_client(self, profile):
        old = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update(self.env())
            session = boto3.Session(profile_name=profile)
            return session.client("s3", endpoint_url=self.rgw["RGW_ENDPOINT"],
                                  config=botocore.config.Config(retries={"max_attempts": 1}))
        finally:
            os.environ.clear()
            os.environ.update(old)

    def test_awscli_and_boto3_use_the_process(self):
        s3 = self.session_client("default")
        bucket = bucket_name()
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"via credential_process")
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"via credential_process")
        result = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.rgw["RGW_ENDPOINT"], "s3", "ls"],
                                env=self.env(), capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(bucket, result.stdout)
        result = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.rgw["RGW_ENDPOINT"], "s3", "ls",
                                 "s3://" + bucket], env=self.env(), capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(" k\n", result.stdout)

    def test_botocore_runs_the_process_again_near_expiry(self):
        # 900-s credentials are inside botocore's 15-minute refresh window from the start: each call refreshes.
        before = self.runs()
        s3 = self.session_client("short")
        for _ in range(3):
            s3.list_buckets()
        self.assertGreaterEqual(self.runs() - before, 4)
        # One-hour credentials are not near expiry: one run serves every call.
        before = self.runs()
        s3 = self.session_client("long")
        for _ in range(3):
            s3.list_buckets()
        self.assertEqual(self.runs() - before, 1)

    def test_a_refused_token_fails_the_aws_cli_without_showing_a_secret(self):
        home = tempfile.mkdtemp(prefix="stsctl-aws-bad-")
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[default]\nregion = us-east-1\ncredential_process = %s credential-process --url %s "
                    "--token sts-at-v1:wrong-token-that-must-not-show\n" % (STSCTL, self.stsd.rest))
        result = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.rgw["RGW_ENDPOINT"], "s3", "ls"],
                                env=clean_env(home), capture_output=True, text=True, timeout=120)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("HTTP 401", result.stderr)
        self.assertNotIn("wrong-token-that-must-not-show", result.stderr)


def access_token_auth(stsd):
    stsd.env["STS_AUTH"] = "access-token"
    return stsd


class StsIssuer(CredentialProcess, unittest.TestCase):
    make_stsd = staticmethod(lambda: access_token_auth(upstream_stsd()))


class RgwNativeIssuer(CredentialProcess, unittest.TestCase):
    make_stsd = staticmethod(lambda: access_token_auth(native_stsd()))


if __name__ == "__main__":
    unittest.main()
