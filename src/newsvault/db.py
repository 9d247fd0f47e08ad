"""The archive database: engine, per-dialect settings, sessions, Alembic upgrades (I/O: disk).

SQLite is the default; PostgreSQL (`postgresql+psycopg://...`) runs the same models and
migrations. Both get the same concurrency contract: readers never wait, writers queue.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from newsvault.errors import StorageError
from newsvault.models import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: The schema this newsvault writes: the head of alembic/versions (tests/test_db.py keeps the
#: two equal). Knowing it without asking Alembic keeps Alembic out of every command's start-up.
SCHEMA_REVISION = "0005"

#: Alembic's bookkeeping table; underscore-prefixed to stand apart from the data.
VERSION_TABLE = "_alembic_version"

#: How long a writer waits for another writer's lock before giving up, in milliseconds. Cron
#: runs and a `fetch` by hand may overlap; each transaction is one article, so waits are short.
BUSY_TIMEOUT_MS = 30_000


#: Execution option that marks an engine whose transactions write (see `writer`).
WRITE_OPTION = "newsvault_write"

#: First half of the PostgreSQL advisory lock a writing transaction holds (the second half is
#: the schema's hash, so archives in two schemas of one database do not queue on each other).
#: Any fixed number works; this one is "news" in ASCII, easy to spot in pg_locks.objid.
PG_WRITE_LOCK = 0x6E657773


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Per-connection SQLite settings (SQLAlchemy's `connect` event recipe)."""
    # Let SQLAlchemy's `begin` event, not the sqlite3 module, start transactions, so that a
    # writing transaction can say BEGIN IMMEDIATE (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # Readers never block the writer and the writer never blocks readers: analysts can
        # query the file while cron archives into it.
        if _may_switch_to_wal(cursor):
            cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite leaves foreign keys off unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait for a lock instead of failing at once with "database is locked".
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # With WAL, NORMAL is durable against application crashes (kill -9); only a power
        # loss can lose the last transactions, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _may_switch_to_wal(cursor: Any) -> bool:
    """Whether to put the file in WAL mode: a new file or a newsvault archive not in it yet.

    WAL mode is written into the file, so switching another application's SQLite file (which
    upgrade() then refuses) would change it; that file must be left as it was, byte for byte.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return False
    tables = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master")}
    return not tables or VERSION_TABLE in tables


def _sqlite_begin(connection: Connection) -> None:
    """Start transactions ourselves: IMMEDIATE for writers, DEFERRED for readers.

    In WAL mode a deferred transaction that reads and then writes fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT) if another process committed in between, and
    the busy timeout cannot help. Taking the write lock up front makes writers queue instead.
    """
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgres_settings(dbapi_connection: Any, connection_record: Any) -> None:
    """Per-connection PostgreSQL settings: wait for a lock as long as SQLite would, no longer."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
    # psycopg opened a transaction for the SET; a session setting outlives its commit.
    dbapi_connection.commit()


def _postgres_begin(connection: Connection) -> None:
    """Writers queue on an advisory lock, as SQLite's BEGIN IMMEDIATE makes them queue.

    archive.py reads, then inserts (a source, an author, a URL alias): two such transactions
    at once under READ COMMITTED would both insert and one would fail on a unique key. Held
    until commit or rollback; readers never take it.
    """
    if connection.get_execution_options().get(WRITE_OPTION, False):
        connection.exec_driver_sql(
            f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK}, "
            "hashtext(coalesce(current_schema(), '')))"
        )


def make_engine(db_url: str) -> Engine:
    """An engine for the archive at `db_url`, with the dialect's settings on every connection."""
    try:
        engine = create_engine(db_url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StorageError(f"the database URL {db_url!r} is not one newsvault can open") from exc
    except ImportError as exc:
        # create_engine imports the driver (psycopg for postgresql+psycopg://...).
        hint = " (pip install 'newsvault[postgres]')" if db_url.startswith("postgres") else ""
        driver = exc.name or "its driver"
        raise StorageError(
            f"the database URL {db_url!r} needs {driver}, which is not installed{hint}"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_settings)
        event.listen(engine, "begin", _postgres_begin)
    if engine.dialect.name != "sqlite":
        # An engine dropped without dispose() closes its pooled server connections instead of
        # leaving them to the garbage collector (psycopg warns about each one it finds open).
        weakref.finalize(engine, engine.pool.dispose)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take the write lock when they begin."""
    return engine.execution_options(**{WRITE_OPTION: True})


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded values usable after commit; `write` ones lock on begin."""
    return sessionmaker(writer(engine) if write else engine, expire_on_commit=False)


def _scripts_dir() -> str:
    """Where the migration scripts are.

    A wheel carries them inside the package (newsvault/migrations/, mapped from the top-level
    alembic/ folder by pyproject.toml); an editable install from a checkout reads alembic/
    in place, next to src/.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "migrations", package.parents[1] / "alembic"):
        if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
            return str(candidate)
    raise StorageError("the migration scripts are missing from this newsvault installation")


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _scripts_dir())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    """The newest schema revision among the migration scripts (SCHEMA_REVISION, checked)."""
    head = _scripts().get_current_head()
    assert head is not None, "no migration scripts"
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision recorded in the archive, or None for an empty database."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    table = connection.dialect.identifier_preparer.quote(VERSION_TABLE)
    revision = connection.exec_driver_sql(f"SELECT version_num FROM {table}").scalar()
    return str(revision) if revision is not None else None


def _check_is_archive(connection: Connection, revision: str | None, where: str) -> None:
    if revision is None:
        tables = set(inspect(connection).get_table_names())
        if tables - {VERSION_TABLE}:
            raise StorageError(f"{where} is not a newsvault archive (it has other tables)")
        return
    if revision not in {script.revision for script in _scripts().walk_revisions()}:
        raise StorageError(
            f"{where} was written by a newer newsvault (schema {revision}); upgrade newsvault"
        )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the archive to the newest schema; returns (revision before, revision after).

    An archive already at SCHEMA_REVISION is only read (no lock, no alembic import: this is
    every command's start-up). Otherwise the migration runs under the write lock (BEGIN
    IMMEDIATE; PostgreSQL's advisory lock, with transactional DDL), and the revision is read
    again inside the lock, so two processes starting at once on a new archive do not both
    migrate: the second waits, then finds nothing to do.
    """
    where = _describe(engine)
    try:
        with engine.connect() as connection:
            if current_revision(connection) == SCHEMA_REVISION:
                return SCHEMA_REVISION, SCHEMA_REVISION
        with writer(engine).connect() as connection:
            before = current_revision(connection)
            _check_is_archive(connection, before, where)
            if before != SCHEMA_REVISION:
                from alembic import command

                command.upgrade(_alembic_config(connection), SCHEMA_REVISION)
            connection.commit()
            return before, SCHEMA_REVISION
    except DBAPIError as exc:
        raise StorageError(f"{where} could not be opened or upgraded: {reason(exc)}") from exc


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """What Alembic's autogenerate and schema_diff compare: our tables, not the rest.

    Analysts may add tables, views and indexes of their own, and SQLite's FTS5 keeps shadow
    tables (articles_fts_data...): none of them is ours to create or drop. The same rule
    leaves out PostgreSQL's search index (ix_articles__search, an expression index made by
    migration 0004 that no model declares).
    """
    return not (type_ in ("table", "index") and reflected and compare_to is None)


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the models and the database (empty when the migrations match)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        opts = {
            "version_table": VERSION_TABLE,
            "compare_type": True,
            "include_object": include_object,
        }
        context = MigrationContext.configure(connection, opts=opts)
        diff: list[Any] = compare_metadata(context, Base.metadata)
        return diff


def open_archive(db_url: str) -> Engine:
    """An engine on an archive that exists and has the newest schema (created on first use)."""
    engine = make_engine(db_url)
    upgrade(engine)
    return engine


def _describe(engine: Engine) -> str:
    if engine.dialect.name == "sqlite" and engine.url.database:
        return f"the archive {engine.url.database}"
    return f"the database {engine.url.render_as_string(hide_password=True)}"


def reason(exc: BaseException) -> str:
    """The database's own words, first line only, without SQLAlchemy's decoration."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc)
    return text.splitlines()[0] if text else type(exc).__name__
