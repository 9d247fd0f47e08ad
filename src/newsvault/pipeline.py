"""Composes the stages: check URL, fetch, extract, archive; one short transaction per article."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newsvault import archive, db, feeds, urls
from newsvault.article import EXTRACTOR_VERSION, extract
from newsvault.encoding import binary_kind, decode_html
from newsvault.errors import FeedError, FetchError, NewsvaultError, StorageError
from newsvault.fetch import Fetcher
from newsvault.fingerprint import Fingerprint
from newsvault.records import Article, FeedItem, Page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Archived:
    """A URL archived: the row id, what happened to it, and the article as extracted."""

    url: str
    article_id: int
    outcome: archive.Outcome
    article: Article


@dataclass(frozen=True, slots=True)
class Failed:
    """A URL that could not be archived, with the error that says why."""

    url: str
    error: NewsvaultError


def extract_page(page: Page) -> Article:
    """The article on a fetched page, keyed by the URL it was asked for."""
    article = extract(page.html, url=page.final_url)
    return dataclasses.replace(article, url=page.url)


def archive_url(fetcher: Fetcher, sessions: sessionmaker[Session], url: str) -> Archived:
    """Fetch, extract and store one URL; every attempt leaves a row in `fetches`.

    The network and the extraction happen before the write transaction opens, so no slow
    server holds the archive's lock. On failure nothing is written to `articles`.
    """
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    page: Page | None = None
    try:
        page = fetcher.get(urls.check_url(url))
        article = extract_page(page)
    except NewsvaultError as exc:
        record_failure(sessions, url, started_at, time.monotonic() - clock, page, exc)
        raise
    saved = store(sessions, url, started_at, time.monotonic() - clock, page, article)
    return Archived(url, saved.article_id, saved.outcome, article)


def store(
    sessions: sessionmaker[Session],
    url: str,
    started_at: datetime,
    duration: float,
    page: Page,
    article: Article,
    evidence: list[tuple[int, FeedItem]] | None = None,
    *,
    derived: Fingerprint | None = None,
    schedule: archive.RevisitPolicy | None = None,
) -> archive.Saved:
    """Save an extracted article with its `fetches` row (and feed evidence) in one transaction;
    with `schedule`, a new article gets its first revisit in the same transaction. `derived`:
    the article's fingerprint, when it was computed with the extraction.

    Raises StorageError (after recording the failure) when the archive refuses the write.
    """
    try:
        with sessions.begin() as session:
            saved = archive.save_article(
                session,
                page,
                article,
                extractor_version=EXTRACTOR_VERSION,
                derived=derived,
                schedule=schedule,
            )
            archive.record_fetch(
                session,
                url=url,
                started_at=started_at,
                duration=duration,
                outcome=saved.outcome,
                status=page.status,
                final_url=page.final_url,
                size=len(page.content),
                article_id=saved.article_id,
            )
            if evidence:
                archive.record_feed_items(session, evidence, page.fetched_at)
    except SQLAlchemyError as exc:
        error = StorageError(f"the article could not be stored: {db.reason(exc)}")
        record_failure(sessions, url, started_at, duration, page, error)
        raise error from exc
    return saved


@dataclass(frozen=True, slots=True)
class Subscribed:
    """A feed added (or found already there) by `subscribe`."""

    url: str
    feed_id: int
    created: bool
    discovered: bool


def subscribe(
    fetcher: Fetcher,
    sessions: sessionmaker[Session],
    url: str,
    *,
    name: str | None = None,
    tags: list[str] | None = None,
    check: bool = True,
) -> list[Subscribed]:
    """Add a feed; given a web page instead, add the feeds it announces (autodiscovery).

    With `check`, the URL is fetched first: a feed is parsed to prove it is one; an HTML page
    is searched for <link rel="alternate"> feeds. Raises FeedError when there is none.
    """
    url = urls.check_url(url)
    found = [url]
    discovered = False
    if check:
        found, discovered = _feeds_at(fetcher, url)
    now = datetime.now(UTC)
    added: list[Subscribed] = []
    with sessions.begin() as session:
        for feed_url in found:
            row, created = archive.add_feed(session, feed_url, name=name, tags=tags or [], now=now)
            added.append(Subscribed(row.url, row.id, created, discovered))
    return added


def _feeds_at(fetcher: Fetcher, url: str) -> tuple[list[str], bool]:
    """The feed URLs at `url`: itself if it is a feed, else those its HTML announces."""
    response = fetcher.get_feed(url)
    try:
        feeds.parse(response.content, response.final_url, response.content_type)
        return [response.permanent_url or url], False
    except FeedError:
        if binary_kind(response.content) is not None or b"<" not in response.content[:4096]:
            raise
        html, _ = decode_html(response.content, response.content_type)
        found = list(feeds.discover(html, response.final_url))
    if not found:
        raise FeedError(url, "the page is neither a feed nor announces one")
    return found, True


def archive_urls(
    fetcher: Fetcher, sessions: sessionmaker[Session], targets: Iterable[str]
) -> Iterator[Archived | Failed]:
    """Archive each URL in turn; a failure is reported and recorded, and the rest go on."""
    for url in targets:
        try:
            yield archive_url(fetcher, sessions, url)
        except NewsvaultError as exc:
            yield Failed(url, exc)
        except Exception as exc:  # the per-item policy: one bad page never stops the others
            log.exception("unexpected error while archiving %s", urls.redact(url))
            error = NewsvaultError(f"unexpected error ({type(exc).__name__}: {exc})")
            record_failure(sessions, url, datetime.now(UTC), 0.0, None, error)
            yield Failed(url, error)


def record_failure(
    sessions: sessionmaker[Session],
    url: str,
    started_at: datetime,
    duration: float,
    page: Page | None,
    error: NewsvaultError,
) -> None:
    """Add a failed attempt to `fetches` in a transaction of its own (nothing in `articles`)."""
    status = page.status if page else error.status if isinstance(error, FetchError) else None
    try:
        with sessions.begin() as session:
            archive.record_fetch(
                session,
                url=url,
                started_at=started_at,
                duration=duration,
                outcome="failed",
                status=status,
                final_url=page.final_url if page else None,
                size=len(page.content) if page else None,
                error_kind=error.kind,
                message=error.message,
            )
    except SQLAlchemyError:
        log.warning("could not record the failed fetch of %s in the archive", urls.redact(url))
