"""A small local news network for tests: sites on 127.0.0.x that count what reaches them."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape

Handler = Callable[["Request"], "Response"]


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    started: float


class Site:
    """One web site on its own loopback address; routes are paths to responses or handlers.

    It counts, per path, the requests it answered, and for the whole site the most
    connections open at once and the most requests being answered at once.
    """

    def __init__(self, address: str, *, latency: float = 0.0) -> None:
        self.address = address
        self.latency = latency
        self.routes: dict[str, Response | Handler] = {}
        self.hits: Counter[str] = Counter()
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self.open_connections = 0
        self.peak_connections = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._server = _Server((address, 0), _handler_for(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.address}:{self.port}{path}"

    def page(self, path: str, body: bytes, **kw: object) -> str:
        """Serve `body` at `path` (with an ETag, so conditional GETs work) and return its URL."""
        self.routes[path] = Response(body, **kw)  # type: ignore[arg-type]
        return self.url(path)

    def feed(self, links: list[str], path: str = "/rss.xml") -> str:
        """Serve an RSS feed listing `links` at `path`; returns the feed's URL."""
        body = rss(self, [(link, f"Story {n}") for n, link in enumerate(links)])
        return self.page(path, body, content_type="application/rss+xml")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _count(self, attribute: str, delta: int) -> None:
        with self._lock:
            value = getattr(self, attribute) + delta
            setattr(self, attribute, value)
            peak = "peak_" + attribute.removeprefix("open_")
            setattr(self, peak, max(getattr(self, peak), value))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _handler_for(site: Site) -> type[http.server.BaseHTTPRequestHandler]:
    class SiteHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def setup(self) -> None:
            super().setup()
            site._count("open_connections", 1)

        def finish(self) -> None:
            super().finish()
            site._count("open_connections", -1)

        def do_GET(self) -> None:
            site._count("in_flight", 1)
            try:
                self._answer()
            finally:
                site._count("in_flight", -1)

        def _answer(self) -> None:
            request = Request(self.path, dict(self.headers.items()), time.monotonic())
            with site._lock:
                site.hits[self.path] += 1
                site.log.append(request)
            if site.latency:
                time.sleep(site.latency)
            route = site.routes.get(self.path)
            if route is None:
                response = Response(b"<html><body>Not found</body></html>", status=404)
            elif isinstance(route, Response):
                response = route
            else:
                response = route(request)
            self._send(request, response)

        def _send(self, request: Request, response: Response) -> None:
            etag = '"' + hashlib.sha256(response.body).hexdigest()[:16] + '"'
            if response.status == 200 and request.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if response.status == 200:
                self.send_header("ETag", etag)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return SiteHandler


@contextmanager
def network(count: int, *, latency: float = 0.0) -> Iterator[list[Site]]:
    """`count` sites on 127.0.0.2, 127.0.0.3, ... (each its own host for politeness rules)."""
    sites = [Site(f"127.0.0.{n + 2}", latency=latency) for n in range(count)]
    try:
        yield sites
    finally:
        for site in sites:
            site.close()


def rss(site: Site, items: list[tuple[str, str]], *, title: str = "Test feed") -> bytes:
    """An RSS 2.0 feed of (link, title) items."""
    entries = "".join(
        f"<item><title>{escape(name)}</title><link>{escape(link)}</link>"
        f"<pubDate>{formatdate(1729838537 + n * 60, usegmt=True)}</pubDate></item>"
        for n, (link, name) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{site.url('/')}</link>"
        f"<description>test</description>{entries}</channel></rss>"
    ).encode()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
