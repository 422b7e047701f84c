"""The S3 clients users run against credentials stsd hands out: boto3 (with a presigned GET), awscli and s3cmd."""
import os
import subprocess
import tempfile
import time
import uuid

import boto3
import botocore.config
import grpc
import requests

from stsd import curl, stubs


def wait_ready(stsd, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, body = curl(stsd.rest + "/readyz")
        if status == 200:
            return
        time.sleep(0.2)
    raise AssertionError("stsd did not become ready: %s" % body)


def grpc_credentials(stsd):
    """IssueToken over gRPC, as the dictionary the REST contract returns."""
    token_pb2, token_pb2_grpc = stubs()[:2]
    with grpc.insecure_channel(stsd.grpc) as channel:
        reply = token_pb2_grpc.TokenServiceStub(channel).IssueToken(token_pb2.IssueTokenRequest(), timeout=15)
    c = reply.credentials
    return {"AccessKeyId": c.access_key_id, "SecretAccessKey": c.secret_access_key, "SessionToken": c.session_token,
            "EndpointURL": c.endpoint_url}


def s3_client(credentials):
    return boto3.client("s3", aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], endpoint_url=credentials["EndpointURL"],
                        region_name="us-east-1", config=botocore.config.Config(retries={"max_attempts": 1}))


def bucket_name():
    return "sts-" + uuid.uuid4().hex[:16]


def exercise_boto3(test, credentials):
    """Bucket create, put, get, list and a presigned GET fetched with requests."""
    s3 = s3_client(credentials)
    bucket, key = bucket_name(), "dir/key with spaces+ü"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=b"hello rgw")
    test.assertEqual(s3.get_object(Bucket=bucket, Key=key)["Body"].read(), b"hello rgw")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/")
    test.assertEqual([o["Key"] for o in listed["Contents"]], [key])
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    response = requests.get(url, timeout=30)
    test.assertEqual((response.status_code, response.content), (200, b"hello rgw"))


def exercise_awscli(test, credentials):
    """/usr/bin/aws: mb, cp up, cp down, ls, presign."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
               AWS_SESSION_TOKEN=credentials["SessionToken"], AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    aws = ["/usr/bin/aws", "--endpoint-url", credentials["EndpointURL"]]
    bucket = bucket_name()

    def run(*command):
        result = subprocess.run(aws + list(command), env=env, capture_output=True, text=True, timeout=60)
        test.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "in.txt")
        with open(source, "w") as f:
            f.write("from awscli\n")
        run("s3", "mb", "s3://" + bucket)
        run("s3", "cp", source, "s3://%s/a.txt" % bucket)
        run("s3", "cp", "s3://%s/a.txt" % bucket, os.path.join(tmp, "out.txt"))
        with open(os.path.join(tmp, "out.txt")) as f:
            test.assertEqual(f.read(), "from awscli\n")
        test.assertIn("a.txt", run("s3", "ls", "s3://" + bucket))
        url = run("s3", "presign", "s3://%s/a.txt" % bucket, "--expires-in", "300").strip()
        response = requests.get(url, timeout=30)
        test.assertEqual((response.status_code, response.text), (200, "from awscli\n"))


def exercise_s3cmd(test, credentials):
    """s3cmd: mb, put, get, ls, signurl."""
    host = credentials["EndpointURL"].split("://", 1)[1]
    bucket = bucket_name()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "s3cfg")
        with open(config, "w") as f:
            f.write("[default]\n")
        s3cmd = ["s3cmd", "-c", config, "--access_key", credentials["AccessKeyId"], "--secret_key",
                 credentials["SecretAccessKey"], "--access_token", credentials["SessionToken"], "--host", host,
                 "--host-bucket", host, "--no-ssl", "--region", "us-east-1"]

        def run(*command):
            result = subprocess.run(s3cmd + list(command), capture_output=True, text=True, timeout=60)
            test.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            return result.stdout

        source = os.path.join(tmp, "in.txt")
        with open(source, "w") as f:
            f.write("from s3cmd\n")
        run("mb", "s3://" + bucket)
        run("put", source, "s3://%s/s.txt" % bucket)
        run("get", "s3://%s/s.txt" % bucket, os.path.join(tmp, "out.txt"))
        with open(os.path.join(tmp, "out.txt")) as f:
            test.assertEqual(f.read(), "from s3cmd\n")
        test.assertIn("s.txt", run("ls", "s3://" + bucket))
