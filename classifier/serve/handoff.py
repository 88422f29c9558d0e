"""Forked workers get their connections from the parent, in turn, instead of racing to accept them.

When every worker accepts from one shared socket, whichever wakes first takes every connection
waiting (uvloop accepts until none is left), so connections opened together, such as a client's
pool of keep-alive connections, all land on one worker and leave the other cores idle: four
clients sending 1,000 headlines a request kept one of two workers at 100% of a core and the other
at 0%. Here the parent accepts, and hands each connection to the next worker in turn over a Unix
socket pair of its own (the descriptor itself travels, SCM_RIGHTS: no byte of the request passes
through the parent); the worker's uvicorn takes it as if it had accepted it. A worker that has
died, or has a full backlog of connections to take, is skipped. This is how Node's cluster module
shares connections on Linux, for the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import os
import selectors
import socket
import threading
import time

__all__ = ["Dispatcher", "adopting_server", "channel_pair"]


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """The parent's and the worker's ends of a channel for connections: one descriptor a message."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    parent.setblocking(False)  # a swamped worker is skipped, never waited for
    return parent, child


class Dispatcher:
    """In the parent: accept on the listening socket in a thread, and send each connection to a worker.

    `channels` holds each worker's channel (its parent end), replaced when a worker is restarted;
    None where there is no worker.
    """

    def __init__(self, sock: socket.socket, channels: list[socket.socket | None]) -> None:
        self.sock = sock
        self.channels = channels
        # Held while the parent holds an accepted connection: a worker forked meanwhile would keep
        # a copy of its descriptor, and the connection would stay open until that worker ends.
        self.lock = threading.Lock()
        self._turn = 0
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="headlines-accept", daemon=True)

    def start(self) -> Dispatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting (safe in a signal handler: it only writes to a pipe)."""
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def close(self) -> None:
        """Stop accepting and wait for the thread to end."""
        self.stop()
        if self._thread.is_alive():
            self._thread.join(5)
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _run(self) -> None:
        self.sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while True:
                try:
                    ready = {key.fileobj for key, _ in selector.select()}
                except (OSError, ValueError):  # the socket was closed under it: the server is ending
                    return
                if self._wake_read in ready:
                    return
                while self._accept_one():
                    pass

    def _accept_one(self) -> bool:
        """Accept one waiting connection and hand it on; False when none is waiting (or accepting fails)."""
        with self.lock:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return False
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EPERM, errno.EINTR):
                    return True  # that connection is gone; others may wait
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    time.sleep(0.05)  # out of descriptors or memory: let connections close first
                return False
            with conn:  # the worker holds its own descriptor once sent; the parent's is closed
                if conn.family in (socket.AF_INET, socket.AF_INET6):
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._hand(conn)
        return True

    def _hand(self, conn: socket.socket) -> None:
        """Send a connection to the next worker that takes it; if none does, it is closed."""
        count = len(self.channels)
        for _ in range(count):
            slot = self._turn % count
            self._turn += 1
            channel = self.channels[slot]
            if channel is None:
                continue
            try:
                socket.send_fds(channel, [b"c"], [conn.fileno()])
            except OSError:  # a worker that has died, or whose channel is full: the next one
                continue
            return


def adopting_server(config, channel: socket.socket):
    """A uvicorn server (for `config`) that serves the connections arriving on `channel`, and stops when it closes."""
    import uvicorn

    class AdoptingServer(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=[])  # no listening socket of its own
            # the protocol uvicorn's own listeners are built with (uvicorn.Server.startup)
            factory = functools.partial(
                self.config.http_protocol_class, config=self.config, server_state=self.server_state,
                app_state=self.lifespan.state,
            )  # fmt: skip
            self._adopting: set[asyncio.Task] = set()
            channel.setblocking(False)
            asyncio.get_running_loop().add_reader(channel.fileno(), self._adopt, factory)

        async def shutdown(self, sockets=None) -> None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(channel.fileno())
            await super().shutdown(sockets=sockets)

        def _adopt(self, factory) -> None:
            loop = asyncio.get_running_loop()
            while True:
                try:
                    data, fds, _, _ = socket.recv_fds(channel, 1, 1)
                except BlockingIOError:
                    return
                except OSError:
                    data, fds = b"", []
                if not data and not fds:  # the parent has gone: serve what is open, then stop
                    loop.remove_reader(channel.fileno())
                    self.should_exit = True
                    return
                for fd in fds:
                    conn = socket.socket(fileno=fd)
                    conn.setblocking(False)
                    task = loop.create_task(loop.connect_accepted_socket(factory, conn))
                    self._adopting.add(task)
                    task.add_done_callback(functools.partial(self._adopted, conn))

        def _adopted(self, conn: socket.socket, task: asyncio.Task) -> None:
            self._adopting.discard(task)
            if task.cancelled() or task.exception() is not None:  # reset before it was taken
                conn.close()

    return AdoptingServer(config)
