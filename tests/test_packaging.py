"""An installed wheel, away from the checkout, creates and upgrades its own archive."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PAGES, ROOT


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=540
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT)
    (built,) = dist.glob("newsvault-*.whl")
    return built


def test_the_wheel_carries_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "newsvault/migrations/env.py" in names
    assert "newsvault/migrations/script.py.mako" in names
    assert any(name.startswith("newsvault/migrations/versions/0001_") for name in names)
    assert "newsvault/py.typed" in names


@pytest.mark.slow
def test_an_installed_wheel_creates_its_archive_and_extracts(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    newsvault = venv / "bin" / "newsvault"
    upgraded = _run(newsvault, "db", "upgrade", cwd=work)
    assert "upgraded from schema (empty)" in upgraded.stderr
    tables = {row[0] for row in sqlite3.connect(work / "newsvault.db").execute(
        "select name from sqlite_master where type = 'table'"
    )}  # fmt: skip
    assert {"articles", "sources", "fetches", "raw_pages", "_alembic_version"} <= tables
    where = _run(venv / "bin" / "python", "-c", "import newsvault; print(newsvault.__file__)")
    assert str(venv) in where.stdout
    page = PAGES / "seed-wordpress-euronews-copy.html"
    extracted = _run(newsvault, "extract", page, "--format", "json", cwd=work)
    assert "First North Korean troops" in extracted.stdout
