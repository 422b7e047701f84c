"""The audit log (audit_log), against the real stsd: every credential issued, access-token, user and client change,
login, refresh, reuse, revocation and denied call is one JSON line naming the event, the caller (domain, auth_id,
name), the client address and the request id; the file is private, and no secret the scenario used appears in it."""
import concurrent.futures
import json
import os
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import grpc
import requests

from stsd import STSD, Stsd, run_stsd, stubs

token_pb2, token_pb2_grpc, _, _ = stubs()

FAST_HASH = ("--password-hash-memory-kib", "1024", "--password-hash-iterations", "1")
PASSWORD = "Audit-Pw-4c1e"



def unique_members(pairs):
    """A JSON object whose member names are unique (RFC 8259 says they SHOULD be: parsers differ on repeats)."""
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), "repeated member in an audit record: %s" % names
    return dict(pairs)

class AuditLog(unittest.TestCase):
    def test_every_kind_of_event_is_recorded_without_secrets(self):
        audit = os.path.join(tempfile.mkdtemp(prefix="sts-audit-"), "audit.jsonl")
        stsd = Stsd(*FAST_HASH, "--audit-log", audit, env={"STS_AUTH": "access-token"})
        data = ("--data-dir", stsd.data_dir, *FAST_HASH)
        run_stsd("user", "add", "auditor", "--roles", "admin", *data, password=PASSWORD + "\n")
        run_stsd("client", "add", "shasta", "--roles", "admin", *data)
        stsd.start()
        secrets = [PASSWORD, "Wrong-Audit-Pw"]
        try:
            with open(os.path.join(stsd.data_dir, "admin.token")) as f:
                admin = f.read().strip()
            secrets.append(admin)
            rest, auth = stsd.rest, {"Authorization": "Bearer " + admin}
            issued = requests.put(rest + "/token", headers=dict(auth, **{"x-request-id": "audit-issue-1"}),
                                  timeout=30).json()["Credentials"]
            secrets += [issued["SecretAccessKey"], issued["SessionToken"]]
            created = requests.post(rest + "/v1/auth/access-tokens/", headers=auth, timeout=30,
                                    json={"user": {"name": "ops", "domain": "LOCAL"}}).json()
            secrets.append(created["bearer_token"])
            requests.patch(rest + "/v1/auth/access-tokens/" + created["id"], headers=auth, json={"enabled": False},
                           timeout=30)
            requests.delete(rest + "/v1/auth/access-tokens/" + created["id"], headers=auth, timeout=30)
            requests.put(rest + "/token", headers={"Authorization": "Bearer " + created["bearer_token"]}, timeout=30)
            login = requests.post(rest + "/v1/auth/token/access-token", timeout=30,
                                  json={"username": "auditor", "password": PASSWORD}).json()
            secrets += [login["access-token"], login["refresh-token"]]
            rotated = requests.post(rest + "/v1/auth/token/refresh", timeout=30,
                                    json={"grant-type": "refresh_token", "refresh-token": login["refresh-token"]})
            secrets.append(rotated.json()["refresh-token"])
            requests.post(rest + "/v1/auth/token/refresh", timeout=30,  # reuse: the family is revoked
                          json={"grant-type": "refresh_token", "refresh-token": login["refresh-token"]})
            requests.post(rest + "/v1/auth/token/access-token", timeout=30,
                          json={"username": "auditor", "password": "Wrong-Audit-Pw"})
            oauth = requests.post(rest + "/oauth2/token", timeout=30,
                                  data={"grant_type": "password", "username": "auditor", "password": PASSWORD,
                                        "client_id": "shasta"}).json()
            secrets += [oauth["access_token"], oauth["refresh_token"]]
            requests.post(rest + "/oauth2/revoke", data={"token": oauth["access_token"], "client_id": "shasta"},
                          timeout=30)
            users = requests.get(rest + "/v1/auth/users", headers=auth, timeout=30).json()["entries"]
            user_id = [u["id"] for u in users if u["username"] == "auditor"][0]
            requests.put(rest + "/v1/auth/users/%s/roles" % user_id, headers=auth, json={"roles": ["viewer"]},
                         timeout=30)
            requests.post(rest + "/v1/auth/clients", headers=auth, json={"client_id": "xco"}, timeout=30)
            requests.delete(rest + "/v1/auth/clients/xco", headers=auth, timeout=30)
        finally:
            stsd.stop_clean()
        self.assertEqual(stat.S_IMODE(os.stat(audit).st_mode), 0o600)
        with open(audit) as f:
            text = f.read()
        records = [json.loads(line, object_pairs_hook=unique_members) for line in text.splitlines()]
        by_event = {}
        for record in records:
            by_event.setdefault(record["event"], []).append(record)
        for event in ("credential.issued", "access_token.created", "access_token.changed", "access_token.deleted",
                      "login.succeeded", "refresh.rotated", "refresh.reused", "access_jwt.revoked", "user.changed",
                      "client.created", "client.deleted", "call.denied"):
            self.assertIn(event, by_event, sorted(by_event))
        issued_record = by_event["credential.issued"][0]
        self.assertEqual((issued_record["request_id"], issued_record["caller"]["name"],
                          issued_record["caller"]["domain"], issued_record["client_address"],
                          issued_record["access_key_id"], issued_record["issuer"]),
                         ("audit-issue-1", "admin", "LOCAL", "127.0.0.1", issued["AccessKeyId"], "local"))
        deleted = by_event["access_token.deleted"][0]
        self.assertEqual((deleted["token_id"], deleted["caller"]["name"]), (created["id"], "admin"))
        denials = by_event["call.denied"]
        reasons = [(d["method"], d["status"]) for d in denials]
        self.assertIn(("sts.v1.TokenService/IssueToken", "UNAUTHENTICATED"), reasons)  # the deleted token
        self.assertIn(("sts.v1.LoginService/Login", "UNAUTHENTICATED"), reasons)  # the wrong password
        self.assertTrue(all(d["reason"] and d["client_address"] == "127.0.0.1" for d in denials))
        self.assertIsNone([d for d in denials if d["method"] == "sts.v1.LoginService/Login"][0]["caller"])
        self.assertEqual(by_event["refresh.reused"][0]["family"], "revoked")
        for secret in secrets:
            self.assertNotIn(secret, text)


class AuditLogRotation(unittest.TestCase):
    def rotate(self, mode):
        directory = tempfile.mkdtemp(prefix="sts-audit-rotate-")
        audit = os.path.join(directory, "audit.jsonl")
        stsd = Stsd("--audit-log", audit, "--audit-log-mode", mode, env={"STS_AUTH": "access-token"}).start()
        try:
            requests.put(stsd.rest + "/token", headers={"x-request-id": "before-rotation"}, timeout=30)
            os.rename(audit, audit + ".1")
            stsd.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while "reopened the audit log" not in stsd.log() and time.monotonic() < deadline:
                time.sleep(0.05)
            requests.put(stsd.rest + "/token", headers={"x-request-id": "after-rotation"}, timeout=30)
        finally:
            stsd.stop_clean()
        self.assertIn("reopened the audit log", stsd.log())
        with open(audit + ".1") as f:
            old = f.read()
        with open(audit) as f:
            new = f.read()
        self.assertIn("before-rotation", old)
        self.assertNotIn("after-rotation", old)
        self.assertIn("after-rotation", new)
        self.assertNotIn("before-rotation", new)
        self.assertEqual(stat.S_IMODE(os.stat(audit).st_mode), 0o600)

    def test_sighup_reopens_the_file_after_it_was_moved_away(self):
        self.rotate("sync")

    def test_sighup_reopens_the_file_in_batch_mode_too(self):
        self.rotate("batch")


class AuditLogBatch(unittest.TestCase):
    """audit_log_mode: batch gathers records for a writer thread: under concurrent calls over both protocols and a
    rotation in the middle, every call's record is written exactly once, whole, and the last ones reach the file at a
    clean stop."""

    def test_no_record_is_lost_or_repeated_under_load_rotation_and_stop(self):
        directory = tempfile.mkdtemp(prefix="sts-audit-batch-")
        audit = os.path.join(directory, "audit.jsonl")
        stsd = Stsd("--audit-log", audit, "--audit-log-mode", "batch", env={"STS_AUTH": "none"}).start()
        answered, lock, stop = [], threading.Lock(), threading.Event()

        def rest_client(number):
            with requests.Session() as session:
                for n in range(5000):
                    if stop.is_set():
                        return
                    request_id = "rest-%d-%d" % (number, n)
                    try:
                        status = session.put(stsd.rest + "/token", headers={"x-request-id": request_id},
                                             timeout=30).status_code
                    except requests.RequestException:
                        return  # stsd stopped under this call
                    if status == 201:
                        with lock:
                            answered.append(request_id)

        def grpc_client():
            with grpc.insecure_channel(stsd.grpc) as channel:
                stub = token_pb2_grpc.TokenServiceStub(channel)
                for n in range(5000):
                    if stop.is_set():
                        return
                    request_id = "grpc-%d" % n
                    try:
                        stub.IssueToken(token_pb2.IssueTokenRequest(), metadata=(("x-request-id", request_id),),
                                        timeout=30)
                    except grpc.RpcError:
                        return
                    with lock:
                        answered.append(request_id)
        clients = [threading.Thread(target=rest_client, args=(n,)) for n in range(6)]
        clients.append(threading.Thread(target=grpc_client))
        try:
            for client in clients:
                client.start()
            time.sleep(1.5)  # rotated while calls are in flight
            os.rename(audit, audit + ".1")
            stsd.proc.send_signal(signal.SIGHUP)
            time.sleep(1.5)  # and stopped while calls are in flight: the records gathered must still be written
            stsd.stop_clean()
        finally:
            stop.set()
            for client in clients:
                client.join(60)
            stsd.stop()
        ids = []
        for path in (audit + ".1", audit):
            with open(path) as f:
                for line in f.read().splitlines():
                    record = json.loads(line, object_pairs_hook=unique_members)
                    self.assertEqual(record["event"], "credential.issued")
                    ids.append(record["request_id"])
        self.assertGreater(len(answered), 200)
        self.assertEqual(len(ids), len(set(ids)), "a record was written twice")
        self.assertEqual(set(answered) - set(ids), set(), "answered calls without a record")

    def test_a_bad_mode_is_refused_naming_the_choices(self):
        result = subprocess.run([STSD, "--check-config", "--audit-log", "/tmp/x", "--audit-log-mode", "lazy"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--audit-log-mode", result.stderr)
        self.assertIn("'sync' or 'batch'", result.stderr)


if __name__ == "__main__":
    unittest.main()
