"""Extraction in child processes: pages in over a pipe, articles out (I/O: subprocesses, pipes).

`newsvault run` fetches and writes in its main process and extracts here, so that both
cores work. Each child is `python -m newsvault.worker`: it imports the extractor and nothing
else (no SQLAlchemy, no requests), about 40 MiB, where a multiprocessing pool's worker
re-imports the command that started it and brings a forkserver and a resource tracker along.

A child reads jobs from its stdin and answers on its stdout, one pickled message each, in
order. The parent keeps up to JOBS_PER_CHILD jobs in each child's pipe, so a child never
waits for the parent's threads between two pages. A child ends when its stdin closes: at
the end of the run, or when the parent dies (`kill -9` included).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from newsvault.article import extract
from newsvault.fingerprint import Fingerprint, fingerprint
from newsvault.records import Article

#: Jobs handed to one child and not yet answered: the page it is extracting and the next one,
#: already in its pipe. More only holds more pages in memory.
JOBS_PER_CHILD = 2

#: How long a child gets to exit after its stdin is closed before it is killed, in seconds.
EXIT_WAIT_S = 5.0

#: Each message is its length (8 bytes, network order), then the pickle.
_LENGTH = struct.Struct("!Q")

Extracted = tuple[Article, Fingerprint]


class WorkerDied(Exception):
    """An extraction process ended (killed, out of memory) before it answered."""


# --- messages ----------------------------------------------------------------------------------


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream (or of a cut-off message)."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


# --- the child ---------------------------------------------------------------------------------


def prepare(html: str, url: str) -> Extracted:
    """The unit of work: the article of a page, and its fingerprint."""
    article = extract(html, url=url)
    return article, fingerprint(article)


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any error at all may fail to pickle; its description always can
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def serve(jobs: IO[bytes], replies: IO[bytes]) -> None:
    """Answer jobs (number, html, url) with (number, True, Extracted) or (number, False, error)
    until `jobs` ends."""
    while (job := _receive(jobs)) is not None:
        number, html, url = job
        reply: tuple[int, bool, Extracted | Exception]
        try:
            reply = (number, True, prepare(html, url))
        except Exception as exc:  # the per-page policy: the asking thread decides what it means
            reply = (number, False, _portable(exc))
        _send(replies, reply)


def main() -> None:
    """The child's entry point: jobs on stdin, replies on a private copy of stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the terminal is the parent's
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot garble a reply
    with contextlib.suppress(BrokenPipeError), replies:  # broken: the parent is gone
        serve(sys.stdin.buffer, replies)


# --- the parent --------------------------------------------------------------------------------


def _command() -> tuple[list[str], dict[str, str]]:
    """How to start a child: this interpreter, with this newsvault importable."""
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "newsvault.worker"], env


class _Child:
    """One extraction process, the jobs it was sent and a thread reading its replies."""

    def __init__(self, on_answer: threading.Semaphore) -> None:
        command, env = _command()
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.pending: dict[int, Future[Extracted]] = {}
        self.alive = True
        self._on_answer = on_answer
        self._numbers = itertools.count()
        self._lock = threading.Lock()  # pending and alive
        self._send_lock = threading.Lock()  # one message at a time in the pipe
        self._reader = threading.Thread(
            target=self._read_replies, name="extraction-replies", daemon=True
        )
        self._reader.start()

    def submit(self, html: str, url: str) -> Future[Extracted]:
        """Send a job (the caller holds one of the workers' slots for it)."""
        future: Future[Extracted] = Future()
        with self._lock:
            if not self.alive:
                raise WorkerDied("the extraction process has ended")
            number = next(self._numbers)
            self.pending[number] = future
        assert self.process.stdin is not None
        try:
            with self._send_lock:
                _send(self.process.stdin, (number, html, url))
        except (OSError, ValueError):  # a broken pipe, or stdin already closed
            self._lost()
        return future

    def _read_replies(self) -> None:
        assert self.process.stdout is not None
        while (reply := _receive(self.process.stdout)) is not None:
            number, ok, value = reply
            with self._lock:
                future = self.pending.pop(number)
            self._on_answer.release()
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._lost()

    def _lost(self) -> None:
        """The process is gone: every job it held fails with WorkerDied."""
        with self._lock:
            self.alive = False
            lost = list(self.pending.values())
            self.pending.clear()
        for future in lost:
            self._on_answer.release()
            future.set_exception(WorkerDied("the extraction process ended before it answered"))

    def close(self) -> None:
        """Close its stdin (it exits when idle), wait, then make sure it is gone."""
        with self._send_lock, contextlib.suppress(OSError):  # it died with unread data
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=EXIT_WAIT_S)
        if self.process.stdout is not None:
            self.process.stdout.close()


class ExtractionWorkers:
    """Child processes that extract pages for many threads; `extract` blocks its caller.

    Raises WorkerDied when no child is left (the caller may extract in its own thread).
    """

    def __init__(self, count: int) -> None:
        self._slots = threading.Semaphore(count * JOBS_PER_CHILD)
        self._children = [_Child(self._slots) for _ in range(count)]

    def extract(self, html: str, url: str) -> Extracted:
        """The article of a page and its fingerprint; raises what extraction raised."""
        self._slots.acquire()
        try:
            child = self._least_busy()
            future = child.submit(html, url)
        except WorkerDied:
            self._slots.release()
            raise
        return future.result()

    def _least_busy(self) -> _Child:
        alive = [child for child in self._children if child.alive]
        if not alive:
            raise WorkerDied("every extraction process has ended")
        return min(alive, key=lambda child: len(child.pending))

    def close(self) -> None:
        for child in self._children:
            child.close()


if __name__ == "__main__":
    main()
