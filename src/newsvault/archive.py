"""Storage on a caller's Session: save articles, record fetches, look them up (I/O via session).

Nothing here commits: the caller owns the transaction (SQLAlchemy's session guidance), so the
pipeline can give each article one short transaction of its own.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
    Insert,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from newsvault import similarity
from newsvault.fingerprint import Fingerprint, fingerprint
from newsvault.models import (
    ArticleAuthor,
    ArticleRow,
    ArticleURL,
    ArticleVersion,
    Author,
    FeedItemRow,
    FeedRow,
    Fetch,
    NearDuplicate,
    RawPage,
    RunRow,
    SimhashBand,
    Source,
)
from newsvault.records import Article, FeedItem, Page
from newsvault.urls import same_site

Outcome = Literal["new", "updated", "unchanged"]

#: zlib level for raw pages: level 6 is zlib's default balance; HTML shrinks 4-8x and pages
#: are compressed once per change, so higher levels buy little for the CPU they cost.
RAW_COMPRESSION_LEVEL = 6

#: The article fields copied from an Article into its row; a re-fetch compares exactly these.
ARTICLE_FIELDS = (
    "canonical_url",
    "title",
    "byline",
    "authors",
    "description",
    "published_at",
    "modified_at",
    "language",
    "site_name",
    "image_url",
    "section",
    "organisation",
    "original_url",
    "text",
    "markdown",
)


@dataclass(frozen=True, slots=True)
class Saved:
    """What save_article did: the row's id and whether it was new, updated or unchanged."""

    article_id: int
    outcome: Outcome


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 string from the extractor as an aware UTC datetime (naive is taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _article_values(article: Article, derived: Fingerprint | None = None) -> dict[str, Any]:
    """The article's columns; `derived` (its fingerprint) is computed when not given."""
    if derived is None:
        derived = fingerprint(article)
    values: dict[str, Any] = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    values["authors"] = list(article.authors)
    values["tags"] = list(article.tags)
    values["sources"] = dict(entry.split(":", 1) for entry in article.sources)
    values["published_at"] = parse_time(article.published_at)
    values["modified_at"] = parse_time(article.modified_at)
    values["word_count"] = derived.word_count
    values["content_hash"] = derived.content_hash
    values["simhash"] = derived.simhash
    return values


# --- statements -------------------------------------------------------------------------------
# Built once: SQLAlchemy caches their compiled SQL, and building a statement for each row costs
# more than running it. Executed on the session's connection, they skip the ORM's unit of work.

_INSERT_ARTICLE = insert(ArticleRow)
_INSERT_SOURCE = insert(Source)
_INSERT_AUTHOR = insert(Author)
_INSERT_ARTICLE_AUTHOR = insert(ArticleAuthor)
_INSERT_URL = insert(ArticleURL)
_INSERT_VERSION = insert(ArticleVersion)
_INSERT_NEAR_DUPLICATE = insert(NearDuplicate)
_INSERT_BANDS = insert(SimhashBand)
_INSERT_RAW = insert(RawPage)
_INSERT_FETCH = insert(Fetch)
_INSERT_FEED_ITEM = insert(FeedItemRow)

_SOURCE_BY_HOST = select(Source.id, Source.name).where(Source.host == bindparam("host"))
_ARTICLE_BY_URLS = (
    select(ArticleURL.article_id)
    .where(ArticleURL.url.in_(bindparam("urls", expanding=True)))
    .limit(1)
)
_KNOWN_URLS = select(ArticleURL.url).where(ArticleURL.url.in_(bindparam("urls", expanding=True)))
_AUTHORS_BY_NAME = select(Author.name, Author.id).where(
    Author.name.in_(bindparam("names", expanding=True))
)
_LATEST_VERSION = select(func.max(ArticleVersion.version)).where(
    ArticleVersion.article_id == bindparam("article_id")
)
_LINKED = select(NearDuplicate.other_id).where(NearDuplicate.article_id == bindparam("article_id"))
#: Other articles sharing at least one SimHash band (value_0 ... value_3) with article_id.
_SIMHASH_CANDIDATES = select(ArticleRow.id, ArticleRow.simhash).where(
    ArticleRow.id.in_(
        select(SimhashBand.article_id).where(
            or_(
                *(
                    and_(SimhashBand.band == band, SimhashBand.value == bindparam(f"value_{band}"))
                    for band in range(similarity.BANDS)
                )
            ),
            SimhashBand.article_id != bindparam("article_id"),
        )
    )
)
_RAW_DIGEST = select(RawPage.id, RawPage.body_sha256).where(
    RawPage.article_id == bindparam("article_id")
)
_FEED_ITEM = select(FeedItemRow.id).where(
    FeedItemRow.feed_id == bindparam("feed_id"), FeedItemRow.url == bindparam("url")
)


def save_article(
    session: Session,
    page: Page,
    article: Article,
    *,
    extractor_version: str,
    derived: Fingerprint | None = None,
    schedule: RevisitPolicy | None = None,
) -> Saved:
    """Insert or update the article reached at page.url; flushes, never commits.

    The same article under several URLs (its canonical URL, a redirect, an AMP copy on the
    same site) is one row, and every URL is kept in `article_urls`. A re-fetch that extracts
    the same values changes no article column; a real change of title or text also stores a
    revision in `article_versions`. The raw page is replaced only when its bytes differ.
    `derived` is the article's fingerprint when the caller has it already; `schedule` sets a
    new article's first revisit (`run` archives with one).

    Rows are written with Core statements on the session's connection: the ORM's unit of
    work costs several times more per row, and a new article is a dozen rows.
    """
    values = _article_values(article, derived)
    urls = _urls_of(page, article)
    article_id = _existing_id(session, urls)
    if article_id is None:
        article_id = _insert(session, page, article, values, extractor_version, schedule)
        _add_urls(session, article_id, urls, page.fetched_at)
        _insert_raw(session, article_id, page)
        return Saved(article_id, "new")
    outcome = _update(session, article_id, page, values, extractor_version)
    _remember_urls(session, article_id, urls, page.fetched_at)
    _store_raw(session, article_id, page)
    return Saved(article_id, outcome)


def _core(session: Session) -> Connection:
    """The session's connection (its transaction), for Core statements."""
    return session.connection()


def _insert_one(connection: Connection, statement: Insert, row: dict[str, Any]) -> int:
    """Run a prepared INSERT for one row; its new primary key."""
    key = connection.execute(statement, row).inserted_primary_key
    assert key is not None
    return int(key[0])


def _source_id(session: Session, host: str, name: str | None, now: datetime) -> int:
    """The sources row for a host, created on first sight; a site name fills a missing one."""
    connection = _core(session)
    found = connection.execute(_SOURCE_BY_HOST, {"host": host}).first()
    if found is None:
        return _insert_one(
            connection, _INSERT_SOURCE, {"host": host, "name": name, "first_seen_at": now}
        )
    source_id, known = found
    if known is None and name:
        connection.execute(update(Source).where(Source.id == source_id).values(name=name))
    return int(source_id)


def _insert(
    session: Session,
    page: Page,
    article: Article,
    values: dict[str, Any],
    version: str,
    schedule: RevisitPolicy | None,
) -> int:
    now = page.fetched_at
    host = urlsplit(page.final_url).hostname or ""
    row = {
        **values,
        "url": page.url,
        "final_url": page.final_url,
        "source_id": _source_id(session, host, article.site_name, now),
        "extractor_version": version,
        "first_seen_at": now,
        "fetched_at": now,
        "updated_at": now,
        "next_check_at": schedule.next_check(now, 0, now) if schedule is not None else None,
        "checks": 0,
    }
    article_id = _insert_one(_core(session), _INSERT_ARTICLE, row)
    _set_authors(session, article_id, list(article.authors), now, new=True)
    _add_version(session, article_id, row, now, new=True)
    _index_simhash(session, article_id, row["simhash"], now, new=True)
    return article_id


def _update(
    session: Session, article_id: int, page: Page, values: dict[str, Any], version: str
) -> Outcome:
    row = session.get_one(ArticleRow, article_id)
    now = page.fetched_at
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if page.final_url != row.final_url:
        changed["final_url"] = page.final_url
    if not changed:
        return "unchanged"
    revised = "content_hash" in changed
    for name, value in changed.items():
        setattr(row, name, value)
    row.extractor_version = version
    row.fetched_at = now
    row.updated_at = now
    session.flush()
    if "authors" in changed:
        _set_authors(session, row.id, row.authors, now)
    if revised:
        _add_version(session, row.id, _version_values(row), now)
    if "simhash" in changed:
        _index_simhash(session, row.id, row.simhash, now)
    return "updated"


def _urls_of(page: Page, article: Article) -> list[str]:
    """The URLs an article is reached under: as asked, as served, and its same-site canonical."""
    urls = [page.url, page.final_url]
    if article.canonical_url and same_site(article.canonical_url, page.final_url):
        urls.append(article.canonical_url)
    return list(dict.fromkeys(urls))


def _existing_id(session: Session, urls: list[str]) -> int | None:
    """The article already archived under one of these URLs."""
    found = _core(session).execute(_ARTICLE_BY_URLS, {"urls": urls}).scalar()
    return int(found) if found is not None else None


def _add_urls(session: Session, article_id: int, urls: list[str], now: datetime) -> None:
    rows = [{"url": url, "article_id": article_id, "first_seen_at": now} for url in urls]
    _core(session).execute(_INSERT_URL, rows)


def _remember_urls(session: Session, article_id: int, urls: list[str], now: datetime) -> None:
    known = set(_core(session).execute(_KNOWN_URLS, {"urls": urls}).scalars())
    fresh = [url for url in urls if url not in known]
    if fresh:
        _add_urls(session, article_id, fresh, now)


def _set_authors(
    session: Session, article_id: int, names: list[str], now: datetime, *, new: bool = False
) -> None:
    """Link an article to its authors, in order; an author seen for the first time is added."""
    connection = _core(session)
    if not new:
        connection.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article_id))
    unique = list(dict.fromkeys(names))
    if not unique:
        return
    found = connection.execute(_AUTHORS_BY_NAME, {"names": unique})
    ids: dict[str, int] = {name: author_id for name, author_id in found}
    for name in unique:
        if name not in ids:
            ids[name] = _insert_one(
                connection, _INSERT_AUTHOR, {"name": name, "first_seen_at": now}
            )
    links = [
        {"article_id": article_id, "author_id": ids[name], "position": position}
        for position, name in enumerate(unique)
    ]
    connection.execute(_INSERT_ARTICLE_AUTHOR, links)


#: The article columns a revision keeps.
VERSION_FIELDS = ("title", "byline", "description", "text", "content_hash", "extractor_version")


def _version_values(row: ArticleRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in VERSION_FIELDS}


def _add_version(
    session: Session, article_id: int, values: dict[str, Any], now: datetime, *, new: bool = False
) -> None:
    """Store the article's current title and text as its next revision (1 for a new one)."""
    connection = _core(session)
    latest = None
    if not new:
        latest = connection.execute(_LATEST_VERSION, {"article_id": article_id}).scalar()
    version = {name: values[name] for name in VERSION_FIELDS}
    version.update(article_id=article_id, version=(latest or 0) + 1, fetched_at=now)
    connection.execute(_INSERT_VERSION, version)


def _index_simhash(
    session: Session, article_id: int, simhash: int | None, now: datetime, *, new: bool = False
) -> None:
    """Index the article's SimHash and link it to the stories it copies (or that copy it)."""
    connection = _core(session)
    if not new:
        connection.execute(delete(SimhashBand).where(SimhashBand.article_id == article_id))
    if simhash is None:
        return
    pairs = similarity.bands(simhash)
    linked: set[int] = set()
    if not new:
        linked.update(connection.execute(_LINKED, {"article_id": article_id}).scalars())
    params: dict[str, int] = {f"value_{band}": value for band, value in pairs}
    params["article_id"] = article_id
    copies = []
    for other_id, other_hash in connection.execute(_SIMHASH_CANDIDATES, params).all():
        if other_hash is None or other_id in linked:
            continue
        bits = similarity.distance(simhash, other_hash)
        if bits <= similarity.NEAR_DUPLICATE_BITS:
            linked.add(other_id)
            copies.append(
                {
                    "article_id": article_id,
                    "other_id": other_id,
                    "similarity": 1 - bits / 64,
                    "found_at": now,
                }
            )
    if copies:
        connection.execute(_INSERT_NEAR_DUPLICATE, copies)
    bands = [{"band": b, "value": v, "article_id": article_id} for b, v in pairs]
    connection.execute(_INSERT_BANDS, bands)


def _raw_values(page: Page, digest: str) -> dict[str, Any]:
    return {
        "final_url": page.final_url,
        "status": page.status,
        "headers": dict(page.headers),
        "encoding": page.encoding,
        "compression": "zlib",
        "body": zlib.compress(page.content, RAW_COMPRESSION_LEVEL),
        "body_size": len(page.content),
        "body_sha256": digest,
        "fetched_at": page.fetched_at,
    }


def _insert_raw(session: Session, article_id: int, page: Page) -> None:
    values = _raw_values(page, hashlib.sha256(page.content).hexdigest())
    _core(session).execute(_INSERT_RAW, {"article_id": article_id, **values})


def _store_raw(session: Session, article_id: int, page: Page) -> None:
    """Keep the page the article was last extracted from; the same bytes again change nothing."""
    digest = hashlib.sha256(page.content).hexdigest()
    connection = _core(session)
    found = connection.execute(_RAW_DIGEST, {"article_id": article_id}).first()
    if found is None:
        _insert_raw(session, article_id, page)
    elif found.body_sha256 != digest:
        change = update(RawPage).where(RawPage.id == found.id)
        connection.execute(change, _raw_values(page, digest))


def raw_body(raw: RawPage) -> bytes:
    """The raw page bytes as the server sent them (after transfer decoding)."""
    if raw.compression == "zlib":
        return zlib.decompress(raw.body)
    return raw.body


def record_fetch(
    session: Session,
    *,
    url: str,
    started_at: datetime,
    duration: float,
    outcome: str,
    status: int | None = None,
    final_url: str | None = None,
    size: int | None = None,
    error_kind: str | None = None,
    message: str | None = None,
    article_id: int | None = None,
) -> None:
    """Add one row to `fetches`: every attempt, whatever its outcome."""
    row = {
        "url": url,
        "final_url": final_url,
        "started_at": started_at,
        "duration_ms": round(duration * 1000),
        "status": status,
        "outcome": outcome,
        "error_kind": error_kind,
        "message": message,
        "bytes": size,
        "article_id": article_id,
    }
    _core(session).execute(_INSERT_FETCH, row)


def find_article(session: Session, key: str) -> ArticleRow | None:
    """An article by id, or by any URL it was reached under (as fetched, final, canonical)."""
    if key.isdigit():
        return session.get(ArticleRow, int(key))
    article_id = session.scalar(select(ArticleURL.article_id).where(ArticleURL.url == key))
    return session.get(ArticleRow, article_id) if article_id is not None else None


def to_article(row: ArticleRow) -> Article:
    """The stored row as the public Article record (times as ISO-8601 in UTC)."""
    return Article(
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        byline=row.byline,
        authors=tuple(row.authors or ()),
        description=row.description,
        published_at=_iso(row.published_at),
        modified_at=_iso(row.modified_at),
        language=row.language,
        site_name=row.site_name,
        image_url=row.image_url,
        text=row.text,
        markdown=row.markdown,
        section=row.section,
        tags=tuple(row.tags or ()),
        organisation=row.organisation,
        sources=tuple(f"{field}:{source}" for field, source in (row.sources or {}).items()),
        original_url=row.original_url,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- revisits, revisions and re-extraction -------------------------------------------------


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """When archived articles are fetched again (RunSettings.revisit_after / revisit_max_age).

    after: seconds after first sight of each revisit, growing; max_age: seconds after first
    sight beyond which an article is left alone (0: no revisits).
    """

    after: Sequence[float]
    max_age: float

    def next_check(self, first_seen_at: datetime, checks: int, now: datetime) -> datetime | None:
        """The time of the next revisit of an article revisited `checks` times, or None.

        It is first_seen_at plus the schedule's next interval; an interval already past (a
        run that came late, cron stopped for a day) is skipped rather than caught up in a
        burst, and nothing is scheduled beyond the max age.
        """
        if self.max_age <= 0:
            return None
        limit = first_seen_at + timedelta(seconds=self.max_age)
        for seconds in self.after[checks:]:
            due = first_seen_at + timedelta(seconds=seconds)
            if due > limit:
                return None
            if due > now:
                return due
        return None


@dataclass(frozen=True, slots=True)
class Due:
    """An archived article due to be fetched again, and its text's hash at that moment."""

    article_id: int
    url: str
    content_hash: str


def record_check(
    session: Session, article_id: int, policy: RevisitPolicy, now: datetime, *, last: bool = False
) -> ArticleRow:
    """Count a revisit (whatever came of it) and schedule the next one; `last` ends the
    schedule (the page is gone for good). Returns the row, which shows the latest text."""
    row = session.get_one(ArticleRow, article_id)
    row.checks += 1
    row.next_check_at = None if last else policy.next_check(row.first_seen_at, row.checks, now)
    session.flush()
    return row


def due_revisits(session: Session, policy: RevisitPolicy, now: datetime) -> list[Due]:
    """Articles whose next revisit has come, oldest appointment first.

    Two kinds of housekeeping come first, so the answer is right whoever stored the rows:
    articles past the max age stop being revisited, and young articles that have no
    schedule yet (archived by `fetch`, or with revisits turned off) get one.
    """
    if policy.max_age <= 0:
        return []
    oldest = now - timedelta(seconds=policy.max_age)
    for row in session.scalars(
        select(ArticleRow).where(
            ArticleRow.next_check_at.is_not(None), ArticleRow.first_seen_at < oldest
        )
    ):
        row.next_check_at = None
    unscheduled = select(ArticleRow).where(
        ArticleRow.next_check_at.is_(None),
        ArticleRow.checks == 0,
        ArticleRow.first_seen_at >= oldest,
    )
    for row in session.scalars(unscheduled):
        row.next_check_at = policy.next_check(row.first_seen_at, 0, now)
    session.flush()
    query = (
        select(ArticleRow.id, ArticleRow.url, ArticleRow.content_hash)
        .where(ArticleRow.next_check_at <= now)
        .order_by(ArticleRow.next_check_at, ArticleRow.id)
    )
    return [Due(article_id, url, digest) for article_id, url, digest in session.execute(query)]


def versions_of(session: Session, article_id: int) -> list[ArticleVersion]:
    """Every stored revision of an article, oldest first."""
    query = (
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version)
    )
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class StoredPage:
    """An archived article's raw page, decoded as when it was fetched: input for re-extraction."""

    article_id: int
    url: str
    final_url: str
    html: str | bytes  # bytes when the stored encoding is unknown here: the extractor detects


def find_source(session: Session, host: str) -> Source | None:
    """A source by host name (a leading www. may be left out)."""
    hosts = {host.lower(), host.lower().removeprefix("www."), "www." + host.lower()}
    return session.scalars(select(Source).where(Source.host.in_(hosts)).order_by(Source.id)).first()


def reextraction_candidates(
    session: Session,
    *,
    extractor_version: str,
    everything: bool = False,
    since: datetime | None = None,
    source_id: int | None = None,
) -> list[int]:
    """Ids of the articles to extract again: those made by another extractor version (every
    one with `everything`), first seen on or after `since`, of one source; with a raw page."""
    query = select(ArticleRow.id).join(RawPage, RawPage.article_id == ArticleRow.id)
    if not everything:
        query = query.where(ArticleRow.extractor_version != extractor_version)
    if since is not None:
        query = query.where(ArticleRow.first_seen_at >= since)
    if source_id is not None:
        query = query.where(ArticleRow.source_id == source_id)
    return list(session.scalars(query.order_by(ArticleRow.id)))


def stored_page(session: Session, article_id: int) -> StoredPage | None:
    """The raw page an article was last extracted from, or None when none was kept."""
    row = session.get(ArticleRow, article_id)
    raw = session.scalars(select(RawPage).where(RawPage.article_id == article_id)).one_or_none()
    if row is None or raw is None:
        return None
    body = raw_body(raw)
    try:
        html: str | bytes = body.decode(raw.encoding, errors="replace")
    except LookupError:
        html = body
    return StoredPage(article_id, row.url, raw.final_url, html)


def apply_reextraction(
    session: Session, article_id: int, article: Article, *, extractor_version: str, now: datetime
) -> bool:
    """Replace an article's extracted values with a new extraction of its stored page.

    No revision is stored: the story did not change, only how it is read. The revisions
    already stored keep the text (and extractor version) they were made with. Returns True
    when a value changed (the extractor version aside).
    """
    row = session.get_one(ArticleRow, article_id)
    values = _article_values(article)
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    row.extractor_version = extractor_version
    if changed:
        row.updated_at = now
    session.flush()
    if "authors" in changed:
        _set_authors(session, row.id, row.authors, now)
    if "simhash" in changed:
        _index_simhash(session, row.id, row.simhash, now)
    return bool(changed)


# --- feeds ---------------------------------------------------------------------------------

#: Failures that will not go away by asking again: a URL that failed so is not fetched again
#: by `run` (it is still recorded in `fetches`, and `newsvault fetch URL` still tries it).
PERMANENT_FAILURES = frozenset(
    {"invalid_url", "blocked_address", "not_html", "too_large", "not_an_article", "empty_body"}
)

#: HTTP statuses that say "this URL is gone for good", with the same effect.
PERMANENT_STATUSES = frozenset({404, 410, 451})

#: How many URLs go into one `IN (...)`: well under SQLite's 32,766 bound-parameter limit.
QUERY_CHUNK = 500


def add_feed(
    session: Session, url: str, *, name: str | None, tags: list[str], now: datetime
) -> tuple[FeedRow, bool]:
    """The feed with this URL, created if new; returns (feed, created). Name and tags merge."""
    feed = session.scalars(select(FeedRow).where(FeedRow.url == url)).one_or_none()
    if feed is not None:
        if name:
            feed.name = name
        feed.tags = sorted(set(feed.tags) | set(tags))
        return feed, False
    feed = FeedRow(
        url=url,
        name=name,
        tags=sorted(set(tags)),
        enabled=True,
        added_at=now,
        consecutive_failures=0,
    )
    session.add(feed)
    session.flush()
    return feed, True


def find_feed(session: Session, key: str) -> FeedRow | None:
    """A feed by id or URL."""
    if key.isdigit():
        return session.get(FeedRow, int(key))
    return session.scalars(select(FeedRow).where(FeedRow.url == key)).one_or_none()


def list_feeds(session: Session) -> list[FeedRow]:
    return list(session.scalars(select(FeedRow).order_by(FeedRow.id)))


def due_feeds(session: Session, now: datetime) -> list[FeedRow]:
    """Enabled feeds whose next poll time has come (or that were never polled)."""
    query = (
        select(FeedRow)
        .where(FeedRow.enabled.is_(True))
        .where((FeedRow.next_poll_at.is_(None)) | (FeedRow.next_poll_at <= now))
        .order_by(FeedRow.id)
    )
    return list(session.scalars(query))


def known_urls(session: Session, urls: list[str]) -> set[str]:
    """Those of `urls` that need no fetch: archived already, or failed for good before."""
    known: set[str] = set()
    for start in range(0, len(urls), QUERY_CHUNK):
        chunk = urls[start : start + QUERY_CHUNK]
        known.update(session.scalars(select(ArticleURL.url).where(ArticleURL.url.in_(chunk))))
        failed = select(Fetch.url).where(Fetch.url.in_(chunk), Fetch.outcome == "failed")
        permanent = (Fetch.error_kind.in_(PERMANENT_FAILURES)) | (
            Fetch.status.in_(PERMANENT_STATUSES)
        )
        known.update(session.scalars(failed.where(permanent)))
    return known


def record_feed_items(session: Session, items: list[tuple[int, FeedItem]], now: datetime) -> None:
    """Keep what each feed said about an archived article; a second sighting changes nothing."""
    connection = _core(session)
    fresh: dict[tuple[int, str], dict[str, Any]] = {}
    for feed_id, item in items:
        if (feed_id, item.url) in fresh:
            continue
        exists = connection.execute(_FEED_ITEM, {"feed_id": feed_id, "url": item.url})
        if exists.first() is None:
            fresh[feed_id, item.url] = {
                "feed_id": feed_id,
                "url": item.url,
                "title": item.title,
                "published_at": item.published_at,
                "authors": list(item.authors),
                "first_seen_at": now,
            }
    if fresh:
        connection.execute(_INSERT_FEED_ITEM, list(fresh.values()))


# --- runs ----------------------------------------------------------------------------------

#: The counters a run keeps, in the order the summary line prints them.
RUN_COUNTERS = (
    "feeds_polled",
    "feeds_not_modified",
    "feeds_failed",
    "articles_new",
    "articles_failed",
    "skipped_robots",
    "articles_revisited",
    "articles_revised",
)


def start_run(session: Session, *, pid: int, now: datetime) -> RunRow:
    """A `runs` row for a run that begins; runs left 'running' by a killed run are closed."""
    for stale in session.scalars(select(RunRow).where(RunRow.status == "running")):
        stale.status = "killed"
        stale.message = "the run ended without finishing (killed or crashed)"
    run = RunRow(started_at=now, status="running", pid=pid, **dict.fromkeys(RUN_COUNTERS, 0))
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: dict[str, int],
    now: datetime,
    message: str | None = None,
) -> None:
    run = session.get_one(RunRow, run_id)
    run.status = status
    run.finished_at = now
    run.duration_s = (now - run.started_at).total_seconds()
    run.message = message
    for name in RUN_COUNTERS:
        setattr(run, name, counts.get(name, 0))
    session.flush()
