"""Debian's tinyproxy, a real forward proxy on 127.0.0.1, for the tests of proxied checks.

A cron job behind a company proxy sends every request through it: plain ones
as absolute-URI requests (tinyproxy adds a ``Via`` header), https ones through
a ``CONNECT`` tunnel (which tinyproxy's log records).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .nginx import free_port

START_SECONDS = 10.0

CONFIG = """
Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 64
LogFile "{log}"
LogLevel Connect
"""


@dataclass(frozen=True)
class Proxy:
    """A running tinyproxy: its URL (for ``HTTP_PROXY``) and its log."""

    url: str
    log: Path

    def tunnels(self) -> list[str]:
        """The ``CONNECT host:port`` requests the proxy received so far."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [
            line.partition(": CONNECT ")[2].split()[0] for line in lines if ": CONNECT " in line
        ]


@contextmanager
def running_proxy(root: Path) -> Iterator[Proxy]:
    """tinyproxy in the foreground with a configuration in ``root``, stopped at the end."""
    program = shutil.which("tinyproxy")
    if program is None:
        raise RuntimeError("these tests need Debian's tinyproxy (apt-get install tinyproxy)")
    port = free_port()
    log = root / "tinyproxy.log"
    (root / "tinyproxy.conf").write_text(CONFIG.format(port=port, log=log))
    process = subprocess.Popen(
        [program, "-d", "-c", str(root / "tinyproxy.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, err = process.communicate()
                said = log.read_text() if log.exists() else ""
                raise RuntimeError(f"tinyproxy did not start: {err.decode()} {said}")
            time.sleep(0.02)
        yield Proxy(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
