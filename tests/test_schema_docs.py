"""docs/schema.md cannot rot: every table and column is described, every SQL example runs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from conftest import ROOT
from newsvault.db import VERSION_TABLE
from newsvault.models import Base
from test_query import build_archive

SCHEMA_DOC = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^```sql\n(.*?)^```", SCHEMA_DOC, re.MULTILINE | re.DOTALL)
VIEWS = ("article_list", "article_author_list", "failed_fetches")


def _section(table: str) -> str:
    """The part of the doc under `### `table``, up to the next heading."""
    match = re.search(rf"^### `{re.escape(table)}`\n(.*?)(?=^#)", SCHEMA_DOC, re.M | re.S)
    assert match, f"docs/schema.md has no section ### `{table}`"
    return match.group(1)


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema-docs") / "newsvault.db"
    build_archive(path)
    return path


def test_there_are_ten_questions_with_sql() -> None:
    questions = re.findall(r"^\d+\. \*\*", SCHEMA_DOC, re.MULTILINE)
    assert len(questions) == 10
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("table", sorted(Base.metadata.tables))
def test_every_table_and_column_is_described(table: str) -> None:
    section = _section(table)
    for column in Base.metadata.tables[table].columns:
        assert f"| `{column.name}` |" in section, f"{table}.{column.name} is not described"


def test_the_rest_of_the_schema_is_described(archive_file: Path) -> None:
    assert "| `version_num` |" in _section(VERSION_TABLE)
    with sqlite3.connect(archive_file) as conn:
        views = {row[0] for row in conn.execute("select name from sqlite_master where type='view'")}
    assert views == set(VIEWS)
    for view in (*VIEWS, "articles_fts"):
        assert f"`{view}`" in SCHEMA_DOC


def test_the_view_columns_are_the_documented_ones(archive_file: Path) -> None:
    with sqlite3.connect(archive_file) as conn:
        for view in VIEWS:
            columns = [row[1] for row in conn.execute(f"pragma table_info({view})")]
            assert f"| `{view}` |" in SCHEMA_DOC
            assert f"`{', '.join(columns)}`" in SCHEMA_DOC, f"{view} columns: {columns}"


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example-{n + 1}" for n in range(len(EXAMPLES))])
def test_every_example_query_returns_rows(archive_file: Path, sql: str) -> None:
    uri = f"file:{archive_file}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute(sql).fetchall()
    assert rows, f"no rows from:\n{sql}"
    assert all(any(value is not None for value in row) for row in rows)
