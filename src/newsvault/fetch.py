"""Fetch stage: one URL to one HTML Page over a guarded requests.Session (does network I/O).

The only module in newsvault that imports requests or urllib3. Policy in one place:
our User-Agent, timeouts plus a total per-URL deadline, retries with backoff, redirects
followed by hand and re-checked, private addresses refused at the socket (so DNS rebinding
cannot slip past), bodies streamed under a size cap, HTML only.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import http.client
import ipaddress
import itertools
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import requests.adapters
import urllib3.exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from newsvault.config import AllowEntry, FetchSettings
from newsvault.encoding import SNIFF_BYTES, binary_kind, decode_html
from newsvault.errors import (
    BadContent,
    BlockedAddress,
    EmptyBody,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    NotHTML,
    TooLarge,
    TooManyRedirects,
)
from newsvault.records import Page
from newsvault.urls import check_url, redact

#: Browsers' order of preference: we can only use HTML, but a server may still answer
#: something else, which we then refuse by its Content-Type.
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"

#: Content types we read; everything else is NotHTML (decided before the body is read).
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: What a feed reader asks for: feed types first, then any XML or JSON, then anything
#: (servers often label feeds text/xml, text/plain or even text/html; feeds.parse decides).
FEED_ACCEPT = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.9,text/xml;q=0.9,application/feed+json;q=0.8,"
    "application/json;q=0.7,*/*;q=0.1"
)

#: Content types a feed may come with besides text/*, */*+xml, */xml, */*+json, */json:
#: generic binary labels that misconfigured servers put on static .xml files (the body is
#: then sniffed, so an image or PDF under these labels is still refused).
FEED_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})

#: robots.txt is plain text.
ROBOTS_ACCEPT = "text/plain,*/*;q=0.1"

#: robots.txt bytes read: RFC 9309 asks crawlers to parse at least 500 KiB, and Google
#: ignores what follows; the rest is dropped (at a line break), not an error.
ROBOTS_MAX_BYTES = 500 * 1024

#: Redirects that move a resource for good: the stored feed URL follows them (RFC 9110).
PERMANENT_REDIRECTS = frozenset({301, 308})

#: Stopped deadlines kept in the watchdog's heap before a sweep, beyond twice the live ones.
WATCHDOG_SWEEP_MIN = 256

#: Bytes read per step while streaming: small enough that the size cap and the deadline are
#: checked often, large enough that a 2 MB page takes only ~30 steps.
CHUNK_BYTES = 64 * 1024

#: Statuses worth retrying: the server is overloaded or failed transiently (429, 5xx).
#: 501 Not Implemented and 505 HTTP Version Not Supported will not change on a retry.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 508, 520, 521, 522, 523, 524})

#: Statuses that redirect when they carry a Location header.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: What a body must start with (after whitespace) to count as HTML when no type is given.
_HTML_START = re.compile(
    rb"\s*(<!--|<!doctype\s+html|<(html|head|body|title|meta|link|script|style|p|div|h[1-6]"
    rb"|table|a|b|br|font|iframe)[\s/>])",
    re.IGNORECASE,
)

#: Reason phrases for servers that send a status line without one (HTTP/2-style).
_REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """A feed fetched with a conditional GET: its bytes and what to send next time.

    status is 200 (or another 2xx) with the body, or 304 Not Modified with content b"".
    etag / last_modified are the validators to store: the response's, or on a 304 that
    repeats none, the ones that were sent. permanent_url is the final URL when every
    redirect hop was permanent (301/308), else None: the stored feed URL should become it.
    """

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    permanent_url: str | None
    fetched_at: datetime
    elapsed: float


class _Blocked(Exception):
    """Raised inside urllib3 when a resolved address is not allowed; carried out unwrapped.

    It is deliberately not an OSError or urllib3 error, so neither urllib3's pool nor
    requests' adapter catches and wraps it.
    """

    def __init__(self, host: str, address: str, kind: str) -> None:
        super().__init__(f"{host} -> {address} ({kind})")
        self.host = host
        self.address = address
        self.kind = kind


@dataclass(frozen=True, slots=True)
class _Target:
    """The URL asked for and the hop being fetched, for error messages."""

    requested: str
    hop: str

    @property
    def url(self) -> str:
        return redact(self.requested)

    def say(self, message: str) -> str:
        if self.hop == self.requested:
            return message
        return f"{message} (after a redirect to {redact(self.hop)})"


class _Deadline:
    """The total time allowed for one URL, enforced by a watchdog that closes its sockets.

    Socket timeouts bound each read, but a server dripping a byte a second never trips them;
    so when the deadline passes, every socket used for this URL is shut down, which makes the
    blocked read return at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self.stopped = False

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def expired(self) -> bool:
        return self._fired or self.remaining() <= 0

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self._fired
        if fired:
            _shutdown(sock)

    def start(self) -> None:
        _WATCHDOG.add(self)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            self._sockets.clear()
        _WATCHDOG.forget()

    def fire(self) -> None:
        with self._lock:
            if self.stopped:
                return
            self._fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


class _Watchdog:
    """One thread that fires every deadline of the process when it passes.

    A timer thread per URL would cost a thread start (~0.2 ms of CPU) per request; stopped
    deadlines are left in the heap and dropped when they come up (or in a sweep, when they
    outnumber the live ones, so the heap stays small on a long run).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._count = itertools.count()
        self._live = 0
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.ends, next(self._count), deadline))
            self._live += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is deadline:
                self._cond.notify()

    def forget(self) -> None:
        """A deadline was stopped: sweep the heap when stopped ones are most of it."""
        with self._cond:
            self._live -= 1
            if len(self._heap) > 2 * self._live + WATCHDOG_SWEEP_MIN:
                self._heap = [entry for entry in self._heap if not entry[2].stopped]
                heapq.heapify(self._heap)

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
            if due is not None:
                due.fire()

    def _next_due(self) -> _Deadline | None:
        """Wait for the earliest deadline; it once passed (None after a wake-up or a drop)."""
        while self._heap and self._heap[0][2].stopped:
            heapq.heappop(self._heap)
        if not self._heap:
            self._cond.wait()
            return None
        wait = self._heap[0][0] - time.monotonic()
        if wait > 0:
            self._cond.wait(timeout=wait)
            return None
        return heapq.heappop(self._heap)[2]

    def reset(self) -> None:
        """In a forked child: the thread did not come along; start afresh when needed."""
        self._cond = threading.Condition()
        self._heap = []
        self._live = 0
        self._thread = None


_WATCHDOG = _Watchdog()
os.register_at_fork(after_in_child=_WATCHDOG.reset)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
        sock.shutdown(socket.SHUT_RDWR)


class _Guard:
    """The private-address policy and the current URL's deadline, shared with the sockets."""

    def __init__(self, allow: tuple[AllowEntry, ...]) -> None:
        self.hosts = frozenset(entry for entry in allow if isinstance(entry, str))
        self.networks = tuple(entry for entry in allow if not isinstance(entry, str))
        self._local = threading.local()

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[_Deadline]:
        deadline = _Deadline(seconds)
        self._local.deadline = deadline
        deadline.start()
        try:
            yield deadline
        finally:
            deadline.stop()
            self._local.deadline = None

    def watch(self, sock: socket.socket | None) -> None:
        deadline: _Deadline | None = getattr(self._local, "deadline", None)
        if deadline is not None:
            deadline.watch(sock)

    def check(self, host: str, address: str) -> None:
        """Raise _Blocked unless `address` (resolved from `host`) may be connected to."""
        ip = ipaddress.ip_address(address.partition("%")[0])
        kind = _non_public_kind(ip)
        if kind is None or host.strip("[]").rstrip(".").lower() in self.hosts:
            return
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        if any(addr in net for addr in candidates for net in self.networks):
            return
        raise _Blocked(host, str(ip), kind)


def _non_public_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Say what kind of non-public address `ip` is, or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _non_public_kind(ip.ipv4_mapped)
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-public"),
    )
    return next((kind for flag, kind in checks if flag), None)


def _open_socket(conn: HTTPConnection, guard: _Guard) -> socket.socket:
    """Resolve, check every address, then connect to an allowed one (urllib3's _new_conn).

    If any address the name resolves to is not allowed, the host is refused before any
    connection is made: a name mixing public and private answers is a rebinding attempt.
    """
    try:
        infos = socket.getaddrinfo(conn._dns_host, conn.port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise urllib3.exceptions.NameResolutionError(conn.host, conn, exc) from exc
    for info in infos:
        guard.check(conn.host, str(info[4][0]))
    error: OSError = OSError("no address to connect to")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            _connect(sock, conn, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        guard.watch(sock)
        return sock
    raise _connect_error(conn, error) from error


def _connect(sock: socket.socket, conn: HTTPConnection, address: Any) -> None:
    for option in conn.socket_options or ():
        sock.setsockopt(*option)
    if isinstance(conn.timeout, int | float):
        sock.settimeout(conn.timeout)
    sock.connect(address)


def _connect_error(conn: HTTPConnection, error: OSError) -> urllib3.exceptions.HTTPError:
    if isinstance(error, TimeoutError):
        message = f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        return urllib3.exceptions.ConnectTimeoutError(conn, message)
    return urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a connection: {error}")


def _pool_classes(guard: _Guard) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes whose connections open their sockets through `guard` (TLS is unchanged)."""

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _open_socket(self, guard)

        def getresponse(self) -> Any:  # a reused keep-alive socket joins the deadline too
            guard.watch(self.sock)
            return super().getresponse()

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _open_socket(self, guard)

        def getresponse(self) -> Any:
            guard.watch(self.sock)
            return super().getresponse()

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose connections refuse disallowed addresses at the socket."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard  # set first: HTTPAdapter.__init__ calls init_poolmanager
        super().__init__(max_retries=0)  # retries are Fetcher's own (see Fetcher._send)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._guard)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        raise requests.exceptions.InvalidProxyURL("newsvault does not use proxies")


class Fetcher:
    """Fetch HTML pages over one configured requests.Session; use it as a context manager.

    >>> with Fetcher(FetchSettings()) as fetcher:  # doctest: +SKIP
    ...     page = fetcher.get("https://example.com/news/1")
    """

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._guard = _Guard(settings.allow_private)
        self._session = _new_session(settings, self._guard)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session and its pooled connections."""
        self._session.close()

    def get(self, url: str) -> Page:
        """Fetch `url` and return its Page, or raise a FetchError subclass saying why not."""
        checked = check_url(url)
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        with self._guard.deadline(self.settings.total_timeout) as deadline:
            response, hops = self._follow(checked, deadline)
            with response:
                target = _Target(checked, hops[-1] if hops else checked)
                content = self._read_body(response, target, deadline)
        return _page(checked, response, content, hops, fetched_at, time.monotonic() - started)

    def get_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        """Fetch a feed or sitemap, conditionally when validators are given.

        Sends If-None-Match / If-Modified-Since; accepts XML, JSON and text bodies (text/html
        too: feeds.parse then says it is a page, not a feed) and refuses images, PDFs and other
        binaries. An empty 200 body is returned as b"" for feeds.parse to judge. A 4xx/5xx
        raises HTTPStatusError (410 Gone included, with status 410).
        """
        checked = check_url(url)
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        statuses: list[int] = []
        with self._guard.deadline(self.settings.total_timeout) as deadline:
            response, hops = self._follow(checked, deadline, headers, statuses)
            with response:
                target = _Target(checked, hops[-1] if hops else checked)
                content = self._read_feed_body(response, target, deadline)
        final_url = hops[-1] if hops else checked
        not_modified = response.status_code == HTTPStatus.NOT_MODIFIED
        return FeedResponse(
            url=checked,
            final_url=final_url,
            status=response.status_code,
            content=content,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag") or (etag if not_modified else None),
            last_modified=response.headers.get("last-modified")
            or (last_modified if not_modified else None),
            permanent_url=final_url if statuses and set(statuses) <= PERMANENT_REDIRECTS else None,
            fetched_at=fetched_at,
            elapsed=time.monotonic() - started,
        )

    def get_robots(self, url: str) -> str:
        """The robots.txt text of `url`'s host: "" (allow all) when it answers 4xx.

        Raises FetchError when it answers 5xx (or 429 after the retries) or cannot be
        reached, which RFC 9309 says to treat as "disallow everything" for now. Only the
        first ROBOTS_MAX_BYTES are read.
        """
        parts = urlsplit(check_url(url))
        host = parts.netloc.rpartition("@")[2]  # never send the page's credentials
        robots = urlunsplit((parts.scheme, host, "/robots.txt", "", ""))
        with self._guard.deadline(self.settings.total_timeout) as deadline:
            response, hops = self._follow(robots, deadline, {"Accept": ROBOTS_ACCEPT})
            with response:
                target = _Target(robots, hops[-1] if hops else robots)
                if response.status_code >= 500:
                    raise _status_error(response, target)
                if not 200 <= response.status_code < 300:
                    return ""  # 4xx (and a 3xx with nowhere to go): robots.txt is unavailable
                content = self._read_capped(response, target, deadline, ROBOTS_MAX_BYTES)
        return content.decode("utf-8", errors="replace").removeprefix("\ufeff")

    # -- redirects ---------------------------------------------------------------------------

    def _follow(
        self,
        url: str,
        deadline: _Deadline,
        headers: dict[str, str] | None = None,
        statuses: list[int] | None = None,
    ) -> tuple[requests.Response, tuple[str, ...]]:
        """Send requests hop by hop until a non-redirect answer; return it and the hops.

        `headers` are sent on every hop; each redirect's status is appended to `statuses`.
        """
        hops: list[str] = []
        hop = url
        while True:
            target = _Target(url, hop)
            response = self._send_with_retries(target, deadline, headers)
            following = _redirect_location(response)
            if following is None:
                return response, tuple(hops)
            if statuses is not None:
                statuses.append(response.status_code)
            response.close()
            hop = self._next_hop(target, following, hops)
            hops.append(hop)

    def _next_hop(self, target: _Target, location: str, hops: list[str]) -> str:
        raw = urljoin(target.hop, location)
        try:
            hop = check_url(raw)
        except InvalidURL as exc:
            message = f"it redirected to {redact(raw)}, but {exc.message}"
            raise InvalidURL(target.url, message) from exc
        if hop in hops or hop == target.requested:
            raise TooManyRedirects(target.url, f"the redirects loop back to {redact(hop)}")
        if len(hops) >= self.settings.max_redirects:
            limit = self.settings.max_redirects
            raise TooManyRedirects(target.url, f"it redirected more than {limit} times")
        return hop

    # -- retries -----------------------------------------------------------------------------
    # Our own loop rather than urllib3's Retry: every wait must fit in the per-URL deadline,
    # a long Retry-After must fail at once instead of sleeping, and errors must come out as
    # ours. With urllib3.Retry each of those needs a subclass; here each is a line.

    def _send_with_retries(
        self, target: _Target, deadline: _Deadline, headers: dict[str, str] | None = None
    ) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = self._send(target, deadline, headers)
            except NetworkError as exc:
                if not _retryable(exc) or attempt >= self.settings.max_retries:
                    raise
                self._pause(self._backoff(attempt), deadline, exc)
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                response.close()  # headers are all we need from a response we retry
                error = _status_error(response, target)
                wait = self._retry_wait(response, attempt, target)
                if attempt >= self.settings.max_retries:
                    raise error
                self._pause(wait, deadline, error)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return float(self.settings.backoff_factor * 2**attempt)

    def _retry_wait(self, response: requests.Response, attempt: int, target: _Target) -> float:
        asked = _retry_after(response.headers.get("retry-after"))
        if asked is None:
            return self._backoff(attempt)
        if asked > self.settings.retry_after_max:
            status = _status_text(response)
            message = f"the server answered {status} and asked to retry after {asked:.0f} seconds"
            raise HTTPStatusError(target.url, target.say(message), status=response.status_code)
        return asked

    @staticmethod
    def _pause(seconds: float, deadline: _Deadline, error: FetchError) -> None:
        """Sleep before a retry, or raise the last error when the wait would pass the deadline."""
        if seconds >= deadline.remaining():
            raise error
        time.sleep(seconds)

    def _send(
        self, target: _Target, deadline: _Deadline, headers: dict[str, str] | None = None
    ) -> requests.Response:
        """One request, no redirects, headers read, body not yet read."""
        remaining = deadline.remaining()
        if remaining <= 0:
            raise _deadline_error(target, deadline)
        timeout = (
            min(self.settings.connect_timeout, remaining),
            min(self.settings.read_timeout, remaining),
        )
        try:
            return self._session.get(
                target.hop, headers=headers, timeout=timeout, allow_redirects=False, stream=True
            )
        except _FOREIGN_ERRORS as exc:
            raise _translate(exc, target, deadline, self.settings) from exc

    # -- body --------------------------------------------------------------------------------

    def _read_body(
        self, response: requests.Response, target: _Target, deadline: _Deadline
    ) -> bytes:
        if response.status_code >= 400:
            raise _status_error(response, target)
        _check_declared(response, target, self.settings.max_bytes)
        try:
            content = self._stream(response, target, deadline)
        except _FOREIGN_ERRORS as exc:
            raise _translate(exc, target, deadline, self.settings, in_body=True) from exc
        _check_content(content, response.headers.get("content-type"), target)
        return content

    def _read_feed_body(
        self, response: requests.Response, target: _Target, deadline: _Deadline
    ) -> bytes:
        status = response.status_code
        if status == HTTPStatus.NOT_MODIFIED:
            return b""
        if not 200 <= status < 300:
            raise _status_error(response, target)
        _check_feed_declared(response, target, self.settings.max_bytes)
        try:
            content = self._stream(response, target, deadline)
        except _FOREIGN_ERRORS as exc:
            raise _translate(exc, target, deadline, self.settings, in_body=True) from exc
        what = binary_kind(content)
        if what is not None:
            called = _mime(response.headers.get("content-type")) or "nothing"
            message = f"the body is {what}, not a feed, although the server called it {called}"
            raise BadContent(target.url, target.say(message))
        return content

    def _read_capped(
        self, response: requests.Response, target: _Target, deadline: _Deadline, limit: int
    ) -> bytes:
        """Read at most `limit` bytes of the body, ending at a line break; the rest is dropped."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(CHUNK_BYTES, decode_content=True):
                if deadline.expired():
                    raise _deadline_error(target, deadline)
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    head = b"".join(chunks)[:limit]
                    return head[: head.rfind(b"\n") + 1] if b"\n" in head else head
        except _FOREIGN_ERRORS as exc:
            raise _translate(exc, target, deadline, self.settings, in_body=True) from exc
        if deadline.expired():
            raise _deadline_error(target, deadline)
        return b"".join(chunks)

    def _stream(self, response: requests.Response, target: _Target, deadline: _Deadline) -> bytes:
        """Read the decompressed body, counting as it comes, so a gzip bomb stops at the cap."""
        limit = self.settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.raw.stream(CHUNK_BYTES, decode_content=True):
            if deadline.expired():
                raise _deadline_error(target, deadline)
            size += len(chunk)
            if size > limit:
                raise TooLarge(target.url, target.say(f"the page is larger than {limit} bytes"))
            chunks.append(chunk)
        if deadline.expired():  # the watchdog cut the connection: that is a timeout
            raise _deadline_error(target, deadline)
        return b"".join(chunks)


def _new_session(settings: FetchSettings, guard: _Guard) -> requests.Session:
    session = requests.Session()
    # No proxies or .netrc from the environment: the address we connect to must be the
    # one we checked, and runs must not depend on the machine's variables.
    session.trust_env = False
    session.headers["User-Agent"] = settings.user_agent
    session.headers["Accept"] = ACCEPT
    adapter = _GuardedAdapter(guard)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _page(
    url: str,
    response: requests.Response,
    content: bytes,
    hops: tuple[str, ...],
    fetched_at: datetime,
    elapsed: float,
) -> Page:
    html, encoding = decode_html(content, response.headers.get("content-type"))
    return Page(
        url=url,
        final_url=response.url,
        status=response.status_code,
        headers={name.lower(): value for name, value in response.headers.items()},
        content=content,
        html=html,
        encoding=encoding,
        fetched_at=fetched_at,
        elapsed=elapsed,
        redirects=hops,
    )


def _redirect_location(response: requests.Response) -> str | None:
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location", "").strip()
    return location or None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _status_text(response: requests.Response) -> str:
    reason = response.reason or _REASONS.get(response.status_code, "")
    return f"{response.status_code} {reason}".strip()


def _status_error(response: requests.Response, target: _Target) -> HTTPStatusError:
    message = f"the server answered {_status_text(response)}"
    return HTTPStatusError(target.url, target.say(message), status=response.status_code)


def _check_declared(response: requests.Response, target: _Target, limit: int) -> None:
    """Refuse a non-HTML Content-Type or a too-large Content-Length before reading the body."""
    content_type = response.headers.get("content-type")
    mime = _mime(content_type)
    if mime and mime not in HTML_TYPES:
        message = f"the server sent {mime}, not an HTML page"
        raise NotHTML(target.url, target.say(message), content_type=content_type)
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > limit:
        message = f"the page is {int(length)} bytes, more than the limit of {limit}"
        raise TooLarge(target.url, target.say(message))


def _check_feed_declared(response: requests.Response, target: _Target, limit: int) -> None:
    """Refuse a content type no feed comes as, or a too-large Content-Length, before reading."""
    content_type = response.headers.get("content-type")
    mime = _mime(content_type)
    textual = mime.startswith("text/") or mime.endswith(("+xml", "/xml", "+json", "/json"))
    if mime and not textual and mime not in FEED_GENERIC_TYPES:
        message = f"the server sent {mime}, not a feed"
        raise BadContent(target.url, target.say(message))
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > limit:
        message = f"the feed is {int(length)} bytes, more than the limit of {limit}"
        raise TooLarge(target.url, target.say(message))


def _check_content(content: bytes, content_type: str | None, target: _Target) -> None:
    """Refuse an empty body, binary data served as HTML, and untyped bodies that are not HTML."""
    if not content.strip():
        raise EmptyBody(target.url, target.say("the server sent an empty page"))
    head = content[:SNIFF_BYTES]
    what = binary_kind(head)
    if what is not None:
        called = _mime(content_type) or "nothing"
        message = f"the body is {what}, although the server called it {called}"
        raise NotHTML(target.url, target.say(message), content_type=content_type)
    if not _mime(content_type) and not _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")):
        message = "the server sent no content type and the body does not look like HTML"
        raise NotHTML(target.url, target.say(message), content_type=content_type)


def _mime(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


# -- translating foreign exceptions ---------------------------------------------------------

#: Everything requests, urllib3, http.client and the socket layer raise, plus our _Blocked.
_FOREIGN_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    _Blocked,
)


BODY_CUT_SHORT = "the connection closed before the whole body arrived"

#: What urllib3 raises when a body stops early: a short Content-Length body, a chunked body
#: without its last chunk, or a reset while reading.
_BODY_CUT_SHORT = (
    urllib3.exceptions.ProtocolError,
    http.client.IncompleteRead,
    http.client.HTTPException,
    ConnectionResetError,
)


def _translate(
    exc: BaseException,
    target: _Target,
    deadline: _Deadline,
    settings: FetchSettings,
    *,
    in_body: bool = False,
) -> FetchError:
    """Turn any exception from requests/urllib3/sockets into the most specific FetchError.

    The one place foreign exceptions become ours (pip's raise_connection_error); the causes
    are searched through urllib3's and requests' wrapping.
    """
    causes = list(_causes(exc))
    blocked = _first(causes, _Blocked)
    if isinstance(blocked, _Blocked):
        return _blocked_error(blocked, target)
    if deadline.expired():
        return _deadline_error(target, deadline)
    if _first(causes, requests.exceptions.InvalidURL, urllib3.exceptions.LocationParseError):
        return InvalidURL(target.url, target.say("the URL is malformed"))
    if in_body and _first(causes, *_BODY_CUT_SHORT):
        return NetworkError(target.url, target.say(BODY_CUT_SHORT))
    error_type, message = _network_message(causes, target, settings)
    return error_type(target.url, target.say(message))


def _network_message(
    causes: list[BaseException], target: _Target, settings: FetchSettings
) -> tuple[type[NetworkError], str]:
    if _first(causes, socket.gaierror, urllib3.exceptions.NameResolutionError):
        host = redact(target.hop).split("//", 1)[-1].split("/", 1)[0].rpartition("@")[2]
        return NetworkError, f"the host name {host} could not be resolved"
    if _first(causes, ConnectionRefusedError):
        return NetworkError, "the connection was refused"
    if _is_connect_timeout(causes):
        seconds = settings.connect_timeout
        return FetchTimeout, f"the server did not accept a connection within {seconds:g} seconds"
    if _first(causes, ssl.SSLCertVerificationError):
        return NetworkError, "the server's TLS certificate could not be verified"
    if _first(causes, ssl.SSLError, urllib3.exceptions.SSLError, requests.exceptions.SSLError):
        return NetworkError, "the secure (TLS) connection could not be set up"
    if _first(causes, TimeoutError, urllib3.exceptions.ReadTimeoutError):
        seconds = settings.read_timeout
        return FetchTimeout, f"the server sent nothing for {seconds:g} seconds"
    if _first(causes, http.client.IncompleteRead, urllib3.exceptions.IncompleteRead):
        return NetworkError, BODY_CUT_SHORT
    if _first(causes, urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
        return NetworkError, "the compressed body could not be decoded"
    if _first(causes, ConnectionResetError, http.client.RemoteDisconnected):
        return NetworkError, "the server closed the connection without answering"
    return NetworkError, "the connection failed"


def _is_connect_timeout(causes: list[BaseException]) -> bool:
    # urllib3's NewConnectionError subclasses ConnectTimeoutError, though it is no timeout.
    return any(
        isinstance(cause, urllib3.exceptions.ConnectTimeoutError)
        and not isinstance(cause, urllib3.exceptions.NewConnectionError)
        for cause in causes
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps: __cause__, __context__, urllib3 .reason, requests args."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args)
        pending.extend(item for item in linked if isinstance(item, BaseException))


def _first(causes: list[BaseException], *types: type[BaseException]) -> BaseException | None:
    return next((cause for cause in causes if isinstance(cause, types)), None)


def _retryable(error: NetworkError) -> bool:
    """Connection errors are retried, except a name that does not resolve (it will not)."""
    causes = list(_causes(error))
    return not _first(causes, socket.gaierror, urllib3.exceptions.NameResolutionError)


def _blocked_error(blocked: _Blocked, target: _Target) -> BlockedAddress:
    if blocked.host.strip("[]") == blocked.address:
        where = f"{blocked.address} is a {blocked.kind} address"
    else:
        where = f"{blocked.host} resolves to {blocked.address}, a {blocked.kind} address"
    message = f"{where}, which is not fetched unless allowed (see --allow-private)"
    return BlockedAddress(target.url, target.say(message))


def _deadline_error(target: _Target, deadline: _Deadline) -> FetchTimeout:
    message = f"the page took longer than the total limit of {deadline.seconds:g} seconds"
    return FetchTimeout(target.url, target.say(message))
