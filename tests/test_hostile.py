"""The worst of the web, end to end: hostile servers against `newsvault fetch` and `run`.

Every case checks what the user sees (exit code, the one `Error:` line), what the archive
holds (`articles`, `fetches`), and that the URLs around the hostile one are still archived.
Fetch-level details (exceptions, timings of each refusal) are in test_fetch.py; these tests
go through the command line into a real archive.
"""

from __future__ import annotations

import gzip
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner, Result

from conftest import PAGES
from newsnet import Request, Response, Site, network, rss
from newsvault.article import extract_with_blocks
from newsvault.cli import cli

GOOD_PAGES = sorted(
    path
    for path in PAGES.glob("*.html")
    if not json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())["not_article"]
)

#: The ceiling the issue sets for the hostile-body cases, in bytes of resident memory.
MAX_RSS = 300 * 1024 * 1024

GIB = 1024**3

Reply = Callable[[socket.socket], None]


# --- a raw server whose replies misbehave on purpose -------------------------------------------


class Hostile:
    """A server on `host` (IPv4 or IPv6) that hands each request's socket to a reply by path,
    and counts every request that reaches it, per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host = host
        self.listener = socket.create_server((host, 0), family=family)
        self.port = self.listener.getsockname()[1]
        self.routes: dict[str, Reply] = {}
        self.hits: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, reply: Reply) -> str:
        self.routes[path] = reply
        return self.url(path)

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(10)
                head = b""
                while b"\r\n\r\n" not in head:
                    more = conn.recv(4096)
                    if not more:
                        return
                    head += more
                path = head.split(b" ", 2)[1].decode()
                self.hits[path] += 1
                self.routes.get(path, answer(b"<html>nothing here</html>", status="404 No"))(conn)
            except OSError:
                pass  # the client hung up: what newsvault does to hostile servers

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


@contextmanager
def hostile(host: str = "127.0.0.1") -> Iterator[Hostile]:
    server = Hostile(host)
    try:
        yield server
    finally:
        server.close()


def answer(
    body: bytes,
    content_type: str = "text/html",
    status: str = "200 OK",
    headers: Iterable[tuple[str, str]] = (),
) -> Reply:
    def reply(conn: socket.socket) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
        lines += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers)]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return reply


def streamed(
    chunks: Callable[[], Iterable[bytes]],
    headers: Iterable[tuple[str, str]] = (("Content-Type", "text/html"),),
) -> Reply:
    """Headers, then the body from a generator: never held in memory by the server either."""

    def reply(conn: socket.socket) -> None:
        lines = ["HTTP/1.1 200 OK", "Connection: close", *(f"{k}: {v}" for k, v in headers)]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in chunks():
            conn.sendall(chunk)

    return reply


def two_gib() -> Iterator[bytes]:
    """2 GiB of HTML-looking text, 64 KiB at a time."""
    chunk = b"<p>" + b"x" * (64 * 1024 - 3)
    for _ in range(2 * GIB // len(chunk)):
        yield chunk


def gzip_bomb() -> bytes:
    """About 2 MB that inflate to 2 GiB: one 16 MiB gzip member, repeated (multi-member gzip)."""
    member = gzip.compress(b"<p>" + b"a" * (16 * 1024 * 1024 - 3), compresslevel=9)
    return member * 128


# --- running newsvault -------------------------------------------------------------------------


def nv(runner: CliRunner, db: Path, *args: str, allow: str = "127.0.0.0/8") -> Result:
    return runner.invoke(cli, ["--db", str(db), "--allow-private", allow, *args])


def run_args(*feeds: str) -> list[str]:
    return ["run", "--host-delay", "0", "--processes", "0", *(f"--feed={f}" for f in feeds)]


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def failures(db: Path) -> dict[str, str]:
    """url -> error_kind of every failed fetch."""
    return dict(rows(db, "select url, error_kind from fetches where outcome = 'failed'"))


def archived(db: Path) -> list[str]:
    return sorted(row[0] for row in rows(db, "select url from articles"))


def serve_articles(site: Site, count: int, prefix: str = "/news", offset: int = 0) -> list[str]:
    return [
        site.page(f"{prefix}/{n}.html", GOOD_PAGES[(offset + n) % len(GOOD_PAGES)].read_bytes())
        for n in range(count)
    ]


def feed_of(site: Site, path: str, links: list[str]) -> str:
    return site.page(path, rss(site, [(u, "x") for u in links]), content_type="application/rss+xml")


@pytest.fixture
def good() -> Iterator[Site]:
    """A well-behaved news site on 127.0.0.2, for the URLs around each hostile one."""
    with network(1) as (site,):
        yield site


#: Runs a command and writes its peak RSS (KiB) to the file named first. Linux carries a
#: process's peak RSS across fork and exec, so a command started straight from this (large)
#: pytest process would report pytest's own size; started from this bare interpreter, it
#: reports its own.
LAUNCHER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.argv[2], sys.argv[2:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured(command: list[str], timeout: float = 120) -> tuple[int, int, str, float]:
    """Run a command; return (exit code, peak resident bytes, stderr, seconds)."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        launch = [sys.executable, "-I", "-S", "-c", LAUNCHER, report.name, *command]
        proc = subprocess.run(
            launch, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout
        )
        peak_kib = int(Path(report.name).read_text() or 0)
    return (proc.returncode, peak_kib * 1024, proc.stderr.decode(), time.monotonic() - started)


def newsvault_command(db: Path, *args: str) -> list[str]:
    base = [sys.executable, "-m", "newsvault", "--db", str(db), "--allow-private", "127.0.0.0/8"]
    return [*base, *args]


# --- huge bodies and bombs: refused at the cap, memory stays small ----------------------------

BOMB = gzip_bomb()

HUGE: dict[str, Reply] = {
    "2 GiB with Content-Length": streamed(
        two_gib, (("Content-Type", "text/html"), ("Content-Length", str(2 * GIB)))
    ),
    "2 GiB without Content-Length": streamed(two_gib),
    "gzip bomb": streamed(
        lambda: [BOMB], (("Content-Type", "text/html"), ("Content-Encoding", "gzip"))
    ),
    "nested gzip bomb": streamed(
        lambda: [gzip.compress(BOMB)],
        (("Content-Type", "text/html"), ("Content-Encoding", "gzip, gzip")),
    ),
    "gzip inside gzip, labelled once": streamed(
        lambda: [gzip.compress(BOMB)], (("Content-Type", "text/html"), ("Content-Encoding", "gzip"))
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", HUGE, ids=list(HUGE))
def test_huge_bodies_and_bombs_are_refused_in_little_memory(
    case: str, good: Site, tmp_path: Path
) -> None:
    (ok,) = serve_articles(good, 1)
    db = tmp_path / "a.db"
    with hostile() as server:
        bad = server.route("/huge.html", HUGE[case])
        code, peak, stderr, seconds = measured(newsvault_command(db, "fetch", bad, ok))
    assert code == 6, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith(f"Error: {bad}: ")
    assert "larger than" in line or "bytes, more than the limit" in line or "gzip" in line
    assert peak < MAX_RSS, f"{case}: peak memory {peak / 2**20:.0f} MB"
    assert seconds < 30
    assert archived(db) == [ok]
    kind = failures(db)[bad]
    assert kind in ("too_large", "not_html")
    assert rows(db, "select count(*) from fetches") == [(2,)]


@pytest.mark.slow
def test_a_bomb_served_as_a_feed_fails_that_feed_only(good: Site, tmp_path: Path) -> None:
    links = serve_articles(good, 2)
    feed = feed_of(good, "/rss.xml", links)
    db = tmp_path / "a.db"
    with hostile() as server:
        headers = (("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip"))
        bomb = server.route("/bomb.xml", streamed(lambda: [BOMB], headers))
        nested = server.route(
            "/nested.xml",
            streamed(
                lambda: [gzip.compress(BOMB)], (*headers[:1], ("Content-Encoding", "gzip, gzip"))
            ),
        )
        command = newsvault_command(db, *run_args(bomb, nested, feed))
        code, peak, stderr, _ = measured(command)
    assert code == 0, stderr
    assert "feeds polled 3 (not modified 0, failed 2); articles new 2" in stderr
    assert "larger than" in stderr
    assert peak < MAX_RSS
    assert archived(db) == sorted(links)


# --- bodies cut short, servers that drip ------------------------------------------------------


def test_a_body_cut_short_is_an_error_and_nothing_partial_is_stored(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    (ok,) = serve_articles(good, 1)
    page = GOOD_PAGES[5].read_bytes()

    def cut(conn: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\n\r\n"
        conn.sendall(head.encode() + page[: len(page) // 2])

    with hostile() as server:
        bad = server.route("/cut.html", cut)
        result = nv(runner, archive_path, "--retries", "1", "fetch", bad, ok)
    assert result.exit_code == 4, result.stderr
    assert error_lines(result) == [
        f"Error: {bad}: the connection closed before the whole body arrived"
    ]
    assert archived(archive_path) == [ok]
    assert rows(archive_path, "select count(*) from raw_pages") == [(1,)]
    assert failures(archive_path) == {bad: "network"}


def test_a_dripping_feed_times_out_and_the_run_goes_on(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    links = serve_articles(good, 2)
    feed = feed_of(good, "/rss.xml", links)

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss>")
        for _ in range(100):
            conn.sendall(b" ")
            time.sleep(0.2)

    with hostile() as server:
        slow = server.route("/drip.xml", drip)
        began = time.monotonic()
        result = nv(runner, archive_path, "--timeout", "1.5", *run_args(slow, feed))
        assert time.monotonic() - began < 10  # not the 20 s the server would drip
    assert result.exit_code == 0, result.stderr
    assert "feeds polled 2 (not modified 0, failed 1); articles new 2" in result.stderr
    assert "total limit of 1.5 seconds" in result.stderr
    assert archived(archive_path) == sorted(links)


# --- private, loopback and link-local destinations ---------------------------------------------

#: Destinations that must never be connected to unless allowed; {v4} and {v6} are the ports
#: of trap servers on 127.0.0.1 and ::1, which count any request that reaches them.
PRIVATE = {
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "ten": "http://10.1.2.3/story.html",
    "loopback": "http://127.0.0.1:{v4}/t/loopback",
    "ipv6 loopback": "http://[::1]:{v6}/t/v6",
    "unique local": "http://[fd00::1]/story.html",
    "decimal": "http://2130706433:{v4}/t/decimal",
    "ipv4-mapped": "http://[::ffff:127.0.0.1]:{v4}/t/mapped",
    "name to loopback": "http://localhost:{v4}/t/name",
}


@contextmanager
def traps() -> Iterator[tuple[Hostile, Hostile, dict[str, str]]]:
    """Trap servers on 127.0.0.1 and ::1 serving an article on every /t/ path."""
    page = answer(GOOD_PAGES[7].read_bytes())
    with hostile("127.0.0.1") as v4, hostile("::1") as v6:
        for name in ("loopback", "decimal", "mapped", "name", "redirect"):
            v4.route(f"/t/{name}", page)
        v6.route("/t/v6", page)
        yield v4, v6, {k: u.format(v4=v4.port, v6=v6.port) for k, u in PRIVATE.items()}


@pytest.mark.parametrize("case", PRIVATE, ids=list(PRIVATE))
@pytest.mark.parametrize("how", ["typed", "redirect"])
def test_private_destinations_are_refused_before_connecting(
    case: str, how: str, runner: CliRunner, good: Site, archive_path: Path
) -> None:
    (ok,) = serve_articles(good, 1)
    with traps() as (v4, v6, targets):
        url = targets[case]
        if how == "redirect":
            good.routes["/go"] = Response(b"", status=302, headers={"Location": url})
            url = good.url("/go")
        began = time.monotonic()
        result = nv(runner, archive_path, "fetch", url, ok, allow=good.address)
        assert time.monotonic() - began < 10
        assert sum(v4.hits.values()) + sum(v6.hits.values()) == 0
    assert result.exit_code == 3, result.stderr
    (line,) = error_lines(result)
    assert line.startswith("Error: http") and "not fetched unless allowed" in line
    assert ("after a redirect" in line) == (how == "redirect")
    assert archived(archive_path) == [ok]
    assert failures(archive_path) == {url: "blocked_address"}


def test_feed_entries_to_private_addresses_are_refused_and_allowing_names_only_that(
    runner: CliRunner, good: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = serve_articles(good, 3)
    with traps() as (v4, v6, targets):
        hops = []
        for n, target in enumerate(targets.values()):
            good.routes[f"/go/{n}"] = Response(b"", status=302, headers={"Location": target})
            hops.append(good.url(f"/go/{n}"))
        feed = feed_of(good, "/rss.xml", [*targets.values(), *hops, *links])
        first = nv(runner, tmp_path / "a.db", *run_args(feed), allow=good.address)
        assert first.exit_code == 0, first.stderr
        assert sum(v4.hits.values()) + sum(v6.hits.values()) == 0
        assert archived(tmp_path / "a.db") == sorted(links)
        refused = failures(tmp_path / "a.db")
        assert set(hops) <= set(refused)
        assert set(refused.values()) == {"blocked_address"}

        # The allow list lets through what it names (127.0.0.1, however it is written)...
        monkeypatch.setenv("NEWSVAULT_ALLOW_PRIVATE", f"{good.address},127.0.0.1")
        second = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), *run_args(feed)])
        assert second.exit_code == 0, second.stderr
        for path in ("/t/loopback", "/t/decimal", "/t/mapped"):
            assert v4.hits[path] >= 1, path
        # ... and nothing more: ::1, fd00::/8, 10.x and 169.254.x stay refused.
        assert sum(v6.hits.values()) == 0
        kinds = failures(tmp_path / "b.db")
        for name in ("ipv6 loopback", "unique local", "ten", "metadata"):
            assert kinds.get(hops[list(PRIVATE).index(name)]) == "blocked_address", name


REDIRECTS = {
    # name: (Location, or None for a loop; exit code; error kind; words)
    "loop": (None, 5, "too_many_redirects", "loop back"),
    "long chain": ("/chain/0", 5, "too_many_redirects", "more than 10 times"),
    "file:": ("file:///etc/passwd", 3, "invalid_url", "only http and https"),
    "ftp:": ("ftp://127.0.0.1/pub/x", 3, "invalid_url", "only http and https"),
    "data:": ("data:text/html,<p>x</p>", 3, "invalid_url", "only http and https"),
}


@pytest.mark.parametrize("case", REDIRECTS, ids=list(REDIRECTS))
def test_hostile_redirects_fail_cleanly_and_the_others_go_on(
    case: str, runner: CliRunner, good: Site, archive_path: Path
) -> None:
    location, code, kind, words = REDIRECTS[case]
    (ok,) = serve_articles(good, 1)
    for n in range(30):
        good.routes[f"/chain/{n}"] = Response(b"", 302, headers={"Location": f"/chain/{n + 1}"})
    good.routes["/start"] = Response(b"", 301, headers={"Location": location or "/start"})
    bad = good.url("/start")
    result = nv(runner, archive_path, "fetch", bad, ok)
    assert result.exit_code == code, result.stderr
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {bad}: ") and words in line
    assert archived(archive_path) == [ok]
    assert failures(archive_path) == {bad: kind}
    assert sum(hits for path, hits in good.hits.items() if path.startswith("/chain/")) <= 10


# --- charsets that lie -------------------------------------------------------------------------


def article_html(title: str, sentence: str, meta: str = "") -> str:
    paragraphs = "".join(f"<p>{n}. {sentence}</p>\n" for n in range(1, 9))
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{paragraphs}</article></body></html>"
    )


FRENCH = "Le café “Zéro” a coûté 5 € à Noël; l’été dernier, la crème brûlée était déjà célèbre."
RUSSIAN = "Москва и Санкт-Петербург обменялись новостями о погоде, экономике и культуре страны."
JAPANESE = (
    "東京の天気は晴れで、気温は二十度まで上がる見込みです。市場では新しい商品が人気を集めています。"
)

#: name: (bytes, Content-Type, words the stored text must hold)
CHARSETS: dict[str, tuple[bytes, str, str]] = {
    "utf-8 declared, windows-1252 sent": (
        article_html("Café un", FRENCH).encode("cp1252"), "text/html; charset=utf-8", FRENCH
    ),
    "windows-1252 declared, utf-8 sent": (
        article_html("Café deux", FRENCH).encode("utf-8"), "text/html; charset=windows-1252", FRENCH
    ),
    "cp1251, nothing declared": (
        article_html("Новости дня", RUSSIAN).encode("cp1251"), "text/html", RUSSIAN
    ),
    "shift_jis in meta only": (
        article_html("東京の天気", JAPANESE, '<meta charset="Shift_JIS">').encode("shift_jis"),
        "text/html",
        JAPANESE,
    ),
    "utf-8 BOM, header says windows-1251": (
        b"\xef\xbb\xbf" + article_html("Café trois", FRENCH).encode("utf-8"),
        "text/html; charset=windows-1251",
        FRENCH,
    ),
}  # fmt: skip

MOJIBAKE = ("\ufffd", "Ã", "â€", "Ð", "Ñ", "ï»¿", "ãƒ", "\x00")


def test_lying_charsets_are_stored_as_the_right_characters(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    urls = [
        good.page(f"/c/{n}.html", body, content_type=ctype)
        for n, (body, ctype, _) in enumerate(CHARSETS.values())
    ]
    result = nv(runner, archive_path, "fetch", *urls)
    assert result.exit_code == 0, result.stderr
    stored = dict(rows(archive_path, "select url, title || ' ' || text from articles"))
    for url, (name, (_, _, words)) in zip(urls, CHARSETS.items(), strict=True):
        assert words in stored[url], name
        assert not any(bad in stored[url] for bad in MOJIBAKE), name


# --- bodies that are not HTML ------------------------------------------------------------------


def test_images_pdfs_and_empty_bodies_served_as_html_are_refused(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    links = serve_articles(good, 2)
    bad = {
        good.page("/png.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40): "not_html",
        good.page("/pdf.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj" * 500): "not_html",
        good.page("/gif.html", b"GIF89a" + b"\x00\x01" * 300): "not_html",
        good.page("/empty.html", b""): "empty_body",
        good.page("/blank.html", b" \r\n\t " * 10): "empty_body",
    }
    feed = feed_of(good, "/rss.xml", [*bad, *links])
    result = nv(runner, archive_path, *run_args(feed))
    assert result.exit_code == 0, result.stderr
    assert "articles new 2, failed 5" in result.stderr
    assert archived(archive_path) == sorted(links)
    assert failures(archive_path) == bad
    assert rows(archive_path, "select count(*) from raw_pages") == [(2,)]
    single = nv(runner, archive_path, "fetch", next(iter(bad)))
    assert single.exit_code == 6
    assert "PNG image, although the server called it text/html" in error_lines(single)[0]


# --- retries: 500 twice, 503 forever, 429 with Retry-After --------------------------------------


def flaky(site: Site, path: str, page: bytes, *answers: Response) -> str:
    """Serve `answers` in turn at `path`, then the page for good."""
    pending = list(answers)

    def handler(request: Request) -> Response:
        return pending.pop(0) if pending else Response(page)

    site.routes[path] = handler
    return site.url(path)


def retry_cases(site: Site, prefix: str) -> dict[str, str]:
    page = GOOD_PAGES[1].read_bytes()
    other = GOOD_PAGES[2].read_bytes()
    busy = Response(b"busy", status=503)
    return {
        "500 twice": flaky(site, f"{prefix}/a", page, *[Response(b"no", status=500)] * 2),
        "503 forever": flaky(site, f"{prefix}/b", page, *[busy] * 100),
        "429 for 2 s": flaky(
            site, f"{prefix}/c", other, Response(b"wait", status=429, headers={"Retry-After": "2"})
        ),
        "429 for an hour": flaky(
            site, f"{prefix}/d", page, Response(b"", status=429, headers={"Retry-After": "3600"})
        ),
    }


def check_retries(db: Path, site: Site, cases: dict[str, str], prefix: str) -> None:
    assert sorted(archived(db)) == sorted([cases["500 twice"], cases["429 for 2 s"]])
    assert site.hits[f"{prefix}/a"] == 3
    assert site.hits[f"{prefix}/b"] == 3  # the first try and two retries, then an error
    assert site.hits[f"{prefix}/c"] == 2
    assert site.hits[f"{prefix}/d"] == 1  # an hour is not slept, nor retried
    assert failures(db) == {
        cases["503 forever"]: "http_status",
        cases["429 for an hour"]: "http_status",
    }
    messages = dict(rows(db, "select url, message from fetches where outcome = 'failed'"))
    assert "retry after 3600 seconds" in messages[cases["429 for an hour"]]
    assert "503" in messages[cases["503 forever"]]


def test_retries_through_fetch(runner: CliRunner, good: Site, archive_path: Path) -> None:
    cases = retry_cases(good, "/f")
    began = time.monotonic()
    result = nv(runner, archive_path, "--retries", "2", "fetch", *cases.values())
    elapsed = time.monotonic() - began
    assert 2 <= elapsed < 20  # the 429 wait, then no sleep of an hour
    assert result.exit_code == 5, result.stderr
    assert [line.split(": ")[1] for line in error_lines(result)] == [
        cases["503 forever"], cases["429 for an hour"]
    ]  # fmt: skip
    check_retries(archive_path, good, cases, "/f")


def test_retries_through_run(runner: CliRunner, good: Site, archive_path: Path) -> None:
    cases = retry_cases(good, "/r")
    feed = feed_of(good, "/rss.xml", list(cases.values()))
    began = time.monotonic()
    result = nv(runner, archive_path, "--retries", "2", *run_args(feed), "--strict")
    assert 2 <= time.monotonic() - began < 20
    assert result.exit_code == 11, result.stderr
    assert "articles new 2, failed 2" in result.stderr
    check_retries(archive_path, good, cases, "/r")


# --- malformed HTML ----------------------------------------------------------------------------

LOREM = "The council met on Tuesday and agreed to fund the new bridge over the river Ouse. "


def malformed_pages() -> dict[str, bytes]:
    paragraphs = "".join(f"<p>{n} {LOREM * 3}</p>" for n in range(8))
    article = f"<h1>Bridge</h1>{paragraphs}"
    return {
        "unclosed tags": (
            "<html><head><title>Unclosed</title><body><article><h1>Unclosed tags</h1>"
            + "".join(f"<p>{n} {LOREM * 2}<b>bold <i>italic <div><span>" for n in range(8))
        ).encode(),
        "NUL bytes": (
            f"<html><head><title>Nul</title></head><body>{' ' * 1100}<article><h1>Nul</h1>"
            + "".join(f"<p>{n} {LOREM}\x00{LOREM * 2}</p>" for n in range(8))
            + "</article></body></html>"
        ).encode(),
        "100,000 nested elements": (
            "<html><head><title>Deep</title></head><body>"
            + "<div>" * 100_000
            + article
            + "</div>" * 100_000
            + "</body></html>"
        ).encode(),
        "a 5 MB single line": (
            "<html><head><title>Long line</title></head><body><article><h1>Long line</h1>"
            + f"<p>{LOREM * 12}</p>" * (5_000_000 // (len(LOREM) * 12))
            + "</article></body></html>"
        ).encode(),
        "invalid entities": (
            "<html><head><title>Entities &bogus; &#0;</title></head><body><article><h1>E</h1>"
            + "".join(
                f"<p>{n} &#0; &#x0; &#xD800; &#x110000; &#99999999999; &bogus; &amp &lt;script"
                f"&gt;alert(1)&lt;/script&gt; &#x1F600; {LOREM * 2}</p>"
                for n in range(8)
            )
            + "</article></body></html>"
        ).encode(),
    }


@pytest.mark.slow
def test_malformed_html_never_crashes_and_stores_no_nul(good: Site, tmp_path: Path) -> None:
    pages = malformed_pages()
    urls = [good.page(f"/m/{n}.html", body) for n, body in enumerate(pages.values())]
    (ok,) = serve_articles(good, 1)
    db = tmp_path / "a.db"
    code, peak, stderr, seconds = measured(newsvault_command(db, "fetch", *urls, ok))
    assert "Traceback" not in stderr
    assert seconds < 60
    assert peak < MAX_RSS
    outcomes = dict(rows(db, "select url, coalesce(error_kind, outcome) from fetches"))
    # libxml2 stops building the tree at depth 256, so the deep page is no article: refused
    # cleanly, never a crash. The others are articles and are stored.
    expected = dict.fromkeys([*urls, ok], "new")
    expected[urls[list(pages).index("100,000 nested elements")]] = "not_an_article"
    assert outcomes == expected
    assert code == 7
    for text, markdown, title in rows(
        db, "select text, markdown, coalesce(title, '') from articles"
    ):
        assert "\x00" not in text + markdown + title


# --- feeds: huge, mixed good and hostile links ---------------------------------------------------


def test_a_100000_item_feed_with_hostile_links_stores_the_good_ones_once(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    links = serve_articles(good, 3)
    hostile_links = [
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ftp://127.0.0.1/pub/x",
        "mailto:editor@news.example",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://exa mple.com/x",
    ]
    items = [*links, *hostile_links, links[0] + "?utm_source=rss", links[1] + "#comments"]
    items += [good.url(f"/filler/{n}") for n in range(100_000 - len(items))]
    entries = "".join(f"<item><link>{escape(item)}</link></item>" for item in items)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{entries}'
    feed = good.page("/rss.xml", f"{body}</channel></rss>".encode(), content_type="text/xml")
    assert len(good.routes["/rss.xml"].body) < 10_000_000  # type: ignore[union-attr]
    began = time.monotonic()
    result = nv(runner, archive_path, *run_args(feed), "--max-items", "30", allow=good.address)
    assert time.monotonic() - began < 30
    assert result.exit_code == 0, result.stderr
    assert archived(archive_path) == sorted(links)
    assert rows(archive_path, "select count(*), count(distinct url) from articles") == [(3, 3)]
    fillers = sum(hits for path, hits in good.hits.items() if path.startswith("/filler/"))
    assert fillers <= 30
    assert not any(
        u.startswith(("javascript", "file", "data", "ftp")) for u in failures(archive_path)
    )


# --- output safety: what newsvault prints and renders -------------------------------------------

EVIL = (
    "<html><head><title>Evil &lt;script&gt;</title><script>alert(1)</script>"
    '<link rel="stylesheet" href="http://tracker.example/x.css"></head><body><article>'
    '<h1 onclick="alert(1)">Evil page</h1>'
    + "".join(
        f'<p onmouseover="steal()">{n} {LOREM} <a href="javascript:alert(1)">click</a>'
        f'<img src="http://tracker.example/pixel.gif" onerror="alert(2)">'
        f"<script>document.write('x')</script><iframe src=\"http://evil.example/\"></iframe>"
        f'<svg onload="alert(3)"></svg></p>'
        for n in range(8)
    )
    + "</article></body></html>"
)

UNSAFE = (
    "<script",
    "onclick",
    "onerror",
    "onload",
    "onmouseover",
    "javascript:",
    "<iframe",
    "<img",
)


def test_rendered_html_has_no_scripts_handlers_or_resources() -> None:
    rendered = extract_with_blocks(EVIL, "http://news.example/evil").html
    assert not any(bad in rendered.lower() for bad in UNSAFE)
    assert " src=" not in rendered and " href=" not in rendered and "<link" not in rendered


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_printed_articles_carry_no_active_content(
    fmt: str, runner: CliRunner, good: Site, archive_path: Path
) -> None:
    url = good.page("/evil.html", EVIL.encode())
    result = nv(runner, archive_path, "fetch", "--print", fmt, url)
    assert result.exit_code == 0, result.stderr
    shown = nv(runner, archive_path, "show", "--format", fmt, url)
    for output in (result.stdout, shown.stdout):
        assert not any(bad in output.lower() for bad in UNSAFE)
        assert "tracker.example" not in output


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_exports_carry_no_active_content(
    fmt: str, runner: CliRunner, good: Site, archive_path: Path
) -> None:
    url = good.page("/evil.html", EVIL.encode())
    assert nv(runner, archive_path, "fetch", url).exit_code == 0
    exported = nv(runner, archive_path, "export", "--format", fmt)
    assert exported.exit_code == 0, exported.stderr
    assert "Evil page" in exported.stdout
    assert not any(bad in exported.stdout.lower() for bad in UNSAFE)


def test_credentials_in_urls_never_reach_the_terminal(
    runner: CliRunner, good: Site, archive_path: Path
) -> None:
    (ok,) = serve_articles(good, 1)
    port = good.port
    with_secret = ok.replace("http://", "http://user:secret@")
    missing = f"http://user:secret@{good.address}:{port}/missing.html"
    private = f"http://user:secret@127.0.0.1:{port}/x"
    fetched = nv(
        runner, archive_path, "-vv", "fetch", with_secret, missing, private, allow=good.address
    )
    assert fetched.exit_code in (3, 5), fetched.stderr
    feed = feed_of(good, "/rss.xml", [with_secret, missing])
    feed_with_secret = feed.replace("http://", "http://user:secret@")
    ran = nv(runner, archive_path, "-vv", *run_args(feed_with_secret), allow=good.address)
    assert ran.exit_code == 0, ran.stderr
    for result in (fetched, ran):
        assert "secret" not in result.stderr + result.stdout
    assert len(error_lines(fetched)) == 2 and "***@" in fetched.stderr
