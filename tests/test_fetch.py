"""Tests for newsvault.fetch.Fetcher against real HTTP servers on 127.0.0.x (no internet)."""

from __future__ import annotations

import gzip
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsvault.config import DEFAULT_USER_AGENT, AllowEntry, FetchSettings, parse_allow_private
from newsvault.errors import (
    BadContent,
    BlockedAddress,
    EmptyBody,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    NotHTML,
    TooLarge,
    TooManyRedirects,
)
from newsvault.fetch import ROBOTS_MAX_BYTES, FeedResponse, Fetcher

LOCAL: tuple[AllowEntry, ...] = (ipaddress.ip_network("127.0.0.1/32"),)
HTML = "<!doctype html><html><head><title>t</title></head><body><p>Hello</p></body></html>"

#: Refusals must happen before any connection attempt, so they are near-instant.
INSTANT = 0.5


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Serve on 127.0.0.1 (not "localhost", which may also resolve to ::1)."""
    return ("127.0.0.1", 0)


def fast(**changes: Any) -> FetchSettings:
    """Settings with small timeouts so the whole file runs in seconds."""
    values: dict[str, Any] = {
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "total_timeout": 3.0,
        "max_retries": 2,
        "backoff_factor": 0.01,
        "retry_after_max": 2.0,
        "max_redirects": 5,
        "allow_private": LOCAL,
    }
    values.update(changes)
    return FetchSettings(**values)


def fetch(url: str, **changes: Any) -> Any:
    with Fetcher(fast(**changes)) as fetcher:
        return fetcher.get(url)


# -- a raw socket server for misbehaving peers -------------------------------------------------


class RawServer:
    """Accepts connections on host:port and hands each (after reading the request) to `reply`."""

    def __init__(
        self,
        reply: Callable[[socket.socket], None],
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.reply = reply
        self.tls = tls
        self.hits = 0
        self.listener = socket.create_server((host, 0))
        self.host = host
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.hits += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, raw: socket.socket) -> None:
        with raw:
            try:
                raw.settimeout(5)
                conn = self.tls.wrap_socket(raw, server_side=True) if self.tls else raw
                with conn:
                    if read_request(conn):
                        self.reply(conn)
            except OSError:
                pass  # the client hung up, as several tests make it do

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


def read_request(conn: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(4096)
        if not more:
            return False
        data += more
    return True


@contextmanager
def raw_server(
    reply: Callable[[socket.socket], None],
    host: str = "127.0.0.1",
    tls: ssl.SSLContext | None = None,
) -> Iterator[RawServer]:
    server = RawServer(reply, host, tls)
    try:
        yield server
    finally:
        server.close()


def send_all(*parts: bytes) -> Callable[[socket.socket], None]:
    def reply(conn: socket.socket) -> None:
        for part in parts:
            conn.sendall(part)

    return reply


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- headers and the Page record -----------------------------------------------------------------


def test_user_agent_and_accept_are_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a", headers={"User-Agent": DEFAULT_USER_AGENT}).respond_with_data(
        HTML, content_type="text/html"
    )
    page = fetch(httpserver.url_for("/a"))
    request, _ = httpserver.log[0]
    assert request.headers["Accept"].startswith("text/html")
    assert page.html == HTML


def test_custom_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/", headers={"User-Agent": "bot/1"}).respond_with_data(
        HTML, content_type="text/html"
    )
    assert fetch(httpserver.url_for("/"), user_agent="bot/1").status == 200


def test_page_record(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data(
        HTML.encode(), content_type="text/html; charset=utf-8", headers={"X-Thing": "1"}
    )
    url = httpserver.url_for("/p")
    page = fetch(url)
    assert (page.url, page.final_url, page.status) == (url, url, 200)
    assert page.headers["x-thing"] == "1"
    assert all(name == name.lower() for name in page.headers)
    assert page.content == HTML.encode()
    assert page.encoding == "utf-8"
    assert page.fetched_at.tzinfo is UTC
    assert 0 <= page.elapsed < 2
    assert page.redirects == ()


def test_fetcher_reuses_one_session_for_several_urls(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/1").respond_with_data(HTML, content_type="text/html")
    httpserver.expect_request("/2").respond_with_data(HTML, content_type="text/html")
    with Fetcher(fast()) as fetcher:
        assert fetcher.get(httpserver.url_for("/1")).status == 200
        assert fetcher.get(httpserver.url_for("/2")).status == 200


# -- timeouts and the total deadline -----------------------------------------------------------


def test_read_timeout_when_the_server_says_nothing() -> None:
    with raw_server(lambda conn: time.sleep(3)) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            fetch(server.url(), read_timeout=0.3, max_retries=0)
        assert time.monotonic() - started < 1.5


def test_connect_timeout_when_the_backlog_is_full() -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):  # fills the backlog of one
            started = time.monotonic()
            with pytest.raises(FetchTimeout) as info:
                fetch(f"http://127.0.0.1:{port}/", connect_timeout=0.3, max_retries=0)
            assert time.monotonic() - started < 1.5
    assert "did not accept a connection within 0.3 seconds" in info.value.message


def dripping_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n")
    for _ in range(100):
        conn.sendall(b"<")
        time.sleep(0.1)


def dripping_headers(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


@pytest.mark.parametrize("reply", [dripping_body, dripping_headers])
def test_a_dripping_server_cannot_stretch_the_total_deadline(
    reply: Callable[[socket.socket], None],
) -> None:
    with raw_server(reply) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as info:
            fetch(server.url(), read_timeout=5, total_timeout=1.0)
        assert time.monotonic() - started < 1.6
    assert "total limit of 1 seconds" in info.value.message


# -- retries -------------------------------------------------------------------------------------


def sequence(*responses: Response) -> Callable[[Request], Response]:
    remaining = list(responses)

    def handler(request: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def test_500_twice_then_200_succeeds(httpserver: HTTPServer) -> None:
    handler = sequence(
        Response("no", 500), Response("no", 500), Response(HTML, 200, mimetype="text/html")
    )
    httpserver.expect_request("/").respond_with_handler(handler)
    assert fetch(httpserver.url_for("/"), max_retries=2).html == HTML
    assert len(httpserver.log) == 3


def test_503_forever_fails_after_the_retries(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("busy", status=503)
    started = time.monotonic()
    with pytest.raises(HTTPStatusError) as info:
        fetch(httpserver.url_for("/"), max_retries=3)
    assert time.monotonic() - started < 1
    assert info.value.status == 503
    assert len(httpserver.log) == 4


def test_retries_never_pass_the_total_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("busy", status=503)
    started = time.monotonic()
    with pytest.raises(HTTPStatusError):
        fetch(httpserver.url_for("/"), max_retries=10, backoff_factor=0.2, total_timeout=1.0)
    assert time.monotonic() - started < 1.0


def test_429_with_retry_after_is_honoured(httpserver: HTTPServer) -> None:
    handler = sequence(
        Response("slow down", 429, headers={"Retry-After": "1"}),
        Response(HTML, 200, mimetype="text/html"),
    )
    httpserver.expect_request("/").respond_with_handler(handler)
    started = time.monotonic()
    assert fetch(httpserver.url_for("/")).status == 200
    assert time.monotonic() - started >= 1


@pytest.mark.parametrize("retry_after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_long_retry_after_fails_at_once(httpserver: HTTPServer, retry_after: str) -> None:
    httpserver.expect_request("/").respond_with_data(
        "later", status=429, headers={"Retry-After": retry_after}
    )
    started = time.monotonic()
    with pytest.raises(HTTPStatusError) as info:
        fetch(httpserver.url_for("/"))
    assert time.monotonic() - started < INSTANT
    assert info.value.status == 429
    assert "retry after" in info.value.message
    assert len(httpserver.log) == 1


def test_a_dropped_connection_is_retried() -> None:
    body = HTML.encode()
    ok = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
    calls: list[int] = []

    def first_hang_up(conn: socket.socket) -> None:
        calls.append(1)
        if len(calls) > 1:
            conn.sendall(ok.encode() + body)

    with raw_server(first_hang_up) as server:
        assert fetch(server.url()).html == HTML
    assert len(calls) == 2


def test_refused_connection() -> None:
    with pytest.raises(NetworkError) as info:
        fetch(f"http://127.0.0.1:{closed_port()}/")
    assert info.value.message == "the connection was refused"
    assert not isinstance(info.value, FetchTimeout)


def _invalid_name_fails_fast() -> bool:
    started = time.monotonic()
    try:
        socket.getaddrinfo("newsvault-test.invalid", 80)
    except socket.gaierror:
        return time.monotonic() - started < 2
    return False


@pytest.mark.skipif(not _invalid_name_fails_fast(), reason="this resolver is slow on .invalid")
def test_dns_failure() -> None:
    started = time.monotonic()
    with pytest.raises(NetworkError) as info:
        fetch("http://newsvault-test.invalid/", allow_private=())
    assert "newsvault-test.invalid could not be resolved" in info.value.message
    assert time.monotonic() - started < 2  # not retried: the name will not resolve next time


# -- redirects -----------------------------------------------------------------------------------


def redirect(httpserver: HTTPServer, path: str, location: str, status: int = 302) -> None:
    httpserver.expect_request(path).respond_with_data(
        "", status=status, headers={"Location": location}
    )


def test_redirect_chain(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/a", "/b", 301)
    redirect(httpserver, "/b", httpserver.url_for("/c"), 307)
    httpserver.expect_request("/c").respond_with_data(HTML, content_type="text/html")
    page = fetch(httpserver.url_for("/a"))
    assert page.url == httpserver.url_for("/a")
    assert page.final_url == httpserver.url_for("/c")
    assert page.redirects == (httpserver.url_for("/b"), httpserver.url_for("/c"))


def test_redirect_loop(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/a", "/b")
    redirect(httpserver, "/b", "/a")
    with pytest.raises(TooManyRedirects) as info:
        fetch(httpserver.url_for("/a"))
    assert "loop" in info.value.message


def test_too_many_redirects(httpserver: HTTPServer) -> None:
    for n in range(10):
        redirect(httpserver, f"/{n}", f"/{n + 1}")
    with pytest.raises(TooManyRedirects) as info:
        fetch(httpserver.url_for("/0"), max_redirects=3)
    assert "more than 3 times" in info.value.message


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://example.com/x", "data:text/html,<p>x</p>"]
)
def test_redirect_to_another_scheme_is_refused(httpserver: HTTPServer, location: str) -> None:
    redirect(httpserver, "/", location)
    with pytest.raises(InvalidURL) as info:
        fetch(httpserver.url_for("/"))
    assert "only http and https" in info.value.message


def test_redirect_to_a_disallowed_address_is_refused_before_connecting() -> None:
    with raw_server(send_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")) as inner:
        hop = f"http://127.0.0.1:{inner.port}/secret"
        moved = f"HTTP/1.1 302 Found\r\nLocation: {hop}\r\nContent-Length: 0\r\n\r\n"
        with raw_server(send_all(moved.encode()), host="127.0.0.2") as outer:
            allow = parse_allow_private(["127.0.0.2"])
            with pytest.raises(BlockedAddress) as info:
                fetch(outer.url(), allow_private=allow)
        assert inner.hits == 0
    assert "127.0.0.1 is a loopback address" in info.value.message
    assert "after a redirect" in info.value.message


# -- the private-address policy --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://0.0.0.0:{port}/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
    ],
)
def test_private_destinations_are_blocked_by_default(url: str) -> None:
    with raw_server(send_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")) as server:
        started = time.monotonic()
        with pytest.raises(BlockedAddress):
            fetch(url.format(port=server.port), allow_private=())
        assert time.monotonic() - started < INSTANT
        assert server.hits == 0


def test_localhost_name_is_blocked_by_default() -> None:
    with pytest.raises(BlockedAddress) as info:
        fetch(f"http://localhost:{closed_port()}/", allow_private=())
    assert "localhost resolves to" in info.value.message


def test_allow_list_lets_through_exactly_what_it_names(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(HTML, content_type="text/html")
    url = httpserver.url_for("/")
    assert fetch(url, allow_private=parse_allow_private(["127.0.0.1"])).status == 200
    assert fetch(url, allow_private=parse_allow_private(["127.0.0.0/8"])).status == 200
    for other in (["127.0.0.2"], ["10.0.0.0/8"], ["intranet.local"]):
        with pytest.raises(BlockedAddress):
            fetch(url, allow_private=parse_allow_private(other))


def test_allow_list_host_name_entry_matches_the_url_host(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(HTML, content_type="text/html")
    port = httpserver.port
    allow = parse_allow_private(["localhost"])
    assert fetch(f"http://localhost:{port}/", allow_private=allow).status == 200
    with pytest.raises(BlockedAddress):
        fetch(f"http://127.0.0.1:{port}/", allow_private=allow)


def test_non_http_scheme_is_refused() -> None:
    with pytest.raises(InvalidURL):
        fetch("ftp://127.0.0.1/file")


# -- body size, truncation, content ---------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    httpserver.expect_request("/").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(TooLarge):
        fetch(httpserver.url_for("/"), max_bytes=100_000)


def test_gzip_body_is_decompressed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(
        gzip.compress(HTML.encode()), content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    page = fetch(httpserver.url_for("/"))
    assert page.content == HTML.encode()


def test_big_body_with_content_length_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("x" * 200_000, content_type="text/html")
    with pytest.raises(TooLarge) as info:
        fetch(httpserver.url_for("/"), max_bytes=100_000)
    assert "200000 bytes" in info.value.message


def test_big_body_without_content_length_is_refused() -> None:
    def endless(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"<p>" + b"x" * 10_000)

    with raw_server(endless) as server, pytest.raises(TooLarge):
        fetch(server.url(), max_bytes=100_000)


TRUNCATED = [
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html>" + b"x" * 94,
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"10\r\n<html><p>abcdefg\r\n",
]


@pytest.mark.parametrize("reply", TRUNCATED, ids=["content-length", "chunked"])
def test_truncated_body_is_an_error_not_a_partial_page(reply: bytes) -> None:
    with raw_server(send_all(reply)) as server, pytest.raises(NetworkError) as info:
        fetch(server.url())
    assert info.value.message == "the connection closed before the whole body arrived"
    assert not isinstance(info.value, FetchTimeout)


@pytest.mark.parametrize(
    "content_type", ["application/json", "image/png", "application/pdf", "text/plain", "video/mp4"]
)
def test_non_html_content_types(httpserver: HTTPServer, content_type: str) -> None:
    httpserver.expect_request("/").respond_with_data("{}", content_type=content_type)
    with pytest.raises(NotHTML) as info:
        fetch(httpserver.url_for("/"))
    assert content_type in info.value.message
    assert info.value.content_type == content_type


def test_xhtml_is_accepted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(HTML, content_type="application/xhtml+xml")
    assert fetch(httpserver.url_for("/")).status == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "PNG image"),
        (b"%PDF-1.7\n" + b"x" * 100, "PDF document"),
        (b"<html>\x00\x01\x02</html>", "NUL"),
    ],
)
def test_binary_bytes_served_as_html(httpserver: HTTPServer, body: bytes, words: str) -> None:
    httpserver.expect_request("/").respond_with_data(body, content_type="text/html")
    with pytest.raises(NotHTML) as info:
        fetch(httpserver.url_for("/"))
    assert words in info.value.message


def test_missing_content_type_sniffed_as_html() -> None:
    body = HTML.encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with raw_server(send_all(head, body)) as server:
        assert fetch(server.url()).html == HTML


def test_missing_content_type_and_not_html() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"
    with raw_server(send_all(head, b"just text ok")) as server, pytest.raises(NotHTML):
        fetch(server.url())


@pytest.mark.parametrize("body", ["", "  \n\t  "])
def test_empty_body(httpserver: HTTPServer, body: str) -> None:
    httpserver.expect_request("/").respond_with_data(body, content_type="text/html")
    with pytest.raises(EmptyBody):
        fetch(httpserver.url_for("/"))


def test_404(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("nope", status=404)
    with pytest.raises(HTTPStatusError) as info:
        fetch(httpserver.url_for("/gone"))
    assert info.value.status == 404
    assert info.value.message.lower() == "the server answered 404 not found"
    assert len(httpserver.log) == 1


def test_credentials_are_redacted_in_errors(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("nope", status=404)
    url = f"http://alice:s3cret@127.0.0.1:{httpserver.port}/"
    with pytest.raises(HTTPStatusError) as info:
        fetch(url)
    assert "s3cret" not in str(info.value)
    assert "***@127.0.0.1" in str(info.value)


# -- charset ---------------------------------------------------------------------------------------


def test_charset_from_the_header(httpserver: HTTPServer) -> None:
    body = '<html><head><meta charset="utf-8"></head><p>Привет</p></html>'.encode("cp1251")
    httpserver.expect_request("/").respond_with_data(
        body, content_type="text/html; charset=windows-1251"
    )
    page = fetch(httpserver.url_for("/"))
    assert "Привет" in page.html
    assert page.encoding == "windows-1251"


def test_charset_from_meta_when_the_header_has_none(httpserver: HTTPServer) -> None:
    body = '<html><head><meta charset="koi8-r"></head><p>Привет</p></html>'.encode("koi8-r")
    httpserver.expect_request("/").respond_with_data(body, content_type="text/html")
    page = fetch(httpserver.url_for("/"))
    assert "Привет" in page.html
    assert page.encoding == "koi8-r"


# -- HTTPS: only socket creation is ours, certificate checks are unchanged ----------------------


def self_signed(directory: Path, san: str) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for `san`, and a server context using it (needs openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=newsvault test"),
            *("-addext", f"subjectAltName={san}"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


HTTPS_OK = send_all(
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<p>secure</p>"
)


def test_https_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    _, context = self_signed(tmp_path, "IP:127.0.0.1")
    with raw_server(HTTPS_OK, tls=context) as server, pytest.raises(NetworkError) as info:
        fetch(server.url(), max_retries=0)
    assert info.value.message == "the server's TLS certificate could not be verified"


def test_https_works_through_the_guarded_socket_when_trusted(tmp_path: Path) -> None:
    cert, context = self_signed(tmp_path, "IP:127.0.0.1")
    with raw_server(HTTPS_OK, tls=context) as server, Fetcher(fast()) as fetcher:
        fetcher._session.verify = str(cert)  # trust our test CA; nothing else changes
        assert fetcher.get(server.url()).html == "<p>secure</p>"


def test_https_checks_the_host_name(tmp_path: Path) -> None:
    cert, context = self_signed(tmp_path, "DNS:other.example")
    with raw_server(HTTPS_OK, tls=context) as server, Fetcher(fast(max_retries=0)) as fetcher:
        fetcher._session.verify = str(cert)
        with pytest.raises(NetworkError) as info:
            fetcher.get(server.url())
    assert "certificate" in info.value.message


# -- feeds: conditional GET, redirects, content types ---------------------------------------------

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><link>https://news.example/1</link></item></channel></rss>"
)


def get_feed(url: str, **kwargs: Any) -> FeedResponse:
    with Fetcher(fast()) as fetcher:
        return fetcher.get_feed(url, **kwargs)


def test_get_feed_returns_the_body_and_its_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        RSS,
        content_type="application/rss+xml; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 02 Jan 2024 10:00:00 GMT"},
    )
    url = httpserver.url_for("/feed")
    response = get_feed(url)
    assert (response.url, response.final_url, response.status) == (url, url, 200)
    assert response.content == RSS.encode()
    assert response.content_type == "application/rss+xml; charset=utf-8"
    assert (response.etag, response.last_modified) == ('"v1"', "Tue, 02 Jan 2024 10:00:00 GMT")
    assert response.permanent_url is None
    assert response.fetched_at.tzinfo is UTC
    assert 0 <= response.elapsed < 2
    request, _ = httpserver.log[0]
    assert request.headers["Accept"].startswith("application/rss+xml")
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


def not_modified_unless_changed(request: Request) -> Response:
    if request.headers.get("If-None-Match") == '"v1"':
        return Response(b"", 304, headers={"ETag": '"v1"'})
    return Response(RSS, 200, mimetype="application/rss+xml", headers={"ETag": '"v1"'})


def test_conditional_get_returns_304_with_no_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_handler(not_modified_unless_changed)
    modified = "Tue, 02 Jan 2024 10:00:00 GMT"
    response = get_feed(httpserver.url_for("/feed"), etag='"v1"', last_modified=modified)
    assert (response.status, response.content) == (304, b"")
    assert response.etag == '"v1"'
    assert response.last_modified == modified  # the 304 repeated none: the one sent comes back
    request, _ = httpserver.log[0]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == modified


def test_conditional_get_with_a_stale_etag_gets_the_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_handler(not_modified_unless_changed)
    response = get_feed(httpserver.url_for("/feed"), etag='"v0"')
    assert (response.status, response.content, response.etag) == (200, RSS.encode(), '"v1"')


@pytest.mark.parametrize(
    ("statuses", "permanent"),
    [((301,), True), ((301, 308), True), ((301, 302), False), ((307,), False), ((308, 303), False)],
)
def test_permanent_url_only_when_every_hop_is_permanent(
    httpserver: HTTPServer, statuses: tuple[int, ...], permanent: bool
) -> None:
    for n, status in enumerate(statuses):
        redirect(httpserver, f"/{n}", f"/{n + 1}", status)
    final = f"/{len(statuses)}"
    httpserver.expect_request(final).respond_with_data(RSS, content_type="application/xml")
    response = get_feed(httpserver.url_for("/0"))
    assert response.final_url == httpserver.url_for(final)
    assert response.permanent_url == (httpserver.url_for(final) if permanent else None)
    assert response.content == RSS.encode()


def test_conditional_headers_follow_the_redirects(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/old", "/feed", 301)
    httpserver.expect_request("/feed").respond_with_handler(not_modified_unless_changed)
    response = get_feed(httpserver.url_for("/old"), etag='"v1"')
    assert response.status == 304
    assert response.permanent_url == httpserver.url_for("/feed")


def test_410_gone_is_an_http_status_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=410)
    with pytest.raises(HTTPStatusError) as info:
        get_feed(httpserver.url_for("/feed"))
    assert info.value.status == 410
    assert "410 gone" in info.value.message.lower()
    assert len(httpserver.log) == 1  # not retried


@pytest.mark.parametrize(
    "content_type",
    [
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml; charset=iso-8859-1",
        "application/feed+json",
        "application/json",
        "text/plain",
        "text/html; charset=utf-8",
        "application/octet-stream",
        None,
    ],
)
def test_feed_content_types_accepted(httpserver: HTTPServer, content_type: str | None) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS, content_type=content_type)
    assert get_feed(httpserver.url_for("/feed")).content == RSS.encode()


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "video/mp4"])
def test_feed_content_types_refused(httpserver: HTTPServer, content_type: str) -> None:
    httpserver.expect_request("/feed").respond_with_data(b"x", content_type=content_type)
    with pytest.raises(BadContent) as info:
        get_feed(httpserver.url_for("/feed"))
    assert info.value.message == f"the server sent {content_type}, not a feed"


def test_binary_body_under_a_feed_type_is_refused(httpserver: HTTPServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    httpserver.expect_request("/feed").respond_with_data(png, content_type="application/xml")
    with pytest.raises(BadContent, match="PNG"):
        get_feed(httpserver.url_for("/feed"))


def test_feed_body_has_the_size_cap(httpserver: HTTPServer) -> None:
    body = gzip.compress(b"<rss>" + b" " * 5_000_000)
    httpserver.expect_request("/feed").respond_with_data(
        body, content_type="application/xml", headers={"Content-Encoding": "gzip"}
    )
    with Fetcher(fast(max_bytes=100_000)) as fetcher, pytest.raises(TooLarge):
        fetcher.get_feed(httpserver.url_for("/feed"))


def test_get_feed_keeps_the_private_address_guard() -> None:
    started = time.monotonic()
    with Fetcher(fast(allow_private=())) as fetcher, pytest.raises(BlockedAddress):
        fetcher.get_feed("http://127.0.0.1:9/feed")
    assert time.monotonic() - started < INSTANT


def test_get_feed_keeps_the_total_deadline() -> None:
    with raw_server(dripping_body) as server:
        started = time.monotonic()
        with (
            Fetcher(fast(read_timeout=5, total_timeout=1.0)) as fetcher,
            pytest.raises(FetchTimeout),
        ):
            fetcher.get_feed(server.url())
        assert time.monotonic() - started < 1.6


# -- robots.txt ----------------------------------------------------------------------------------


def get_robots(url: str, **changes: Any) -> str:
    with Fetcher(fast(**changes)) as fetcher:
        return fetcher.get_robots(url)


def test_robots_200_returns_the_text_of_the_hosts_robots_txt(httpserver: HTTPServer) -> None:
    rules = "User-agent: *\nDisallow: /private/\n"
    httpserver.expect_request("/robots.txt").respond_with_data(rules, content_type="text/plain")
    page = httpserver.url_for("/news/2024/story.html?x=1").replace("://", "://user:pw@")
    assert get_robots(page) == rules
    request, _ = httpserver.log[0]
    assert request.path == "/robots.txt"
    assert "Authorization" not in request.headers


@pytest.mark.parametrize("status", [404, 403, 401, 410])
def test_robots_4xx_allows_everything(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("nope", status=status)
    assert get_robots(httpserver.url_for("/")) == ""


def test_robots_5xx_raises(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=500)
    with pytest.raises(HTTPStatusError) as info:
        get_robots(httpserver.url_for("/"))
    assert info.value.status == 500


def test_robots_unreachable_raises() -> None:
    with pytest.raises(NetworkError):
        get_robots(f"http://127.0.0.1:{closed_port()}/", max_retries=0)


def test_robots_follows_redirects(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/robots.txt", "/static/robots.txt", 301)
    httpserver.expect_request("/static/robots.txt").respond_with_data("Disallow: /x\n")
    assert get_robots(httpserver.url_for("/")) == "Disallow: /x\n"


def test_robots_is_cut_at_500_kib_on_a_line_break(httpserver: HTTPServer) -> None:
    line = "Disallow: /" + "a" * 88 + "\n"  # 100 bytes
    httpserver.expect_request("/robots.txt").respond_with_data(line * 20_000)  # 2 MB
    text = get_robots(httpserver.url_for("/"))
    assert len(text) <= ROBOTS_MAX_BYTES
    assert len(text) > ROBOTS_MAX_BYTES - len(line)
    assert text.endswith("\n")
    assert set(text.splitlines()) == {line.strip()}


# -- one Fetcher, several threads ----------------------------------------------------------------


def slow_page(conn: socket.socket) -> None:
    time.sleep(0.3)
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(HTML)}\r\n"
    conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + HTML.encode())


def test_concurrent_gets_on_one_fetcher_keep_their_own_deadlines() -> None:
    """One thread's deadline firing must not cut the sockets of the others."""
    results: dict[str, Any] = {}
    with (
        raw_server(dripping_body) as drip,
        raw_server(slow_page) as slow,
        Fetcher(fast(read_timeout=5, total_timeout=1.0)) as fetcher,
    ):

        def run(name: str, url: str, times: int) -> None:
            try:
                results[name] = [fetcher.get(url).status for _ in range(times)]
            except Exception as exc:
                results[name] = exc

        threads = [threading.Thread(target=run, args=("drip", drip.url(), 1))]
        threads += [
            threading.Thread(target=run, args=(f"slow{n}", slow.url(f"/{n}"), 5)) for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert isinstance(results.pop("drip"), FetchTimeout)
    assert results == {f"slow{n}": [200] * 5 for n in range(6)}
