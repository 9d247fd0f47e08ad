"""Revisits, revisions, `history` and `reextract`, against local sites and real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import PAGES
from newsnet import Response, Site, network
from newsvault.archive import RevisitPolicy
from newsvault.article import EXTRACTOR_VERSION
from newsvault.cli import cli
from newsvault.config import RunSettings
from newsvault.errors import ConfigError

BASE = ["--allow-private", "127.0.0.0/8", "--retries", "0"]

#: A page with a "Most read" sidebar, comments and a "Read more" link inside the body.
ORIGINAL = (PAGES / "drupal-regional-comments.html").read_text(encoding="utf-8")
MOST_READ = [line for line in ORIGINAL.splitlines() if "views-field-title" in line]


def same_story(html: str = ORIGINAL) -> str:
    """The page an hour later: the "Most read" box rotated, whitespace and a tracked link."""
    first, second, third = MOST_READ
    html = html.replace(first, "\0").replace(third, first).replace("\0", third)
    html = html.replace(second, second.replace("A40 to close overnight", "Market hall reopens"))
    html = html.replace(
        "have taken a significant step forward.", "have taken  a significant\n   step forward. "
    )
    return html.replace(
        'href="/news/2024/11/14/heart-of-wales-line-timetable-boost"',
        'href="/news/2024/11/14/heart-of-wales-line-timetable-boost?utm_source=nl&amp;utm_medium=e"',
    )


def corrected(html: str = ORIGINAL) -> str:
    """The page after a correction: an edited paragraph and a new one."""
    html = html.replace("agreed to spend £480,000 on", "agreed to spend £520,000 on")
    return html.replace(
        "<p>A final decision on whether to build the station is expected in 2027.</p>",
        "<p>A final decision on whether to build the station is expected in early 2027.</p>"
        "<p>Opposition councillors said they would ask for the business case to be published.</p>",
    )


def nv(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--db", str(db), *BASE, *args])


def run(runner: CliRunner, db: Path, *args: str) -> Result:
    result = nv(runner, db, "run", "--host-delay", "0", "--processes", "0", *args)
    assert result.exit_code == 0, result.stderr
    return result


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def stamp(value: datetime) -> str:
    """A time as the archive stores it (naive UTC text with microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def age(db: Path, url: str, hours: float, *, checks: int = 0) -> None:
    """Move an article's first sight `hours` back and make its next revisit due now."""
    first_seen = datetime.now(UTC) - timedelta(hours=hours)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "update articles set first_seen_at = ?, next_check_at = ?, checks = ? where url = ?",
            (stamp(first_seen), stamp(datetime.now(UTC) - timedelta(seconds=1)), checks, url),
        )


def schedule(db: Path, url: str) -> tuple[datetime, int, datetime | None]:
    ((first_seen, checks, next_check),) = rows(
        db, "select first_seen_at, checks, next_check_at from articles where url = ?", url
    )
    return parse(first_seen), checks, parse(next_check) if next_check else None


@pytest.fixture
def site() -> Iterator[Site]:
    with network(1) as (made,):
        yield made


def archived(runner: CliRunner, db: Path, site: Site, *paths: str) -> list[str]:
    """Serve the original page at each path, subscribe to a feed of them, run once."""
    links = [site.page(path, ORIGINAL.encode()) for path in paths]
    nv(runner, db, "feeds", "add", site.feed(links))
    first = run(runner, db)
    assert f"articles new {len(links)}" in first.stderr
    return links


# --- the schedule ----------------------------------------------------------------------------

T = datetime(2024, 10, 25, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DEFAULT = RevisitPolicy(after=RunSettings().revisit_after, max_age=RunSettings().revisit_max_age)


def test_the_default_schedule_is_1_6_24_72_hours_after_first_sight() -> None:
    assert DEFAULT.next_check(T, 0, T) == T + HOUR
    assert DEFAULT.next_check(T, 1, T + 1.1 * HOUR) == T + 6 * HOUR
    assert DEFAULT.next_check(T, 2, T + 6.1 * HOUR) == T + 24 * HOUR
    assert DEFAULT.next_check(T, 3, T + 24.1 * HOUR) == T + 72 * HOUR
    assert DEFAULT.next_check(T, 4, T + 72.1 * HOUR) is None  # the schedule is exhausted


def test_intervals_already_past_are_skipped_not_caught_up() -> None:
    assert DEFAULT.next_check(T, 1, T + 30 * HOUR) == T + 72 * HOUR
    assert DEFAULT.next_check(T, 2, T + 80 * HOUR) is None


def test_the_max_age_ends_the_schedule_and_zero_disables_it() -> None:
    two_days = RevisitPolicy(after=DEFAULT.after, max_age=48 * 3600)
    assert two_days.next_check(T, 2, T + 7 * HOUR) == T + 24 * HOUR
    assert two_days.next_check(T, 3, T + 25 * HOUR) is None  # 72 h is past the max age
    assert two_days.next_check(T, 0, T + 50 * HOUR) is None  # the article is too old
    assert RevisitPolicy(after=DEFAULT.after, max_age=0).next_check(T, 0, T) is None


@pytest.mark.parametrize(
    ("after", "max_age", "message"),
    [
        ([3600, 60], 100.0, "growing"),
        ([0, 60], 100.0, "positive"),
        (["1h"], 100.0, "numbers"),
        ([3600], -1.0, "revisit_max_age"),
    ],
)
def test_run_settings_refuse_a_bad_schedule(after: Any, max_age: float, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RunSettings(revisit_after=after, revisit_max_age=max_age)


def test_the_config_file_sets_the_schedule(
    site: Site, runner: CliRunner, archive_path: Path, tmp_path: Path
) -> None:
    (url,) = [site.page("/news/a.html", ORIGINAL.encode())]
    config = tmp_path / "newsvault.toml"
    config.write_text(
        f'[archive]\ndb = "{archive_path}"\n[fetch]\nallow_private = ["127.0.0.0/8"]\n'
        "[run]\nhost_delay = 0\nprocesses = 0\nrevisit_after = [600, 7200]\n"
        f'revisit_max_age = 86400\n[[feeds]]\nurl = "{site.feed([url])}"\n'
    )
    assert runner.invoke(cli, ["--config", str(config), "run"]).exit_code == 0
    first_seen, checks, next_check = schedule(archive_path, url)
    assert (checks, next_check) == (0, first_seen + timedelta(seconds=600))
    config.write_text(config.read_text().replace("[600, 7200]", "[7200, 600]"))
    refused = runner.invoke(cli, ["--config", str(config), "run"])
    assert refused.exit_code == 2
    assert "revisit_after must be positive and growing" in refused.stderr


# --- revisits in a run -------------------------------------------------------------------------


def test_a_corrected_page_gets_a_revision_and_history_shows_the_change(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    (url,) = archived(runner, archive_path, site, "/news/a.html")
    first_seen, checks, next_check = schedule(archive_path, url)
    assert (checks, next_check) == (0, first_seen + HOUR)
    site.log.clear()
    not_yet = run(runner, archive_path)
    assert "/news/a.html" not in [request.path for request in site.log]
    assert "revisited 0 (revised 0)" in not_yet.stderr

    age(archive_path, url, hours=2)
    site.page("/news/a.html", corrected().encode())
    second = run(runner, archive_path)
    assert "revisited 1 (revised 1)" in second.stderr
    assert rows(archive_path, "select count(*) from article_versions") == [(2,)]
    ((text,),) = rows(archive_path, "select text from articles where url = ?", url)
    assert "£520,000" in text and "Opposition councillors" in text  # the row shows the latest
    first_seen, checks, next_check = schedule(archive_path, url)
    assert (checks, next_check) == (1, first_seen + 6 * HOUR)
    assert rows(
        archive_path, "select articles_revisited, articles_revised from runs order by id desc"
    )[0] == (1, 1)

    history = nv(runner, archive_path, "history", url)
    assert history.exit_code == 0, history.stderr
    out = history.stdout
    assert "2 revisions" in out
    assert "revision 1 · " in out and "first archived" in out
    assert "[-£480,000-] {+£520,000+}" in out
    assert "in {+early+} 2027" in out
    assert "added: {+Opposition councillors said" in out
    assert "Most read" not in out

    records = [json.loads(line) for line in nv(
        runner, archive_path, "history", "1", "--format", "json"
    ).stdout.splitlines()]  # fmt: skip
    assert [record["version"] for record in records] == [1, 2]
    assert records[0]["diff"] == ""
    diff = records[1]["diff"].splitlines()
    assert diff[:2] == ["--- revision 1", "+++ revision 2"]
    assert any(line.startswith("-") and "£480,000" in line for line in diff)
    assert any(line.startswith("+") and "£520,000" in line for line in diff)
    assert records[1]["fetched_at"] > records[0]["fetched_at"]


def test_whitespace_tracking_parameters_and_a_rotated_box_are_no_revision(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    (url,) = archived(runner, archive_path, site, "/news/a.html")
    age(archive_path, url, hours=2)
    site.page("/news/a.html", same_story().encode())
    result = run(runner, archive_path)
    assert "revisited 1 (revised 0)" in result.stderr
    assert site.hits["/news/a.html"] == 2
    assert rows(archive_path, "select count(*) from article_versions") == [(1,)]
    assert rows(archive_path, "select outcome from fetches order by id desc limit 1") == [
        ("unchanged",)
    ]
    _, checks, _ = schedule(archive_path, url)
    assert checks == 1
    assert "1 revision\n" in nv(runner, archive_path, "history", url).stdout


def test_a_revisit_that_fails_keeps_the_row_and_a_gone_page_ends_the_schedule(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    busy, gone = archived(runner, archive_path, site, "/news/busy.html", "/news/gone.html")
    before = rows(archive_path, "select url, title, text, content_hash from articles order by id")
    for url in (busy, gone):
        age(archive_path, url, hours=2)
    site.routes["/news/busy.html"] = Response(b"busy", status=503)
    site.routes["/news/gone.html"] = Response(b"gone", status=410)
    result = nv(runner, archive_path, "run", "--host-delay", "0", "--processes", "0", "--strict")
    assert result.exit_code == 11
    assert "failed 2" in result.stderr and "revisited 0 (revised 0)" in result.stderr
    after = rows(archive_path, "select url, title, text, content_hash from articles order by id")
    assert after == before
    assert rows(
        archive_path, "select url, status from fetches where outcome = 'failed' order by url"
    ) == [(busy, 503), (gone, 410)]
    first_seen, checks, next_check = schedule(archive_path, busy)
    assert (checks, next_check) == (1, first_seen + 6 * HOUR)  # tried again later
    assert schedule(archive_path, gone)[1:] == (1, None)  # deleted: not asked for again


def test_revisits_obey_robots_txt(site: Site, runner: CliRunner, archive_path: Path) -> None:
    (url,) = archived(runner, archive_path, site, "/news/a.html")
    age(archive_path, url, hours=2)
    site.page("/robots.txt", b"User-agent: *\nDisallow: /news/\n", content_type="text/plain")
    site.log.clear()
    result = run(runner, archive_path)
    assert "skipped by robots.txt 1" in result.stderr
    assert [request.path for request in site.log if request.path != "/rss.xml"] == ["/robots.txt"]


def test_no_revisits_with_the_flag_with_feed_or_past_the_max_age(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    young, old = archived(runner, archive_path, site, "/news/young.html", "/news/old.html")
    age(archive_path, young, hours=2)
    age(archive_path, old, hours=24 * 8)
    site.log.clear()
    run(runner, archive_path, "--no-revisits")
    run(runner, archive_path, "--feed", site.url("/rss.xml"))
    assert [request.path for request in site.log if request.path.startswith("/news")] == []
    run(runner, archive_path)
    assert [request.path for request in site.log if request.path.startswith("/news")] == [
        "/news/young.html"
    ]
    assert schedule(archive_path, old)[1:] == (0, None)


def test_articles_archived_by_fetch_are_scheduled_by_the_next_run(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    url = site.page("/news/a.html", ORIGINAL.encode())
    assert nv(runner, archive_path, "fetch", url).exit_code == 0
    assert schedule(archive_path, url)[2] is None
    run(runner, archive_path)
    first_seen, checks, next_check = schedule(archive_path, url)
    assert (checks, next_check) == (0, first_seen + HOUR)


# --- reextract ---------------------------------------------------------------------------------


def test_reextract_rebuilds_text_and_version_without_a_revision(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    (url,) = archived(runner, archive_path, site, "/news/a.html")
    good = rows(archive_path, "select title, text, word_count, content_hash from articles")
    with sqlite3.connect(archive_path) as conn:
        conn.execute(
            "update articles set extractor_version = 'old', title = 'Wrong', "
            "text = 'Most read: Llandeilo bakery closes', word_count = 5, content_hash = 'x'"
        )
    site.close()  # no network: a request would fail
    result = nv(runner, archive_path, "reextract")
    assert result.exit_code == 0, result.stderr
    assert "re-extracted 1 article (changed 1), failed 0" in result.stderr
    assert rows(archive_path, "select title, text, word_count, content_hash from articles") == good
    assert rows(archive_path, "select extractor_version from articles") == [(EXTRACTOR_VERSION,)]
    assert rows(archive_path, "select count(*) from article_versions") == [(1,)]
    assert "re-extracted 0 articles" in nv(runner, archive_path, "reextract").stderr
    again = nv(runner, archive_path, "reextract", "--all", "--source", "127.0.0.2")
    assert "re-extracted 1 article (changed 0), failed 0" in again.stderr
    later = nv(runner, archive_path, "reextract", "--all", "--since", "2999-01-01")
    assert "re-extracted 0 articles" in later.stderr
    assert url in nv(runner, archive_path, "history", url).stdout


def test_a_stored_page_that_is_no_article_now_is_reported_and_left_alone(
    site: Site, runner: CliRunner, archive_path: Path
) -> None:
    (url,) = archived(runner, archive_path, site, "/news/a.html")
    homepage = (PAGES / "homepage-not-article.html").read_bytes()
    with sqlite3.connect(archive_path) as conn:
        conn.execute("update articles set extractor_version = 'old'")
        conn.execute("update raw_pages set body = ?", (zlib.compress(homepage),))
    before = rows(archive_path, "select * from articles")
    result = nv(runner, archive_path, "reextract")
    assert result.exit_code == 0, result.stderr
    assert f"Error: {url}: no article on the stored page any more" in result.stderr
    assert "re-extracted 0 articles (changed 0), failed 1" in result.stderr
    assert rows(archive_path, "select * from articles") == before


def test_bad_input_to_history_and_reextract(runner: CliRunner, archive_path: Path) -> None:
    missing = nv(runner, archive_path, "history", "https://news.example/none")
    assert missing.exit_code == 10
    assert missing.stderr == "Error: https://news.example/none: no such article in the archive\n"
    source = nv(runner, archive_path, "reextract", "--source", "nowhere.example")
    assert source.exit_code == 10 and "no such source" in source.stderr
    date = nv(runner, archive_path, "reextract", "--since", "last tuesday")
    assert date.exit_code == 2 and "is not a date" in date.stderr
