"""search, export and stats: query.py and its commands, on real SQLite archives of fixture pages."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import io
import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session, sessionmaker

from conftest import ROOT, load_fixture
from newsnet import network
from newsvault import archive, db, query
from newsvault.article import EXTRACTOR_VERSION, extract
from newsvault.cli import cli
from newsvault.errors import NotFound, QueryError
from newsvault.records import Article, Page

#: Fixture pages the test archive is made of (English, from as many sites).
SLUGS = (
    "seed-wordpress-euronews-copy",
    "academic-commentary-three-authors",
    "amp-tech-article",
    "bigcms-data-component-two-authors",
    "data-table-reservoir-levels",
    "drupal-regional-comments",
    "liveblog-storm",
    "substack-newsletter-post",
    "wire-agency-original-signoff",
    "wordpress-newspack-nonprofit",
)
SEED = SLUGS[0]
#: When the fixture archive was built: the first page at WHEN, then one an hour.
WHEN = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
#: A copy of the seed story on another site: a near-duplicate naming the original's URL.
COPY_URL = "https://newsroundup.example/world/north-korean-troops-kursk"
FAILED_URL = "https://www.ukn.example/news/articles/gone"


def _page(url: str, content: bytes, when: datetime) -> Page:
    return Page(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        content=content,
        html=content.decode("utf-8", "replace"),
        encoding="utf-8",
        fetched_at=when,
        elapsed=0.1,
    )


def _save(sessions: sessionmaker[Session], page: Page, article: Article) -> int:
    with sessions.begin() as session:
        saved = archive.save_article(session, page, article, extractor_version=EXTRACTOR_VERSION)
        return saved.article_id


def build_archive(path: Path) -> str:
    """An archive of the fixture pages, a revision, a syndicated copy, a failure and feeds.

    Returns its SQLAlchemy URL. Everything goes through archive.py, as `fetch` and `run` do.
    """
    url = f"sqlite:///{path}"
    engine = db.open_archive(url)
    sessions = db.session_factory(engine, write=True)
    seed: tuple[Page, Article] | None = None
    for number, slug in enumerate(SLUGS):
        html, expected = load_fixture(slug)
        page = _page(expected["url"], html, WHEN + timedelta(hours=number))
        article = extract(html, url=expected["url"])
        _save(sessions, page, article)
        seed = seed or (page, article)
    assert seed is not None
    page, article = seed
    # The story changed after publication: a second revision of the seed.
    update = "Update: Kyiv later said a second group of troops had reached the Kursk front."
    revised = dataclasses.replace(
        article, text=f"{article.text}\n\n{update}", markdown=f"{article.markdown}\n\n{update}"
    )
    _save(sessions, dataclasses.replace(page, fetched_at=WHEN + timedelta(days=1)), revised)
    # The same story on an aggregator whose canonical URL names the original.
    _save(sessions, _page(COPY_URL, page.content, WHEN + timedelta(days=2)), article)
    with sessions.begin() as session:
        archive.record_fetch(
            session,
            url=FAILED_URL,
            started_at=WHEN + timedelta(days=2),
            duration=0.2,
            outcome="failed",
            status=404,
            error_kind="http_status",
            message="the server answered 404 Not Found",
        )
        _add_feeds(session)
    engine.dispose()
    return url


def _add_feeds(session: Session) -> None:
    now = WHEN
    archive.add_feed(session, "https://www.ukn.example/rss.xml", name="UKN", tags=[], now=now)
    failing, _ = archive.add_feed(
        session, "https://gridnotes.example/feed", name="Grid notes", tags=[], now=now
    )
    failing.consecutive_failures = 3
    failing.last_error = "the server answered 503 Service Unavailable"
    gone, _ = archive.add_feed(session, "https://old.example/rss", name=None, tags=[], now=now)
    gone.enabled = False
    gone.disabled_reason = "the feed answered 410 Gone"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "newsvault.db"
    build_archive(path)
    return path


@pytest.fixture
def archive_db(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built archive (a test may not change what another one reads)."""
    copy = tmp_path / "newsvault.db"
    with sqlite3.connect(built) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


@pytest.fixture
def sessions(archive_db: Path) -> sessionmaker[Session]:
    engine = db.open_archive(f"sqlite:///{archive_db}")
    return db.session_factory(engine)


def invoke(runner: CliRunner, path: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--db", str(path), *args])


def snapshot(path: Path) -> list[Any]:
    """Everything an archive holds, to show a command changed nothing."""
    with sqlite3.connect(path) as conn:
        tables = [
            row[0] for row in conn.execute("select name from sqlite_master where type='table'")
        ]
        return [(table, conn.execute(f'select * from "{table}"').fetchall()) for table in tables]


# --- search: query.py -----------------------------------------------------------------------


def test_the_fixture_archive_is_what_the_tests_expect(archive_db: Path) -> None:
    with sqlite3.connect(archive_db) as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (len(SLUGS) + 1,)
        assert conn.execute("select max(version) from article_versions").fetchone() == (2,)
        assert conn.execute("select count(*) from near_duplicates").fetchone()[0] >= 1
        assert conn.execute(
            "select original_url from articles where url = ?", (COPY_URL,)
        ).fetchone()[0]


def test_search_ranks_a_title_match_first(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        hits = query.search(session, "reservoirs")
    in_title = ["reservoirs" in (hit.title or "").lower() for hit in hits]
    assert in_title[:2] == [True, True] and not any(in_title[2:]), in_title
    assert hits == sorted(hits, key=lambda hit: -hit.score)


def test_search_phrase_or_not_and_prefix(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        phrase = query.search(session, '"north korean" troops')
        either = query.search(session, "reservoirs OR battery")
        without = query.search(session, "troops NOT kyiv")
        prefix = query.search(session, "desalin* OR reservoi*")
    assert {hit.source for hit in phrase} == {"worldnewstoday.example", "newsroundup.example"}
    assert len(either) > len(query_titles(either, "Reservoirs")) > 0
    assert all("north korean" not in (hit.title or "").lower() for hit in without)
    assert prefix and all("[" in hit.snippet for hit in prefix)


def query_titles(hits: list[query.Hit], word: str) -> list[query.Hit]:
    return [hit for hit in hits if word in (hit.title or "")]


def test_search_snippets_mark_the_matches(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        (hit, *_) = query.search(session, "kursk", source="worldnewstoday.example")
        bold = query.search(session, "kursk", marks=("\x1b[1m", "\x1b[0m"), limit=1)
    assert "[Kursk]" in hit.snippet
    assert "\n" not in hit.snippet and len(hit.snippet) < 400
    assert "\x1b[1mKursk\x1b[0m" in bold[0].snippet


def test_search_filters_by_date_and_source(sessions: sessionmaker[Session]) -> None:
    since = datetime(2025, 7, 1, tzinfo=UTC)
    until = datetime(2025, 8, 1, tzinfo=UTC)
    with sessions() as session:
        every = query.search(session, "the", limit=100)
        july = query.search(session, "the", since=since, until=until, limit=100)
        ukn = query.search(session, "the", source="ukn.example", limit=100)
        url = query.search(session, "the", source="https://www.ukn.example/", limit=100)
        limited = query.search(session, "the", limit=2)
    assert len(every) == len(SLUGS) + 1
    assert july and all(since <= hit.date < until for hit in july)
    assert len(july) < len(every)
    assert [hit.source for hit in ukn] == ["www.ukn.example"] == [hit.source for hit in url]
    assert limited == every[:2]


def test_a_common_word_is_ranked_among_its_newest_matches(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "RANK_WINDOW", 3)
    newest = {len(SLUGS) - 1, len(SLUGS), len(SLUGS) + 1}
    with sessions() as session:
        hits = query.search(session, "the", limit=100)
        ukn = query.search(session, "the", source="ukn.example", limit=100)
    assert {hit.id for hit in hits} == newest
    assert hits == sorted(hits, key=lambda hit: -hit.score)
    assert [hit.source for hit in ukn] == ["www.ukn.example"]  # the window follows the filter


def test_search_finds_what_an_analyst_inserts_by_hand(archive_db: Path) -> None:
    """The FTS triggers keep the index right for rows written outside newsvault too."""
    with sqlite3.connect(archive_db) as conn:
        conn.execute("update articles set title = 'Zanzibar ferry' where url = ?", (COPY_URL,))
    engine = db.open_archive(f"sqlite:///{archive_db}")
    with db.session_factory(engine)() as session:
        assert [hit.url for hit in query.search(session, "zanzibar")] == [COPY_URL]
        assert query.search(session, "newsroundup") == []


@pytest.mark.parametrize(
    "bad", ['"north korean', "troops AND", "AND", "kursk)", "nosuchfield:kursk", "   "]
)
def test_a_query_that_is_not_valid_says_so(sessions: sessionmaker[Session], bad: str) -> None:
    with sessions() as session, pytest.raises(QueryError) as raised:
        query.search(session, bad)
    assert raised.value.message.startswith("the search query is")
    assert "\n" not in raised.value.message


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("south-west England", '"south-west" "England"'),
        ("Kyiv, Putin", '"Kyiv," "Putin"'),
        ("kursk OR belgorod", "kursk OR belgorod"),
        ('"north korean" troops', '"north korean" troops'),
        ("minist*", "minist*"),
        ("title:kursk", "title:kursk"),
    ],
)
def test_plain_words_are_quoted_and_syntax_is_kept(typed: str, sent: str) -> None:
    assert query.fts_query(typed) == sent


def test_punctuation_in_plain_words_is_not_an_error(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        hyphen = query.search(session, "south-west England")
        comma = query.search(session, "Kyiv, Putin")
    assert [hit.source for hit in hyphen] == ["www.ukn.example"]
    assert {hit.source for hit in comma} == {"worldnewstoday.example", "newsroundup.example"}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ('"north korean', "a double quote is not closed"),
        ("troops AND", "it ends where a word was expected"),
        ("kursk)", 'unexpected ")"'),
        ("nosuchfield:kursk", "'nosuchfield' is not a field"),
    ],
)
def test_the_error_says_what_is_wrong(
    sessions: sessionmaker[Session], bad: str, reason: str
) -> None:
    with sessions() as session, pytest.raises(QueryError) as raised:
        query.search(session, bad)
    assert raised.value.message.startswith(f"the search query is not valid: {reason}")


def test_an_unknown_source_suggests_the_nearest(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(NotFound) as raised:
        query.search(session, "kursk", source="worldnewstoday.exampel")
    assert "did you mean worldnewstoday.example" in raised.value.message


def test_postgres_search_document_is_the_migrations_index_expression() -> None:
    path = next((ROOT / "alembic" / "versions").glob("0004_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert query.SEARCH_DOCUMENT == module.SEARCH_DOCUMENT


# --- search: the command ----------------------------------------------------------------------


def test_search_command_table(runner: CliRunner, archive_db: Path) -> None:
    result = invoke(runner, archive_db, "search", '"north korean" troops')
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "worldnewstoday.example" in result.stdout and "2024-10-25" in lines[0]
    assert "First North Korean troops" in result.stdout and "Admin" in result.stdout
    assert "[North] [Korean]" in result.stdout or "[North Korean]" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: brackets, not ANSI


def test_search_command_json_and_csv(runner: CliRunner, archive_db: Path) -> None:
    as_json = invoke(runner, archive_db, "search", "kursk", "--format", "json")
    as_csv = invoke(runner, archive_db, "search", "kursk", "--format", "csv")
    assert as_json.exit_code == as_csv.exit_code == 0
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    records = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [o["id"] for o in objects] == [int(r["id"]) for r in records]
    assert set(objects[0]) >= {"id", "date", "source", "title", "byline", "url", "snippet"}
    assert objects[0]["date"].startswith("2024-10-25")
    assert "[Kursk]" in records[0]["snippet"]


def test_search_command_nothing_found(runner: CliRunner, archive_db: Path) -> None:
    result = invoke(runner, archive_db, "search", "zzzyzzx")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no articles match" in result.stderr


def test_search_command_errors(runner: CliRunner, archive_db: Path) -> None:
    before = snapshot(archive_db)
    bad_query = invoke(runner, archive_db, "search", '"north korean')
    assert bad_query.exit_code == QueryError.exit_code == 13
    assert bad_query.stderr.startswith("Error: the search query is not valid:")
    assert len(bad_query.stderr.splitlines()) == 1
    source = invoke(runner, archive_db, "search", "kursk", "--source", "nowhere.example")
    assert source.exit_code == NotFound.exit_code
    assert "Error: --source nowhere.example: no articles from this source" in source.stderr
    date = invoke(runner, archive_db, "search", "kursk", "--since", "last tuesday")
    assert date.exit_code == 2
    assert "'last tuesday' is not a date" in date.stderr
    backwards = invoke(
        runner, archive_db, "search", "kursk", "--since", "2025-01-02", "--until", "2025-01-01"
    )
    assert backwards.exit_code == 2 and "--until" in backwards.stderr
    assert snapshot(archive_db) == before


def test_until_a_date_takes_in_the_whole_day(runner: CliRunner, archive_db: Path) -> None:
    day = invoke(runner, archive_db, "search", "kursk", "--until", "2024-10-25", "--format", "json")
    before = invoke(
        runner, archive_db, "search", "kursk", "--until", "2024-10-24T23:59Z", "--format", "json"
    )
    assert day.stdout.count("\n") == 2 and before.stdout == ""


# --- export -----------------------------------------------------------------------------------


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3 articles, so an export of the fixture archive takes several."""
    monkeypatch.setattr(query, "EXPORT_BATCH", 3)


def test_export_batches_stream(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        batches = list(query.export_batches(session, batch_size=4))
    assert [len(batch) for batch in batches] == [4, 4, 3]
    ids = [row["id"] for batch in batches for row in batch]
    assert ids == sorted(ids) and len(set(ids)) == len(SLUGS) + 1


def test_export_jsonl(
    runner: CliRunner, archive_db: Path, tmp_path: Path, small_batches: None
) -> None:
    out = tmp_path / "articles.jsonl"
    result = invoke(runner, archive_db, "export", "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(SLUGS) + 1
    assert tuple(rows[0]) == query.EXPORT_FIELDS
    seed = next(row for row in rows if row["source"] == "worldnewstoday.example")
    assert seed["authors"] == ["Admin"] and seed["text"].endswith("reached the Kursk front.")
    assert seed["published_at"] == "2024-10-25T06:42:17+00:00"
    assert not list(tmp_path.glob("*.tmp"))
    assert "exported 11 articles" in result.stderr


def test_export_csv_to_stdout_with_filters(
    runner: CliRunner, archive_db: Path, small_batches: None
) -> None:
    args = ["export", "--format", "csv", "--since", "2025-07-01", "--until", "2025-07-31"]
    result = invoke(runner, archive_db, *args)
    assert result.exit_code == 0, result.stderr
    records = list(csv.DictReader(io.StringIO(result.stdout)))
    assert records and all("2025-07-01" <= r["published_at"] < "2025-08-01" for r in records)
    assert all(isinstance(json.loads(r["authors"]), list) for r in records)
    whole = invoke(runner, archive_db, "export", "--format", "csv", "--source", "ukn.example")
    (record,) = csv.DictReader(io.StringIO(whole.stdout))
    assert json.loads(record["authors"]) == ["Hannah Okafor", "Daniel Price"]
    assert "\n\n" in record["text"]  # paragraphs survive quoting


def test_export_parquet(
    runner: CliRunner, archive_db: Path, tmp_path: Path, small_batches: None
) -> None:
    parquet = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "articles.parquet"
    result = invoke(runner, archive_db, "export", "--format", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    file = parquet.ParquetFile(out)
    assert file.metadata.num_rows == len(SLUGS) + 1
    assert file.metadata.num_row_groups == 4  # one per batch of 3
    table = file.read()
    assert table.column_names == list(query.EXPORT_FIELDS)
    rows = table.to_pylist()
    seed = next(row for row in rows if row["source"] == "worldnewstoday.example")
    assert seed["authors"] == ["Admin"]
    assert seed["published_at"] == datetime(2024, 10, 25, 6, 42, 17, tzinfo=UTC)


def test_export_parquet_without_pyarrow(
    runner: CliRunner, archive_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = query.importlib.import_module

    def no_pyarrow(name: str) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(f"No module named {name!r}")
        return real(name)

    monkeypatch.setattr(query.importlib, "import_module", no_pyarrow)
    out = tmp_path / "articles.parquet"
    result = invoke(runner, archive_db, "export", "--format", "parquet", "-o", str(out))
    assert result.exit_code == 2
    assert "pip install 'newsvault[parquet]'" in result.stderr
    assert not list(tmp_path.glob("articles*"))


def test_export_parquet_needs_a_file(runner: CliRunner, archive_db: Path) -> None:
    result = invoke(runner, archive_db, "export", "--format", "parquet")
    assert result.exit_code == 2
    assert "-o FILE" in result.stderr


def test_export_to_an_unwritable_path(runner: CliRunner, archive_db: Path, tmp_path: Path) -> None:
    before = snapshot(archive_db)
    missing = tmp_path / "no" / "such" / "folder" / "out.jsonl"
    result = invoke(runner, archive_db, "export", "--format", "jsonl", "-o", str(missing))
    assert result.exit_code == 14
    assert result.stderr.startswith(f"Error: {missing}: cannot be written")
    assert len(result.stderr.splitlines()) == 1
    folder = invoke(runner, archive_db, "export", "--format", "jsonl", "-o", str(tmp_path))
    assert folder.exit_code == 14
    assert snapshot(archive_db) == before


def test_a_failed_export_leaves_no_file_behind(
    runner: CliRunner,
    archive_db: Path,
    tmp_path: Path,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "articles.jsonl"
    out.write_text("yesterday's export\n")
    real = query._JSONLines.write
    calls: list[int] = []

    def full_disk(self: Any, rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(self, rows)

    monkeypatch.setattr(query._JSONLines, "write", full_disk)
    result = invoke(runner, archive_db, "export", "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 14
    assert "No space left on device" in result.stderr
    assert out.read_text() == "yesterday's export\n"  # the old file is untouched
    assert [path.name for path in tmp_path.glob("articles*")] == ["articles.jsonl"]


def test_export_unknown_source(runner: CliRunner, archive_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    result = invoke(runner, archive_db, "export", "--source", "nowhere.example", "-o", str(out))
    assert result.exit_code == NotFound.exit_code
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


# --- stats ------------------------------------------------------------------------------------


def test_stats(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        result = query.stats(session)
    by_host = {source.host: source for source in result.sources}
    assert by_host["worldnewstoday.example"].articles == 1
    assert by_host["worldnewstoday.example"].words > 400
    assert by_host["www.ukn.example"].failures == 1
    assert by_host["www.ukn.example"].last_archived_at == WHEN + timedelta(hours=3)
    assert sum(source.articles for source in result.sources) == len(SLUGS) + 1
    assert (result.feeds_total, result.feeds_enabled) == (3, 2)
    assert (result.feeds_failing, result.feeds_disabled) == (1, 1)
    assert {feed.url for feed in result.unhealthy_feeds} == {
        "https://gridnotes.example/feed",
        "https://old.example/rss",
    }


def test_stats_command(runner: CliRunner, archive_db: Path) -> None:
    table = invoke(runner, archive_db, "stats")
    assert table.exit_code == 0, table.stderr
    assert "www.ukn.example" in table.stdout and "gridnotes.example/feed" in table.stdout
    assert "410 Gone" in table.stdout
    as_json = invoke(runner, archive_db, "stats", "--format", "json")
    data = json.loads(as_json.stdout)
    assert data["feeds"]["failing"] == 1 and data["feeds"]["disabled"] == 1
    seed = next(s for s in data["sources"] if s["host"] == "worldnewstoday.example")
    assert seed["articles"] == 1 and seed["last_archived_at"].startswith("2025-11-20T08:00")


def test_stats_on_an_empty_archive(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, tmp_path / "empty.db", "stats")
    assert result.exit_code == 0
    assert "no articles in the archive yet" in result.stderr
    assert "feeds: 0" in result.stdout


def test_commands_on_a_file_that_is_not_an_archive(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table notes (body text)")
    for args in (["search", "kursk"], ["export"], ["stats"]):
        result = invoke(runner, other, *args)
        assert result.exit_code == 9, args
        assert "is not a newsvault archive" in result.stderr
    assert os.path.getsize(other) > 0


def test_export_shows_progress_on_a_terminal(
    runner: CliRunner,
    archive_db: Path,
    tmp_path: Path,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsvault import cli as cli_module

    monkeypatch.setattr(cli_module, "_show_progress", lambda: True)
    out = tmp_path / "articles.csv"
    result = invoke(runner, archive_db, "export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "exporting" in result.stderr
    with out.open(encoding="utf-8", newline="") as exported:
        assert len(list(csv.DictReader(exported))) == len(SLUGS) + 1


# --- end to end: an archive made by `newsvault fetch` -----------------------------------------


def test_search_export_and_stats_on_fetched_articles(
    runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    urls = []
    for slug in ("seed-wordpress-euronews-copy", "liveblog-storm"):
        html, _ = load_fixture(slug)
        httpserver.expect_request(f"/{slug}").respond_with_data(html, content_type="text/html")
        urls.append(httpserver.url_for(f"/{slug}"))
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    path = tmp_path / "fetched.db"
    options = ["--db", str(path), "--retries", "0", "--allow-private", "127.0.0.1"]
    fetched = runner.invoke(cli, [*options, "fetch", *urls, httpserver.url_for("/gone")])
    assert fetched.exit_code == 5, fetched.stderr  # the 404
    search = invoke(runner, path, "search", "ferries OR kursk", "--format", "json")
    assert search.exit_code == 0, search.stderr
    assert {json.loads(line)["source"] for line in search.stdout.splitlines()} == {"127.0.0.1"}
    assert len(search.stdout.splitlines()) == 2
    stats = json.loads(invoke(runner, path, "stats", "--format", "json").stdout)
    assert stats["sources"] == [
        {
            "host": "127.0.0.1",
            "name": stats["sources"][0]["name"],
            "articles": 2,
            "words": stats["sources"][0]["words"],
            "last_archived_at": stats["sources"][0]["last_archived_at"],
            "failures": 1,
        }
    ]
    export = invoke(runner, path, "export")
    assert [json.loads(line)["url"] for line in export.stdout.splitlines()] == urls


def test_the_analysts_commands_on_an_archive_built_by_run(
    runner: CliRunner, tmp_path: Path
) -> None:
    """search, export, stats, history and reextract on what `newsvault run` archived."""
    path = tmp_path / "from-run.db"
    options = ["--db", str(path), "--allow-private", "127.0.0.0/8"]
    seed, _ = load_fixture("seed-wordpress-euronews-copy")
    wire, _ = load_fixture("wire-ap-on-local-paper")
    with network(1) as (site,):
        links = [site.page("/world/troops.html", seed), site.page("/us/senate.html", wire)]
        feed = site.feed(links)
        assert runner.invoke(cli, [*options, "feeds", "add", feed]).exit_code == 0
        ran = runner.invoke(cli, [*options, "run", "--host-delay", "0", "--processes", "0"])
        assert ran.exit_code == 0, ran.stderr
    found = runner.invoke(cli, [*options, "search", "Pyongyang", "--format", "json"])
    assert found.exit_code == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert [hit["url"] for hit in hits] == [links[0]]
    exported = runner.invoke(cli, [*options, "export", "--format", "jsonl"])
    assert exported.exit_code == 0, exported.stderr
    assert sorted(json.loads(line)["url"] for line in exported.stdout.splitlines()) == sorted(links)
    stats = runner.invoke(cli, [*options, "stats", "--format", "json"])
    assert stats.exit_code == 0 and "127.0.0.2" in stats.stdout
    history = runner.invoke(cli, [*options, "history", links[0]])
    assert history.exit_code == 0 and "First North Korean troops" in history.stdout
    again = runner.invoke(cli, [*options, "reextract", "--all"])
    assert again.exit_code == 0, again.stderr
