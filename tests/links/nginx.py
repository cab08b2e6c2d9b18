"""Debian's nginx as a second, real server for link checks, configured with its own directives.

Our own test server (server.py) plays each misbehaviour as we understood it;
nginx plays it as the web's most common server does: ``return 301``,
``limit_req`` answering 429, a HEAD refused with ``if``, a soft 404 by
``error_page 404 =200``, ``return 444``, and TLS with a CA the test makes
with the openssl command. It runs in the foreground as one process
(``master_process off``), from a prefix in a temporary folder, on free ports
of 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NGINX = Path("/usr/sbin/nginx")
RATE_PER_SECOND = 2
"""``limit_req``'s rate for the /limited/ files: one request each half second, no burst."""
START_SECONDS = 10.0

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 128; }}
http {{
    log_format timed '$msec $status $request_method $uri';
    access_log {root}/access.log timed;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    types {{ application/pdf pdf; text/html html; }}
    limit_req_zone $server_name zone=slow:1m rate={rate}r/s;
    server {{
        listen 127.0.0.1:{port};
        server_name plain;
        root {root}/www;
        location = /old.pdf {{ return 301 /doc.pdf; }}
        location = /older.pdf {{ return 301 /old.pdf; }}
        location = /for-now.pdf {{ return 302 /old.pdf; }}
        location = /no-head.html {{
            if ($request_method = HEAD) {{ return 405; }}
        }}
        location = /head-only.html {{
            if ($request_method = GET) {{ return 404; }}
        }}
        location /soft/ {{ error_page 404 =200 /notfound.html; }}
        location = /gone {{ return 444; }}
        location /limited/ {{
            limit_req zone=slow;
            limit_req_status 429;
        }}
    }}
    server {{
        listen 127.0.0.1:{tls_port} ssl;
        server_name secure;
        ssl_certificate {root}/tls/leaf.pem;
        ssl_certificate_key {root}/tls/leaf.key;
        root {root}/www;
    }}
    server {{
        listen 127.0.0.1:{expired_port} ssl;
        server_name expired;
        ssl_certificate {root}/tls/expired.pem;
        ssl_certificate_key {root}/tls/leaf.key;
        root {root}/www;
    }}
}}
"""


@dataclass(frozen=True)
class Nginx:
    """A running nginx: its origins (plain, TLS, TLS expired), its CA, its access log."""

    base: str
    tls_base: str
    expired_base: str
    ca: Path
    root: Path

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def tls_url(self, path: str) -> str:
        return f"{self.tls_base}{path}"

    def access(self, prefix: str) -> list[tuple[float, int]]:
        """When each request for a path under ``prefix`` came, and the status nginx gave."""
        found = []
        for line in (self.root / "access.log").read_text().splitlines():
            when, status, _, uri = line.split(" ", 3)
            if uri.startswith(prefix):
                found.append((float(when), int(status)))
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


CA_CONFIG = """[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
[any]
commonName = supplied
"""
"""Enough of a CA for ``openssl ca``, the one command that signs for a period in the past."""


def make_certificates(folder: Path) -> Path:
    """A CA, and two certificates for 127.0.0.1 it signed: leaf.pem, valid for two days,
    and expired.pem, which expired in 2020 (both with leaf.key); returns the CA."""
    folder.mkdir()
    new_key = ["req", "-newkey", "rsa:2048", "-nodes"]
    _openssl(folder, *new_key, "-x509", "-days", "2", "-keyout", "ca.key", "-out", "ca.pem")
    _openssl(folder, *new_key, "-keyout", "leaf.key", "-out", "leaf.csr")
    (folder / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "san.ext"]
    _openssl(folder, "x509", "-req", "-in", "leaf.csr", *sign, "-days", "2", "-out", "leaf.pem")
    (folder / "ca.cnf").write_text(CA_CONFIG)
    (folder / "index.txt").write_text("")
    (folder / "serial").write_text("01\n")
    past = ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]
    authority = ["-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key"]
    _openssl(
        folder,
        "ca",
        "-batch",
        *authority,
        "-in",
        "leaf.csr",
        *past,
        "-extfile",
        "san.ext",
        "-out",
        "expired.pem",
    )
    return folder / "ca.pem"


def _openssl(folder: Path, *args: str) -> None:
    """One openssl command in ``folder``; a new key or request is for CN 127.0.0.1."""
    subject = ["-subj", "/CN=127.0.0.1"] if args[0] == "req" else []
    subprocess.run(["openssl", *args, *subject], cwd=folder, check=True, capture_output=True)


def write_site(www: Path, pdf: bytes, page: bytes) -> None:
    (www / "soft").mkdir(parents=True)
    (www / "limited").mkdir()
    (www / "doc.pdf").write_bytes(pdf)
    for name in ("page.html", "no-head.html", "head-only.html"):
        (www / name).write_bytes(page)
    (www / "notfound.html").write_bytes(b"<!DOCTYPE html><html><body>Not here</body></html>")
    for n in range(8):
        (www / "limited" / f"{n}.html").write_bytes(page)


def start(root: Path, pdf: bytes, page: bytes) -> tuple[subprocess.Popen[bytes], Nginx]:
    """Start nginx from ``root``; fails with a clear message when it is not installed."""
    if not NGINX.exists():
        raise RuntimeError(
            f"{NGINX} is missing: these tests need Debian's nginx (apt-get install nginx-light)"
        )
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / "tmp" / temp).mkdir(parents=True)
    ca = make_certificates(root / "tls")
    write_site(root / "www", pdf, page)
    port, tls_port, expired_port = free_port(), free_port(), free_port()
    config = CONFIG.format(
        root=root, port=port, tls_port=tls_port, expired_port=expired_port, rate=RATE_PER_SECOND
    )
    (root / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        [
            str(NGINX),
            "-p",
            str(root),
            "-e",
            str(root / "error.log"),
            "-c",
            str(root / "nginx.conf"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    origins = [f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls_port}"]
    running = Nginx(*origins, f"https://127.0.0.1:{expired_port}", ca, root)
    deadline = time.monotonic() + START_SECONDS
    while not all(_listening(p) for p in (port, tls_port, expired_port)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            log = (root / "error.log").read_text() if (root / "error.log").exists() else ""
            raise RuntimeError(f"nginx did not start: {err.decode()} {log}")
        time.sleep(0.02)
    return process, running


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
