"""The gunicorn worker of `dangjian serve`: whole requests in, a few threads to answer them.

gunicorn's sync worker reads a request with a blocking socket: two idle or slow connections
hold both workers until the worker timeout (30 s), and /healthz and every callback wait.
This worker (a SyncWorker underneath, so gunicorn's HTTP parsing, WSGI environ, response
writing, access log and hooks are its own) changes only how a request reaches the app:

- The main thread accepts connections and reads them without blocking, in a selector loop,
  until the request is complete (the head, and the body its Content-Length or chunked framing
  announces) or its time is up: READ_TIMEOUT seconds for the whole request, however slowly it
  trickles in; then the connection is closed without an answer. Idle and slow clients cost a
  file descriptor and a buffer, never a thread. At most `worker_connections` are open.
- A complete request goes to a small thread pool (`threads`, DANGJIAN_WEB_THREADS, default
  4), where SyncWorker.handle parses it from the buffer and answers it; the connection is
  closed after the response, as with sync workers (nginx keeps the client connections alive).
  Threads let a worker answer one message while another waits for the disk (a durable commit
  syncs the SQLite log outside the locks, storage/db.py), and the single-writer design stays:
  one database connection per process, shared by its threads under the store's lock; writers
  of all processes queue on the flock.

A body larger than BUFFER_CAP (1 MiB; the callbacks refuse more than 64 KiB anyway) is handed
over once its head is in and read from the socket by the handler, with the same time limit
on each read.
"""

from __future__ import annotations

import errno
import os
import queue
import selectors
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from gunicorn.workers.sync import SyncWorker

READ_TIMEOUT = 10.0  # seconds for a whole request (DANGJIAN_READ_TIMEOUT)
WRITE_TIMEOUT = 10.0  # seconds for each send of the response
THREADS = 4  # per worker process (DANGJIAN_WEB_THREADS)
# Seconds between the worker's heartbeats to the arbiter (gunicorn's `notify`, which kills a
# worker silent for `timeout`, 30 s) and its checks that the arbiter is still its parent.
HEARTBEAT = 1.0
BUFFER_CAP = 1024 * 1024
HEAD_CAP = 64 * 1024  # a head longer than this goes to gunicorn's parser, which refuses it


@dataclass
class _Pending:
    sock: socket.socket
    fd: int
    addr: Any
    listener: socket.socket
    deadline: float
    buf: bytearray = field(default_factory=bytearray)
    continued: bool = False  # "100 Continue" sent


class BufferedSocket:
    """The client socket as gunicorn's parser sees it: the buffered request first, then (for
    a body over BUFFER_CAP) the socket itself, each read limited by READ_TIMEOUT."""

    def __init__(self, sock: socket.socket, data: bytes) -> None:
        self._sock = sock
        self._data = memoryview(data)

    def recv(self, size: int) -> bytes:
        if self._data:
            chunk, self._data = self._data[:size], self._data[size:]
            return bytes(chunk)
        return self._sock.recv(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def complete(buf: bytes | bytearray) -> tuple[bool, bool]:
    """(complete, expects 100-continue) for the bytes of a request received so far."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return len(buf) > HEAD_CAP, False
    head = bytes(buf[:end]).lower()
    body = len(buf) - end - 4
    expect = b"\r\nexpect: 100-continue" in head
    if b"\r\ntransfer-encoding:" in head:
        if b"chunked" not in head:
            return True, expect  # gunicorn answers what it can't frame
        return buf.endswith(b"0\r\n\r\n") or body > BUFFER_CAP, expect
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        return True, expect
    line = head[start + 17 :].split(b"\r\n", 1)[0].strip()
    if not line.isdigit():
        return True, expect  # malformed: gunicorn refuses it
    length = int(line)
    return body >= length or length > BUFFER_CAP, expect


class BufferedWorker(SyncWorker):  # type: ignore[misc]
    """See the module docstring."""

    read_timeout = READ_TIMEOUT  # a subclass made by bot.server sets the configured value

    def run(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.pending: dict[int, _Pending] = {}
        self.order: deque[_Pending] = deque()  # by deadline (they all get the same timeout)
        self.busy = 0  # requests handed to the threads and not finished
        self.busy_lock = threading.Lock()
        self.accepting = False
        self.ready: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        threads = [
            threading.Thread(target=self._serve, name=f"request-{i}", daemon=True)
            for i in range(max(1, int(self.cfg.threads or THREADS)))
        ]
        for t in threads:
            t.start()
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, None)
        try:
            self._loop()
        finally:
            self._accept(False)
            for p in list(self.pending.values()):
                self._drop(p)
            for _ in threads:
                self.ready.put(None)
            for t in threads:  # the requests in hand are answered (gunicorn's graceful
                t.join()  # timeout still applies: the arbiter kills a worker that lingers)
            self.selector.close()

    # -- the loop ---------------------------------------------------------------------
    def _loop(self) -> None:
        beat = 0.0  # when the arbiter last heard from us (and we looked for our parent)
        while self.alive:
            now = time.monotonic()
            if now - beat >= HEARTBEAT:  # (two system calls: not on every wake-up)
                beat = now
                self.notify()
                if self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    return
            self._accept(len(self.pending) + self.busy < self.cfg.worker_connections)
            timeout = 1.0
            if self.order:
                timeout = max(0.0, min(timeout, self.order[0].deadline - time.monotonic()))
            try:
                events = self.selector.select(timeout)
            except InterruptedError:
                continue
            for key, _ in events:
                if key.data is None:  # the wake-up pipe (signals, a thread done while paused)
                    try:
                        os.read(self.PIPE[0], 64)
                    except BlockingIOError:
                        pass
                elif isinstance(key.data, _Pending):
                    self._read(key.data)
                else:
                    self._accept_from(key.fileobj)  # type: ignore[arg-type]
            self._expire()

    def _accept(self, on: bool) -> None:
        if on == self.accepting:
            return
        for listener in self.sockets:
            if on:
                listener.setblocking(False)
                self.selector.register(listener, selectors.EVENT_READ, listener)
            else:
                self.selector.unregister(listener)
        self.accepting = on

    def _accept_from(self, listener: socket.socket) -> None:
        for _ in range(64):
            try:
                sock, addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EMFILE, errno.ENFILE):
                    return
                raise
            sock.setblocking(False)
            p = _Pending(sock, sock.fileno(), addr, listener, time.monotonic() + self.read_timeout)
            self.pending[p.fd] = p
            self.order.append(p)
            if not self._read(p, first=True):  # the request usually came with the connection
                self.selector.register(sock, selectors.EVENT_READ, p)

    def _read(self, p: _Pending, first: bool = False) -> bool:
        """Read what the client sent; True when the connection is settled (handed over or
        dropped), False when it still waits for more."""
        try:
            data = p.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        if not data:  # the client went away before finishing its request
            self._drop(p, registered=not first)
            return True
        p.buf += data
        done, expect = complete(p.buf)
        if done:
            self._hand_over(p, registered=not first)
            return True
        if expect and not p.continued:
            p.continued = True
            try:
                p.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                self._drop(p, registered=not first)
                return True
        return False

    def _expire(self) -> None:
        now = time.monotonic()
        while self.order and self.order[0].deadline <= now:
            p = self.order.popleft()
            if self.pending.get(p.fd) is p:  # still waiting for its request
                self.log.debug("closing a connection that sent no complete request in time")
                self._drop(p)

    def _forget(self, p: _Pending, registered: bool = True) -> None:
        if registered:
            try:
                self.selector.unregister(p.sock)
            except (KeyError, ValueError):
                pass
        if self.pending.get(p.fd) is p:
            del self.pending[p.fd]

    def _drop(self, p: _Pending, registered: bool = True) -> None:
        self._forget(p, registered)
        try:
            p.sock.close()
        except OSError:
            pass

    def _hand_over(self, p: _Pending, registered: bool = True) -> None:
        self._forget(p, registered)
        with self.busy_lock:
            self.busy += 1
        self.ready.put(p)

    # -- in a request thread ----------------------------------------------------------
    def _serve(self) -> None:
        while True:
            p = self.ready.get()
            if p is None:
                return
            self._answer(p)

    def _answer(self, p: _Pending) -> None:
        try:
            p.sock.settimeout(WRITE_TIMEOUT)  # blocking, each send and read bounded
            self.handle(p.listener, BufferedSocket(p.sock, bytes(p.buf)), p.addr)
        except Exception:
            self.log.exception("Error handling request")
        finally:
            try:
                p.sock.close()
            except OSError:
                pass
            with self.busy_lock:
                self.busy -= 1
            if not self.accepting:  # paused at worker_connections: wake the loop
                try:
                    os.write(self.PIPE[1], b".")
                except OSError:
                    pass
