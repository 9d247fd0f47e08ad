"""Read-only queries for analysts: full-text search, streaming export, stats (I/O via session).

Nothing here writes: every function reads through the caller's Session, so a command that
fails leaves the archive as it was. Search dispatches on the engine's dialect: FTS5 on SQLite,
PostgreSQL's own full-text search (the GIN expression index of migration 0004) on PostgreSQL.
"""

from __future__ import annotations

import csv
import difflib
import importlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Float, Integer, String, Text, bindparam, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsvault.errors import ConfigError, NotFound, QueryError
from newsvault.models import ArticleRow, FeedRow, Fetch, Source, UTCDateTime

# --- filters shared by search and export ----------------------------------------------------


def article_date() -> ColumnElement[datetime]:
    """The date --since/--until filter on: published, or first archived when the page says none."""
    return func.coalesce(ArticleRow.published_at, ArticleRow.first_seen_at)


def source_ids(session: Session, host: str) -> list[int]:
    """Ids of the sources a --source HOST names: the host, its www. form, or its subdomains.

    Raises NotFound (with the nearest known hosts) when the archive has no such source.
    """
    wanted = _host_of(host)
    hosts = dict(session.execute(select(Source.host, Source.id)).all())
    found = [
        source_id
        for known, source_id in hosts.items()
        if known.removeprefix("www.") == wanted or known.endswith(f".{wanted}")
    ]
    if found:
        return found
    near = difflib.get_close_matches(wanted, list(hosts), n=3)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    raise NotFound(f"no articles from this source in the archive{hint}")


def _host_of(value: str) -> str:
    """A host from what a user types: `euronews.com`, `www.euronews.com/`, a whole URL."""
    value = value.strip().lower()
    if "//" in value:
        value = urlsplit(value).hostname or ""
    return value.split("/", 1)[0].removeprefix("www.")


def _filters(
    session: Session, since: datetime | None, until: datetime | None, source: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(article_date() >= since)
    if until is not None:
        conditions.append(article_date() < until)
    if source is not None:
        conditions.append(ArticleRow.source_id.in_(source_ids(session, source)))
    return conditions


# --- search ---------------------------------------------------------------------------------

#: Relevance weights for FTS5's bm25(), in the column order of articles_fts (title, byline,
#: description, text): a word in the title says most about what an article is about, the
#: standfirst next; the byline matters for author searches but is short, so bm25's length
#: normalisation already favours it.
BM25_WEIGHTS = (10.0, 2.0, 4.0, 1.0)

#: Tokens in a snippet: about one sentence either side of the best match.
SNIPPET_TOKENS = 24

#: The PostgreSQL search document: exactly the expression of the GIN index created by
#: migration 0004 (tests/test_query.py keeps them equal), so the planner can use that index.
SEARCH_DOCUMENT = (
    "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(byline, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce(text, ''))"
)

#: What marks a match in a snippet when the caller does not say: plain text anywhere.
PLAIN_MARKS = ("[", "]")


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the article, where and when it appeared, and the matching passage."""

    id: int
    published_at: datetime | None
    first_seen_at: datetime
    source: str
    title: str | None
    byline: str | None
    url: str
    snippet: str
    score: float

    @property
    def date(self) -> datetime:
        """Published, or first archived when the page gives no date."""
        return self.published_at or self.first_seen_at


def search(
    session: Session,
    query: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    limit: int = 20,
    marks: tuple[str, str] = PLAIN_MARKS,
) -> list[Hit]:
    """The best `limit` articles matching `query`, most relevant first, with snippets.

    On SQLite `query` is FTS5 syntax (words, "phrases", AND/OR/NOT, prefix*, column:word); a
    query it cannot parse raises QueryError. On PostgreSQL it is websearch_to_tsquery syntax
    ("phrases", or, -word), which accepts anything. An unknown `source` raises NotFound.
    """
    if not query.strip():
        raise QueryError("the search query is empty")
    sources = source_ids(session, source) if source is not None else None
    options = _SearchOptions(query, since, until, sources, limit, marks)
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgres(session, options)
    return _search_sqlite(session, options)


@dataclass(frozen=True, slots=True)
class _SearchOptions:
    query: str
    since: datetime | None
    until: datetime | None
    sources: list[int] | None
    limit: int
    marks: tuple[str, str]

    def where(self) -> str:
        """The article filters as SQL, over the alias `a` (parameters in params())."""
        parts = []
        if self.since is not None:
            parts.append("AND coalesce(a.published_at, a.first_seen_at) >= :since")
        if self.until is not None:
            parts.append("AND coalesce(a.published_at, a.first_seen_at) < :until")
        if self.sources is not None:
            parts.append("AND a.source_id IN :sources")
        return "\n".join(parts)

    def params(self) -> list[Any]:
        """The filters' bound parameters (each statement binds its own :query and :limit)."""
        params: list[Any] = []
        if self.since is not None:
            params.append(bindparam("since", self.since, type_=UTCDateTime()))
        if self.until is not None:
            params.append(bindparam("until", self.until, type_=UTCDateTime()))
        if self.sources is not None:
            params.append(bindparam("sources", self.sources, expanding=True))
        return params


#: The columns every search returns, typed so that times come back as aware datetimes.
_HIT_COLUMNS: dict[str, Any] = {
    "id": Integer(),
    "published_at": UTCDateTime(),
    "first_seen_at": UTCDateTime(),
    "source": String(),
    "title": Text(),
    "byline": Text(),
    "url": Text(),
    "snippet": Text(),
}

#: How many matches, at most, are ranked: the most recently archived ones. Ranking costs
#: FTS5 about 10 µs a match, and sorting every match of a word found in most of a 100,000-
#: article archive ("said") by rank took over a second (measured on 100,000 synthetic
#: articles of 600 words); walking the index newest first and scoring 2,000 matches takes
#: 10-40 ms. Queries matching fewer are ranked exactly; --since/--until/--source move the
#: window to the articles they select.
RANK_WINDOW = 2000

#: bm25() with the weights above, as SQL (constants, not user input).
_BM25 = "bm25(articles_fts, {})".format(", ".join(str(weight) for weight in BM25_WEIGHTS))

# 1. The candidates and their scores: FTS5 walks its index newest first (cheap: no sorting),
#    the filters are checked on the way, and scoring stops after RANK_WINDOW matches.
_SQLITE_CANDIDATES = """
SELECT articles_fts.rowid AS id, {bm25} AS rank
FROM articles_fts
{join}
WHERE articles_fts MATCH :query
{where}
ORDER BY articles_fts.rowid DESC
LIMIT :window
"""

# 2. The page of hits, with snippets (the costly part: made only for these few rows). The
#    rowid range is the part FTS5 itself can use; the `+` keeps the IN list out of FTS5, which
#    would otherwise run the whole query once for each id.
_SQLITE_PAGE = """
SELECT a.id, a.published_at, a.first_seen_at, s.host AS source, a.title, a.byline, a.url,
       snippet(articles_fts, -1, :open, :close, '…', :tokens) AS snippet
FROM articles_fts
JOIN articles AS a ON a.id = articles_fts.rowid
JOIN sources AS s ON s.id = a.source_id
WHERE articles_fts MATCH :query
  AND articles_fts.rowid BETWEEN :low AND :high
  AND +articles_fts.rowid IN :ids
"""


#: What makes a query FTS5 syntax rather than plain words: operators and special characters.
_FTS_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_FTS_SYNTAX = frozenset('"()*:^+{}')


def fts_query(query: str) -> str:
    """The query as FTS5 should read it: plain words are quoted, so that `covid-19`, `U.S.`
    or `don't` find what they say instead of being syntax errors; a query using any FTS5
    syntax (quotes, brackets, *, column:, AND/OR/NOT/NEAR) is passed on as it is."""
    words = query.split()
    if any(char in _FTS_SYNTAX for char in query) or _FTS_OPERATORS & set(words):
        return query
    return " ".join(f'"{word}"' for word in words)


def _search_sqlite(session: Session, options: _SearchOptions) -> list[Hit]:
    where = options.where()
    join = "JOIN articles AS a ON a.id = articles_fts.rowid" if where else ""
    match = fts_query(options.query)
    candidates = text(_SQLITE_CANDIDATES.format(bm25=_BM25, join=join, where=where)).bindparams(
        *options.params(),
        bindparam("query", match, type_=Text()),
        bindparam("window", RANK_WINDOW),
    )
    try:
        scored = session.execute(candidates).all()
        best = sorted(scored, key=lambda row: (row.rank, -row.id))[: options.limit]
        if not best:
            return []
        ids = [row.id for row in best]
        page = (
            text(_SQLITE_PAGE)
            .bindparams(
                bindparam("query", match, type_=Text()),
                bindparam("low", min(ids)),
                bindparam("high", max(ids)),
                bindparam("ids", ids, expanding=True),
                bindparam("open", options.marks[0]),
                bindparam("close", options.marks[1]),
                bindparam("tokens", SNIPPET_TOKENS),
            )
            .columns(**_HIT_COLUMNS)
        )
        rows = {row["id"]: row for row in session.execute(page).mappings()}
    except OperationalError as exc:
        raise QueryError(_fts_reason(exc)) from exc
    return [_hit(rows[row.id], -float(row.rank)) for row in best if row.id in rows]


#: How a syntax error reads: FTS5 syntax in brief, after what went wrong.
_SYNTAX_HINT = (
    'put a phrase in "double quotes" and AND, OR or NOT between two words, or quote the words'
)


def _fts_reason(exc: OperationalError) -> str:
    """SQLite's complaint about a MATCH expression as one sentence for the user."""
    message = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    message = message.removeprefix("fts5: ")
    if message.startswith("no such column"):
        column = message.removeprefix("no such column:").strip()
        reason = f"{column!r} is not a field (use title:, byline:, description: or text:)"
    elif message == "unterminated string":
        reason = f"a double quote is not closed; {_SYNTAX_HINT}"
    elif message == 'syntax error near ""':
        reason = f"it ends where a word was expected; {_SYNTAX_HINT}"
    elif message.startswith("syntax error near "):
        reason = f"unexpected {message.removeprefix('syntax error near ')}; {_SYNTAX_HINT}"
    else:
        reason = f"{message}; {_SYNTAX_HINT}"
    return f"the search query is not valid: {reason}"


#: PostgreSQL ranks on the title, standfirst, byline and the text's lead (these characters):
#: the GIN index stores no document to rank with, so each candidate's text is parsed again,
#: and news puts what a story is about first.
POSTGRES_RANK_LEAD = 2000

# PostgreSQL: the candidates' WHERE clause repeats SEARCH_DOCUMENT verbatim so the GIN
# expression index answers it; the newest RANK_WINDOW matches are ranked, weighing the title
# (A) above the standfirst (B), byline (C) and lead (D); ts_headline, which re-parses the
# text, runs only on the page of hits.
_POSTGRES_SEARCH = """
WITH q AS (SELECT websearch_to_tsquery('simple', :query) AS query),
candidates AS (
    SELECT a.id
    FROM articles AS a, q
    WHERE {document} @@ q.query
    {where}
    ORDER BY a.id DESC
    LIMIT :window
),
ranked AS (
    SELECT a.id,
           ts_rank(setweight(to_tsvector('simple', coalesce(a.title, '')), 'A')
                   || setweight(to_tsvector('simple', coalesce(a.description, '')), 'B')
                   || setweight(to_tsvector('simple', coalesce(a.byline, '')), 'C')
                   || setweight(to_tsvector('simple', left(coalesce(a.text, ''), :lead)), 'D'),
                   q.query) AS score
    FROM candidates JOIN articles AS a ON a.id = candidates.id, q
    ORDER BY score DESC, a.id DESC
    LIMIT :limit
)
SELECT a.id, a.published_at, a.first_seen_at, s.host AS source, a.title, a.byline, a.url,
       ts_headline('simple', coalesce(a.description, '') || ' ' || coalesce(a.text, ''),
                   q.query, :headline) AS snippet,
       ranked.score
FROM ranked
JOIN articles AS a ON a.id = ranked.id
JOIN sources AS s ON s.id = a.source_id
CROSS JOIN q
ORDER BY ranked.score DESC, a.id DESC
"""


def _search_postgres(session: Session, options: _SearchOptions) -> list[Hit]:
    """Search with PostgreSQL's full-text search: websearch_to_tsquery over the GIN index.

    The query is never a syntax error ("phrases", or, -word; anything else is words). The
    snippet is ts_headline's best fragment of the standfirst and text, marked with `marks`.
    """
    # ts_headline options are a `key="value", ...` list: a quote in a mark is written twice.
    start, stop = (mark.replace('"', '""') for mark in options.marks)
    headline = (
        f'StartSel="{start}", StopSel="{stop}", MaxWords={SNIPPET_TOKENS}, '
        f'MinWords={SNIPPET_TOKENS // 2}, MaxFragments=1, FragmentDelimiter=" … "'
    )
    sql = _POSTGRES_SEARCH.format(document=SEARCH_DOCUMENT, where=options.where())
    statement = (
        text(sql)
        .bindparams(
            *options.params(),
            bindparam("query", options.query, type_=Text()),
            bindparam("limit", options.limit, type_=Integer()),
            bindparam("window", RANK_WINDOW, type_=Integer()),
            bindparam("lead", POSTGRES_RANK_LEAD, type_=Integer()),
            bindparam("headline", headline),
        )
        .columns(**_HIT_COLUMNS, score=Float())
    )
    rows = session.execute(statement).mappings().all()
    return [_hit(row, float(row["score"])) for row in rows]


def _hit(row: Any, score: float) -> Hit:
    return Hit(
        id=row["id"],
        published_at=row["published_at"],
        first_seen_at=row["first_seen_at"],
        source=row["source"],
        title=row["title"],
        byline=row["byline"],
        url=row["url"],
        snippet=" ".join((row["snippet"] or "").split()),
        score=round(score, 4),
    )


# --- export ---------------------------------------------------------------------------------

#: Rows fetched from the database and written out at a time: memory holds one batch, whatever
#: the archive's size. 1,000 articles of typical length (text and Markdown, ~5-15 kB each)
#: keep it around 20 MB, and make Parquet row groups big enough to compress well.
EXPORT_BATCH = 1000

EXPORT_FORMATS = ("jsonl", "csv", "parquet")

#: What an exported article holds, in order: every article column an analyst uses (the
#: bookkeeping ones, simhash and next_check_at, stay in the archive), and the source's host.
EXPORT_COLUMNS: tuple[Any, ...] = (
    ArticleRow.id,
    Source.host.label("source"),
    ArticleRow.url,
    ArticleRow.canonical_url,
    ArticleRow.final_url,
    ArticleRow.original_url,
    ArticleRow.title,
    ArticleRow.byline,
    ArticleRow.authors,
    ArticleRow.description,
    ArticleRow.published_at,
    ArticleRow.modified_at,
    ArticleRow.language,
    ArticleRow.site_name,
    ArticleRow.section,
    ArticleRow.tags,
    ArticleRow.organisation,
    ArticleRow.image_url,
    ArticleRow.word_count,
    ArticleRow.text,
    ArticleRow.markdown,
    ArticleRow.content_hash,
    ArticleRow.extractor_version,
    ArticleRow.first_seen_at,
    ArticleRow.fetched_at,
    ArticleRow.updated_at,
)

EXPORT_FIELDS = tuple(column.key for column in EXPORT_COLUMNS)
_LIST_FIELDS = frozenset({"authors", "tags"})
_TIME_FIELDS = frozenset(
    {"published_at", "modified_at", "first_seen_at", "fetched_at", "updated_at"}
)
_INT_FIELDS = frozenset({"id", "word_count"})


def count_articles(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
) -> int:
    """How many articles an export with these filters writes (for the progress bar)."""
    query = select(func.count(ArticleRow.id)).where(*_filters(session, since, until, source))
    return session.scalar(query) or 0


def export_batches(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Iterator[list[dict[str, Any]]]:
    """The articles, oldest id first, as lists of at most `batch_size` dicts.

    Rows are fetched as they are consumed (`yield_per`; a server-side cursor on PostgreSQL),
    so memory holds one batch whatever the archive's size. Unknown sources raise NotFound
    before anything is yielded.
    """
    conditions = _filters(session, since, until, source)
    query = (
        select(*EXPORT_COLUMNS)
        .join(Source, Source.id == ArticleRow.source_id)
        .where(*conditions)
        .order_by(ArticleRow.id)
    )
    result = session.execute(query, execution_options={"yield_per": batch_size})
    for partition in result.mappings().partitions(batch_size):
        yield [dict(row) for row in partition]


def check_format(fmt: str) -> None:
    """Raise ConfigError now, before any file is made, when a format cannot be written here."""
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}")
    if fmt == "parquet":
        _pyarrow()


def _pyarrow() -> tuple[Any, Any]:
    """(pyarrow, pyarrow.parquet), imported on demand: Parquet is an optional extra."""
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise ConfigError(
            "writing Parquet needs pyarrow, which is not installed: "
            "pip install 'newsvault[parquet]'"
        ) from exc


def write_export(
    batches: Iterator[list[dict[str, Any]]],
    out: IO[bytes],
    fmt: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the batches to `out` in `fmt` (jsonl, csv, parquet) as they come; returns the count.

    JSON Lines: one object per article, times ISO-8601 UTC, lists as arrays. CSV: a header
    row, lists as JSON arrays, times ISO-8601. Parquet: one row group per batch, typed columns
    (timestamps in UTC, lists as list<string>).
    """
    writers: dict[str, Callable[[IO[bytes]], _Writer]] = {
        "jsonl": _JSONLines,
        "csv": _CSV,
        "parquet": _Parquet,
    }
    writer = writers[fmt](out)
    count = 0
    try:
        for batch in batches:
            writer.write(batch)
            count += len(batch)
            if progress is not None:
                progress(len(batch))
    finally:
        writer.close()
    return count


class _Writer:
    def write(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Flush what is buffered (the file itself belongs to the caller)."""


def _plain(value: Any) -> Any:
    """A value as JSON can carry it: times as ISO-8601 strings."""
    return value.isoformat() if isinstance(value, datetime) else value


class _JSONLines(_Writer):
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, rows: list[dict[str, Any]]) -> None:
        lines = (json.dumps(row, default=_plain, ensure_ascii=False) + "\n" for row in rows)
        self.out.write("".join(lines).encode("utf-8"))


class _CSV(_Writer):
    def __init__(self, out: IO[bytes]) -> None:
        self.text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self.csv = csv.writer(self.text)
        self.csv.writerow(EXPORT_FIELDS)

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.csv.writerows([_csv_cell(row[name], name) for name in EXPORT_FIELDS] for row in rows)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # leave `out` open: it belongs to the caller


def _csv_cell(value: Any, name: str) -> Any:
    if name in _LIST_FIELDS:
        return json.dumps(value or [], ensure_ascii=False)
    return "" if value is None else _plain(value)


class _Parquet(_Writer):
    def __init__(self, out: IO[bytes]) -> None:
        self.pa, parquet = _pyarrow()
        self.schema = self.pa.schema([(name, self._type(name)) for name in EXPORT_FIELDS])
        self.writer = parquet.ParquetWriter(out, self.schema, compression="zstd")

    def _type(self, name: str) -> Any:
        pa = self.pa
        if name in _LIST_FIELDS:
            return pa.list_(pa.string())
        if name in _TIME_FIELDS:
            return pa.timestamp("us", tz="UTC")
        if name in _INT_FIELDS:
            return pa.int64()
        return pa.string()

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.writer.write_table(self.pa.Table.from_pylist(rows, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


# --- stats ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceStats:
    """One website: what the archive holds from it, and how fetching from it went."""

    host: str
    name: str | None
    articles: int
    words: int
    last_archived_at: datetime | None
    failures: int


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A feed that needs a look: it keeps failing, or it was disabled."""

    id: int
    url: str
    name: str | None
    enabled: bool
    consecutive_failures: int
    last_error: str | None
    disabled_reason: str | None
    last_success_at: datetime | None


@dataclass(frozen=True, slots=True)
class Stats:
    """The archive at a glance: per source, and the feeds' health."""

    sources: list[SourceStats]
    feeds_total: int
    feeds_enabled: int
    feeds_failing: int
    feeds_disabled: int
    unhealthy_feeds: list[FeedHealth]


def stats(session: Session) -> Stats:
    """Per source (most articles first): articles, words, newest article, failed fetches; and
    the feeds: how many, how many enabled, failing (consecutive failures) or disabled."""
    failures = _failures_by_host(session)
    rows = session.execute(
        select(
            Source.host,
            Source.name,
            func.count(ArticleRow.id),
            func.coalesce(func.sum(ArticleRow.word_count), 0),
            func.max(ArticleRow.first_seen_at),
        )
        .outerjoin(ArticleRow, ArticleRow.source_id == Source.id)
        .group_by(Source.id, Source.host, Source.name)
    )
    sources = {
        host: SourceStats(host, name, count, int(words), last, failures.pop(host, 0))
        for host, name, count, words, last in rows
    }
    for host, count in failures.items():  # sites that never yielded an article
        sources[host] = SourceStats(host, None, 0, 0, None, count)
    ordered = sorted(sources.values(), key=lambda s: (-s.articles, -s.failures, s.host))
    return _with_feeds(session, ordered)


def _failures_by_host(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    query = (
        select(Fetch.url, func.count())
        .where(Fetch.outcome == "failed")
        .group_by(Fetch.url)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for url, count in session.execute(query):
        host = (urlsplit(url).hostname or url).lower()
        counts[host] = counts.get(host, 0) + count
    return counts


def _with_feeds(session: Session, sources: list[SourceStats]) -> Stats:
    feeds = list(session.scalars(select(FeedRow).order_by(FeedRow.id)))
    unhealthy = [
        FeedHealth(
            id=feed.id,
            url=feed.url,
            name=feed.name,
            enabled=feed.enabled,
            consecutive_failures=feed.consecutive_failures,
            last_error=feed.last_error,
            disabled_reason=feed.disabled_reason,
            last_success_at=feed.last_success_at,
        )
        for feed in feeds
        if feed.consecutive_failures or not feed.enabled
    ]
    return Stats(
        sources=sources,
        feeds_total=len(feeds),
        feeds_enabled=sum(feed.enabled for feed in feeds),
        feeds_failing=sum(bool(feed.consecutive_failures) for feed in feeds),
        feeds_disabled=sum(not feed.enabled for feed in feeds),
        unhealthy_feeds=unhealthy,
    )
