"""SIGTERM while upstream calls hang: the caller gets a 503 and stsd still exits 0 within its shutdown timeout."""
import os
import signal
import socket
import tempfile
import threading
import time
import unittest

from stsd import Stsd, curl, error_body


class ShutdownWithUpstreamInFlight(unittest.TestCase):
    def test_hung_upstream_calls_are_cut_at_the_drain_deadline(self):
        creds = tempfile.mkdtemp(prefix="sts-creds-")
        for name in ("access_key", "secret_key"):
            with open(os.path.join(creds, name), "w") as f:
                f.write("test-" + name)
            os.chmod(os.path.join(creds, name), 0o600)  # secret files must be private to stsd's user
        with socket.socket() as black_hole:  # accepts connections in the kernel backlog, never answers
            black_hole.bind(("127.0.0.1", 0))
            black_hole.listen(64)
            stsd = Stsd("--issuer", "sts", "--sts-endpoint-url", "http://127.0.0.1:%d" % black_hole.getsockname()[1],
                        "--creds-path", creds, "--role-arn", "arn:aws:iam:::role/r", "--upstream-timeout-ms",
                        "60000", "--shutdown-timeout-seconds", "3").start()
            replies = []
            caller = threading.Thread(target=lambda: replies.append(curl("-X", "PUT", stsd.rest + "/token")))
            caller.start()
            time.sleep(1.0)  # the call is now waiting on the upstream
            signalled = time.monotonic()
            os.kill(stsd.proc.pid, signal.SIGTERM)
            code = stsd.wait(timeout=20)
            exit_seconds = time.monotonic() - signalled
            caller.join(timeout=30)
            log = stsd.log()
            stsd.stop()
        self.assertEqual(code, 0, log)
        self.assertLess(exit_seconds, 10, "stsd took %.1fs to stop" % exit_seconds)
        self.assertIn("upstream calls still running at the end of the drain; aborting them", log)
        self.assertEqual(len(replies), 1)
        status, _, body = replies[0]
        self.assertEqual(status, 503)
        self.assertIn("stsd is shutting down", error_body(self, body, 503, "UNAVAILABLE"))
        stsd.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
