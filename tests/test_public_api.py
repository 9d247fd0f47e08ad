"""The public Python API is exactly what the README documents (httpx's exported-members test)."""

from __future__ import annotations

import dataclasses

import newsvault

DOCUMENTED = [
    "Article",
    "Block",
    "ExtractError",
    "FetchError",
    "NewsvaultError",
    "NotAnArticle",
    "__version__",
    "extract",
]

JSON_FIELDS = [
    "url", "canonical_url", "title", "byline", "authors", "description", "published_at",
    "modified_at", "language", "site_name", "image_url", "text", "markdown", "section", "tags",
    "organisation", "sources", "original_url",
]  # fmt: skip


def test_all_is_what_we_document() -> None:
    assert newsvault.__all__ == DOCUMENTED
    for name in DOCUMENTED:
        assert hasattr(newsvault, name)


def test_extract_is_the_function_not_a_module() -> None:
    assert callable(newsvault.extract)


def test_article_is_a_frozen_dataclass_with_the_json_fields() -> None:
    assert dataclasses.is_dataclass(newsvault.Article)
    assert [field.name for field in dataclasses.fields(newsvault.Article)] == JSON_FIELDS
    assert newsvault.Article.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_not_an_article_is_an_extract_error() -> None:
    assert issubclass(newsvault.NotAnArticle, newsvault.ExtractError)
    assert issubclass(newsvault.ExtractError, newsvault.NewsvaultError)
