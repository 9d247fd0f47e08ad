"""The run lock: one `newsvault run` per archive at a time, freed by the OS on exit (I/O: disk)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsvault.errors import RunLocked, StorageError


def lock_path(db_url: str) -> Path:
    """Beside a SQLite archive (`archive.db.lock`); in the temp directory for a server URL."""
    prefix = "sqlite:///"
    if db_url.startswith(prefix) and db_url[len(prefix) :] not in ("", ":memory:"):
        return Path(db_url[len(prefix) :] + ".lock")
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"newsvault-{digest}.lock"


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path`, or raise RunLocked at once if another process does.

    flock belongs to the open file: when the holder exits for any reason, kill -9 included,
    the kernel releases it, so a lock file left behind never blocks the next run.
    """
    try:
        handle = open(path, "a+")  # noqa: SIM115 - held open for the whole run
    except OSError as exc:
        raise StorageError(f"the lock file {path} cannot be opened ({exc.strerror})") from exc
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _holder(handle)
            raise RunLocked(f"another newsvault run{holder} is working on this archive") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def _holder(handle: object) -> str:
    try:
        text = Path(getattr(handle, "name", "")).read_text().strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""
