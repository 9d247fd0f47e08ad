"""Shared test fixtures: a clean environment, fixture pages, a local HTTP server, temp archives."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

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
