"""pipeline.store: one article, its fetch, its feed evidence and its schedule in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from newsvault import archive, db, pipeline
from newsvault.errors import NotAnArticle
from newsvault.fingerprint import fingerprint
from newsvault.models import ArticleRow, FeedItemRow, Fetch
from newsvault.records import Article, FeedItem, Page

WHEN = datetime(2024, 10, 25, 9, 30, tzinfo=UTC)
URL = "https://news.example/2024/10/25/story.html"
FEED = "https://news.example/rss.xml"

PAGE = Page(
    url=URL,
    final_url=URL,
    status=200,
    headers={"content-type": "text/html; charset=utf-8"},
    content=b"<html><body><p>Hello</p></body></html>",
    html="<html><body><p>Hello</p></body></html>",
    encoding="utf-8",
    fetched_at=WHEN,
    elapsed=0.1,
)

ARTICLE = Article(
    url=URL,
    canonical_url=URL,
    title="A story",
    byline="Jane Doe",
    authors=("Jane Doe",),
    description=None,
    published_at="2024-10-25T11:00:00+02:00",
    modified_at=None,
    language="en",
    site_name="News Example",
    image_url=None,
    text="First paragraph.\n\nSecond paragraph with five words.",
    markdown="First paragraph.\n\nSecond paragraph with five words.",
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = db.open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    yield made
    made.dispose()


def _commits(engine: Engine) -> list[int]:
    """A list that grows by one at every commit on the engine."""
    seen: list[int] = []

    def count(connection: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", count)
    return seen


def test_an_article_its_fetch_evidence_and_schedule_are_one_transaction(engine: Engine) -> None:
    sessions = db.session_factory(engine, write=True)
    with sessions.begin() as session:
        feed, _ = archive.add_feed(session, FEED, name=None, tags=[], now=WHEN)
        feed_id = feed.id
    commits = _commits(engine)
    policy = archive.RevisitPolicy(after=(3600.0,), max_age=604800.0)
    evidence = [(feed_id, FeedItem(URL, FEED, title="From the feed"))]
    saved = pipeline.store(
        sessions, URL, WHEN, 0.25, PAGE, ARTICLE, evidence,
        derived=fingerprint(ARTICLE), schedule=policy,
    )  # fmt: skip
    assert saved.outcome == "new"
    assert len(commits) == 1
    with sessions() as session:
        row = session.get_one(ArticleRow, saved.article_id)
        assert row.next_check_at == WHEN + timedelta(hours=1)
        assert row.word_count == 7
        fetch = session.scalars(select(Fetch)).one()
        assert (fetch.outcome, fetch.article_id, fetch.duration_ms) == ("new", row.id, 250)
        assert session.scalars(select(FeedItemRow.title)).all() == ["From the feed"]


def test_a_failure_is_a_fetches_row_and_nothing_else(engine: Engine) -> None:
    sessions: sessionmaker[Session] = db.session_factory(engine, write=True)
    pipeline.record_failure(sessions, URL, WHEN, 0.5, PAGE, NotAnArticle("body is empty"))
    with sessions() as session:
        fetch = session.scalars(select(Fetch)).one()
        assert (fetch.outcome, fetch.error_kind, fetch.status) == ("failed", "not_an_article", 200)
        assert session.scalar(select(func.count()).select_from(ArticleRow)) == 0
