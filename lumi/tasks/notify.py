"""Waking the scheduler when a task is registered, instead of having it poll.

The scheduler binds a Unix datagram socket in the abstract namespace, named after the data
directory (no file to clean up, no path-length limit); any process that commits a task
sends one byte to it. Lost wake-ups are harmless: the scheduler also looks at the
queue on a slow timer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import select
import socket
from pathlib import Path


@functools.cache
def socket_address(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:32]
    return f"\0lumi-scheduler-{digest}"


_SENDER = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
_SENDER.setblocking(False)


def wake(data_dir: Path) -> None:
    """Tell the scheduler there is work; never blocks, never fails."""
    with contextlib.suppress(OSError):
        _SENDER.sendto(b"!", socket_address(data_dir))


class WakeSocket:
    """The scheduler's end: ``wait`` returns when woken or after ``timeout`` seconds."""

    def __init__(self, data_dir: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(socket_address(data_dir))
        self.sock.setblocking(False)

    def wait(self, timeout: float) -> None:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if ready:
            self.drain()

    def drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while True:
                self.sock.recv(64)

    def close(self) -> None:
        self.sock.close()
