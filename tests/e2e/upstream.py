"""A scripted upstream STS on loopback for e2e tests: an HTTP server running a test's handler class, and the
credentials directory (creds_path) stsd reads its upstream keys from."""
import http.server
import os
import tempfile
import threading


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
