"""The same archive on PostgreSQL: migrations, storage, the CLI and search, on a real server.

Every test that needs the server takes `pg_url` (conftest.py): a fresh schema of its own,
dropped afterwards, or a skip saying why when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from conftest import PAGES, load_fixture
from newsnet import Site, network
from newsvault import archive, db, query
from newsvault.article import EXTRACTOR_VERSION, extract
from newsvault.cli import cli
from newsvault.errors import QueryError, StorageError
from newsvault.models import ArticleRow, FeedItemRow, RunRow, Source
from newsvault.records import Article, FeedItem, Page

# The storage tests of test_archive.py, collected again here: with this module's `sessions`
# fixture they run on PostgreSQL. Named one by one, so a SQLite-only test there stays there.
from test_archive import (  # noqa: F401
    ARTICLE,
    WHEN,
    _page,
    _save,
    test_a_changed_article_is_updated_in_place,
    test_a_new_article_is_stored_with_its_source_and_raw_page,
    test_a_real_change_is_a_revision_and_whitespace_is_not,
    test_authors_have_their_own_table,
    test_copies_of_one_story_on_two_sites_are_linked,
    test_every_fetch_is_recorded,
    test_find_article_by_id_url_and_canonical_url,
    test_the_same_article_again_changes_nothing,
    test_the_same_article_under_another_url_is_one_article,
    test_to_article_gives_back_the_public_record,
)
from test_query import SLUGS


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """An engine on an empty schema (not upgraded); disposed before the schema is dropped."""
    made = db.make_engine(pg_url)
    yield made
    made.dispose()


@pytest.fixture
def archive_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on an archive upgraded to head."""
    made = db.open_archive(pg_url)
    yield made
    made.dispose()


@pytest.fixture
def sessions(archive_engine: Engine) -> sessionmaker[Session]:
    """Write sessions on an archive at head (test_archive.py's fixture, on PostgreSQL)."""
    return db.session_factory(archive_engine, write=True)


def _scalars(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).scalars())


def _migration(revision: str) -> ModuleType:
    """A migration script as a module (the scripts are not an importable package in a checkout)."""
    (path,) = Path(db._scripts_dir(), "versions").glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- migrations ----------------------------------------------------------------------------


def test_upgrade_creates_every_table_in_an_empty_schema(engine: Engine) -> None:
    assert db.upgrade(engine) == (None, db.head_revision())
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn, schema=None))
        views = set(conn.dialect.get_view_names(conn, schema=None))
    assert {"sources", "articles", "raw_pages", "fetches", "feeds", "runs", "authors"} <= tables
    assert "_alembic_version" in tables
    assert views == {"article_list", "article_author_list", "failed_fetches"}
    assert db.upgrade(engine) == (db.head_revision(), db.head_revision())


def test_models_and_migrations_agree(engine: Engine) -> None:
    db.upgrade(engine)
    assert db.schema_diff(engine) == []  # and no warning (filterwarnings = error)


def test_the_search_index_exists_and_is_left_out_of_the_comparison(engine: Engine) -> None:
    db.upgrade(engine)
    found = _scalars(
        engine,
        "select indexdef from pg_indexes where indexname = 'ix_articles__search' "
        "and schemaname = current_schema()",
    )
    assert len(found) == 1 and "USING gin" in found[0] and "to_tsvector" in found[0]
    assert db.schema_diff(engine) == []  # no model declares it, and no drop is proposed


def test_an_archive_from_a_newer_newsvault_is_refused(engine: Engine) -> None:
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("update _alembic_version set version_num = '9999_from_the_future'"))
    with pytest.raises(StorageError, match="newer newsvault"):
        db.upgrade(engine)


def test_a_schema_of_another_application_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("create table recipes (id integer primary key, name text)"))
    with pytest.raises(StorageError, match="is not a newsvault archive"):
        db.upgrade(engine)
    tables = "select tablename from pg_tables where schemaname = current_schema()"
    assert _scalars(engine, tables) == ["recipes"]


def test_three_processes_upgrading_at_once_all_succeed(pg_url: str) -> None:
    script = "import sys; from newsvault import db; db.upgrade(db.make_engine(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, pg_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    engine = db.make_engine(pg_url)
    assert _scalars(engine, "select version_num from _alembic_version") == [db.head_revision()]
    engine.dispose()


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command

    engine = db.make_engine(url)
    with db.writer(engine).connect() as connection:
        config = db._alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()
    engine.dispose()


ARTICLE_ROW = {
    "url": "https://news.example/a", "final_url": "https://news.example/a",
    "canonical_url": "https://news.example/a", "title": "Bridge vote", "byline": "Ann Lee",
    "authors": '["Ann Lee"]', "text": "The council voted on the bridge.", "markdown": "x",
    "word_count": 6, "content_hash": "h", "extractor_version": "old",
    "first_seen_at": "2024-10-25 09:00:00", "fetched_at": "2024-10-25 09:00:00",
    "updated_at": "2024-10-25 09:00:00",
}  # fmt: skip

RUN_ROW = {
    "started_at": "2024-10-25 09:00:00", "status": "completed", "pid": 4242, "feeds_polled": 1,
    "feeds_not_modified": 0, "feeds_failed": 0, "articles_new": 1, "articles_failed": 0,
    "skipped_robots": 0,
}  # fmt: skip


def _insert(conn: Any, table: str, row: dict[str, Any]) -> int:
    columns, marks = ", ".join(row), ", ".join(f":{name}" for name in row)
    return int(
        conn.execute(
            text(f"insert into {table} ({columns}) values ({marks}) returning id"), row
        ).scalar()
    )


def _earlier_revisions() -> list[str]:
    head = db.head_revision()
    return sorted(
        script.revision for script in db._scripts().walk_revisions() if script.revision != head
    )


@pytest.mark.parametrize("revision", _earlier_revisions())
def test_an_archive_of_an_earlier_revision_upgrades_without_loss(
    pg_url: str, revision: str
) -> None:
    _migrate(pg_url, revision)
    engine = db.make_engine(pg_url)
    with engine.begin() as conn:
        source = _insert(conn, "sources", {"host": "news.example", "first_seen_at": "2024-10-25"})
        _insert(conn, "articles", {**ARTICLE_ROW, "source_id": source})
        if revision >= "0002":
            _insert(conn, "runs", RUN_ROW)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select url, title, text, authors from articles")).all() == [
            (
                "https://news.example/a",
                "Bridge vote",
                "The council voted on the bridge.",
                ["Ann Lee"],
            )
        ]
        if revision >= "0002":
            assert conn.execute(text("select status, pid from runs")).all() == [("completed", 4242)]
    if revision < "0004":  # 0004 gave the archived articles their aliases, authors and version 1
        assert _scalars(engine, "select url from article_urls") == ["https://news.example/a"]
        assert _scalars(engine, "select name from authors") == ["Ann Lee"]
        assert _scalars(engine, "select version from article_versions") == [1]
    document = _migration("0004").SEARCH_DOCUMENT
    match = f"select id from articles where {document} @@ websearch_to_tsquery('simple', 'bridge')"
    assert len(_scalars(engine, match)) == 1
    assert db.schema_diff(engine) == []
    # Still an archive newsvault can write to (the id sequences went on from the old rows).
    saved = _save(db.session_factory(engine, write=True), _page(), ARTICLE)
    assert saved.outcome == "new"
    engine.dispose()


def test_downgrade_to_the_first_revision_and_back(pg_url: str) -> None:
    db.open_archive(pg_url).dispose()
    _migrate(pg_url, "0001", down=True)
    engine = db.make_engine(pg_url)
    assert _scalars(engine, "select version_num from _alembic_version") == ["0001"]
    indexes = "select indexname from pg_indexes where schemaname = current_schema()"
    assert "ix_articles__search" not in _scalars(engine, indexes)
    _migrate(pg_url, "head")
    assert db.schema_diff(engine) == []
    engine.dispose()


# --- connections and errors ----------------------------------------------------------------


def test_writers_queue_and_readers_do_not(
    archive_engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Two writers adding articles of one new site at once: the second waits, then succeeds."""
    other = dataclasses.replace(ARTICLE, url="https://news.example/b", canonical_url=None)
    done = threading.Event()

    def second_writer() -> None:
        _save(sessions, _page(url=other.url, final_url=other.url), other)
        done.set()

    with sessions.begin() as session:
        archive.save_article(session, _page(), ARTICLE, extractor_version="test-1")
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert not done.is_set()  # queued on the write lock, not failing on a unique key
        # A reader is not held up by the open write transaction.
        with db.session_factory(archive_engine)() as read:
            assert read.scalar(select(func.count()).select_from(ArticleRow)) == 0
    thread.join(timeout=30)
    assert done.is_set()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRow)) == 2
        assert session.scalar(select(func.count()).select_from(Source)) == 1


def test_an_engine_dropped_without_dispose_closes_its_connections(pg_url: str) -> None:
    """psycopg warns (an error here: filterwarnings) about a connection collected while open."""
    engine = db.open_archive(pg_url)
    with db.session_factory(engine)() as session:
        session.execute(text("select 1"))
    del engine, session
    gc.collect()  # nothing is left for psycopg to complain about


def test_a_server_that_does_not_answer_is_a_storage_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StorageError, match="could not be opened"):
        db.open_archive("postgresql+psycopg://postgres@127.0.0.1:1/test")


def test_a_missing_driver_is_a_storage_error_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StorageError, match=r"needs psycopg.*pip install 'newsvault\[postgres\]'"):
        db.make_engine("postgresql+psycopg://postgres@127.0.0.1/test")


# --- storage: feeds, feed items, runs, known URLs ------------------------------------------


def test_feeds_are_added_merged_found_and_due(sessions: sessionmaker[Session]) -> None:
    url = "https://news.example/rss.xml"
    with sessions.begin() as session:
        feed, created = archive.add_feed(session, url, name="News", tags=["world"], now=WHEN)
        assert created
        again, created = archive.add_feed(session, url, name=None, tags=["europe"], now=WHEN)
        assert (again.id, created) == (feed.id, False)
        later = archive.add_feed(session, "https://b.example/feed", name=None, tags=[], now=WHEN)
        later[0].next_poll_at = WHEN + timedelta(hours=1)
        off = archive.add_feed(session, "https://c.example/feed", name=None, tags=[], now=WHEN)
        off[0].enabled = False
    with sessions() as session:
        found = archive.find_feed(session, url)
        assert found is not None and found.tags == ["europe", "world"] and found.name == "News"
        assert archive.find_feed(session, str(feed.id)) is not None
        assert archive.list_feeds(session)[0].url == url
        assert [f.url for f in archive.due_feeds(session, WHEN)] == [url]
        due_later = archive.due_feeds(session, WHEN + timedelta(hours=2))
        assert [f.url for f in due_later] == [url, "https://b.example/feed"]


def test_feed_items_are_kept_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        url = "https://news.example/rss"
        feed, _ = archive.add_feed(session, url, name=None, tags=[], now=WHEN)
        item = FeedItem("https://news.example/a", url, title="A", authors=("Ann Lee",))
        archive.record_feed_items(session, [(feed.id, item), (feed.id, item)], WHEN)
        archive.record_feed_items(session, [(feed.id, item)], WHEN)
    with sessions() as session:
        (row,) = session.scalars(select(FeedItemRow)).all()
        assert (row.title, row.authors, row.first_seen_at) == ("A", ["Ann Lee"], WHEN)


def test_known_urls_are_archived_ones_and_permanent_failures(
    sessions: sessionmaker[Session],
) -> None:
    _save(sessions, _page(), ARTICLE)
    gone, flaky = "https://news.example/gone", "https://news.example/flaky"
    with sessions.begin() as session:
        for url, status, kind in ((gone, 410, "http_status"), (flaky, 503, "http_status")):
            archive.record_fetch(
                session, url=url, started_at=WHEN, duration=0.1, outcome="failed",
                status=status, error_kind=kind,
            )  # fmt: skip
    with sessions() as session:
        asked = [ARTICLE.url, gone, flaky, "https://news.example/new"]
        assert archive.known_urls(session, asked) == {ARTICLE.url, gone}


def test_runs_are_started_closed_and_counted(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        killed = archive.start_run(session, pid=1, now=WHEN).id
    with sessions.begin() as session:
        run = archive.start_run(session, pid=2, now=WHEN + timedelta(minutes=10)).id
        archive.finish_run(
            session, run, status="completed", counts={"articles_new": 3},
            now=WHEN + timedelta(minutes=10, seconds=42.5),
        )  # fmt: skip
    with sessions() as session:
        assert session.get_one(RunRow, killed).status == "killed"
        row = session.get_one(RunRow, run)
        assert (row.status, row.articles_new, row.duration_s) == ("completed", 3, 42.5)
        assert row.finished_at == WHEN + timedelta(minutes=10, seconds=42.5)


def test_times_are_utc_whatever_the_session_time_zone(sessions: sessionmaker[Session]) -> None:
    saved = _save(sessions, _page(), ARTICLE)
    with sessions() as session:
        session.execute(text("set time zone 'Asia/Tokyo'"))
        row = session.get_one(ArticleRow, saved.article_id)
        assert row.published_at == datetime(2024, 10, 25, 9, 0, tzinfo=UTC)
        assert row.fetched_at == WHEN and row.fetched_at.tzinfo is UTC


# --- the command line, into PostgreSQL ----------------------------------------------------


def _nv(runner: CliRunner, url: str, *args: str) -> Result:
    options = ["--db", url, "--allow-private", "127.0.0.0/8", "--retries", "1"]
    return runner.invoke(cli, [*options, *args])


SEED = "seed-wordpress-euronews-copy"


def test_fetch_and_show_into_postgres(
    runner: CliRunner, pg_url: str, httpserver: HTTPServer
) -> None:
    html, expected = load_fixture(SEED)
    httpserver.expect_request("/story").respond_with_data(
        html, content_type="text/html; charset=UTF-8"
    )
    url = httpserver.url_for("/story")
    first = _nv(runner, pg_url, "fetch", url)
    assert first.exit_code == 0, first.stderr
    assert _nv(runner, pg_url, "fetch", url).exit_code == 0  # unchanged: no duplicate
    shown = _nv(runner, pg_url, "show", url, "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    article = json.loads(shown.stdout)
    assert article["title"] == expected["title"]
    assert _nv(runner, pg_url, "show", "1").stdout == _nv(runner, pg_url, "show", url).stdout
    engine = db.make_engine(pg_url)
    assert _scalars(engine, "select count(*) from articles") == [1]
    assert _scalars(engine, "select outcome from fetches order by id") == ["new", "unchanged"]
    engine.dispose()


@pytest.fixture
def site() -> Iterator[Site]:
    with network(1) as made:
        yield made[0]


def test_run_archives_a_feed_into_postgres(
    runner: CliRunner,
    pg_url: str,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the run lock file goes here
    html, _ = load_fixture(SEED)
    links = [site.page(f"/news/{n}.html", html) for n in range(3)]
    site.feed(links)
    assert _nv(runner, pg_url, "feeds", "add", site.url("/rss.xml")).exit_code == 0
    run = ["run", "--host-delay", "0", "--processes", "0"]
    result = _nv(runner, pg_url, *run)
    assert result.exit_code == 0, result.stderr
    assert "articles new" in result.stderr
    again = _nv(runner, pg_url, *run, "--feed", site.url("/rss.xml"))
    assert again.exit_code == 0, again.stderr
    engine = db.make_engine(pg_url)
    assert sorted(_scalars(engine, "select url from articles")) == sorted(links)
    # One story on three pages: linked as near-duplicates (the SimHash bands, on PostgreSQL).
    assert _scalars(engine, "select count(*) from near_duplicates") == [3]
    assert _scalars(engine, "select status from runs order by id") == ["completed"] * 2
    assert _scalars(engine, "select count(*) from feed_items") == [3]
    engine.dispose()
    assert list(tmp_path.glob("newsvault-*.lock"))


def test_revisits_history_and_reextract_on_postgres(
    runner: CliRunner,
    pg_url: str,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    html = (PAGES / "drupal-regional-comments.html").read_text(encoding="utf-8")
    url = site.page("/news/a.html", html.encode())
    assert _nv(runner, pg_url, "feeds", "add", site.feed([url])).exit_code == 0
    run = ["run", "--host-delay", "0", "--processes", "0"]
    assert _nv(runner, pg_url, *run).exit_code == 0
    engine = db.make_engine(pg_url)
    with engine.begin() as conn:  # first seen two hours ago: the 1-hour revisit is due
        conn.execute(
            text(
                "update articles set first_seen_at = first_seen_at - interval '2 hours', "
                "next_check_at = (now() at time zone 'utc') - interval '1 second'"
            )
        )
    site.page("/news/a.html", html.replace("£480,000", "£520,000").encode())
    revisit = _nv(runner, pg_url, *run)
    assert revisit.exit_code == 0, revisit.stderr
    assert "revisited 1 (revised 1)" in revisit.stderr
    history = _nv(runner, pg_url, "history", url, "--format", "json")
    assert history.exit_code == 0, history.stderr
    records = [json.loads(line) for line in history.stdout.splitlines()]
    assert [record["version"] for record in records] == [1, 2]
    assert "£520,000" in records[1]["diff"]

    with engine.begin() as conn:
        conn.execute(text("update articles set extractor_version = 'old', title = 'Wrong'"))
    again = _nv(runner, pg_url, "reextract")
    assert again.exit_code == 0, again.stderr
    assert _scalars(engine, "select title from articles") != ["Wrong"]
    assert _scalars(engine, "select extractor_version from articles") == [EXTRACTOR_VERSION]
    assert _scalars(engine, "select count(*) from article_versions") == [2]
    engine.dispose()


# --- search, export and stats on PostgreSQL -----------------------------------------------

#: The same ten English fixture pages as the SQLite search tests.
SEARCH_SLUGS = SLUGS
SEARCH_WHEN = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def extracted() -> list[tuple[Page, Article]]:
    """The fixture pages, extracted once per module (pure work; no database)."""
    made = []
    for number, slug in enumerate(SEARCH_SLUGS):
        html, expected = load_fixture(slug)
        when = SEARCH_WHEN + timedelta(hours=number)
        page = _page(html, url=expected["url"], final_url=expected["url"], fetched_at=when)
        made.append((page, extract(html, url=expected["url"])))
    return made


@pytest.fixture
def search_engine(pg_url: str, extracted: list[tuple[Page, Article]]) -> Iterator[Engine]:
    """A fresh archive of the fixture pages, stored through archive.py as `fetch` does."""
    made = db.open_archive(pg_url)
    sessions = db.session_factory(made, write=True)
    for page, article in extracted:
        with sessions.begin() as session:
            archive.save_article(session, page, article, extractor_version=EXTRACTOR_VERSION)
    yield made
    made.dispose()


def _search(engine: Engine, words: str, **kw: Any) -> list[query.Hit]:
    with db.session_factory(engine)() as session:
        return query.search(session, words, **kw)


def test_search_on_postgres_ranks_a_title_match_first(search_engine: Engine) -> None:
    hits = _search(search_engine, "reservoirs")
    in_title = ["reservoirs" in (hit.title or "").lower() for hit in hits]
    assert in_title[:2] == [True, True] and not any(in_title[2:]), in_title
    assert hits == sorted(hits, key=lambda hit: -hit.score)


def test_search_on_postgres_speaks_websearch_syntax(search_engine: Engine) -> None:
    phrase = _search(search_engine, '"north korean" troops')
    assert [hit.source for hit in phrase] == ["worldnewstoday.example"]
    reservoirs = _search(search_engine, "reservoirs")
    either = _search(search_engine, "reservoirs or battery")
    assert len(either) > len(reservoirs) > 0
    without = _search(search_engine, "troops -kyiv")
    assert all("north korean" not in (hit.title or "").lower() for hit in without)


@pytest.mark.parametrize("odd", ['"north korean', "troops AND", "kursk)", "nosuchfield:kursk"])
def test_search_on_postgres_takes_any_query(search_engine: Engine, odd: str) -> None:
    """websearch_to_tsquery reads anything as words; what SQLite calls an error is a search."""
    assert isinstance(_search(search_engine, odd), list)


def test_search_on_postgres_without_words(search_engine: Engine) -> None:
    assert _search(search_engine, "!!! ...") == []  # no lexeme: nothing, and no warning
    with pytest.raises(QueryError, match="empty"):
        _search(search_engine, "   ")


def test_search_on_postgres_marks_the_matches(search_engine: Engine) -> None:
    (hit, *_) = _search(search_engine, "kursk", source="worldnewstoday.example")
    assert "[Kursk]" in hit.snippet
    assert "\n" not in hit.snippet and len(hit.snippet) < 400
    (bold,) = _search(search_engine, "kursk", marks=("\x1b[1m", "\x1b[0m"), limit=1)
    assert "\x1b[1mKursk\x1b[0m" in bold.snippet
    (html,) = _search(search_engine, "kursk", marks=('<b class="hit">', "</b>"), limit=1)
    assert '<b class="hit">Kursk</b>' in html.snippet


def test_search_on_postgres_filters_by_date_and_source(search_engine: Engine) -> None:
    since, until = datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC)
    every = _search(search_engine, "the", limit=100)
    july = _search(search_engine, "the", since=since, until=until, limit=100)
    ukn = _search(search_engine, "the", source="ukn.example", limit=100)
    assert len(every) == len(SEARCH_SLUGS)
    assert july and all(since <= hit.date < until for hit in july) and len(july) < len(every)
    assert [hit.source for hit in ukn] == ["www.ukn.example"]
    assert _search(search_engine, "the", limit=2) == every[:2]


def test_search_on_postgres_sees_the_analysts_own_edits(search_engine: Engine) -> None:
    """The expression index needs no trigger: rows written outside newsvault are found too."""
    with search_engine.begin() as conn:
        conn.execute(text("update articles set title = 'Zanzibar ferry' where id = 1"))
    assert [hit.id for hit in _search(search_engine, "zanzibar")] == [1]


def test_search_on_postgres_uses_the_gin_index(search_engine: Engine) -> None:
    """The search's own statement, explained: the planner answers it from ix_articles__search."""
    sent: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "websearch_to_tsquery" in statement:
            sent.append((statement, parameters))

    event.listen(search_engine, "before_cursor_execute", remember)
    _search(search_engine, "kursk", since=datetime(2024, 1, 1, tzinfo=UTC))
    event.remove(search_engine, "before_cursor_execute", remember)
    ((statement, parameters),) = sent
    with search_engine.connect() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # ten rows: force the choice
        plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
    assert any("ix_articles__search" in line for line in plan), "\n".join(plan)
    assert query.SEARCH_DOCUMENT == _migration("0004").SEARCH_DOCUMENT


def test_search_command_on_postgres(runner: CliRunner, search_engine: Engine) -> None:
    url = search_engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        cli, ["--db", url, "search", '"north korean" troops', "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["source"] == "worldnewstoday.example"


def test_export_and_stats_on_postgres(
    runner: CliRunner, search_engine: Engine, tmp_path: Path
) -> None:
    with db.session_factory(search_engine)() as session:
        batches = list(query.export_batches(session, batch_size=4))  # a server-side cursor
        stats = query.stats(session)
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert sum(source.articles for source in stats.sources) == len(SEARCH_SLUGS)
    out = tmp_path / "articles.jsonl"
    url = search_engine.url.render_as_string(hide_password=False)
    result = runner.invoke(cli, ["--db", url, "export", "--format", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == list(range(1, len(SEARCH_SLUGS) + 1))
    assert rows[0]["published_at"].endswith("+00:00") and isinstance(rows[0]["authors"], list)


def test_revisions_on_postgres(
    search_engine: Engine, extracted: list[tuple[Page, Article]]
) -> None:
    page, article = extracted[0]
    update = "Update: Kyiv later said a second group of troops had reached the Kursk front."
    revised = dataclasses.replace(article, text=f"{article.text}\n\n{update}")
    later = dataclasses.replace(page, fetched_at=SEARCH_WHEN + timedelta(days=1))
    sessions = db.session_factory(search_engine, write=True)
    assert _save(sessions, later, revised).outcome == "updated"
    with sessions() as session:
        versions = archive.versions_of(session, 1)
    assert [(v.version, v.fetched_at) for v in versions] == [
        (1, SEARCH_WHEN),
        (2, SEARCH_WHEN + timedelta(days=1)),
    ]
    assert [hit.id for hit in _search(search_engine, '"second group of troops"')] == [1]
