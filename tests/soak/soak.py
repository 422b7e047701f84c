#!/usr/bin/python3
"""The soak: many connections held open against one stsd on loopback, a few hundred of them busy with mixed REST and
gRPC calls, and a slowloris group, for a bounded time. Asserts zero failed calls among the well-behaved clients, every
slowloris connection closed by the server's timeouts, resident memory growing less than 5% between the first third of
the run and its end, and no descriptor leaked once every client has left. Clients are spread over processes (each
process may hold at most 20,000 descriptors here). Prints what it is doing every few seconds."""
import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from stsd import free_port  # noqa: E402
HELD_PER_PROCESS = 2500
ACTIVE_PER_PROCESS = 60
HOLD_INTERVAL_S = 4.0  # a held connection asks /healthz this often: well inside header_timeout_ms (10 s)


def raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def exchange(reader, writer, request):
    """Sends one HTTP/1.1 request on a keep-alive connection; returns (status, body)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


def request(method, path, token=None, body=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    if token:
        lines.append("Authorization: Bearer " + token)
    data = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        lines += ["Content-Type: application/json", "Content-Length: %d" % len(data)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


HEALTH = request("GET", "/healthz")


def held_process(port, count, stop, results, ramp_per_second):
    """count connections, each asking /healthz every HOLD_INTERVAL_S until stop is set."""
    raise_file_limit()
    tally = {"calls": 0, "failed": 0, "opened": 0, "errors": []}

    async def hold(delay):
        await asyncio.sleep(delay)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as refused:
            tally["failed"] += 1
            tally["errors"].append("connect: %s" % refused)
            return
        tally["opened"] += 1
        try:
            while not stop.is_set():
                status, _ = await asyncio.wait_for(exchange(reader, writer, HEALTH), 20)
                tally["calls"] += 1
                if status != 200:
                    tally["failed"] += 1
                    tally["errors"].append("healthz %d" % status)
                await asyncio.sleep(HOLD_INTERVAL_S)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as broken:
            if not stop.is_set():
                tally["failed"] += 1
                tally["errors"].append("held connection: %r" % broken)
        writer.close()

    async def main():
        await asyncio.gather(*(hold(i / ramp_per_second) for i in range(count)))
    asyncio.run(main())
    tally["errors"] = tally["errors"][:5]
    results.put(("held", tally))


def active_process(port, count, token, stop, results, worker):
    """count connections looping PUT /token, access-token create, get and delete, and /healthz."""
    raise_file_limit()
    tally = {"calls": 0, "failed": 0, "errors": []}

    def expect(what, status, wanted):
        tally["calls"] += 1
        if status != wanted:
            tally["failed"] += 1
            tally["errors"].append("%s %d" % (what, status))

    async def loop(number):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        user = "soak-%d-%d" % (worker, number)
        try:
            while not stop.is_set():
                status, _ = await exchange(reader, writer, request("PUT", "/token", token))
                expect("PUT /token", status, 201)
                status, body = await exchange(reader, writer, request(
                    "POST", "/v1/auth/access-tokens/", token, {"user": {"name": user, "domain": "LOCAL"}}))
                expect("create", status, 200)
                if status == 200:
                    token_id = json.loads(body)["id"]
                    status, _ = await exchange(reader, writer, request("GET", "/v1/auth/access-tokens/" + token_id,
                                                                       token))
                    expect("get", status, 200)
                    status, _ = await exchange(reader, writer, request("DELETE", "/v1/auth/access-tokens/" + token_id,
                                                                       token))
                    expect("delete", status, 200)
                status, _ = await exchange(reader, writer, HEALTH)
                expect("healthz", status, 200)
        except (OSError, asyncio.IncompleteReadError) as broken:
            tally["failed"] += 1
            tally["errors"].append("active connection: %r" % broken)
        writer.close()

    async def main():
        await asyncio.gather(*(loop(i) for i in range(count)))
    asyncio.run(main())
    tally["errors"] = tally["errors"][:5]
    results.put(("active", tally))


def grpc_process(target, channels, token, stop, results):
    """channels gRPC channels, each with its own thread looping IssueToken and Health."""
    import grpc
    from stsd import stubs
    token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc = stubs()
    tally = {"calls": 0, "failed": 0, "errors": []}
    lock = threading.Lock()

    def run():
        with grpc.insecure_channel(target) as channel:
            issue = token_pb2_grpc.TokenServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            while not stop.is_set():
                for call in (lambda: issue.IssueToken(token_pb2.IssueTokenRequest(), timeout=20,
                                                      metadata=(("authorization", "Bearer " + token),)),
                             lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=20)):
                    try:
                        call()
                        ok, error = True, None
                    except grpc.RpcError as failed:
                        ok, error = False, "%s %s" % (failed.code(), failed.details())
                    with lock:
                        tally["calls"] += 1
                        if not ok:
                            tally["failed"] += 1
                            tally["errors"].append(error)
    threads = [threading.Thread(target=run) for _ in range(channels)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally["errors"] = tally["errors"][:5]
    results.put(("grpc", tally))


def slowloris_process(port, count, results):
    """count connections sending a request head one byte a second; reports when the server closed each."""
    raise_file_limit()
    sockets, opened = [], time.monotonic()
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.setblocking(False)
        sockets.append(s)
    closed_after = [None] * count
    deadline = opened + 60
    while time.monotonic() < deadline and None in closed_after:
        for i, s in enumerate(sockets):
            if closed_after[i] is not None:
                continue
            try:
                s.send(b"X")
                if s.recv(4096) == b"":
                    closed_after[i] = time.monotonic() - opened
            except BlockingIOError:
                pass
            except OSError:
                closed_after[i] = time.monotonic() - opened
        time.sleep(1)
    for s in sockets:
        s.close()
    results.put(("slowloris", {"count": count, "closed": sum(c is not None for c in closed_after),
                               "slowest_close_s": max((c for c in closed_after if c is not None), default=None)}))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def start_stsd(stsd_bin, work, rest_port, grpc_port):
    data = os.path.join(work, "data")
    log = open(os.path.join(work, "stsd.log"), "w")
    proc = subprocess.Popen([stsd_bin, "--rest-listen", "127.0.0.1:%d" % rest_port, "--grpc-listen",
                             "127.0.0.1:%d" % grpc_port, "--data-dir", data, "--max-tokens-per-user", "1000",
                             "--log-level", "warn"],
                            stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, STS_AUTH="access-token"))
    return proc, log.name, os.path.join(data, "admin.token")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stsd", required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=10000, help="connections held open in all")
    parser.add_argument("--active", type=int, default=300, help="of which busy with calls (REST and gRPC)")
    parser.add_argument("--slowloris", type=int, default=200)
    args = parser.parse_args()
    raise_file_limit()
    work = tempfile.mkdtemp(prefix="sts-soak-")
    rest_port, grpc_port = free_port(), free_port()
    proc, log_path, token_path = start_stsd(args.stsd, work, rest_port, grpc_port)
    failures = []
    try:
        deadline = time.monotonic() + 20
        while True:  # ready when /healthz answers
            try:
                with socket.create_connection(("127.0.0.1", rest_port), timeout=2) as probe:
                    probe.sendall(HEALTH)
                    if probe.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("soak: stsd did not answer /healthz:\n" + open(log_path).read())
            time.sleep(0.2)
        token = open(token_path).read().strip()
        fds_before, rss_start = fds(proc.pid), rss_kb(proc.pid)
        grpc_channels = max(1, args.active // 6)
        rest_active = args.active - grpc_channels
        held = args.connections - rest_active - grpc_channels
        print("soak: stsd pid %d (REST %d, gRPC %d), %d descriptors, RSS %.1f MB; %d held connections, %d busy REST, "
              "%d busy gRPC channels, %d slowloris, %d s" % (proc.pid, rest_port, grpc_port, fds_before,
                                                           rss_start / 1024, held, rest_active, grpc_channels,
                                                           args.slowloris, args.seconds), flush=True)
        stop, results = multiprocessing.Event(), multiprocessing.Queue()
        workers = []
        holders = (held + HELD_PER_PROCESS - 1) // HELD_PER_PROCESS
        for i in range(holders):
            share = held // holders + (1 if i < held % holders else 0)
            workers.append(multiprocessing.Process(target=held_process,
                                                   args=(rest_port, share, stop, results, 1000 / holders)))
        actives = (rest_active + ACTIVE_PER_PROCESS - 1) // ACTIVE_PER_PROCESS
        for i in range(actives):
            share = rest_active // actives + (1 if i < rest_active % actives else 0)
            workers.append(multiprocessing.Process(target=active_process,
                                                   args=(rest_port, share, token, stop, results, i)))
        workers.append(multiprocessing.Process(target=grpc_process, args=("127.0.0.1:%d" % grpc_port, grpc_channels,
                                                                           token, stop, results)))
        workers.append(multiprocessing.Process(target=slowloris_process, args=(rest_port, args.slowloris, results)))
        for worker in workers:
            worker.start()
        started = time.monotonic()
        first_mark = args.seconds / 3
        rss_first = rss_last = None
        peak_connections = 0
        while time.monotonic() - started < args.seconds:
            time.sleep(1)
            elapsed = time.monotonic() - started
            open_fds = fds(proc.pid)
            peak_connections = max(peak_connections, open_fds - fds_before)
            if rss_first is None and elapsed >= first_mark:
                rss_first = rss_kb(proc.pid)
            if int(elapsed) % 5 == 0:
                print("soak: %3d s of %d: %d descriptors open in stsd, RSS %.1f MB" % (
                    elapsed, args.seconds, open_fds, rss_kb(proc.pid) / 1024), flush=True)
        rss_last = rss_kb(proc.pid)
        print("soak: time is up; stopping the clients", flush=True)
        stop.set()
        tallies = {}
        for _ in workers:
            kind, tally = results.get(timeout=120)
            tallies.setdefault(kind, []).append(tally)
        for worker in workers:
            worker.join(timeout=60)
        time.sleep(3)  # the server sees the last closes
        fds_after = fds(proc.pid)
        # The first wave grew the store's connection pool to the load's concurrency, which it keeps: a leak is what a
        # second wave of the same busy clients adds again.
        print("soak: a second wave of busy clients (5 s), to tell the pools from a leak", flush=True)
        again_stop, again_results = multiprocessing.Event(), multiprocessing.Queue()
        wave = [multiprocessing.Process(target=active_process,
                                        args=(rest_port, rest_active, token, again_stop, again_results, 99)),
                multiprocessing.Process(target=grpc_process, args=("127.0.0.1:%d" % grpc_port, grpc_channels, token,
                                                                   again_stop, again_results))]
        for worker in wave:
            worker.start()
        time.sleep(5)
        again_stop.set()
        for _ in wave:
            kind, tally = again_results.get(timeout=120)
            tallies.setdefault(kind, []).append(tally)
        for worker in wave:
            worker.join(timeout=60)
        time.sleep(3)
        fds_again = fds(proc.pid)
        calls = sum(t["calls"] for kind in ("held", "active", "grpc") for t in tallies.get(kind, []))
        failed = sum(t["failed"] for kind in ("held", "active", "grpc") for t in tallies.get(kind, []))
        errors = [e for kind in ("held", "active", "grpc") for t in tallies.get(kind, []) for e in t["errors"]]
        opened = sum(t["opened"] for t in tallies.get("held", []))
        loris = tallies["slowloris"][0]
        growth = (rss_last - rss_first) / rss_first * 100
        print("soak: %d connections held (of %d), peak %d client descriptors in stsd; %d calls, %d failed; "
              "slowloris %d of %d closed by the server, the last after %s s; RSS %.1f MB at %d s and %.1f MB at %d s "
              "(%+.1f%%); descriptors %d before, %d after the clients left, %d after a second wave" % (
                  opened, held, peak_connections, calls, failed, loris["closed"], loris["count"],
                  "%.1f" % loris["slowest_close_s"] if loris["slowest_close_s"] is not None else "-",
                  rss_first / 1024, first_mark, rss_last / 1024, args.seconds, growth, fds_before, fds_after,
                  fds_again),
              flush=True)
        if failed or opened < held:
            failures.append("%d failed calls, %d of %d held connections opened: %s" % (failed, opened, held,
                                                                                         errors[:10]))
        if loris["closed"] != loris["count"]:
            failures.append("%d slowloris connections were not closed" % (loris["count"] - loris["closed"]))
        if growth >= 5:
            failures.append("RSS grew %.1f%% between %d s and %d s" % (growth, first_mark, args.seconds))
        if fds_again > fds_after + 2:
            failures.append("descriptor leak: %d after the clients left, %d after a second wave" % (fds_after,
                                                                                                   fds_again))
        if proc.poll() is not None:
            failures.append("stsd died: exit %s" % proc.returncode)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    if failures:
        print("soak: FAILED:\n  " + "\n  ".join(failures) + "\nstsd log: " + log_path, file=sys.stderr)
        raise SystemExit(1)
    print("soak: passed")


if __name__ == "__main__":
    main()
