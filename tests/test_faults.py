"""Faults on our own side: kill -9 mid-run, runs racing each other, a full disk, bad archives.

Every test here drives real `newsvault` processes against real SQLite files and local sites,
and then checks the archive itself: integrity, no duplicates, nothing half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newsnet import Site, network, rss
from newsvault.article import extract
from newsvault.cli import cli
from newsvault.db import open_archive

BASE = ["--allow-private", "127.0.0.0/8", "--retries", "1"]
FAST_RUN = ["run", "--host-delay", "0", "--processes", "0", "--workers", "32"]
FAST_RUN += ["--per-host-connections", "8"]


def story(site: int, n: int) -> bytes:
    """A small, distinct article page: quick to serve and to extract."""
    words = f"Site {site} story {n} reports that the council of town {n} voted"
    paragraphs = "".join(
        f"<p>{words} on measure {k}, after a long debate about roads, schools and the river "
        f"bank, and the mayor said the decision number {k} would take effect next spring.</p>"
        for k in range(6)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story {site}-{n}'
        f'</title><meta name="author" content="Reporter {n % 7}"></head><body><article>'
        f"<h1>Story {site}-{n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def serve_stories(sites: list[Site], per_site: int) -> tuple[list[str], set[str]]:
    """A feed on each site listing `per_site` stories; returns (feed URLs, article URLs)."""
    feeds: list[str] = []
    expected: set[str] = set()
    for s, site in enumerate(sites):
        links = [site.page(f"/s/{n}.html", story(s, n)) for n in range(per_site)]
        expected.update(links)
        feeds.append(
            site.page(
                "/rss.xml", rss(site, [(u, "x") for u in links]), content_type="application/rss+xml"
            )
        )
    return feeds, expected


def newsvault(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newsvault", "--db", str(db), *BASE, *args]


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def articles_count(db: Path) -> int:
    try:
        return int(rows(db, "select count(*) from articles")[0][0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def check_whole(db: Path, checked: set[int]) -> None:
    """Every article has its raw page and its fetch; those not yet in `checked` are extracted
    again from the stored raw page, which must give the stored title and text."""
    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert rows(db, "pragma foreign_key_check") == []
    if not rows(db, "select 1 from sqlite_master where name = 'articles'"):
        return  # killed before the schema was created: an empty file is a sound archive
    orphans = rows(
        db,
        "select a.id from articles a left join raw_pages r on r.article_id = a.id "
        "where r.id is null or not exists (select 1 from fetches f where f.article_id = a.id)",
    )
    assert orphans == []
    assert rows(db, "select count(*) - count(distinct url) from articles") == [(0,)]
    fresh = rows(
        db,
        "select a.id, a.title, a.text, a.content_hash is not null, r.body, r.compression, "
        "r.encoding, r.final_url, r.body_sha256, r.body_size "
        "from articles a join raw_pages r on r.article_id = a.id",
    )
    for article_id, title, text, hashed, body, compression, encoding, url, sha, size in fresh:
        if article_id in checked:
            continue
        raw = zlib.decompress(body) if compression == "zlib" else body
        assert (hashlib.sha256(raw).hexdigest(), len(raw)) == (sha, size)
        again = extract(raw.decode(encoding), url=url)
        assert (again.title, again.text) == (title, text), article_id
        assert hashed
        checked.add(article_id)


# --- kill -9 at random points ------------------------------------------------------------------

KILLS = 20


@pytest.mark.slow
def test_kill_9_at_random_points_loses_nothing_and_the_next_run_completes(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    db = tmp_path / "archive.db"
    checked: set[int] = set()
    with network(5) as sites:
        feeds, expected = serve_stories(sites, 100)
        command = newsvault(db, "--quiet", *FAST_RUN, *(f"--feed={f}" for f in feeds))
        counts: list[int] = []
        outran = False  # a run archived everything before its kill came: nothing left to kill
        for _ in range(KILLS):
            start = articles_count(db)
            victim = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
            if chance.random() < 0.25:  # early: start-up, migration, feed polling
                time.sleep(chance.uniform(0, 1.5))
            else:  # amid the writes, a random number of articles further on
                _wait_for(db, start + chance.randint(1, 40), victim)
                time.sleep(chance.uniform(0, 0.05))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(victim.pid, signal.SIGKILL)
            # A run can finish its work, record itself completed and be killed on its way out.
            outran = victim.wait() == 0 or _last_status(db) == "completed"
            counts.append(articles_count(db))
            check_whole(db, checked)
            if outran:
                break
        assert counts[-1] > counts[0] or outran, f"no progress across the kills (seed {seed})"
        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, f"seed {seed}: {finished.stderr}"
    assert {row[0] for row in rows(db, "select url from articles")} == expected, f"seed {seed}"
    check_whole(db, checked)
    statuses = [row[0] for row in rows(db, "select status from runs order by id")]
    assert statuses[-1] == "completed"
    allowed = {"killed", "completed"} if outran else {"killed"}
    assert set(statuses[:-1]) <= allowed, f"seed {seed}: {statuses}"


def _last_status(db: Path) -> str | None:
    if not db.exists():
        return None
    try:
        found = rows(db, "select status from runs order by id desc limit 1")
    except sqlite3.OperationalError:  # killed before its schema was made
        return None
    return str(found[0][0]) if found else None


def _wait_for(db: Path, count: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while articles_count(db) < count and proc.poll() is None:
        assert time.monotonic() < deadline, f"fewer than {count} articles after {timeout} s"
        time.sleep(0.01)


# --- two runs and a fetch at once, an analyst reading all along ---------------------------------


@pytest.mark.slow
def test_two_runs_and_a_fetch_at_once_with_a_long_reader(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    subprocess.run(newsvault(db, "db", "upgrade"), check=True, capture_output=True)
    with network(2, latency=0.03) as sites:
        feeds, expected = serve_stories(sites, 15)
        extra = [sites[0].page(f"/extra/{n}.html", story(9, n)) for n in range(5)]
        overlap = sorted(expected)[:5]  # fetched by hand while the run fetches them too
        # An analyst's session: never waits for a lock (timeout 0), one transaction throughout.
        reader = sqlite3.connect(db, timeout=0, isolation_level=None, check_same_thread=False)
        reader.execute("begin")
        before = reader.execute("select count(*) from articles").fetchone()
        errors: list[str] = []
        stop = threading.Event()

        def analyst() -> None:
            while not stop.is_set():
                try:
                    seen = reader.execute("select count(*) from articles").fetchone()
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
                else:  # inside the one long read transaction, the snapshot never moves
                    if seen != before:
                        errors.append(f"snapshot moved: {seen} != {before}")
                time.sleep(0.01)

        thread = threading.Thread(target=analyst)
        thread.start()
        run = newsvault(db, *FAST_RUN, *(f"--feed={f}" for f in feeds))
        procs = [
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for cmd in (run, run, newsvault(db, "fetch", *extra, *overlap))
        ]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        stop.set()
        thread.join()
        reader.execute("commit")
        reader.close()
    assert errors == []
    codes = sorted(code for code, _, _ in results[:2])
    assert codes == [0, 12], results
    loser = next(err for code, _, err in results[:2] if code == 12)
    assert "Error: another newsvault run (pid" in loser
    assert results[2][0] == 0, results[2][2]
    stored = rows(db, "select url from articles")
    assert sorted(url for (url,) in stored) == sorted(expected | set(extra))
    check_whole(db, set())


# --- a disk that fills up ------------------------------------------------------------------------


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_disk_that_fills_up_mid_run_gives_a_clear_error_and_a_sound_archive(
    tmp_path: Path,
) -> None:
    db = tmp_path / "archive.db"
    subprocess.run(newsvault(db, "db", "upgrade"), check=True, capture_output=True)
    limit = db.stat().st_size + 300_000
    with network(1) as sites:
        feeds, expected = serve_stories(sites, 40)
        full = subprocess.run(
            newsvault(db, *FAST_RUN, *(f"--feed={f}" for f in feeds)),
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: _limit_file_size(limit),
        )
        assert "Traceback" not in full.stderr, full.stderr
        assert full.returncode == 9, full.stderr
        errors = [line for line in full.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, full.stderr
        assert errors[0].startswith("Error: the article could not be stored: ")
        assert "disk" in errors[0]  # "disk I/O error" or "database or disk is full"
        kept = articles_count(db)
        assert 0 < kept < len(expected)
        check_whole(db, set())
        # Room again: the next run completes the set.
        again = subprocess.run(
            newsvault(db, *FAST_RUN, *(f"--feed={f}" for f in feeds)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
    assert {url for (url,) in rows(db, "select url from articles")} == expected
    check_whole(db, set())


# --- archives newsvault must not touch ---------------------------------------------------------


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"These are my notes, not a database.\n" * 100)


def _create(path: Path) -> None:
    """A current, empty archive, with every connection to it closed."""
    open_archive(f"sqlite:///{path}").dispose()


def _newer(path: Path) -> None:
    _create(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("update _alembic_version set version_num = '9999'")
        conn.commit()


def _other_app(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
        conn.execute("insert into invoices (total) values (12.5)")
        conn.commit()


BAD_ARCHIVES = {
    "not sqlite": (_not_sqlite, "not a database"),
    "from a newer newsvault": (_newer, "newer newsvault"),
    "of another application": (_other_app, "not a newsvault archive"),
}

COMMANDS = [
    ["fetch", "http://127.0.0.2:9/story.html"],
    ["run", "--feed", "http://127.0.0.2:9/rss.xml"],
    ["show", "1"],
    ["db", "upgrade"],
]


SIDE_FILES = (".lock", "-wal", "-shm")


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize("case", BAD_ARCHIVES, ids=list(BAD_ARCHIVES))
def test_an_archive_newsvault_cannot_use_is_left_untouched(case: str, tmp_path: Path) -> None:
    make, words = BAD_ARCHIVES[case]
    db = tmp_path / "archive.db"
    make(db)
    for leftover in tmp_path.glob("archive.db-*"):
        leftover.unlink()
    before = _snapshot(tmp_path)
    for args in COMMANDS:
        result = CliRunner().invoke(cli, ["--db", str(db), *BASE, *args])
        assert result.exit_code == 9, (args, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and words in errors[0] and str(db) in errors[0], result.stderr
        assert "Traceback" not in result.stderr
        # The file itself, byte for byte (a WAL archive's -wal/-shm come and go with readers).
        after = {k: v for k, v in _snapshot(tmp_path).items() if not k.endswith(SIDE_FILES)}
        assert after == before, args


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` and its directory read-only (0444/0555; also immutable when we are root, whom
    permission bits do not stop)."""
    directory = path.parent
    path.chmod(0o444)
    directory.chmod(0o555)
    immutable = os.geteuid() == 0 and shutil.which("chattr") is not None
    if immutable:
        flagged = subprocess.run(["chattr", "+i", str(path), str(directory)], capture_output=True)
        immutable = flagged.returncode == 0
    try:
        if os.access(directory, os.W_OK) and not immutable:
            pytest.skip("cannot make a directory read-only here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path), str(directory)], check=True)
        directory.chmod(0o755)
        path.chmod(0o644)


def test_a_read_only_archive_is_a_clear_error_and_left_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "archive.db"
    _create(db)
    with contextlib.closing(sqlite3.connect(db)) as conn:  # fold the WAL into the file
        conn.execute("pragma wal_checkpoint(truncate)")
    for leftover in folder.glob("archive.db-*"):
        leftover.unlink()
    before = _snapshot(folder)
    with read_only(db):
        for args in COMMANDS[:2]:
            result = CliRunner().invoke(cli, ["--db", str(db), *BASE, *args])
            assert result.exit_code == 9, (args, result.stderr)
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1 and str(db) in errors[0], result.stderr
            assert "Traceback" not in result.stderr
        shown = CliRunner().invoke(cli, ["--db", str(db), "show", "1"])
        assert shown.exit_code in (9, 10), shown.stderr  # cannot open it, or no article 1
        assert isinstance(shown.exception, SystemExit)  # a clean exit, not a crash
    assert _snapshot(folder) == before
