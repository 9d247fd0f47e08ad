"""The cron run: poll due feeds, fetch new articles politely in parallel, store each at once.

Articles archived recently are fetched again on a decaying schedule (revisits), through the
same per-host queue and robots.txt rules, so a corrected story gets a new revision.

Threads do the network work, taking tasks from a HostQueue (per-host slots and spacing);
extraction runs in child processes (newsvault.worker) so both cores work; the calling thread
alone writes to the archive, one short transaction per article, so `kill -9` loses only what
is in flight.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Concatenate, ParamSpec, TypeVar

from protego import Protego
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newsvault import archive, feeds, urls
from newsvault.config import FetchSettings, Settings
from newsvault.errors import HTTPStatusError, NewsvaultError, StorageError
from newsvault.fetch import FeedResponse, Fetcher
from newsvault.fingerprint import Fingerprint
from newsvault.hosts import HostQueue
from newsvault.models import FeedRow
from newsvault.pipeline import record_failure, store
from newsvault.records import Article, Feed, FeedItem, Page
from newsvault.worker import ExtractionWorkers, WorkerDied, prepare

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_P = ParamSpec("_P")

#: Results in hand (taken, not yet written) per fetching thread: enough to keep every thread
#: busy while the writer catches up, few enough that memory stays flat (each holds a page).
BACKLOG_PER_WORKER = 2

#: Results handled between two trims of the C heap (see _Heap): often enough to keep a run's
#: memory flat, rarely enough to cost nothing measurable (a trim takes well under 1 ms).
HEAP_TRIM_EVERY = 50

#: Heaps (arenas) glibc's malloc may keep for the fetching threads. Its default, 8 per core,
#: lets 16 threads spread freed page buffers over 16 heaps that are each kept at their peak.
MALLOC_ARENAS = 2

#: Idle fetchers (each with at most one kept-alive connection) kept across all hosts; more
#: are closed on release, so a run over thousands of sites stays far below the fd limit.
MAX_IDLE_FETCHERS = 64


# --- tasks and outcomes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedTarget:
    """A feed to poll: a row of `feeds`, or a URL given on the command line (feed_id None)."""

    url: str
    feed_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class PollFeed:
    target: FeedTarget
    child: bool = False  # a sitemap listed by a sitemap index


@dataclass(frozen=True, slots=True)
class FetchRobots:
    host: str
    url: str


@dataclass(frozen=True, slots=True)
class FetchArticle:
    url: str
    revisit: archive.Due | None = None  # an archived article fetched again


Task = PollFeed | FetchRobots | FetchArticle


@dataclass(frozen=True, slots=True)
class Polled:
    response: FeedResponse
    feed: Feed | None  # None when the server answered 304 Not Modified


@dataclass(frozen=True, slots=True)
class Fetched:
    page: Page
    article: Article
    derived: Fingerprint


@dataclass(frozen=True, slots=True)
class Skipped:
    reason: str


Outcome = Polled | str | Fetched | Skipped | NewsvaultError


@dataclass(frozen=True, slots=True)
class Done:
    """A task's outcome on its way to the writer, with when it started and how long it took."""

    task: Task
    outcome: Outcome
    started_at: datetime
    duration: float


@dataclass
class RunStats:
    """The counts of one run (the summary line and the `runs` row)."""

    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    articles_new: int = 0
    articles_failed: int = 0
    skipped_robots: int = 0
    articles_revisited: int = 0
    articles_revised: int = 0
    articles_queued: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def articles_done(self) -> int:
        """Article fetches finished, new or revisits, whatever their outcome."""
        return (
            self.articles_new + self.articles_failed + self.skipped_robots + self.articles_revisited
        )

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in archive.RUN_COUNTERS}

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        return (
            f"feeds polled {self.feeds_polled} (not modified {self.feeds_not_modified}, "
            f"failed {self.feeds_failed}); articles new {self.articles_new}, "
            f"failed {self.articles_failed}, skipped by robots.txt {self.skipped_robots}; "
            f"revisited {self.articles_revisited} (revised {self.articles_revised}); "
            f"{elapsed:.1f} s"
        )


def _archive_unwritable(error: NewsvaultError) -> bool:
    """The archive itself refused the write (disk full, I/O error, read-only), not the article."""
    return isinstance(error, StorageError) and isinstance(error.__cause__, OperationalError)


def _gone_for_good(error: NewsvaultError) -> bool:
    """A failure that asking again will not mend (the article was deleted: 404, 410...)."""
    status = getattr(error, "status", None)
    return error.kind in archive.PERMANENT_FAILURES or status in archive.PERMANENT_STATUSES


class _Heap:
    """The C heap of this process, when it is glibc's: fewer arenas, and freed memory given back.

    Every page passes through the main process as buffers of 100 KB and more (the body, its
    text, the message to the extraction process); glibc serves such sizes from its heaps once
    a few have been freed, and a heap only shrinks from its top, so over a long run free
    holes between live objects add up (measured: the main process at 130 MiB after 1,000
    articles, 160 after 5,000; flat near 105 with this). malloc_trim hands the free pages
    back; on another C library this does nothing.
    """

    M_ARENA_MAX = -8  # glibc's malloc.h

    def __init__(self) -> None:
        self._libc: ctypes.CDLL | None = None
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None)
            if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):
                self._libc = libc

    def limit_arenas(self) -> None:
        """Cap the arenas; only arenas made after this (by new threads) are affected."""
        if self._libc is not None:
            self._libc.mallopt(self.M_ARENA_MAX, MALLOC_ARENAS)

    def trim(self) -> None:
        if self._libc is not None:
            self._libc.malloc_trim(0)


_heap = _Heap()


class _Interrupts:
    """Ctrl-C and SIGTERM stop a run between two results, never in the middle of one.

    A signal raises KeyboardInterrupt wherever the main thread happens to be; in the middle
    of handling a result that can fall between an article's commit and its count, and the
    `runs` row then counts fewer articles than the archive holds. While a result is handled
    the signal is only noted, and raised as soon as the handling ends.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.shielded = False
        self.pending = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Take over the stopping signals for the block (only the main thread can)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        saved = {signum: signal.getsignal(signum) for signum in self.SIGNALS}
        for signum in self.SIGNALS:
            signal.signal(signum, self._received)
        try:
            yield
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)

    @contextmanager
    def shielded_block(self) -> Iterator[None]:
        self.shielded = True
        try:
            yield
        finally:
            self.shielded = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def _received(self, signum: int, frame: FrameType | None) -> None:
        if self.shielded:
            self.pending = True
            return
        raise KeyboardInterrupt


# --- fetchers per host -------------------------------------------------------------------


class Lanes:
    """Fetchers per host, one per request in flight, so a host never sees more connections
    than the HostQueue lets requests through; idle ones keep their connection for reuse."""

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._idle: dict[str, list[Fetcher]] = {}
        self._count = 0
        self._lock = threading.Lock()

    def acquire(self, host: str) -> Fetcher:
        with self._lock:
            idle = self._idle.get(host)
            if idle:
                self._count -= 1
                return idle.pop()
        return Fetcher(self._settings)

    def release(self, host: str, fetcher: Fetcher) -> None:
        with self._lock:
            if self._count < MAX_IDLE_FETCHERS:
                self._idle.setdefault(host, []).append(fetcher)
                self._count += 1
                return
        fetcher.close()

    def close(self) -> None:
        with self._lock:
            for fetchers in self._idle.values():
                for fetcher in fetchers:
                    fetcher.close()
            self._idle.clear()
            self._count = 0


# --- the run ---------------------------------------------------------------------------------


def extraction_processes(processes: int | None) -> int:
    """How many extraction processes a run starts (0: extract in the fetching threads).

    By default one fewer than the cores: the main process keeps a core busy fetching, parsing
    feeds and writing the archive, so one child on two cores already uses both, and each
    child costs memory (about 40 MiB).
    """
    if processes is not None:
        return processes
    return max((os.cpu_count() or 1) - 1, 0)


class Run:
    """One run over a list of feeds. Call `execute` once, from the thread that owns `sessions`."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        progress: Callable[[RunStats], None] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.progress = progress or (lambda stats: None)
        self.stats = RunStats()
        self.queue: HostQueue[Task] = HostQueue(
            per_host=settings.run.per_host_connections, delay=settings.run.host_delay
        )
        self.results: queue.Queue[Done] = queue.Queue()
        # Work taken but not yet written: fetching threads and extraction can outrun the one
        # writer, and every result holds a whole page, so they wait for the writer instead.
        self.backlog = threading.BoundedSemaphore(BACKLOG_PER_WORKER * settings.run.workers)
        self.lanes = Lanes(settings.fetch)
        self.robots: dict[str, Protego | None] = {}
        self.evidence: dict[str, list[tuple[int, FeedItem]]] = {}
        self.outstanding = 0
        self.handled = 0
        self.interrupts = _Interrupts()
        self.workers: ExtractionWorkers | None = None
        self.workers_lost = threading.Event()
        self.policy = archive.RevisitPolicy(
            after=settings.run.revisit_after, max_age=settings.run.revisit_max_age
        )

    # -- the writer's side (the calling thread) --

    def execute(self, targets: list[FeedTarget], *, revisits: bool = False) -> RunStats:
        """Poll `targets` and archive what they list; with `revisits`, also fetch again the
        archived articles whose next check has come."""
        _heap.limit_arenas()
        count = extraction_processes(self.settings.run.processes)
        self.workers = ExtractionWorkers(count) if count else None
        workers = [
            threading.Thread(target=self._work, name=f"fetch-{n}", daemon=True)
            for n in range(self.settings.run.workers)
        ]
        for worker in workers:
            worker.start()
        try:
            with self.interrupts.installed():
                for target in targets:
                    self._submit(urls.host_of(target.url), PollFeed(target))
                if revisits:
                    self._queue_revisits()
                while self.outstanding:
                    done = self.results.get()
                    with self.interrupts.shielded_block():
                        self._handle(done)
                    self.progress(self.stats)
        finally:
            self.queue.close()
            if self.workers is not None:
                self.workers.close()
            self.lanes.close()
        for worker in workers:
            worker.join(timeout=5)
        return self.stats

    def _submit(self, host: str, task: Task, *, first: bool = False) -> None:
        self.outstanding += 1
        self.queue.put(host, task, first=first)

    def _handle(self, done: Done) -> None:
        self.outstanding -= 1
        task = done.task
        try:
            if isinstance(task, PollFeed):
                self._polled(task, done.outcome)
            elif isinstance(task, FetchRobots):
                self._robots_read(task, done.outcome)
            else:
                self._article_done(task, done)
        finally:
            self.backlog.release()
        self.handled += 1
        if self.handled % HEAP_TRIM_EVERY == 0:
            _heap.trim()

    def _polled(self, task: PollFeed, outcome: Outcome) -> None:
        target = task.target
        if not task.child:
            self.stats.feeds_polled += 1
        if isinstance(outcome, NewsvaultError):
            if not task.child:
                self.stats.feeds_failed += 1
            log.warning("feed %s failed: %s", urls.redact(target.url), outcome.message)
            if target.feed_id is not None and not task.child:
                self._feed_failed(target.feed_id, outcome)
            return
        assert isinstance(outcome, Polled)
        if outcome.feed is None:
            self.stats.feeds_not_modified += 1
        if target.feed_id is not None and not task.child:
            self._feed_succeeded(target.feed_id, outcome)
        if outcome.feed is not None:
            self._read_feed(target, outcome.feed)

    def _read_feed(self, target: FeedTarget, feed: Feed) -> None:
        log.info("feed %s: %d items", urls.redact(target.url), len(feed.items))
        for child in feed.sitemaps[: self.settings.run.max_sitemaps]:
            child_target = FeedTarget(url=child, feed_id=target.feed_id)
            self._submit(urls.host_of(child), PollFeed(child_target, child=True))
        self._queue_articles(target.feed_id, feed.items)

    def _queue_articles(self, feed_id: int | None, items: tuple[FeedItem, ...]) -> None:
        fresh: list[FeedItem] = []
        for item in items:
            if item.url in self.evidence:
                self._add_evidence(item.url, feed_id, item)
            else:
                fresh.append(item)
        with self.sessions() as session:
            known = archive.known_urls(session, [item.url for item in fresh])
        for item in fresh:
            if item.url in known or item.url in self.evidence:
                continue
            self.evidence[item.url] = []
            self._add_evidence(item.url, feed_id, item)
            self._queue_article(item.url)

    def _add_evidence(self, url: str, feed_id: int | None, item: FeedItem) -> None:
        if feed_id is not None:
            self.evidence[url].append((feed_id, item))

    def _queue_revisits(self) -> None:
        with self.sessions.begin() as session:
            due = archive.due_revisits(session, self.policy, datetime.now(UTC))
        if due:
            log.info("%d archived articles are due for a revisit", len(due))
        for revisit in due:
            self._queue_article(revisit.url, revisit)

    def _queue_article(self, url: str, revisit: archive.Due | None = None) -> None:
        host = urls.host_of(url)
        if host not in self.robots:
            self.robots[host] = None  # asked for; the answer replaces this
            self.queue.gate(host)
            robots_url = urls.robots_url(url)
            self._submit(host, FetchRobots(host, robots_url), first=True)
        self.stats.articles_queued += 1
        self._submit(host, FetchArticle(url, revisit))

    def _robots_read(self, task: FetchRobots, outcome: Outcome) -> None:
        if isinstance(outcome, str):
            self.robots[task.host] = Protego.parse(outcome)
        else:
            assert isinstance(outcome, NewsvaultError)
            log.warning(
                "robots.txt of %s could not be read (%s): skipping the host this run",
                task.host,
                outcome.message,
            )
            self.robots[task.host] = Protego.parse("User-agent: *\nDisallow: /\n")
        for dropped in self.queue.discard(task.host, self._disallowed):
            self.outstanding -= 1
            self.stats.skipped_robots += 1
            assert isinstance(dropped, FetchArticle)
            self.evidence.pop(dropped.url, None)
            self._checked(dropped, datetime.now(UTC))
        self.queue.done(task.host)
        self.queue.release(task.host)

    def _disallowed(self, task: Task) -> bool:
        return isinstance(task, FetchArticle) and not self._allowed(task.url)

    def _allowed(self, url: str) -> bool:
        parser = self.robots.get(urls.host_of(url))
        return parser is None or bool(parser.can_fetch(url, self.settings.fetch.user_agent))

    def _article_done(self, task: FetchArticle, done: Done) -> None:
        outcome = done.outcome
        evidence = self.evidence.pop(task.url, [])
        if isinstance(outcome, Skipped):
            self.stats.skipped_robots += 1
            self._checked(task, done.started_at)
            return
        if isinstance(outcome, NewsvaultError):
            self.stats.articles_failed += 1
            log.info("article %s failed: %s", urls.redact(task.url), outcome.message)
            record_failure(self.sessions, task.url, done.started_at, done.duration, None, outcome)
            self._checked(task, done.started_at, last=_gone_for_good(outcome))
            return
        assert isinstance(outcome, Fetched)
        try:
            saved = store(
                self.sessions,
                task.url,
                done.started_at,
                done.duration,
                outcome.page,
                outcome.article,
                evidence,
                derived=outcome.derived,
                schedule=self.policy,
            )
        except NewsvaultError as exc:
            if _archive_unwritable(exc):
                raise  # the disk is full or failing: every later article would fail the same way
            self.stats.articles_failed += 1
            log.warning("article %s could not be stored: %s", urls.redact(task.url), exc.message)
            self._checked(task, done.started_at)
            return
        if task.revisit is not None:
            self.stats.articles_revisited += 1
            self._checked(task, done.started_at)
        elif saved.outcome == "new":
            self.stats.articles_new += 1
        log.info("article %s: %s", urls.redact(task.url), saved.outcome)

    def _checked(self, task: FetchArticle, now: datetime, *, last: bool = False) -> None:
        """After a revisit, whatever came of it: count it, schedule the next, see if it revised."""
        if task.revisit is None:
            return
        row = self._write(
            archive.record_check, task.revisit.article_id, self.policy, now, last=last
        )
        if row is not None and row.content_hash != task.revisit.content_hash:
            self.stats.articles_revised += 1
            log.info("article %s has a new revision", urls.redact(task.url))

    def _write(
        self, change: Callable[Concatenate[Session, _P], _T], *args: _P.args, **kw: _P.kwargs
    ) -> _T | None:
        """Run one archive change in a short transaction of its own; a failure is logged."""
        try:
            with self.sessions.begin() as session:
                return change(session, *args, **kw)
        except SQLAlchemyError as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            log.warning("the revisit schedule could not be written: %s", reason)
            return None

    def _feed_succeeded(self, feed_id: int, polled: Polled) -> None:
        response = polled.response
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            row = session.get_one(FeedRow, feed_id)
            row.last_polled_at = row.last_success_at = now
            row.last_status = response.status
            row.consecutive_failures = 0
            row.last_error = None
            row.next_poll_at = now
            if response.status == 200:
                row.etag = response.etag
                row.last_modified = response.last_modified
            if polled.feed is not None:
                row.kind = polled.feed.kind
                row.title = polled.feed.title or row.title
            if response.permanent_url and response.permanent_url != row.url:
                self._move_feed(session, row, response.permanent_url)

    def _move_feed(self, session: Session, row: FeedRow, new_url: str) -> None:
        """Follow a permanent redirect of a feed: its stored URL becomes the new one."""
        if archive.find_feed(session, new_url) is not None:
            log.warning("feed %s moved to %s, which is already subscribed", row.url, new_url)
            return
        log.info("feed %s moved permanently to %s", row.url, new_url)
        row.url = new_url

    def _feed_failed(self, feed_id: int, error: NewsvaultError) -> None:
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            row = session.get_one(FeedRow, feed_id)
            row.last_polled_at = now
            row.consecutive_failures += 1
            row.last_error = error.message
            row.last_status = getattr(error, "status", None)
            wait = self.settings.run.retry_base * 2 ** (row.consecutive_failures - 1)
            row.next_poll_at = now + timedelta(seconds=min(wait, self.settings.run.retry_max))
            if isinstance(error, HTTPStatusError) and error.status == 410:
                row.enabled = False
                row.disabled_reason = "the server said the feed is gone (410 Gone)"

    # -- the workers' side (fetching threads) --

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            host, task = item
            self.backlog.acquire()  # released by the writer once it has handled the result
            started_at = datetime.now(UTC)
            clock = time.monotonic()
            try:
                outcome = self._perform(host, task)
            except Exception as exc:  # the per-item policy: one bad task never stops the run
                log.exception("unexpected error on %s", task)
                outcome = NewsvaultError(f"unexpected error ({type(exc).__name__}: {exc})")
            self.results.put(Done(task, outcome, started_at, time.monotonic() - clock))

    def _perform(self, host: str, task: Task) -> Outcome:
        """The network part holds the host's slot; parsing and extraction happen after it."""
        if isinstance(task, FetchArticle) and not self._allowed(task.url):
            self.queue.done(host)
            return Skipped("robots.txt")
        fetcher = self.lanes.acquire(host)
        try:
            fetched = self._fetch(fetcher, task)
        finally:
            self.lanes.release(host, fetcher)
            if not isinstance(task, FetchRobots):
                # robots.txt keeps its host's slot until the writer has read the answer
                # (_robots_read), or the next article could start before the rules are known.
                self.queue.done(host)
        if isinstance(fetched, NewsvaultError):
            return fetched
        return self._digest(task, fetched)

    def _fetch(self, fetcher: Fetcher, task: Task) -> FeedResponse | Page | str | NewsvaultError:
        try:
            if isinstance(task, PollFeed):
                target = task.target
                return fetcher.get_feed(
                    target.url, etag=target.etag, last_modified=target.last_modified
                )
            if isinstance(task, FetchRobots):
                return fetcher.get_robots(task.url)
            return fetcher.get(task.url)
        except NewsvaultError as exc:
            return exc

    def _digest(self, task: Task, fetched: FeedResponse | Page | str) -> Outcome:
        try:
            if isinstance(fetched, FeedResponse):
                return self._parse_feed(fetched)
            if isinstance(fetched, Page):
                article, derived = self._extract(fetched)
                return Fetched(fetched, replace(article, url=fetched.url), derived)
            return fetched
        except NewsvaultError as exc:
            return exc

    def _parse_feed(self, response: FeedResponse) -> Polled:
        if response.status == 304:
            return Polled(response, None)
        parsed = feeds.parse(
            response.content,
            response.final_url,
            response.content_type,
            max_items=self.settings.run.max_items_per_feed,
        )
        return Polled(response, parsed)

    def _extract(self, page: Page) -> tuple[Article, Fingerprint]:
        """The page's article and fingerprint, from an extraction process when there is one."""
        if self.workers is not None:
            try:
                return self.workers.extract(page.html, page.final_url)
            except WorkerDied:
                # A child died (out of memory, killed): go on in this thread, not fail the rest.
                if not self.workers_lost.is_set():
                    self.workers_lost.set()
                    log.warning("an extraction process died; extracting in the fetching threads")
        return prepare(page.html, page.final_url)
