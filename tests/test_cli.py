"""The command line end to end: a real HTTP server on 127.0.0.1, real SQLite files, CliRunner."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from conftest import load_fixture
from newsvault import __version__
from newsvault.cli import cli

SEED = "seed-wordpress-euronews-copy"

HOMEPAGE = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>The Daily Example - Home</title></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/sport">Sport</a></nav></header>
<main>
<div class="teaser"><h2><a href="/a">Council approves new bridge</a></h2></div>
<div class="teaser"><h2><a href="/b">Storm closes coastal road</a></h2></div>
<div class="teaser"><h2><a href="/c">Local team wins the cup</a></h2></div>
<div class="teaser"><h2><a href="/d">Markets steady after rate decision</a></h2></div>
</main><footer>&copy; The Daily Example</footer></body></html>"""


def invoke(runner: CliRunner, db: Path, *args: str, allow: bool = True, **kw: Any) -> Result:
    options = ["--db", str(db), "--retries", "1"]
    if allow:
        options += ["--allow-private", "127.0.0.1"]
    return runner.invoke(cli, [*options, *args], **kw)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def seed_url(httpserver: HTTPServer) -> str:
    html, _ = load_fixture(SEED)
    path = "/2024/10/25/first-north-korean-troops-reach-russian-combat-zone-kyiv-reports/"
    httpserver.expect_request(path).respond_with_data(html, content_type="text/html; charset=UTF-8")
    return httpserver.url_for(path)


# --- the happy path -------------------------------------------------------------------------


def test_version_and_help(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["--version"]).stdout.strip().endswith(__version__)
    result = runner.invoke(cli, ["fetch", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_fetch_archives_the_seed_exactly(
    runner: CliRunner, archive_path: Path, seed_url: str
) -> None:
    result = invoke(runner, archive_path, "fetch", "--print", "json", seed_url)
    assert result.exit_code == 0, result.stderr
    _, expected = load_fixture(SEED)
    printed = json.loads(result.stdout)
    assert printed["title"] == expected["title"]
    assert printed["byline"] == "Admin"
    assert printed["description"] == expected["description"]
    assert printed["text"].split("\n\n") == expected["paragraphs"]
    (title, byline, text, count) = rows(
        archive_path, "select title, byline, text, count(*) from articles"
    )[0]
    assert (title, byline, text, count) == (printed["title"], "Admin", printed["text"], 1)
    assert rows(archive_path, "select outcome, status, error_kind from fetches") == [
        ("new", 200, None)
    ]
    assert rows(archive_path, "select count(*) from raw_pages") == [(1,)]


def test_fetching_again_duplicates_nothing(
    runner: CliRunner, archive_path: Path, seed_url: str
) -> None:
    assert invoke(runner, archive_path, "fetch", seed_url).exit_code == 0
    before = rows(archive_path, "select * from articles")
    result = invoke(runner, archive_path, "fetch", seed_url)
    assert result.exit_code == 0
    assert "unchanged" in result.stderr
    assert rows(archive_path, "select * from articles") == before
    assert rows(archive_path, "select outcome from fetches order by id") == [
        ("new",),
        ("unchanged",),
    ]


def test_show_finds_the_article_by_url_and_id(
    runner: CliRunner, archive_path: Path, seed_url: str
) -> None:
    invoke(runner, archive_path, "fetch", seed_url)
    by_url = invoke(runner, archive_path, "show", seed_url, "--format", "json")
    by_id = invoke(runner, archive_path, "show", "1", "--format", "json")
    assert by_url.exit_code == by_id.exit_code == 0
    assert json.loads(by_url.stdout) == json.loads(by_id.stdout)
    markdown = invoke(runner, archive_path, "show", "1", "--format", "markdown").stdout
    assert markdown.startswith("# First North Korean troops reach Russian combat zone")
    assert "## Putin: ‘What we do is our business’" in markdown
    text = invoke(runner, archive_path, "show", "1").stdout
    assert "The first North Korean military units" in text
    assert "ADVERTISEMENT" not in text


def test_show_an_unknown_article(runner: CliRunner, archive_path: Path) -> None:
    result = invoke(runner, archive_path, "show", "https://news.example/nothing")
    assert result.exit_code == 10
    assert error_lines(result) == [
        "Error: https://news.example/nothing: no such article in the archive"
    ]


def test_urls_from_stdin(runner: CliRunner, archive_path: Path, seed_url: str) -> None:
    result = invoke(runner, archive_path, "fetch", "-", input=f"{seed_url}\n\n")
    assert result.exit_code == 0, result.stderr
    assert rows(archive_path, "select count(*) from articles") == [(1,)]


def test_db_from_the_environment(runner: CliRunner, tmp_path: Path, seed_url: str) -> None:
    db = tmp_path / "from-env.db"
    env = {"NEWSVAULT_DB": str(db), "NEWSVAULT_ALLOW_PRIVATE": "10.0.0.0/8,127.0.0.1"}
    result = runner.invoke(cli, ["fetch", seed_url], env=env)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select count(*) from articles") == [(1,)]


def test_db_upgrade(runner: CliRunner, archive_path: Path) -> None:
    first = invoke(runner, archive_path, "db", "upgrade")
    assert first.exit_code == 0 and "upgraded from schema (empty)" in first.stderr
    again = invoke(runner, archive_path, "db", "upgrade")
    assert again.exit_code == 0 and "newest schema" in again.stderr


# --- bad input: one sentence naming the URL, a documented exit code, a row in fetches,
# --- nothing in articles, and the other URLs of the same command still archived ----------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/story.html"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


def _serve(
    httpserver: HTTPServer, path: str, body: bytes, content_type: str, status: int = 200
) -> str:
    httpserver.expect_request(path).respond_with_data(
        body, status=status, content_type=content_type
    )
    return httpserver.url_for(path)


BadCase = tuple[Callable[..., str], int, str, str, tuple[str, ...]]

BAD_INPUTS: dict[str, BadCase] = {
    # name: (make the URL, exit code, error kind, words the message must hold, extra options)
    "malformed": (lambda **_: "http://exa mple.com/story", 3, "invalid_url", "", ()),
    "ftp scheme": (lambda **_: "ftp://news.example/story.html", 3, "invalid_url", "ftp", ()),
    "no such host": (
        lambda **_: "http://no-such-host.invalid/story.html", 4, "network", "resolve", ()
    ),
    "refused": (
        lambda **_: f"http://127.0.0.1:{_closed_port()}/story.html", 4, "network", "refused", ()
    ),
    "timeout": (lambda silent, **_: silent, 4, "timeout", "", ("--timeout", "1.5")),
    "404": (
        lambda server, **_: _serve(server, "/gone", b"<html>gone</html>", "text/html", 404),
        5, "http_status", "404", (),
    ),
    "500 after retries": (
        lambda server, **_: _serve(server, "/boom", b"<html>oops</html>", "text/html", 500),
        5, "http_status", "500", (),
    ),
    "not html": (
        lambda server, **_: _serve(server, "/paper.pdf", b"%PDF-1.7 ...", "application/pdf"),
        6, "not_html", "application/pdf", (),
    ),
    "too large": (
        lambda server, **_: _serve(server, "/huge", b"<p>" + b"x" * 500_000, "text/html"),
        6, "too_large", "", ("--max-bytes", "200000"),
    ),
    "empty body": (
        lambda server, **_: _serve(server, "/empty", b"", "text/html"), 6, "empty_body", "", ()
    ),
    "no article": (
        lambda server, **_: _serve(server, "/", HOMEPAGE, "text/html; charset=utf-8"),
        7, "not_an_article", "article", (),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_gets_a_clear_answer(
    case: str,
    runner: CliRunner,
    archive_path: Path,
    httpserver: HTTPServer,
    silent_server: str,
    seed_url: str,
) -> None:
    make_url, code, kind, words, options = BAD_INPUTS[case]
    bad = make_url(server=httpserver, silent=silent_server)
    result = invoke(runner, archive_path, *options, "fetch", bad, seed_url)
    assert result.exit_code == code, result.stderr
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {bad}: ")
    assert words.lower() in line.lower()
    assert "Traceback" not in result.stderr
    assert rows(archive_path, "select url from articles") == [(seed_url,)]
    assert rows(
        archive_path,
        "select outcome, error_kind from fetches where url = ?",
        bad,
    ) == [("failed", kind)]


def test_500_is_retried_before_giving_up(
    runner: CliRunner, archive_path: Path, httpserver: HTTPServer
) -> None:
    url = _serve(httpserver, "/boom", b"<html>oops</html>", "text/html", 500)
    result = invoke(runner, archive_path, "fetch", url)
    assert result.exit_code == 5
    assert len([entry for entry in httpserver.log if entry[0].path == "/boom"]) == 2


def test_private_addresses_are_refused_unless_allowed(
    runner: CliRunner, archive_path: Path, seed_url: str
) -> None:
    result = invoke(runner, archive_path, "fetch", seed_url, allow=False)
    assert result.exit_code == 3
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {seed_url}: ")
    assert rows(archive_path, "select count(*) from articles") == [(0,)]
    assert rows(archive_path, "select error_kind from fetches") == [("blocked_address",)]


def test_a_gzipped_page_is_read(
    runner: CliRunner, archive_path: Path, httpserver: HTTPServer
) -> None:
    html, _ = load_fixture(SEED)
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(html), content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    result = invoke(runner, archive_path, "fetch", httpserver.url_for("/gz"))
    assert result.exit_code == 0, result.stderr


# --- extract: offline, nothing archived ------------------------------------------------------


def test_extract_a_saved_page(runner: CliRunner, tmp_path: Path) -> None:
    html, expected = load_fixture(SEED)
    page = tmp_path / "page.html"
    page.write_bytes(html)
    result = runner.invoke(
        cli, ["extract", str(page), "--url", expected["url"], "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == expected["title"]
    assert article["text"].split("\n\n") == expected["paragraphs"]
    assert not list(tmp_path.glob("*.db"))


def test_extract_from_stdin(runner: CliRunner) -> None:
    html, expected = load_fixture(SEED)
    result = runner.invoke(cli, ["extract", "-", "--format", "markdown"], input=html)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"# {expected['title']}")


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("missing.html", None, 8, "no such file"),
        ("empty.html", b"  \n", 8, "is empty"),
        ("photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 8, "a PNG image"),
        ("home.html", HOMEPAGE, 7, "article"),
    ],
)
def test_extract_bad_input(
    runner: CliRunner, tmp_path: Path, name: str, content: bytes | None, code: int, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(cli, ["extract", str(path)])
    assert result.exit_code == code
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {path}: ")
    assert words in line
    assert result.stdout == ""


def test_extract_a_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 8
    assert error_lines(result) == [f"Error: {tmp_path}: is a directory, not a file"]


def test_an_archive_that_is_not_sqlite(runner: CliRunner, tmp_path: Path, seed_url: str) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database\n" * 50)
    result = invoke(runner, db, "fetch", seed_url)
    assert result.exit_code == 9
    (line,) = error_lines(result)
    assert str(db) in line
    assert db.read_text() == "not a database\n" * 50


def test_db_accepts_a_sqlalchemy_url(runner: CliRunner, tmp_path: Path, seed_url: str) -> None:
    db = tmp_path / "by-url.db"
    result = runner.invoke(
        cli, ["--db", f"sqlite:///{db}", "--allow-private", "127.0.0.1", "fetch", seed_url]
    )
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select count(*) from articles") == [(1,)]


def test_other_libraries_info_logs_stay_off_stderr(runner: CliRunner, archive_path: Path) -> None:
    chatty = logging.getLogger("some.library")
    chatty.setLevel(logging.INFO)

    @cli.command(name="chatter", hidden=True)
    def chatter() -> None:
        chatty.info("a line nobody asked for")

    try:
        result = invoke(runner, archive_path, "chatter")
    finally:
        cli.commands.pop("chatter")
    assert result.exit_code == 0
    assert result.stderr == ""
