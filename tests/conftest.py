"""Shared test fixtures: a clean environment, fixture pages, a local HTTP server, temp archives."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newsvault.records import Article

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "fixtures" / "pages"

#: Environment variables that would change what newsvault or requests do on this machine.
ISOLATED_ENV_PREFIXES = ("NEWSVAULT_",)
ISOLATED_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see neither the developer's NEWSVAULT_* settings nor their proxies."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(ISOLATED_ENV_PREFIXES) or upper in ISOLATED_ENV:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1 (an IP, so no test depends on name resolution)."""
    return ("127.0.0.1", 0)


def fixture_slugs() -> list[str]:
    """Every fixture page that has an expected result."""
    return sorted(
        path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json")
    )


def load_fixture(slug: str) -> tuple[bytes, dict[str, Any]]:
    """(the page's bytes, its expected result)."""
    html = (PAGES / f"{slug}.html").read_bytes()
    expected = json.loads((PAGES / f"{slug}.expected.json").read_text(encoding="utf-8"))
    return html, expected


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def archive_path(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "archive.db"


# --- PostgreSQL ----------------------------------------------------------------------------

#: The server the PostgreSQL tests use: CI's and the developers' (trust auth, database `test`).
PG_SERVER = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: Every test schema starts with this, so one left by a killed test run is easy to find.
PG_SCHEMA_PREFIX = "newsvault_test_"


def _pg_admin() -> Any:
    """An autocommit connection to the test server, or a skip saying why there is none."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install '.[postgres]' or '.[test]')")
    try:
        conn = psycopg.connect(PG_SERVER, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        pytest.skip(
            "no PostgreSQL server answers on 127.0.0.1:5432 "
            f"(user postgres, database test): {reason}"
        )
    # Dropping a schema waits for locks; a test that left a transaction open must not hang it.
    conn.execute("SET lock_timeout = '20s'")
    return conn


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The test server's SQLAlchemy URL, asked once per session; skips when none answers."""
    _pg_admin().close()
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL on a fresh, empty schema of its own (first on search_path), dropped after the test.

    The schema rides in the URL (libpq `options`), so a subprocess or a `newsvault --db URL`
    given it works in the same schema, and tests can run in any order or at once.
    """
    schema = f"{PG_SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{pg_server}?options=-csearch_path%3D{schema}"
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def article_fields(article: Article) -> dict[str, Any]:
    """The fields a fixture's .expected.json can give, as the extractor found them (dates
    to the day)."""
    return {
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
        "original_url": article.original_url,
    }


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso else None
