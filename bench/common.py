"""What the benchmarks share: free ports, starting and stopping servers, a private PostgreSQL
cluster, signed callbacks, and driving load with wrk (or Python threads when wrk is missing).

Only 127.0.0.1 is used. Figures are ratios within one run; nothing here asserts a time.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, timeout: float = 120, path: str = "/healthz") -> None:
    """Until the server on `port` answers `path` (any status)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def start(cmd: Sequence[str], env: dict[str, str], log: Path | None = None) -> subprocess.Popen:  # type: ignore[type-arg]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(list(cmd), env=env, stdout=out, stderr=out, cwd=ROOT)


def stop(procs: Sequence[subprocess.Popen]) -> None:  # type: ignore[type-arg]
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# -- signed callbacks ---------------------------------------------------------------------


def signed_text(token: str, openid: str, text: str, msg_id: int, nonce: str) -> tuple[str, bytes]:
    """A plain-mode text callback as WeChat sends it: (path with query, body)."""
    from bot.channels.callback import signature

    ts = str(int(time.time()))
    query = urlencode({"timestamp": ts, "nonce": nonce, "signature": signature(token, ts, nonce)})
    peer = _peer(token)
    return f"/wechat?{query}", peer.text_xml(openid, text, msg_id=str(msg_id)).encode()


_PEERS: dict[str, object] = {}


def _peer(token: str):  # type: ignore[no-untyped-def]
    from bot.channels.peer import WeChatPeer

    if token not in _PEERS:
        _PEERS[token] = WeChatPeer(lambda *a: (200, b""), token)
    return _PEERS[token]


# -- load ---------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    errors: int  # non-2xx responses and socket errors

    def row(self, name: str) -> str:
        return f"{name:<22}{self.rps:>9.0f}{self.p50:>9.1f}{self.p99:>9.1f}{self.errors:>8}"


HEADER = f"{'':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"

_LUA = r"""
local reqs = {}
local idx = 0
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local n = tonumber(args[2])
  local f = io.open(args[1], "rb")
  local data = f:read("*a")
  f:close()
  local i = 0
  for rec in string.gmatch(data, "([^\31]+)\31") do
    if i % n == id then
      local p, b = rec:match("^([^\30]*)\30(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", p, {["Content-Type"] = "text/xml"}, b)
    end
    i = i + 1
  end
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def drive(
    port: int,
    reqs: list[tuple[str, bytes]],
    seconds: float,
    connections: int,
    threads: int = 2,
) -> Load:
    """Send `reqs` (each once, in order, spread over the threads) for `seconds` seconds."""
    if have_wrk():
        return _drive_wrk(port, reqs, seconds, connections, threads)
    return _drive_python(port, reqs, seconds, connections)


def drive_many(
    ports: Sequence[int], reqs: list[tuple[str, bytes]], seconds: float, connections: int
) -> Load:
    """The same load split over several servers at once (several `serve` hosts): the sum of
    their requests per second, the worst of their percentiles."""
    parts = [reqs[i :: len(ports)] for i in range(len(ports))]
    results: list[Load] = [Load(0, 0, 0, 0, 0)] * len(ports)

    def one(i: int) -> None:
        results[i] = drive(ports[i], parts[i], seconds, max(1, connections // len(ports)), 1)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(len(ports))]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return Load(
        sum(r.rps for r in results),
        max(r.p50 for r in results),
        max(r.p99 for r in results),
        sum(r.requests for r in results),
        sum(r.errors for r in results),
    )


def _drive_wrk(
    port: int, reqs: list[tuple[str, bytes]], seconds: float, connections: int, threads: int
) -> Load:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        data = Path(tmp) / "requests"
        with open(data, "wb") as f:
            for path, body in reqs:
                f.write(path.encode() + b"\x1e" + body + b"\x1f")
        script = Path(tmp) / "requests.lua"
        script.write_text(_LUA)
        threads = max(1, min(threads, connections))
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
                "--",
                str(data),
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    if done > len(reqs):
        print(f"  (wrk sent {done} requests from a list of {len(reqs)}: some were retries)")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return Load(rps, _wrk_pct(out, "50%"), _wrk_pct(out, "99%"), done, errors)


def _wrk_pct(out: str, label: str) -> float:
    m = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if m is None:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _drive_python(
    port: int, reqs: list[tuple[str, bytes]], seconds: float, connections: int
) -> Load:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    index = iter(range(len(reqs)))
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            with lock:
                i = next(index, None)
            if i is None:
                return
            path, body = reqs[i]
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", path, body, {"Content-Type": "text/xml"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
            finally:
                conn.close()
            with lock:
                latencies.append(time.perf_counter() - t0)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ordered = sorted(latencies) or [float("nan")]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return Load(len(latencies) / wall, pct(0.5), pct(0.99), len(latencies), errors)


# -- a private PostgreSQL cluster ---------------------------------------------------------


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    return found[-1] if found else None


@contextmanager
def private_pg(fsync: bool = True) -> Iterator[str]:
    """initdb + pg_ctl in a temporary folder on a free 127.0.0.1 port (as the `postgres` user
    when run as root); yields a server URL. Durable settings unless `fsync=False`."""
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("postgresql is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_owner, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True,
    )  # fmt: skip
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
        " -c max_connections=200 -c shared_buffers=256MB"
    )
    if not fsync:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        [*as_owner, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-l",
         str(folder / "server.log"), "-w", "-o", opts, "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_owner, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_pg_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database on `server` (a postgresql:// URL), dropped afterwards."""
    import sqlalchemy as sa

    from storage.db import database_url

    admin = sa.create_engine(database_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = database_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
