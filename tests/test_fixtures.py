"""The quality gate: every fixtures/pages/<slug>.html comes out as its .expected.json says."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from conftest import article_fields, fixture_slugs, load_fixture
from newsvault.article import Extraction, extract, extract_with_blocks
from newsvault.cli import cli
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
    actual = article_fields(got.article)
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
        "site_name", "canonical_url", "image_url", "original_url", "paragraphs", "first_paragraph",
        "last_paragraph", "headings", "min_paragraphs", "contains", "not_contains",
    }  # fmt: skip
    for slug in SLUGS:
        _, expected = load_fixture(slug)
        assert set(expected) <= checked, f"{slug}: unchecked keys {set(expected) - checked}"


# --- the same pages through the command line: `fetch` from a local server, and `extract` ----


def _served(httpserver: HTTPServer, slug: str, html: bytes) -> str:
    path = f"/{slug}/index.html"
    # No charset in the header: the page's own <meta> must be enough (the Italian page is
    # windows-1252 and says so only in <meta http-equiv>).
    httpserver.expect_request(path).respond_with_data(html, content_type="text/html")
    return httpserver.url_for(path)


def _instant(iso: str | None) -> datetime | None:
    if iso is None:
        return None
    parsed = datetime.fromisoformat(iso)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@pytest.mark.parametrize("slug", SLUGS)
def test_fetch_archives_what_extract_gives(
    slug: str, httpserver: HTTPServer, runner: CliRunner, archive_path: Path
) -> None:
    html, expected = load_fixture(slug)
    url = _served(httpserver, slug, html)
    options = ["--db", str(archive_path), "--allow-private", "127.0.0.1"]
    result = runner.invoke(cli, [*options, "fetch", "--print", "json", url])
    if expected.get("not_article"):
        assert result.exit_code == NotAnArticle.exit_code
        assert result.stderr.startswith(f"Error: {url}: no article found")
        assert _count(archive_path, "articles") == 0
        return
    assert result.exit_code == 0, result.stderr
    wanted = dataclasses.asdict(extract(html, url=url))
    assert json.loads(result.stdout) == json.loads(json.dumps(wanted))
    shown = json.loads(runner.invoke(cli, [*options, "show", url, "--format", "json"]).stdout)
    for name in ("published_at", "modified_at"):
        assert _instant(shown.pop(name)) == _instant(wanted.pop(name))
    assert shown == json.loads(json.dumps(wanted))


@pytest.mark.parametrize("slug", SLUGS)
def test_extract_command_gives_what_extract_gives(
    slug: str, runner: CliRunner, tmp_path: Path
) -> None:
    html, expected = load_fixture(slug)
    page = tmp_path / f"{slug}.html"
    page.write_bytes(html)
    result = runner.invoke(
        cli, ["extract", str(page), "--url", expected["url"], "--format", "json"]
    )
    if expected.get("not_article"):
        assert result.exit_code == NotAnArticle.exit_code
        return
    assert result.exit_code == 0, result.stderr
    wanted = dataclasses.asdict(extract(html, url=expected["url"]))
    assert json.loads(result.stdout) == json.loads(json.dumps(wanted))


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])
