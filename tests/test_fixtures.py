"""The quality gate: every fixtures/pages/<slug>.html comes out as its .expected.json says."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import fixture_slugs, load_fixture

from newsvault.article import Extraction, extract_with_blocks
from newsvault.errors import NotAnArticle

SLUGS = fixture_slugs()

# Expected keys that are not checked against the extraction (they describe the fixture).
DESCRIPTIVE_KEYS = {"url", "style", "not_article"}


@pytest.fixture(scope="module", params=SLUGS)
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Extraction | None]:
    html, expected = load_fixture(request.param)
    if expected.get("not_article"):
        return expected, None
    return expected, extract_with_blocks(html, expected.get("url"))


def test_there_are_fixtures() -> None:
    assert SLUGS, "fixtures/pages holds no *.expected.json"


@pytest.mark.parametrize("slug", SLUGS)
def test_not_article_pages_raise(slug: str) -> None:
    html, expected = load_fixture(slug)
    if not expected.get("not_article"):
        return
    with pytest.raises(NotAnArticle):
        extract_with_blocks(html, expected.get("url"))


def test_fields(case: tuple[dict[str, Any], Extraction | None]) -> None:
    expected, got = case
    if got is None:
        return
    article = got.article
    actual = {
        "title": article.title,
        "byline": article.byline,
        "authors": list(article.authors),
        "description": article.description,
        "published": _day(article.published_at),
        "modified": _day(article.modified_at),
        "language": article.language,
        "site_name": article.site_name,
        "canonical_url": article.canonical_url,
        "image_url": article.image_url,
    }
    wrong = {k: (expected[k], v) for k, v in actual.items() if k in expected and expected[k] != v}
    assert not wrong, f"(expected, got) per field: {wrong}"


def test_body(case: tuple[dict[str, Any], Extraction | None]) -> None:
    expected, got = case
    if got is None:
        return
    texts = [b.text for b in got.blocks]
    prose = [b.text for b in got.blocks if b.kind != "h"]
    if "paragraphs" in expected:
        assert texts == expected["paragraphs"]
    if "first_paragraph" in expected:
        assert prose[:1] == [expected["first_paragraph"]]
    if "last_paragraph" in expected:
        assert prose[-1:] == [expected["last_paragraph"]]
    if "headings" in expected:
        assert [b.text for b in got.blocks if b.kind == "h"] == expected["headings"]
    assert len(texts) >= expected.get("min_paragraphs", 0)


def test_contains(case: tuple[dict[str, Any], Extraction | None]) -> None:
    expected, got = case
    if got is None:
        return
    missing = [s for s in expected.get("contains", []) if s not in got.article.text]
    assert not missing, f"missing from text: {missing}"


def test_not_contains(case: tuple[dict[str, Any], Extraction | None]) -> None:
    expected, got = case
    if got is None:
        return
    article = got.article
    outputs = (article.text, article.markdown)
    present = [s for s in expected.get("not_contains", []) if any(s in o for o in outputs)]
    assert not present, f"boilerplate in the output: {present}"


def test_every_expected_key_is_checked() -> None:
    checked = DESCRIPTIVE_KEYS | {
        "title", "byline", "authors", "description", "published", "modified", "language",
        "site_name", "canonical_url", "image_url", "paragraphs", "first_paragraph",
        "last_paragraph", "headings", "min_paragraphs", "contains", "not_contains",
    }  # fmt: skip
    for slug in SLUGS:
        _, expected = load_fixture(slug)
        assert set(expected) <= checked, f"{slug}: unchecked keys {set(expected) - checked}"


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso else None
