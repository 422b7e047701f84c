"""A scripted upstream STS on loopback for e2e tests: an HTTP server running a test's handler class (ScriptedSts, or
the test's own), and the credentials directory (creds_path) stsd reads its upstream keys from."""
import http.server
import os
import tempfile
import threading


GOOD = ("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAHEALED</AccessKeyId>"
        "<SecretAccessKey>healed-secret-key</SecretAccessKey><SessionToken>healed-session-token</SessionToken>"
        "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts:::r</Arn>"
        "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>")
# mode: (HTTP status, Content-Type, body); "hang" answers nothing until the test ends.
MODES = {
    "garbage": (200, "text/xml", b"\x00\xff\xfe garbage \x01\x02<<<>>>"),
    "truncated": (200, "text/xml", GOOD[:len(GOOD) // 2].encode()),
    "html": (502, "text/html", b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
                               b"<hr>nginx</body></html>"),
    "empty": (200, "text/xml", b""),
    "good": (200, "text/xml", GOOD.encode()),
    "refuse": (403, "text/xml", b"<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"),
}


class ScriptedSts(http.server.BaseHTTPRequestHandler):
    """An upstream STS answering every POST as MODES[mode] says, or not at all until release is set (mode "hang")."""
    mode = "good"
    release = threading.Event()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if ScriptedSts.mode == "hang":
            ScriptedSts.release.wait(30)
            return
        status, content_type, body = MODES[ScriptedSts.mode]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class ScriptedPeer:
    """handler (a BaseHTTPRequestHandler class) answering on 127.0.0.1 on a free port, each request on its thread."""

    def __init__(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.start()
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/" % self.port

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def creds_dir(prefix, access_key, secret_key):
    """A new directory holding access_key and secret_key files, 0600 as stsd requires of secret files."""
    path = tempfile.mkdtemp(prefix=prefix)
    for name, value in (("access_key", access_key), ("secret_key", secret_key)):
        with open(os.path.join(path, name), "w") as f:
            f.write(value)
        os.chmod(os.path.join(path, name), 0o600)
    return path
