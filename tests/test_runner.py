"""`newsvault run` against real local sites: feeds, politeness, incremental runs, the lock."""

from __future__ import annotations

import gc
import itertools
import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import event
from sqlalchemy.orm import Session

from conftest import PAGES
from newsnet import Request, Response, Site, network, rss
from newsvault.article import extract
from newsvault.cli import cli
from newsvault.errors import NotAnArticle
from newsvault.lock import lock_path, run_lock
from newsvault.runner import extraction_processes
from newsvault.worker import ExtractionWorkers, WorkerDied, prepare

ARTICLE_PAGES = sorted(
    path
    for path in PAGES.glob("*.html")
    if not json.loads(path.with_suffix("").with_suffix(".expected.json").read_text())["not_article"]
)[:6]

#: Every test runs with threads only (no process pool) unless it says otherwise: quicker.
BASE = ["--allow-private", "127.0.0.0/8", "--retries", "1"]


def nv(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--db", str(db), *BASE, *args])


def run(runner: CliRunner, db: Path, *args: str) -> Result:
    return nv(runner, db, "run", "--host-delay", "0", "--processes", "0", *args)


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def articles_on(site: Site, count: int, prefix: str = "/news") -> list[str]:
    """Serve `count` article pages on a site; returns their URLs."""
    return [
        site.page(f"{prefix}/{n}.html", ARTICLE_PAGES[n % len(ARTICLE_PAGES)].read_bytes())
        for n in range(count)
    ]


@pytest.fixture
def sites() -> Iterator[list[Site]]:
    with network(3) as made:
        yield made


# --- feeds of every kind ------------------------------------------------------------------


def test_rss_atom_and_sitemaps_are_archived(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    a, b, c = sites
    rss_urls = articles_on(a, 3)
    a.feed(rss_urls)
    atom_urls = articles_on(b, 2)
    entries = "".join(
        f'<entry><title>Atom {n}</title><link href="{url}"/><id>{url}</id>'
        f"<updated>2024-10-25T09:00:00Z</updated><author><name>Ann Lee</name></author></entry>"
        for n, url in enumerate(atom_urls)
    )
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>B</title><id>{b.url('/')}</id><updated>2024-10-25T09:00:00Z</updated>{entries}</feed>"
    )
    b.page("/atom.xml", atom.encode(), content_type="application/atom+xml")
    sitemap_urls = articles_on(c, 2)
    urlset = "".join(f"<url><loc>{url}</loc></url>" for url in sitemap_urls)
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    c.page(
        "/sitemap-news.xml",
        f'<?xml version="1.0"?><urlset {ns}>{urlset}</urlset>'.encode(),
        content_type="application/xml",
    )
    child = f"<sitemap><loc>{c.url('/sitemap-news.xml')}</loc></sitemap>"
    index = f'<?xml version="1.0"?><sitemapindex {ns}>{child}</sitemapindex>'
    c.page("/sitemap.xml", index.encode(), content_type="application/xml")

    for feed in (a.url("/rss.xml"), b.url("/atom.xml"), c.url("/sitemap.xml")):
        assert nv(runner, archive_path, "feeds", "add", feed).exit_code == 0
    result = run(runner, archive_path)
    assert result.exit_code == 0, result.stderr
    archived = {row[0] for row in rows(archive_path, "select url from articles")}
    assert archived == set(rss_urls + atom_urls + sitemap_urls)
    assert rows(archive_path, "select count(*) from feed_items") == [(7,)]
    assert rows(
        archive_path, "select title, authors from feed_items where url = ?", atom_urls[0]
    ) == [("Atom 0", '["Ann Lee"]')]
    (run_row,) = rows(
        archive_path, "select status, feeds_polled, articles_new, articles_failed from runs"
    )
    assert run_row == ("completed", 3, 7, 0)
    assert "articles new 7" in result.stderr


def test_the_second_run_fetches_no_feed_body_and_no_article(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    links = articles_on(site, 4)
    site.feed(links)
    nv(runner, archive_path, "feeds", "add", site.url("/rss.xml"))
    assert run(runner, archive_path).exit_code == 0
    site.log.clear()
    second = run(runner, archive_path)
    assert second.exit_code == 0
    assert [request.path for request in site.log] == ["/rss.xml"]
    assert site.log[0].headers.get("If-None-Match")
    assert rows(archive_path, "select feeds_not_modified, articles_new from runs where id = 2") == [
        (1, 0)
    ]


def test_a_changed_feed_brings_only_its_new_items(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    links = articles_on(site, 5)
    site.feed(links[:3])
    nv(runner, archive_path, "feeds", "add", site.url("/rss.xml"))
    run(runner, archive_path)
    site.feed(links)
    site.log.clear()
    assert run(runner, archive_path).exit_code == 0
    fetched = sorted(request.path for request in site.log if request.path.startswith("/news"))
    assert fetched == ["/news/3.html", "/news/4.html"]
    assert rows(archive_path, "select count(*) from articles") == [(5,)]


def test_links_are_cleaned_and_bad_ones_ignored(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    (good,) = articles_on(site, 1)
    items = [
        (good + "?utm_source=rss&utm_medium=feed#comments", "tracked"),
        (good, "same again"),
        ("/news/0.html", "relative"),
        ("javascript:alert(1)", "script"),
        ("mailto:desk@news.example", "mail"),
        ("file:///etc/passwd", "file"),
    ]
    site.page("/rss.xml", rss(site, items), content_type="application/rss+xml")
    result = run(runner, archive_path, "--feed", site.url("/rss.xml"))
    assert result.exit_code == 0, result.stderr
    assert rows(archive_path, "select url from articles") == [(good,)]
    assert site.hits["/news/0.html"] == 1
    assert rows(archive_path, "select count(*) from feeds") == [(0,)]  # --feed subscribes nothing


def test_feeds_are_discovered_on_a_homepage(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    site.feed([])
    home = """<!DOCTYPE html><html><head><title>Home</title>
    <link rel="alternate" type="application/rss+xml" title="All news" href="/rss.xml">
    </head><body><h1>Home</h1></body></html>"""
    site.page("/", home.encode())
    result = nv(runner, archive_path, "feeds", "add", site.url("/"))
    assert result.exit_code == 0, result.stderr
    assert "found on the page" in result.stderr
    assert rows(archive_path, "select url from feeds") == [(site.url("/rss.xml"),)]


def test_a_homepage_with_no_feed_is_a_clear_error(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    site.page("/", b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>")
    result = nv(runner, archive_path, "feeds", "add", site.url("/"))
    assert result.exit_code == 6
    assert result.stderr.startswith(f"Error: {site.url('/')}: ")
    assert rows(archive_path, "select count(*) from feeds") == [(0,)]


# --- politeness ----------------------------------------------------------------------------


def test_robots_txt_is_obeyed_and_read_once(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    public = articles_on(site, 2, "/news")
    private = articles_on(site, 2, "/members")
    site.page("/robots.txt", b"User-agent: *\nDisallow: /members/\n", content_type="text/plain")
    site.feed(public + private)
    result = run(runner, archive_path, "--feed", site.url("/rss.xml"))
    assert result.exit_code == 0, result.stderr
    assert {row[0] for row in rows(archive_path, "select url from articles")} == set(public)
    assert not [path for path in site.hits if path.startswith("/members")]
    assert site.hits["/robots.txt"] == 1
    assert rows(archive_path, "select skipped_robots from runs") == [(2,)]


def test_no_host_ever_sees_more_than_two_requests_at_once(
    runner: CliRunner, archive_path: Path
) -> None:
    with network(2, latency=0.15) as (a, b):
        for site in (a, b):
            links = articles_on(site, 8)
            site.feed(links)
        result = run(
            runner, archive_path, "--feed", a.url("/rss.xml"), "--feed", b.url("/rss.xml"),
            "--workers", "12", "--per-host-connections", "2",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert rows(archive_path, "select count(*) from articles") == [(16,)]
        for site in (a, b):
            assert site.peak_in_flight == 2  # the limit is reached, and never passed
            assert site.peak_connections <= 2


def test_requests_to_one_host_are_spaced_by_the_host_delay(
    sites: list[Site], archive_path: Path
) -> None:
    site = sites[0]
    links = articles_on(site, 4)
    site.feed(links)
    # The run is its own process, as under cron, and the test process's garbage collector is
    # off meanwhile: a pause of the process that times arrivals (a collection over the whole
    # suite's heap) between the client sending a request and the server reading it shifts
    # one arrival, and the server sees a short gap that the client never made.
    command = [
        sys.executable, "-m", "newsvault", "--db", str(archive_path), *BASE,
        "run", "--processes", "0", "--host-delay", "0.3", "--feed", site.url("/rss.xml"),
    ]  # fmt: skip
    gc.disable()
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        gc.enable()
    assert finished.returncode == 0, finished.stderr
    starts = sorted(request.started for request in site.log)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(starts) == 6  # the feed, robots.txt, four articles
    assert min(gaps) >= 0.28


def test_a_dead_site_does_not_hold_the_others_back(runner: CliRunner, archive_path: Path) -> None:
    with network(2) as (slow, fast):
        slow.latency = 2.5
        links = articles_on(fast, 3)
        fast.feed(links)
        slow.feed([])
        began = time.monotonic()
        result = nv(
            runner, archive_path, "--timeout", "1", "run", "--processes", "0", "--host-delay", "0",
            "--feed", slow.url("/rss.xml"), "--feed", fast.url("/rss.xml"),
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert rows(archive_path, "select count(*) from articles") == [(3,)]
        assert time.monotonic() - began < 2.4  # not one slow feed after another
        assert "feeds polled 2 (not modified 0, failed 1)" in result.stderr


# --- failures --------------------------------------------------------------------------------


def test_retries_then_success(sites: list[Site], runner: CliRunner, archive_path: Path) -> None:
    site = sites[0]
    (url,) = articles_on(site, 1)
    page = site.routes["/news/0.html"]
    calls: list[int] = []

    def flaky(request: Request) -> Response:
        calls.append(1)
        return Response(b"busy", status=503) if len(calls) == 1 else page  # type: ignore[return-value]

    site.routes["/news/0.html"] = flaky
    site.feed([url])
    result = run(runner, archive_path, "--feed", site.url("/rss.xml"))
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 2
    assert rows(archive_path, "select count(*) from articles") == [(1,)]


def test_failures_are_recorded_and_strict_says_so(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    good = articles_on(site, 2)
    missing = site.url("/news/missing.html")
    site.feed([*good, missing])
    nv(runner, archive_path, "feeds", "add", site.url("/rss.xml"))
    relaxed = run(runner, archive_path)
    assert relaxed.exit_code == 0
    assert rows(
        archive_path, "select url, status, error_kind from fetches where outcome = 'failed'"
    ) == [(missing, 404, "http_status")]
    site.page("/news/late.html", ARTICLE_PAGES[0].read_bytes())
    site.routes["/news/late.html"] = Response(b"oops", status=500)
    site.feed([*good, missing, site.url("/news/late.html")])
    strict = run(runner, archive_path, "--strict")
    assert strict.exit_code == 11
    assert site.hits["/news/missing.html"] == 1  # a 404 is not asked for again


def test_a_failing_feed_backs_off_and_gone_feed_is_disabled(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    site.routes["/broken.xml"] = Response(
        b"<?xml version='1.0'?><rss><channel><title>Half a fe", content_type="application/rss+xml"
    )
    site.routes["/gone.xml"] = Response(b"gone", status=410)
    for path in ("/broken.xml", "/gone.xml"):
        nv(runner, archive_path, "feeds", "add", "--no-check", site.url(path))
    result = run(runner, archive_path)
    assert result.exit_code == 0, result.stderr
    listing = [
        json.loads(line)
        for line in nv(
            runner, archive_path, "feeds", "list", "--format", "json"
        ).stdout.splitlines()
    ]
    broken, gone = listing
    assert broken["consecutive_failures"] == 1 and broken["enabled"]
    assert broken["last_error"]
    assert broken["next_poll_at"] > broken["last_polled_at"]
    assert not gone["enabled"] and "410" in gone["disabled_reason"]
    site.log.clear()
    run(runner, archive_path)  # neither is due: one waits, one is disabled
    assert site.log == []


def test_a_permanent_redirect_moves_the_feed(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    site.feed([], "/new.xml")
    site.routes["/old.xml"] = Response(b"", status=301, headers={"Location": site.url("/new.xml")})
    nv(runner, archive_path, "feeds", "add", "--no-check", site.url("/old.xml"))
    assert run(runner, archive_path).exit_code == 0
    assert rows(archive_path, "select url from feeds") == [(site.url("/new.xml"),)]


# --- one run at a time; kill -9 ------------------------------------------------------------


def test_a_second_run_exits_at_once_while_the_lock_is_held(
    runner: CliRunner, archive_path: Path
) -> None:
    nv(runner, archive_path, "db", "upgrade")
    with run_lock(lock_path(f"sqlite:///{archive_path}")):
        began = time.monotonic()
        result = run(runner, archive_path)
    assert result.exit_code == 12
    assert result.stderr.startswith("Error: another newsvault run")
    assert time.monotonic() - began < 2
    assert run(runner, archive_path).exit_code == 0  # released: the next run goes ahead


def test_config_file_feeds_and_settings(
    sites: list[Site], runner: CliRunner, archive_path: Path, tmp_path: Path
) -> None:
    site = sites[0]
    links = articles_on(site, 2)
    site.feed(links)
    config = tmp_path / "newsvault.toml"
    config.write_text(
        f'[archive]\ndb = "{archive_path}"\n\n[fetch]\nallow_private = ["127.0.0.0/8"]\n\n'
        "[run]\nhost_delay = 0\nprocesses = 0\n\n"
        f'[[feeds]]\nurl = "{site.url("/rss.xml")}"\nname = "Site A"\ntags = ["world"]\n'
    )
    result = runner.invoke(cli, ["--config", str(config), "run"])
    assert result.exit_code == 0, result.stderr
    assert rows(archive_path, "select url, name, tags from feeds") == [
        (site.url("/rss.xml"), "Site A", '["world"]')
    ]
    assert rows(archive_path, "select count(*) from articles") == [(2,)]


def test_a_config_file_with_a_typo_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "newsvault.toml"
    config.write_text("[run]\nhost_dealy = 2\n")
    result = runner.invoke(cli, ["--config", str(config), "run"])
    assert result.exit_code == 2
    assert "unknown key 'host_dealy' in [run]" in result.stderr


@pytest.mark.slow
def test_kill_9_mid_run_then_the_next_run_completes_the_set(tmp_path: Path) -> None:
    archive = tmp_path / "archive.db"
    with network(2, latency=0.05) as sites:
        expected: set[str] = set()
        feeds: list[str] = []
        for site in sites:
            links = articles_on(site, 30)
            expected.update(links)
            site.feed(links)
            feeds += ["--feed", site.url("/rss.xml")]
        command = [
            sys.executable, "-m", "newsvault", "--db", str(archive), *BASE, "--quiet",
            "run", "--host-delay", "0", *feeds,
        ]  # fmt: skip
        victim = subprocess.Popen(command, start_new_session=True)
        _wait_for_articles(archive, 5)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        assert rows(archive, "pragma integrity_check") == [("ok",)]
        kept = rows(archive, "select count(*) from articles")[0][0]
        assert 5 <= kept < 60
        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
    assert {row[0] for row in rows(archive, "select url from articles")} == expected
    assert rows(archive, "select count(*), count(distinct url) from articles") == [(60, 60)]
    assert rows(archive, "pragma integrity_check") == [("ok",)]
    statuses = [row[0] for row in rows(archive, "select status from runs order by id")]
    assert statuses == ["killed", "completed"]


def _wait_for_articles(archive: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if archive.exists():
            try:
                if rows(archive, "select count(*) from articles")[0][0] >= count:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} articles after {timeout} s")


def test_bad_feeds_fail_one_by_one_and_the_run_goes_on(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    links = articles_on(site, 2)
    site.feed(links, "/good.xml")
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><title>&c;</title>'
        "</channel></rss>"
    )
    bad = {
        "/html.xml": Response(b"<!DOCTYPE html><html><body><p>Hello</p></body></html>"),
        "/empty.xml": Response(b"", content_type="application/rss+xml"),
        "/broken.xml": Response(b"<?xml version='1.0'?><rss><chann", content_type="text/xml"),
        "/laughs.xml": Response(laughs.encode(), content_type="application/rss+xml"),
        "/loop.xml": Response(b"", status=302, headers={"Location": "/loop.xml"}),
    }
    site.routes.update(bad)
    for path in [*bad, "/good.xml"]:
        nv(runner, archive_path, "feeds", "add", "--no-check", site.url(path))
    result = run(runner, archive_path)
    assert result.exit_code == 0, result.stderr
    assert "feeds polled 6 (not modified 0, failed 5)" in result.stderr
    assert rows(archive_path, "select count(*) from articles") == [(2,)]
    errors = dict(
        rows(archive_path, "select url, last_error from feeds where last_error is not null")
    )
    assert set(errors) == {site.url(path) for path in bad}
    assert all(error and "\n" not in error for error in errors.values())
    assert "HTML" in errors[site.url("/html.xml")]
    assert "entities" in errors[site.url("/laughs.xml")]
    assert "redirect" in errors[site.url("/loop.xml")]


def test_an_analyst_reading_during_a_run_is_never_locked_out(
    runner: CliRunner, archive_path: Path
) -> None:
    with network(2, latency=0.02) as sites:
        feeds: list[str] = []
        for site in sites:
            links = articles_on(site, 15)
            site.feed(links)
            feeds += ["--feed", site.url("/rss.xml")]
        nv(runner, archive_path, "db", "upgrade")
        stop = threading.Event()
        errors: list[str] = []
        reads = [0]

        def analyst() -> None:
            reader = sqlite3.connect(archive_path, timeout=0)  # no waiting at all
            while not stop.is_set():
                try:
                    reader.execute("select count(*), max(length(text)) from articles").fetchall()
                    reads[0] += 1
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
            reader.close()

        thread = threading.Thread(target=analyst)
        thread.start()
        try:
            result = run(runner, archive_path, *feeds)
        finally:
            stop.set()
            thread.join()
        assert result.exit_code == 0, result.stderr
        assert rows(archive_path, "select count(*) from articles") == [(30,)]
        assert errors == []
        assert reads[0] > 10


def test_json_logs_and_a_quiet_run(
    sites: list[Site], runner: CliRunner, archive_path: Path
) -> None:
    site = sites[0]
    site.feed([])
    feed = site.url("/rss.xml")
    logged = runner.invoke(
        cli, ["--db", str(archive_path), *BASE, "--log-format", "json", "run", "--feed", feed]
    )
    assert logged.exit_code == 0, logged.stderr
    summary = json.loads(logged.stderr.strip().splitlines()[-1])
    assert summary["event"] == "run finished" and summary["feeds_polled"] == 1
    quiet = runner.invoke(cli, ["--db", str(archive_path), *BASE, "--quiet", "run", "--feed", feed])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_extraction_in_worker_processes_gives_the_same_archive(
    runner: CliRunner, tmp_path: Path
) -> None:
    with network(1) as (site,):
        links = articles_on(site, 6)
        site.feed(links)
        feed = site.url("/rss.xml")
        archives = {}
        for processes in ("0", "1", "2"):
            archive = tmp_path / f"p{processes}.db"
            result = run(runner, archive, "--processes", processes, "--feed", feed)
            assert result.exit_code == 0, result.stderr
            archives[processes] = rows(
                archive,
                "select url, title, byline, authors, text, markdown, word_count, content_hash,"
                " simhash, extractor_version from articles order by url",
            )
    assert archives["0"] == archives["1"] == archives["2"]
    assert len(archives["2"]) == 6


def test_an_extraction_process_answers_as_extract_does() -> None:
    page = ARTICLE_PAGES[0].read_text(encoding="utf-8")
    workers = ExtractionWorkers(1)
    try:
        assert workers.extract(page, "https://news.example/a") == prepare(
            page, "https://news.example/a"
        )
        with pytest.raises(NotAnArticle) as raised:
            workers.extract("<html><body><p>Hi</p></body></html>", "https://news.example/b")
        with pytest.raises(NotAnArticle) as expected:
            extract("<html><body><p>Hi</p></body></html>", url="https://news.example/b")
        assert raised.value.message == expected.value.message
        child = workers._children[0].process
    finally:
        workers.close()
    assert child.returncode == 0  # it ended by itself once its stdin closed


def test_a_dead_extraction_process_fails_its_jobs_and_no_more_are_sent() -> None:
    workers = ExtractionWorkers(1)
    try:
        workers._children[0].process.kill()
        workers._children[0].process.wait()
        page = ARTICLE_PAGES[0].read_text(encoding="utf-8")
        for _ in range(2):  # the job that meets the dead child, then one with no child left
            with pytest.raises(WorkerDied):
                workers.extract(page, "https://news.example/a")
    finally:
        workers.close()


def _kill_extraction_processes() -> int:
    """SIGKILL this process's `newsvault.worker` children; how many there were."""
    killed = 0
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"newsvault.worker" in command:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
    return killed


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_killed_extraction_process_leaves_the_work_to_the_fetching_threads(
    runner: CliRunner, archive_path: Path
) -> None:
    killed: list[int] = []

    def kill_then_serve(request: Request) -> Response:
        killed.append(_kill_extraction_processes())
        return Response(ARTICLE_PAGES[0].read_bytes())

    with network(1) as (site,):
        links = articles_on(site, 12)
        site.routes["/news/5.html"] = kill_then_serve
        site.feed(links)
        result = run(runner, archive_path, "--processes", "1", "--feed", site.url("/rss.xml"))
    assert result.exit_code == 0, result.stderr
    assert killed == [1]
    assert "an extraction process died; extracting in the fetching threads" in result.stderr
    assert rows(archive_path, "select count(*) from articles") == [(12,)]


def test_one_extraction_process_fewer_than_the_cores_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert extraction_processes(None) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert extraction_processes(None) == 0  # one core: the fetching threads extract
    assert extraction_processes(2) == 2


def test_a_terminal_sees_a_progress_line(sites: list[Site], tmp_path: Path) -> None:
    site = sites[0]
    links = articles_on(site, 3)
    site.feed(links)
    leader, follower = pty.openpty()
    command = [
        sys.executable, "-m", "newsvault", "--db", str(tmp_path / "a.db"), *BASE,
        "run", "--processes", "0", "--host-delay", "0", "--feed", site.url("/rss.xml"),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the run is over
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    text = seen.decode()
    assert "\rfeeds 1  articles 3/3  new 3  failed 0" in text
    assert "run 1: feeds polled 1" in text


def test_a_signal_during_an_articles_commit_waits_until_it_is_counted(
    runner: CliRunner, archive_path: Path
) -> None:
    """The interrupt lands right after the first article's commit, the narrowest window."""
    with network(1) as (site,):
        feed = site.feed(articles_on(site, 6))
        sent: list[int] = []

        def interrupt_once(session: Session) -> None:
            if not sent and rows(archive_path, "select count(*) from articles") == [(1,)]:
                sent.append(1)
                os.kill(os.getpid(), signal.SIGINT)

        event.listen(Session, "after_commit", interrupt_once)
        try:
            result = run(runner, archive_path, "--workers", "1", "--feed", feed)
        finally:
            event.remove(Session, "after_commit", interrupt_once)
    assert sent
    assert result.exit_code == 130, result.output
    assert rows(archive_path, "select status, articles_new from runs") == [("interrupted", 1)]
    assert rows(archive_path, "select count(*) from articles") == [(1,)]


@pytest.mark.slow
def test_sigterm_ends_the_run_cleanly(tmp_path: Path) -> None:
    archive = tmp_path / "archive.db"
    with network(1, latency=0.1) as (site,):
        feed = site.feed(articles_on(site, 40))
        command = [
            sys.executable, "-m", "newsvault", "--db", str(archive), *BASE,
            "run", "--host-delay", "0", "--processes", "0", "--feed", feed,
        ]  # fmt: skip
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        _wait_for_articles(archive, 3)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    (status, new) = rows(archive, "select status, articles_new from runs")[0]
    kept = rows(archive, "select count(*) from articles")[0][0]
    assert status == "interrupted"
    assert 3 <= new == kept < 40
    assert rows(archive, "pragma integrity_check") == [("ok",)]
