"""Storage on a caller's Session: save articles, record fetches, look them up (I/O via session).

Nothing here commits: the caller owns the transaction (SQLAlchemy's session guidance), so the
pipeline can give each article one short transaction of its own.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from newsvault import similarity
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

_WORD = re.compile(r"\w+")


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


def _article_values(article: Article) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    values["authors"] = list(article.authors)
    values["tags"] = list(article.tags)
    values["sources"] = dict(entry.split(":", 1) for entry in article.sources)
    values["published_at"] = parse_time(article.published_at)
    values["modified_at"] = parse_time(article.modified_at)
    values["word_count"] = len(_WORD.findall(article.text))
    values["content_hash"] = similarity.content_hash(article.title, article.text)
    values["simhash"] = similarity.simhash(article.text)
    return values


def source_for(session: Session, host: str, name: str | None, now: datetime) -> Source:
    """The sources row for a host, created on first sight; a site name fills a missing one."""
    source = session.scalars(select(Source).where(Source.host == host)).one_or_none()
    if source is None:
        source = Source(host=host, name=name, first_seen_at=now)
        session.add(source)
        session.flush()
    elif source.name is None and name:
        source.name = name
    return source


def save_article(
    session: Session, page: Page, article: Article, *, extractor_version: str
) -> Saved:
    """Insert or update the article reached at page.url; flushes, never commits.

    The same article under several URLs (its canonical URL, a redirect, an AMP copy on the
    same site) is one row, and every URL is kept in `article_urls`. A re-fetch that extracts
    the same values changes no article column; a real change of title or text also stores a
    revision in `article_versions`. The raw page is replaced only when its bytes differ.
    """
    now = page.fetched_at
    values = _article_values(article)
    row = _existing(session, page, article)
    if row is None:
        row = _insert(session, page, article, values, extractor_version)
        outcome: Outcome = "new"
    else:
        outcome = _update(session, row, page, values, extractor_version)
    _remember_urls(session, row.id, page, article, now)
    _store_raw(session, row.id, page)
    session.flush()
    return Saved(row.id, outcome)


def _insert(
    session: Session, page: Page, article: Article, values: dict[str, Any], version: str
) -> ArticleRow:
    now = page.fetched_at
    host = urlsplit(page.final_url).hostname or ""
    source = source_for(session, host, article.site_name, now)
    row = ArticleRow(
        url=page.url,
        final_url=page.final_url,
        source_id=source.id,
        extractor_version=version,
        first_seen_at=now,
        fetched_at=now,
        updated_at=now,
        checks=0,
        **values,
    )
    session.add(row)
    session.flush()
    _set_authors(session, row.id, list(article.authors), now)
    _add_version(session, row, now)
    _index_simhash(session, row, now)
    return row


def _update(
    session: Session, row: ArticleRow, page: Page, values: dict[str, Any], version: str
) -> Outcome:
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
        _add_version(session, row, now)
    if "simhash" in changed:
        _index_simhash(session, row, now)
    return "updated"


def _existing(session: Session, page: Page, article: Article) -> ArticleRow | None:
    """The article already archived under this page's URL, final URL or same-site canonical."""
    candidates = [page.url, page.final_url]
    if article.canonical_url and same_site(article.canonical_url, page.final_url):
        candidates.append(article.canonical_url)
    query = select(ArticleURL.article_id).where(ArticleURL.url.in_(candidates)).limit(1)
    article_id = session.scalar(query)
    return session.get(ArticleRow, article_id) if article_id is not None else None


def _remember_urls(
    session: Session, article_id: int, page: Page, article: Article, now: datetime
) -> None:
    urls = [page.url, page.final_url]
    if article.canonical_url and same_site(article.canonical_url, page.final_url):
        urls.append(article.canonical_url)
    for url in dict.fromkeys(urls):
        if session.get(ArticleURL, url) is None:
            session.add(ArticleURL(url=url, article_id=article_id, first_seen_at=now))


def _set_authors(session: Session, article_id: int, names: list[str], now: datetime) -> None:
    session.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article_id))
    for position, name in enumerate(dict.fromkeys(names)):
        author = session.scalars(select(Author).where(Author.name == name)).one_or_none()
        if author is None:
            author = Author(name=name, first_seen_at=now)
            session.add(author)
            session.flush()
        session.add(ArticleAuthor(article_id=article_id, author_id=author.id, position=position))


def _add_version(session: Session, row: ArticleRow, now: datetime) -> None:
    latest = session.scalar(
        select(func.max(ArticleVersion.version)).where(ArticleVersion.article_id == row.id)
    )
    session.add(
        ArticleVersion(
            article_id=row.id,
            version=(latest or 0) + 1,
            fetched_at=now,
            title=row.title,
            byline=row.byline,
            description=row.description,
            text=row.text,
            content_hash=row.content_hash,
            extractor_version=row.extractor_version,
        )
    )


def _index_simhash(session: Session, row: ArticleRow, now: datetime) -> None:
    """Index the article's SimHash and link it to the stories it copies (or that copy it)."""
    session.execute(delete(SimhashBand).where(SimhashBand.article_id == row.id))
    if row.simhash is None:
        return
    pairs = similarity.bands(row.simhash)
    matches = select(SimhashBand.article_id).where(
        or_(*(and_(SimhashBand.band == b, SimhashBand.value == v) for b, v in pairs)),
        SimhashBand.article_id != row.id,
    )
    candidates = select(ArticleRow.id, ArticleRow.simhash).where(ArticleRow.id.in_(matches))
    for other_id, other_hash in session.execute(candidates):
        if other_hash is None:
            continue
        bits = similarity.distance(row.simhash, other_hash)
        if (
            bits <= similarity.NEAR_DUPLICATE_BITS
            and session.get(NearDuplicate, (row.id, other_id)) is None
        ):
            session.add(
                NearDuplicate(
                    article_id=row.id, other_id=other_id, similarity=1 - bits / 64, found_at=now
                )
            )
    session.add_all(SimhashBand(band=b, value=v, article_id=row.id) for b, v in pairs)


def _store_raw(session: Session, article_id: int, page: Page) -> None:
    digest = hashlib.sha256(page.content).hexdigest()
    raw = session.scalars(select(RawPage).where(RawPage.article_id == article_id)).one_or_none()
    if raw is not None and raw.body_sha256 == digest:
        return
    if raw is None:
        raw = RawPage(article_id=article_id)
        session.add(raw)
    raw.final_url = page.final_url
    raw.status = page.status
    raw.headers = dict(page.headers)
    raw.encoding = page.encoding
    raw.compression = "zlib"
    raw.body = zlib.compress(page.content, RAW_COMPRESSION_LEVEL)
    raw.body_size = len(page.content)
    raw.body_sha256 = digest
    raw.fetched_at = page.fetched_at
    session.flush()


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
) -> Fetch:
    """Add one row to `fetches`: every attempt, whatever its outcome."""
    fetch = Fetch(
        url=url,
        final_url=final_url,
        started_at=started_at,
        duration_ms=round(duration * 1000),
        status=status,
        outcome=outcome,
        error_kind=error_kind,
        message=message,
        bytes=size,
        article_id=article_id,
    )
    session.add(fetch)
    session.flush()
    return fetch


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


def schedule_first_check(
    session: Session, article_id: int, policy: RevisitPolicy, now: datetime
) -> None:
    """Set the first revisit of an article just archived (first_seen_at + first interval)."""
    row = session.get_one(ArticleRow, article_id)
    row.next_check_at = policy.next_check(row.first_seen_at, row.checks, now)
    session.flush()


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
        _index_simhash(session, row, now)
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
    for feed_id, item in items:
        values = {
            "feed_id": feed_id,
            "url": item.url,
            "title": item.title,
            "published_at": item.published_at,
            "authors": list(item.authors),
            "first_seen_at": now,
        }
        exists = select(FeedItemRow.id).where(
            FeedItemRow.feed_id == feed_id, FeedItemRow.url == item.url
        )
        if session.scalar(exists) is None:
            session.add(FeedItemRow(**values))
    session.flush()


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
