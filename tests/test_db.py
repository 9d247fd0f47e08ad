"""The archive database: created and upgraded from code, checked against the models, guarded."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from newsvault import db
from newsvault.errors import StorageError


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_upgrade_creates_every_table_on_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    before, after = db.upgrade(db.make_engine(_url(path)))
    assert before is None
    assert after == db.head_revision()
    tables = {row[0] for row in sqlite3.connect(path).execute("select name from sqlite_master")}
    assert {"sources", "articles", "raw_pages", "fetches", "_alembic_version"} <= tables


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    engine = db.make_engine(_url(tmp_path / "a.db"))
    db.upgrade(engine)
    assert db.upgrade(engine) == (db.head_revision(), db.head_revision())


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    engine = db.open_archive(_url(tmp_path / "a.db"))
    assert db.schema_diff(engine) == []


def test_schema_revision_is_the_head_of_the_scripts() -> None:
    assert db.head_revision() == db.SCHEMA_REVISION


def test_opening_a_current_archive_does_not_load_alembic(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db.open_archive(_url(path)).dispose()
    script = (
        "import sys; from newsvault import db; db.open_archive(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    out = subprocess.run([sys.executable, "-c", script, _url(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_there_is_one_head() -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", db._scripts_dir())
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = db.open_archive(_url(tmp_path / "a.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, eggs\n" * 100)
    before = _digest(path)
    with pytest.raises(StorageError, match="could not be opened"):
        db.open_archive(_url(path))
    assert _digest(path) == before


def test_a_sqlite_file_of_another_application_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table recipes (id integer primary key, name text)")
    with pytest.raises(StorageError, match="is not a newsvault archive"):
        db.open_archive(_url(path))
    tables = {row[0] for row in sqlite3.connect(path).execute("select name from sqlite_master")}
    assert tables == {"recipes"}


def test_an_archive_from_a_newer_newsvault_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db.open_archive(_url(path)).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("update _alembic_version set version_num = '9999_from_the_future'")
    with pytest.raises(StorageError, match="newer newsvault"):
        db.open_archive(_url(path))


def test_a_missing_directory_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="unable to open"):
        db.open_archive(_url(tmp_path / "no" / "such" / "dir" / "a.db"))


def test_a_bad_database_url_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="not one newsvault can open"):
        db.make_engine("nosuchdialect://x/y")


def test_two_processes_upgrading_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    script = "import sys; from newsvault import db; db.upgrade(db.make_engine(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, _url(path)], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    rows = sqlite3.connect(path).execute("select version_num from _alembic_version").fetchall()
    assert rows == [(db.head_revision(),)]


def _migrate(path: Path, revision: str, *, down: bool = False) -> None:
    from alembic import command

    engine = db.make_engine(_url(path))
    with db.writer(engine).connect() as connection:
        config = db._alembic_config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()
    engine.dispose()


ARTICLE_ROW = {
    "id": 1, "source_id": 1, "url": "https://news.example/a", "final_url": "https://news.example/a",
    "canonical_url": "https://news.example/a", "title": "Bridge vote", "byline": "Ann Lee",
    "authors": '["Ann Lee"]', "text": "The council voted on the bridge.", "markdown": "x",
    "word_count": 6, "content_hash": "h", "extractor_version": "old",
    "first_seen_at": "2024-10-25 09:00:00", "fetched_at": "2024-10-25 09:00:00",
    "updated_at": "2024-10-25 09:00:00",
}  # fmt: skip


def _insert_article(conn: sqlite3.Connection) -> None:
    """One source and one article, written with plain SQL as an older newsvault would have."""
    conn.execute(
        "insert into sources (id, host, first_seen_at) values (1, 'news.example', '2024-10-25')"
    )
    columns = ", ".join(ARTICLE_ROW)
    marks = ", ".join("?" * len(ARTICLE_ROW))
    conn.execute(f"insert into articles ({columns}) values ({marks})", list(ARTICLE_ROW.values()))


@pytest.mark.parametrize("revision", ["0001", "0002", "0003"])
def test_an_archive_of_an_earlier_revision_upgrades_without_loss(
    tmp_path: Path, revision: str
) -> None:
    path = tmp_path / f"at-{revision}.db"
    _migrate(path, revision)
    with sqlite3.connect(path) as conn:
        _insert_article(conn)
    db.open_archive(_url(path)).dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("select url, title, text from articles").fetchall() == [
            ("https://news.example/a", "Bridge vote", "The council voted on the bridge.")
        ]
        assert conn.execute("select url from article_urls").fetchall() == [
            ("https://news.example/a",)
        ]
        assert conn.execute("select name from authors").fetchall() == [("Ann Lee",)]
        assert conn.execute("select version from article_versions").fetchall() == [(1,)]
        found = conn.execute("select rowid from articles_fts where articles_fts match 'bridge'")
        assert found.fetchall() == [(1,)]


def test_downgrade_to_the_first_revision_and_back(tmp_path: Path) -> None:
    path = tmp_path / "roundtrip.db"
    db.open_archive(_url(path)).dispose()
    _migrate(path, "0001", down=True)
    _migrate(path, "head")
    assert db.schema_diff(db.make_engine(_url(path))) == []


def test_the_search_index_follows_the_analysts_own_edits(tmp_path: Path) -> None:
    path = tmp_path / "fts.db"
    db.open_archive(_url(path)).dispose()
    with sqlite3.connect(path) as conn:
        _insert_article(conn)
        match = "select count(*) from articles_fts where articles_fts match ?"
        assert conn.execute(match, ("council",)).fetchone() == (1,)
        conn.execute("update articles set text = 'The ferry service resumed.' where id = 1")
        assert conn.execute(match, ("council",)).fetchone() == (0,)
        assert conn.execute(match, ("ferry",)).fetchone() == (1,)
        conn.execute("delete from articles where id = 1")
        assert conn.execute(match, ("ferry",)).fetchone() == (0,)
