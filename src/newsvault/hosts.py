"""Politeness per host: a thread-safe work queue that limits and spaces requests to each host.

Workers take the next task whose host has a free slot and whose delay has passed, so a slow
or dead site only ever occupies its own slots and never holds the others back. Hosts are
served round-robin. A host can be "gated" so that only its head task (robots.txt) runs and
the rest wait until it is released.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Host(Generic[T]):
    pending: deque[T] = field(default_factory=deque)
    in_flight: int = 0
    gated: bool = False


class HostQueue(Generic[T]):
    """Tasks grouped by host; `get` blocks until a task may start, `done` frees its slot.

    per_host: at most this many tasks of one host are started and not yet done.
    delay: seconds between the starts of two tasks of the same host.
    The queue ends (get returns None) once `close` was called and every task is handed out.
    """

    def __init__(
        self, *, per_host: int, delay: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self._per_host = per_host
        self._delay = delay
        self._clock = clock
        self._hosts: OrderedDict[str, _Host[T]] = OrderedDict()
        # Kept after a host's line runs dry: its next task, queued later, still waits.
        self._next_start: dict[str, float] = {}
        self._cond = threading.Condition()
        self._closed = False
        self.peak_in_flight: dict[str, int] = {}

    def put(self, host: str, task: T, *, first: bool = False) -> None:
        """Queue a task for a host (at the head of that host's line when `first`)."""
        with self._cond:
            state = self._hosts.setdefault(host, _Host())
            if first:
                state.pending.appendleft(task)
            else:
                state.pending.append(task)
            self._cond.notify()

    def gate(self, host: str) -> None:
        """Until `release(host)`, run only one task of this host at a time: its head task."""
        with self._cond:
            self._hosts.setdefault(host, _Host()).gated = True

    def release(self, host: str) -> None:
        with self._cond:
            if host in self._hosts:
                self._hosts[host].gated = False
            self._cond.notify_all()

    def discard(self, host: str, unwanted: Callable[[T], bool]) -> list[T]:
        """Take the host's waiting tasks for which `unwanted` is true out of the queue."""
        with self._cond:
            state = self._hosts.get(host)
            if state is None:
                return []
            dropped = [task for task in state.pending if unwanted(task)]
            state.pending = deque(task for task in state.pending if not unwanted(task))
            if not state.pending and not state.in_flight:
                del self._hosts[host]
            self._cond.notify_all()
            return dropped

    def close(self) -> None:
        """No more tasks will be put; waiting workers end once the queue runs dry."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> tuple[str, T] | None:
        """The next (host, task) allowed to start; None when closed and empty, or on timeout."""
        give_up = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                now = self._clock()
                host, wait = self._pick(now)
                if host is not None:
                    return host, self._start(host, now)
                if self._closed and not self._pending():
                    return None
                if give_up is not None:
                    left = give_up - time.monotonic()
                    if left <= 0:
                        return None
                    wait = left if wait is None else min(wait, left)
                self._cond.wait(timeout=wait)

    def done(self, host: str) -> None:
        """The task of `host` has finished: its slot is free for the next one."""
        with self._cond:
            state = self._hosts[host]
            state.in_flight -= 1
            if not state.pending and not state.in_flight:
                del self._hosts[host]
            self._cond.notify_all()

    def _pick(self, now: float) -> tuple[str | None, float | None]:
        """The first host (round-robin) that may start a task now, else how long to wait."""
        wait: float | None = None
        for host, state in self._hosts.items():
            limit = 1 if state.gated else self._per_host
            if not state.pending or state.in_flight >= limit:
                continue
            next_start = self._next_start.get(host, now)
            if next_start <= now:
                return host, None
            until = next_start - now
            wait = until if wait is None else min(wait, until)
        return None, wait

    def _start(self, host: str, now: float) -> T:
        state = self._hosts[host]
        task = state.pending.popleft()
        state.in_flight += 1
        self._next_start[host] = now + self._delay
        self.peak_in_flight[host] = max(self.peak_in_flight.get(host, 0), state.in_flight)
        self._hosts.move_to_end(host)  # round-robin: the others go first next time
        return task

    def _pending(self) -> bool:
        return any(state.pending for state in self._hosts.values())
