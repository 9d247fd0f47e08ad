"""Storage functions against a real SQLite file upgraded to the newest schema."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from newsvault import archive, db
from newsvault.fingerprint import fingerprint
from newsvault.models import (
    ArticleAuthor,
    ArticleRow,
    ArticleURL,
    ArticleVersion,
    Author,
    Fetch,
    NearDuplicate,
    RawPage,
    Source,
)
from newsvault.records import Article, Page

WHEN = datetime(2024, 10, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = db.open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    yield db.session_factory(engine, write=True)
    engine.dispose()


def _page(content: bytes = b"<html><body><p>Hello</p></body></html>", **kw: object) -> Page:
    values: dict[str, object] = {
        "url": "https://news.example/2024/10/25/story.html",
        "final_url": "https://news.example/2024/10/25/story.html",
        "status": 200,
        "headers": {"content-type": "text/html; charset=utf-8"},
        "content": content,
        "html": content.decode(),
        "encoding": "utf-8",
        "fetched_at": WHEN,
        "elapsed": 0.1,
    }
    values.update(kw)
    return Page(**values)  # type: ignore[arg-type]


ARTICLE = Article(
    url="https://news.example/2024/10/25/story.html",
    canonical_url="https://news.example/2024/10/25/story.html",
    title="A story",
    byline="Jane Doe and John Roe",
    authors=("Jane Doe", "John Roe"),
    description="What happened.",
    published_at="2024-10-25T11:00:00+02:00",
    modified_at=None,
    language="en",
    site_name="News Example",
    image_url="https://news.example/lead.jpg",
    text="First paragraph.\n\nSecond paragraph with five words.",
    markdown="First paragraph.\n\nSecond paragraph with five words.",
)


def _save(sessions: sessionmaker[Session], page: Page, article: Article) -> archive.Saved:
    with sessions.begin() as session:
        return archive.save_article(session, page, article, extractor_version="test-1")


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_article_is_stored_with_its_source_and_raw_page(
    sessions: sessionmaker[Session],
) -> None:
    saved = _save(sessions, _page(), ARTICLE)
    assert saved.outcome == "new"
    with sessions() as session:
        row = session.get_one(ArticleRow, saved.article_id)
        assert row.title == "A story"
        assert row.authors == ["Jane Doe", "John Roe"]
        assert row.published_at == datetime(2024, 10, 25, 9, 0, tzinfo=UTC)
        assert row.word_count == 7
        assert row.fetched_at == WHEN
        assert session.get_one(Source, row.source_id).host == "news.example"
        raw = session.scalars(select(RawPage)).one()
        assert archive.raw_body(raw) == _page().content
        assert raw.body_size == len(_page().content)


def test_the_same_article_again_changes_nothing(sessions: sessionmaker[Session]) -> None:
    first = _save(sessions, _page(), ARTICLE)
    later = _page(fetched_at=WHEN + timedelta(hours=1))
    again = _save(sessions, later, ARTICLE)
    assert again == archive.Saved(first.article_id, "unchanged")
    with sessions() as session:
        row = session.get_one(ArticleRow, first.article_id)
        assert row.fetched_at == WHEN
        assert row.updated_at == WHEN
    assert _count(sessions, ArticleRow) == 1
    assert _count(sessions, RawPage) == 1


def test_a_changed_article_is_updated_in_place(sessions: sessionmaker[Session]) -> None:
    first = _save(sessions, _page(), ARTICLE)
    changed = dataclasses.replace(ARTICLE, title="A story, updated")
    later = _page(b"<html><p>changed</p></html>", fetched_at=WHEN + timedelta(hours=2))
    saved = _save(sessions, later, changed)
    assert saved == archive.Saved(first.article_id, "updated")
    with sessions() as session:
        row = session.get_one(ArticleRow, first.article_id)
        assert row.title == "A story, updated"
        assert row.first_seen_at == WHEN
        assert row.updated_at == WHEN + timedelta(hours=2)
        assert archive.raw_body(session.scalars(select(RawPage)).one()) == later.content
    assert _count(sessions, ArticleRow) == 1


def test_every_fetch_is_recorded(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        archive.record_fetch(
            session,
            url="https://news.example/missing",
            started_at=WHEN,
            duration=0.25,
            outcome="failed",
            status=404,
            error_kind="http_status",
            message="the server answered 404 Not Found",
        )
    with sessions() as session:
        fetch = session.scalars(select(Fetch)).one()
        assert (fetch.status, fetch.duration_ms, fetch.outcome) == (404, 250, "failed")
        assert fetch.started_at == WHEN


def test_find_article_by_id_url_and_canonical_url(sessions: sessionmaker[Session]) -> None:
    article = dataclasses.replace(ARTICLE, canonical_url="https://news.example/story")
    saved = _save(sessions, _page(), article)
    with sessions() as session:
        for key in (str(saved.article_id), ARTICLE.url, "https://news.example/story"):
            row = archive.find_article(session, key or "")
            assert row is not None and row.id == saved.article_id
        assert archive.find_article(session, "https://news.example/other") is None
        assert archive.find_article(session, "999") is None


def test_to_article_gives_back_the_public_record(sessions: sessionmaker[Session]) -> None:
    saved = _save(sessions, _page(), ARTICLE)
    with sessions() as session:
        back = archive.to_article(session.get_one(ArticleRow, saved.article_id))
    assert back.published_at == "2024-10-25T09:00:00+00:00"
    assert dataclasses.replace(back, published_at=ARTICLE.published_at) == ARTICLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-25T11:00:00+02:00", datetime(2024, 10, 25, 9, 0, tzinfo=UTC)),
        ("2024-10-25T09:00:00Z", datetime(2024, 10, 25, 9, 0, tzinfo=UTC)),
        ("2024-10-25", datetime(2024, 10, 25, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_parse_time(text: str | None, expected: datetime | None) -> None:
    assert archive.parse_time(text) == expected


LONG_TEXT = " ".join(
    f"Paragraph {n} tells how the council met on Tuesday and voted on the bridge budget."
    for n in range(30)
)


def test_the_same_article_under_another_url_is_one_article(sessions: sessionmaker[Session]) -> None:
    first = _save(sessions, _page(), ARTICLE)
    amp = _page(
        url="https://news.example/amp/2024/10/25/story.html",
        final_url="https://news.example/amp/2024/10/25/story.html",
    )
    again = _save(sessions, amp, ARTICLE)  # its canonical URL is the first one
    assert again.article_id == first.article_id
    assert _count(sessions, ArticleRow) == 1
    with sessions() as session:
        urls = set(session.scalars(select(ArticleURL.url)))
        assert urls == {ARTICLE.url, amp.url}
        assert archive.find_article(session, amp.url) is not None
        assert archive.known_urls(session, [amp.url, "https://news.example/other"]) == {amp.url}


def test_authors_have_their_own_table(sessions: sessionmaker[Session]) -> None:
    _save(sessions, _page(), ARTICLE)
    other = dataclasses.replace(
        ARTICLE, url="https://news.example/b", canonical_url=None, authors=("John Roe",)
    )
    _save(sessions, _page(url=other.url, final_url=other.url), other)
    with sessions() as session:
        query = (
            select(Author.name, func.count())
            .join(ArticleAuthor, ArticleAuthor.author_id == Author.id)
            .group_by(Author.name)
            .order_by(Author.name)
        )
        assert session.execute(query).all() == [("Jane Doe", 1), ("John Roe", 2)]


def test_a_real_change_is_a_revision_and_whitespace_is_not(
    sessions: sessionmaker[Session],
) -> None:
    saved = _save(sessions, _page(), ARTICLE)
    spaced = dataclasses.replace(ARTICLE, text=ARTICLE.text.replace(" ", "  "))
    _save(sessions, _page(fetched_at=WHEN + timedelta(hours=1)), spaced)
    edited = dataclasses.replace(ARTICLE, text=ARTICLE.text + "\n\nA correction was appended.")
    _save(sessions, _page(fetched_at=WHEN + timedelta(hours=6)), edited)
    with sessions() as session:
        versions = session.execute(
            select(ArticleVersion.version, ArticleVersion.text)
            .where(ArticleVersion.article_id == saved.article_id)
            .order_by(ArticleVersion.version)
        ).all()
        assert [v for v, _ in versions] == [1, 2]
        assert versions[-1][1] == edited.text
        assert session.get_one(ArticleRow, saved.article_id).text == edited.text


def test_copies_of_one_story_on_two_sites_are_linked(sessions: sessionmaker[Session]) -> None:
    wire = dataclasses.replace(ARTICLE, text=LONG_TEXT, canonical_url=None)
    first = _save(sessions, _page(), wire)
    copy_url = "https://aggregator.example/world/story-123"
    copy = dataclasses.replace(
        wire,
        url=copy_url,
        canonical_url=ARTICLE.url,  # points back to the original, on another site
        original_url=ARTICLE.url,  # as the extractor reads it from such a page
        text=LONG_TEXT.replace("Paragraph 7 tells", "Paragraph 7 reports"),
    )
    second = _save(sessions, _page(url=copy_url, final_url=copy_url), copy)
    unrelated_url = "https://other.example/sport"
    unrelated = dataclasses.replace(
        wire, url=unrelated_url, canonical_url=None, text=LONG_TEXT.replace("council", "club") * 2
    )
    _save(sessions, _page(url=unrelated_url, final_url=unrelated_url), unrelated)
    with sessions() as session:
        pairs = session.execute(select(NearDuplicate.article_id, NearDuplicate.other_id)).all()
        assert pairs == [(second.article_id, first.article_id)]
        assert session.get_one(ArticleRow, second.article_id).original_url == ARTICLE.url
        assert session.get_one(ArticleRow, first.article_id).original_url is None


def test_a_fingerprint_handed_in_is_stored_as_the_one_computed(
    sessions: sessionmaker[Session],
) -> None:
    wire = dataclasses.replace(ARTICLE, text=LONG_TEXT)
    computed = _save(sessions, _page(), wire)
    other = "https://other.example/copy"
    with sessions.begin() as session:
        given = archive.save_article(
            session,
            _page(url=other, final_url=other),
            dataclasses.replace(wire, url=other, canonical_url=None),
            extractor_version="test-1",
            derived=fingerprint(wire),
        )
    columns = (ArticleRow.word_count, ArticleRow.content_hash, ArticleRow.simhash)
    with sessions() as session:
        first, second = (
            session.execute(select(*columns).where(ArticleRow.id == saved.article_id)).one()
            for saved in (computed, given)
        )
        assert first == second
        assert first.simhash is not None
        assert session.scalar(select(func.count()).select_from(NearDuplicate)) == 1


def test_a_schedule_sets_the_first_revisit_of_a_new_article_only(
    sessions: sessionmaker[Session],
) -> None:
    policy = archive.RevisitPolicy(after=(3600.0, 21600.0), max_age=604800.0)
    with sessions.begin() as session:
        saved = archive.save_article(
            session, _page(), ARTICLE, extractor_version="test-1", schedule=policy
        )
    later = _page(fetched_at=WHEN + timedelta(hours=2))
    edited = dataclasses.replace(ARTICLE, text=ARTICLE.text + "\n\nA correction.")
    with sessions.begin() as session:
        archive.save_article(session, later, edited, extractor_version="test-1", schedule=policy)
    with sessions() as session:
        row = session.get_one(ArticleRow, saved.article_id)
        assert row.next_check_at == WHEN + timedelta(hours=1)  # not moved by the update
        assert row.checks == 0
    unscheduled = "https://news.example/unscheduled"
    other = dataclasses.replace(ARTICLE, url=unscheduled, canonical_url=None)
    plain = _save(sessions, _page(url=unscheduled, final_url=unscheduled), other)
    with sessions() as session:
        assert session.get_one(ArticleRow, plain.article_id).next_check_at is None
