"""A worker process that cannot outlive the process that started it.

Why not multiprocessing's pool: a spawned child learned its parent only once its own
bootstrap had run, so a poller killed during start-up left a child that read PID 1 as
its parent and waited for it for good (with the resource tracker beside it); a kill
also leaked the five POSIX semaphores of the pool's queues (the tracker warned of
them), and the pool's exit hook could print "Bad file descriptor" at a clean exit.

Here the child is a plain `python -c` process given three things before it runs a
line of ours:
- its parent's PID on the command line: a parent that died during the child's own
  start-up is noticed at once (`getppid()` no longer matches);
- a lifeline, the read end of a pipe whose only write end the parent holds and never
  writes: the kernel closes it when the parent dies, however it dies, and a thread of
  the child blocked on it exits the process on that end of file;
- on Linux, `PR_SET_PDEATHSIG`: the kernel kills the child when its parent goes.
Work goes over a socket as length-prefixed pickles, `(function, args)` in and
`(ok, value)` out, one reply a request, in order. Nothing here needs a semaphore.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from typing import Any

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from inbox.ingest.workerproc import child_main; child_main(*json.loads(sys.argv[2]))"
)


class WorkerGone(RuntimeError):
    """The worker process stopped (or was closed) before answering."""


class WorkerProcess:
    """One child process running the functions it is sent, in order."""

    def __init__(self, warm_modules: Sequence[str] = ()) -> None:
        ours, theirs = socket.socketpair()
        lifeline_read, lifeline_write = os.pipe()
        # The kernel's parent-death signal follows the thread that forks the child, so
        # it is only asked for when that thread lives as long as the process.
        deathsig = threading.current_thread() is threading.main_thread()
        args = [os.getpid(), theirs.fileno(), lifeline_read, deathsig, list(warm_modules)]
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(sys.path), json.dumps(args)],
                pass_fds=(theirs.fileno(), lifeline_read),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            os.close(lifeline_write)
            raise
        finally:
            theirs.close()
            os.close(lifeline_read)
        self._channel = ours
        self._lifeline: int | None = lifeline_write
        self._pending: deque[Future[Any]] = deque()
        self._state = threading.Lock()  # guards _pending and _gone
        self._sending = threading.Lock()  # one request on the socket at a time
        self._gone: WorkerGone | None = None
        self._reader = threading.Thread(
            target=self._read_replies, name="ingest-worker-replies", daemon=True
        )
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def call(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Send one call; the future holds its result, or WorkerGone if the worker died."""
        payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        future: Future[Any] = Future()
        with self._sending:
            with self._state:
                if self._gone is not None:
                    raise self._gone
                self._pending.append(future)  # before sending: replies come in order
            try:
                _send(self._channel, payload)
            except OSError as exc:
                self._fail(WorkerGone(f"the ingest worker is gone: {exc}"))
                raise WorkerGone(f"the ingest worker is gone: {exc}") from exc
        return future

    def _read_replies(self) -> None:
        """Runs beside `call`, so a big reply never waits on a big request (no deadlock)."""
        try:
            while True:
                ok, value = pickle.loads(_receive(self._channel))
                with self._state:
                    future = self._pending.popleft()
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except Exception as exc:  # end of file, a reset, a reply that does not load
            self._fail(WorkerGone(f"the ingest worker stopped: {type(exc).__name__}: {exc}"))

    def _fail(self, error: WorkerGone) -> None:
        with self._state:
            if self._gone is None:
                self._gone = error
            pending, self._pending = list(self._pending), deque()
        for future in pending:
            future.set_exception(error)

    def close(self) -> None:
        """Stop the worker now (even mid-batch: its work is only ever a cache) and reap it."""
        if self._lifeline is None:
            return
        os.close(self._lifeline)
        self._lifeline = None
        with suppress(OSError):
            self._channel.shutdown(socket.SHUT_RDWR)  # wakes the reader and any sender
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        with self._sending:
            self._channel.close()
        self._fail(WorkerGone("the ingest worker was closed"))


# -- framing ---------------------------------------------------------------------------


def _send(channel: socket.socket, payload: bytes) -> None:
    channel.sendall(_HEADER.pack(len(payload)))
    channel.sendall(payload)


def _receive_exactly(channel: socket.socket, size: int) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = channel.recv_into(view[got:])
        if n == 0:
            raise EOFError("the other end closed the channel")
        got += n
    return buffer


def _receive(channel: socket.socket) -> bytearray:
    (size,) = _HEADER.unpack(_receive_exactly(channel, _HEADER.size))
    return _receive_exactly(channel, size)


# -- the child's side ----------------------------------------------------------------


def child_main(
    parent: int, channel_fd: int, lifeline_fd: int, deathsig: bool, warm_modules: Sequence[str]
) -> None:
    """The worker process: tie its life to the parent's, import, then serve calls."""
    if deathsig:
        _die_with_parent()
    if os.getppid() != parent:  # it died while this process was starting
        os._exit(0)
    # The parent decides when to stop (it finishes the message in hand on SIGTERM);
    # a signal sent to the whole process group must not kill the worker under it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_parent, args=(parent, lifeline_fd), name="lifeline", daemon=True
    ).start()
    for module in warm_modules:  # heavy imports now, while the parent starts up
        __import__(module)
    _serve(socket.socket(fileno=channel_fd))
    sys.stdout.flush()
    os._exit(0)  # no interpreter shutdown beside a thread blocked on the lifeline


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (elsewhere: no-op)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with suppress(OSError, AttributeError):  # without it, the lifeline still does it
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _exit_with_parent(parent: int, lifeline_fd: int) -> None:
    """The lifeline becomes readable (end of file) only when the parent is gone."""
    while True:
        readable, _, _ = select.select([lifeline_fd], [], [], 0.5)
        if readable or os.getppid() != parent:
            os._exit(0)


def _serve(channel: socket.socket) -> None:
    while True:
        try:
            request = _receive(channel)
        except (EOFError, OSError):  # the parent closed the channel: done
            return
        try:
            function, args = pickle.loads(request)
            reply: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:
            reply = (False, exc)
        try:
            payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result or an exception that does not pickle
            error = WorkerGone(f"the worker's reply could not be sent: {type(exc).__name__}: {exc}")
            payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _send(channel, payload)
        except OSError:
            return
