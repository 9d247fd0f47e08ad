"""The per-host work queue: slots, spacing, round-robin, gates, and the end of the queue."""

from __future__ import annotations

import threading
import time

from newsvault.hosts import HostQueue


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_at_most_per_host_tasks_of_one_host_start() -> None:
    queue: HostQueue[str] = HostQueue(per_host=2, delay=0.0)
    for n in range(3):
        queue.put("a.example", f"a{n}")
    queue.put("b.example", "b0")
    queue.close()
    started = [queue.get(), queue.get(), queue.get()]
    assert started == [("a.example", "a0"), ("b.example", "b0"), ("a.example", "a1")]
    queue.done("a.example")
    assert queue.get() == ("a.example", "a2")
    assert queue.peak_in_flight == {"a.example": 2, "b.example": 1}


def test_starts_of_one_host_are_spaced_by_the_delay() -> None:
    clock = FakeClock()
    queue: HostQueue[int] = HostQueue(per_host=2, delay=1.0, clock=clock)
    queue.put("a.example", 1)
    queue.put("a.example", 2)
    queue.put("b.example", 3)
    assert queue.get() == ("a.example", 1)
    assert queue.get() == ("b.example", 3)  # a.example must wait; b.example need not
    clock.now = 1.0
    assert queue.get() == ("a.example", 2)


def test_a_waiting_worker_wakes_when_the_delay_has_passed() -> None:
    queue: HostQueue[int] = HostQueue(per_host=1, delay=0.2)
    queue.put("a.example", 1)
    queue.put("a.example", 2)
    assert queue.get() == ("a.example", 1)
    queue.done("a.example")
    began = time.monotonic()
    assert queue.get() == ("a.example", 2)
    assert 0.15 <= time.monotonic() - began < 1.0


def test_a_slow_host_does_not_hold_the_others_back() -> None:
    queue: HostQueue[str] = HostQueue(per_host=1, delay=0.0)
    for n in range(5):
        queue.put("slow.example", f"s{n}")
    for n in range(5):
        queue.put("fast.example", f"f{n}")
    queue.close()
    assert queue.get() == ("slow.example", "s0")  # and it never finishes
    fast = []
    for _ in range(5):
        item = queue.get()
        assert item is not None and item[0] == "fast.example"
        fast.append(item[1])
        queue.done("fast.example")
    assert fast == ["f0", "f1", "f2", "f3", "f4"]


def test_a_gated_host_runs_only_its_head_task_until_released() -> None:
    queue: HostQueue[str] = HostQueue(per_host=2, delay=0.0)
    queue.put("a.example", "article")
    queue.put("a.example", "robots", first=True)
    queue.gate("a.example")
    assert queue.get() == ("a.example", "robots")
    assert queue.get(timeout=0.2) is None
    queue.release("a.example")
    assert queue.get() == ("a.example", "article")


def test_get_returns_none_once_closed_and_drained() -> None:
    queue: HostQueue[int] = HostQueue(per_host=2, delay=0.0)
    queue.put("a.example", 1)
    queue.close()
    assert queue.get() == ("a.example", 1)
    assert queue.get() is None


def test_many_threads_never_exceed_the_limit() -> None:
    queue: HostQueue[int] = HostQueue(per_host=2, delay=0.0)
    in_flight: dict[str, int] = {}
    worst: dict[str, int] = {}
    lock = threading.Lock()
    for n in range(60):
        queue.put(f"h{n % 3}.example", n)
    queue.close()

    def work() -> None:
        while (item := queue.get()) is not None:
            host, _ = item
            with lock:
                in_flight[host] = in_flight.get(host, 0) + 1
                worst[host] = max(worst.get(host, 0), in_flight[host])
            time.sleep(0.002)
            with lock:
                in_flight[host] -= 1
            queue.done(host)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert worst == {"h0.example": 2, "h1.example": 2, "h2.example": 2}


def test_discard_takes_unwanted_waiting_tasks_out() -> None:
    queue: HostQueue[str] = HostQueue(per_host=1, delay=0.0)
    for task in ("keep-1", "drop-1", "keep-2", "drop-2"):
        queue.put("a.example", task)
    assert queue.discard("a.example", lambda task: task.startswith("drop")) == ["drop-1", "drop-2"]
    queue.close()
    assert queue.get() == ("a.example", "keep-1")
    queue.done("a.example")
    assert queue.get() == ("a.example", "keep-2")
    assert queue.discard("b.example", lambda task: True) == []


def test_the_delay_holds_across_a_host_going_idle() -> None:
    clock = FakeClock()
    queue: HostQueue[int] = HostQueue(per_host=2, delay=1.0, clock=clock)
    queue.put("a.example", 1)
    assert queue.get() == ("a.example", 1)
    queue.done("a.example")  # the host's line is empty now
    queue.put("a.example", 2)
    assert queue.get(timeout=0.05) is None  # still too early
    clock.now = 1.0
    assert queue.get() == ("a.example", 2)
