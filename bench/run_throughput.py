"""Benchmark: `newsvault run` over a simulated news network on 127.0.0.x, vs trafilatura."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import select
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIMNET = Path(__file__).resolve().with_name("simnet.py")
DEFAULT_SITES = 20
DEFAULT_ARTICLES = 50
DEFAULT_TOTAL = 5000
# The 5,000-article scenario spreads its articles over this many sites (100 each by default).
TOTAL_SITES = 50
DEFAULT_LATENCY_S = 0.05
# The limits for the comparison: no per-host delay, at most 2 connections per host.
PER_HOST = 2
# The anchor as the issue gives it: one `trafilatura --feed` call per feed, 16 threads.
TRAFILATURA_PARALLEL = 16
# trafilatura refuses loopback and sleeps 5 s between requests to one host by default;
# its config file is read on top of its defaults, so these two lines are all we change.
TRAFILATURA_CONFIG = "[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n"
# Building 5,000 pages takes the simulator a few seconds; this bounds a hung start.
READY_TIMEOUT_S = 300.0
REPLY_TIMEOUT_S = 30.0
# A tool that hangs is killed with its whole process group after this long.
RUN_TIMEOUT_S = 3600.0
KIB_PER_MIB = 1024
# How often the launcher samples the process tree's memory (the brief: every 50 ms).
SAMPLE_S = 0.05
# The tree is re-read from /proc (a scan of every process) on the first samples, then every
# RESCAN-th sample; in between only the known members are read, which costs far less.
RESCAN = 10
EARLY_SAMPLES = 20
# After the command exits, processes it left behind (reparented to the launcher) get this
# long to exit by themselves before they are killed; either way their CPU is counted.
LINGER_S = 10.0
# PSS (shared pages split between the processes sharing them: a forked pool's workers share
# much with their parent) is the fairest sum, but reading /proc/PID/smaps_rollup costs ~10x
# a /proc/PID/stat, so it is read on every PSS_EVERY-th sample only (every 200 ms).
PSS_EVERY = 4

# Runs the command for measure(). It is forked from a bare `python -I -S` (~8 MiB; a child's
# ru_maxrss counts the memory it had before exec, so not the harness's). The launcher makes
# itself a child subreaper: a helper process that the command never waits for (a
# multiprocessing forkserver, as newsvault's extraction pool once was) would be missing from
# the command's own wait4 figures; orphaned, it is reparented to the launcher, which reaps it.
# After the command exits (that is the wall time), the launcher waits up to LINGER_S for such
# leftovers, kills what is still there, then reads RUSAGE_CHILDREN: CPU of every process of
# the tree, and the largest single RSS. Meanwhile a thread samples /proc every SAMPLE_S for
# the sum of the RSS of all the launcher's descendants. Writes one JSON object to argv[1].
# Linux only; ru_maxrss is in KiB there.
LAUNCHER = """\
import ctypes, os, resource, signal, sys, threading, time
SAMPLE_S, RESCAN, EARLY, LINGER_S, PSS_EVERY = map(float, sys.argv[2:7])
PR_SET_CHILD_SUBREAPER = 36
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
ME = os.getpid()

def stat(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()

def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                return int(line.split()[1])
    return 0

def name(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\\0", b" ").decode(errors="replace").strip()[:200]

def descendants():
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                kids.setdefault(int(stat(name)[1]), []).append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], list(kids.get(ME, ()))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(kids.get(pid, ()))
    return found

peak = {"rss": 0, "pss": 0}
rss_seen, names = {}, {}
stop = threading.Event()

def sampler():
    pids, n = [], 0
    while not stop.wait(SAMPLE_S if n else 0):
        rescan = n < EARLY or n % RESCAN == 0
        if rescan:
            pids = descendants()
        with_pss = n % PSS_EVERY == 0
        n += 1
        rss_sum = pss_sum = 0
        for pid in pids:
            try:
                fields = stat(pid)
                pss_sum += pss_kib(pid) if with_pss else 0
                if rescan or pid not in names:  # again later: the first may predate exec
                    names[pid] = [pid, int(fields[1]), name(pid)]
            except OSError:
                continue
            rss = int(fields[21]) * PAGE_KIB
            rss_sum += rss
            rss_seen[pid] = max(rss_seen.get(pid, 0), rss)
        peak["rss"] = max(peak["rss"], rss_sum)
        peak["pss"] = max(peak["pss"], pss_sum)

def reap_leftovers():
    deadline, killed = time.monotonic() + LINGER_S, 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return killed
        if pid == 0 and time.monotonic() > deadline:
            for pid in descendants():
                os.kill(pid, signal.SIGKILL)
                killed += 1
            deadline = float("inf")
        elif pid == 0:
            time.sleep(SAMPLE_S)

if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[7], sys.argv[7:])
    finally:
        os._exit(127)
thread = threading.Thread(target=sampler, daemon=True)
thread.start()
_, status, top = os.wait4(pid, 0)
wall = time.perf_counter() - start
stop.set()
thread.join()
killed = reap_leftovers()
tree = resource.getrusage(resource.RUSAGE_CHILDREN)
own = os.times()
import json
with open(sys.argv[1], "w") as report:
    json.dump({
        "wall_s": wall, "cpu_s": tree.ru_utime + tree.ru_stime,
        "top_cpu_s": top.ru_utime + top.ru_stime, "top_rss_kib": top.ru_maxrss,
        "max_rss_kib": tree.ru_maxrss, "tree_rss_kib": peak["rss"], "tree_pss_kib": peak["pss"],
        "procs": len(rss_seen), "killed": killed,
        "sampler_cpu_s": own.user + own.system,
        "processes": [[*names.get(p, [p, 0, "?"]), kib] for p, kib in sorted(rss_seen.items())],
    }, report)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


class BenchError(Exception):
    """The simulator or a benchmarked command failed."""


# --- the simulated network --------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    url: str
    name: str
    articles: int


class Simnet:
    """bench/simnet.py in a subprocess (so its CPU is not the tool's), driven over a pipe."""

    def __init__(self, sites: int, articles: int, latency: float, port: int) -> None:
        argv = [sys.executable, str(SIMNET), f"--sites={sites}", f"--articles={articles}"]
        argv += [f"--latency={latency}", f"--port={port}"]
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        ready = self._reply(READY_TIMEOUT_S)
        self.feeds = [Feed(f["url"], f["name"], f["articles"]) for f in ready["feeds"]]
        self.page_bytes: dict[str, int] = ready["page_bytes"]
        self.build_s: float = ready["build_s"]
        self.label = f"{sites} x {articles}"
        self.cpu_s = 0.0

    def _reply(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        readable, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if readable else ""
        if not line:
            self.close()
            raise BenchError(f"the simulator did not answer (exit {self.process.poll()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def take(self) -> Counters:
        """The counters since the last take (and the simulator's CPU in that time)."""
        assert self.process.stdin is not None
        self.process.stdin.write("take\n")
        self.process.stdin.flush()
        reply = self._reply(REPLY_TIMEOUT_S)
        counters = Counters.of(reply["sites"], reply["cpu_s"] - self.cpu_s)
        self.cpu_s = reply["cpu_s"]
        return counters

    def close(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        try:
            self.process.wait(timeout=REPLY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def articles(self) -> int:
        return sum(feed.articles for feed in self.feeds)


@dataclass(frozen=True)
class Counters:
    """What the simulator saw during one tool's run."""

    max_in_flight: int
    max_connections: int
    requests: dict[str, int]
    sim_cpu_s: float

    @classmethod
    def of(cls, sites: dict[str, dict[str, Any]], cpu_s: float) -> Counters:
        """The most at any one site, and the requests of all sites by kind."""
        requests: dict[str, int] = {}
        for site in sites.values():
            for kind, count in site["requests"].items():
                requests[kind] = requests.get(kind, 0) + count
        return cls(
            max(site["max_in_flight"] for site in sites.values()),
            max(site["max_connections"] for site in sites.values()),
            requests,
            cpu_s,
        )


# --- running one command ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One command, as the launcher saw it (see LAUNCHER); CPU is user + system."""

    wall_s: float
    cpu_s: float  # the whole tree: every process reaped by the command or the launcher
    top_cpu_s: float  # os.wait4 of the command: itself and the children it waited for
    top_rss_kib: int  # os.wait4 of the command: the largest of itself and those children
    max_rss_kib: int  # the largest single process of the whole tree
    tree_rss_kib: int  # the largest sum of the tree's RSS seen by the sampler
    tree_pss_kib: int  # the same for PSS (sampled less often)
    procs: int
    killed: int
    sampler_cpu_s: float
    processes: list[tuple[int, int, str, int]]  # pid, parent pid, command line, peak RSS KiB

    def then(self, other: Sample) -> Sample:
        """This command followed by `other`: times and counts add up, memory is the larger."""
        return Sample(
            self.wall_s + other.wall_s,
            self.cpu_s + other.cpu_s,
            self.top_cpu_s + other.top_cpu_s,
            max(self.top_rss_kib, other.top_rss_kib),
            max(self.max_rss_kib, other.max_rss_kib),
            max(self.tree_rss_kib, other.tree_rss_kib),
            max(self.tree_pss_kib, other.tree_pss_kib),
            max(self.procs, other.procs),
            self.killed + other.killed,
            self.sampler_cpu_s + other.sampler_cpu_s,
            max(self.processes, other.processes, key=lambda ps: sum(p[3] for p in ps)),
        )


def measure(argv: Sequence[str], work: Path, stdout: Path) -> Sample:
    """Run `argv` in `work` through LAUNCHER, stdout to a file, stderr to work/stderr."""
    report = work / "rusage.json"
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report)]
    launcher += [str(SAMPLE_S), str(RESCAN), str(EARLY_SAMPLES), str(LINGER_S), str(PSS_EVERY)]
    launcher += argv
    with stdout.open("wb") as out, (work / "stderr").open("ab") as err:
        process = subprocess.Popen(
            launcher, cwd=work, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            start_new_session=True,
        )  # fmt: skip
        try:
            code = process.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise BenchError(f"{shlex.join(argv)}: killed after {RUN_TIMEOUT_S:.0f} s") from None
    if code != 0:
        tail = (work / "stderr").read_text(errors="replace")[-2000:]
        raise BenchError(f"{shlex.join(argv)} exited {code}:\n{tail}")
    return Sample(**json.loads(report.read_text()))


# --- the tools --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A tool's whole run over the network: its figures and how many articles it kept."""

    sample: Sample
    archived: int
    note: str = ""


def script(name: str) -> str:
    """The console script installed beside this interpreter (not a pyenv shim or another env)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise BenchError(f"{name} not found: pip install -e '.[bench]'")
    return found


def toml_config(feeds: Sequence[Feed]) -> str:
    """newsvault's config file: one [[feeds]] table per feed (JSON strings are TOML strings)."""
    return "".join(
        f"[[feeds]]\nurl = {json.dumps(f.url)}\nname = {json.dumps(f.name)}\n\n" for f in feeds
    )


@dataclass
class Options:
    """How the tools run: which ones, how often, and newsvault's extra options."""

    tools: list[str]
    runs: int
    latency: float
    port: int
    newsvault_global: list[str] = field(default_factory=list)
    newsvault_run: list[str] = field(default_factory=list)


# The commonest reasons in newsvault's own record of failed fetches, shown next to its figures.
FAILURES = """
    select error_kind, substr(message, 1, 200), count(*) from fetches where outcome = 'failed'
    group by 1, 2 order by 3 desc limit 3
"""


def run_newsvault(feeds: Sequence[Feed], work: Path, opts: Options) -> Outcome:
    """`newsvault run` over every feed at once, on a fresh archive."""
    config = work / "newsvault.toml"
    config.write_text(toml_config(feeds))
    argv = [script("newsvault"), "--db", str(work / "a.db"), "--allow-private", "127.0.0.0/8"]
    argv += ["--config", str(config), *opts.newsvault_global, "run"]
    argv += ["--per-host-connections", str(PER_HOST), "--host-delay", "0", *opts.newsvault_run]
    sample = measure(argv, work, work / "stdout")
    with sqlite3.connect(work / "a.db") as con:
        (rows,) = con.execute("select count(*) from articles where length(text) > 0").fetchone()
        failures = con.execute(FAILURES).fetchall()
    lines = (work / "stderr").read_text(errors="replace").strip().splitlines()
    why = "".join(f" [{count} x {kind}: {message}]" for kind, message, count in failures)
    return Outcome(sample, rows, (lines[-1] if lines else "") + why)


def json_articles(path: Path) -> int:
    """JSON lines with a non-empty text (trafilatura prints one per article it extracted)."""
    lines = path.read_text().splitlines()
    return sum(1 for line in lines if line.startswith("{") and json.loads(line).get("text"))


def run_trafilatura(feeds: Sequence[Feed], work: Path, opts: Options) -> Outcome:
    """`trafilatura --feed URL` once per feed, one after the other; stdout to a file each.

    Not `-o DIR`: it names each file by a hash of the text, so the count of files need not be
    the count of articles; one JSON line per article on stdout is countable.
    """
    config = work / "trafilatura.cfg"
    config.write_text(TRAFILATURA_CONFIG)
    total: Sample | None = None
    archived, short = 0, []
    for i, feed in enumerate(feeds):
        argv = [script("trafilatura"), "--config-file", str(config), "--feed", feed.url]
        argv += ["--parallel", str(TRAFILATURA_PARALLEL), "--json", "--with-metadata"]
        out = work / f"feed-{i:03d}.jsonl"
        sample = measure(argv, work, out)
        total = sample if total is None else total.then(sample)
        found = json_articles(out)
        archived += found
        if found != feed.articles:
            short.append(f"{feed.url}: {found}/{feed.articles}")
    assert total is not None
    return Outcome(total, archived, "; ".join(short))


def run_trafilatura_once(feeds: Sequence[Feed], work: Path, opts: Options) -> Outcome:
    """A reference, not the anchor: one `trafilatura --feed -i FILE` call for every feed."""
    config, urls = work / "trafilatura.cfg", work / "feeds.txt"
    config.write_text(TRAFILATURA_CONFIG)
    urls.write_text("".join(f"{feed.url}\n" for feed in feeds))
    argv = [script("trafilatura"), "--config-file", str(config), "--feed", "-i", str(urls)]
    argv += ["--parallel", str(TRAFILATURA_PARALLEL), "--json", "--with-metadata"]
    sample = measure(argv, work, work / "stdout")
    return Outcome(sample, json_articles(work / "stdout"))


Tool = Callable[[Sequence[Feed], Path, Options], Outcome]
TOOLS: dict[str, Tool] = {
    "newsvault": run_newsvault,
    "trafilatura": run_trafilatura,
    "traf-1-call": run_trafilatura_once,
}
# The anchor (one call per feed, one after the other), then a reference that gives
# trafilatura every feed in one call: it then fetches from all hosts at once.
ANCHOR = "trafilatura"
REFERENCE = "traf-1-call"
# The targets: articles/s at least twice the anchor's on 2 cores, CPU per article no
# more than the anchor's, peak memory under 200 MB (200e6 bytes, about 190.7 MiB).
TARGET_SPEEDUP = 2.0
TARGET_CPU_RATIO = 1.0
TARGET_PEAK_MIB = 200e6 / 2**20


# --- measuring and printing -------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One tool over one network: the outcome and what the simulator counted meanwhile."""

    tool: str
    scenario: str
    served: int
    outcome: Outcome | None
    counters: Counters
    error: str = ""
    # The 1-minute load average when the run ended: the machine may be shared.
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def ok(self) -> bool:
        return self.outcome is not None and self.outcome.archived == self.served

    def per_s(self) -> float:
        assert self.outcome is not None
        return self.outcome.archived / self.outcome.sample.wall_s

    def cpu_ms(self) -> float:
        assert self.outcome is not None
        return self.outcome.sample.cpu_s / max(self.outcome.archived, 1) * 1000


def run_tool(name: str, net: Simnet, feeds: Sequence[Feed], opts: Options) -> Result:
    """One run of a tool in a fresh temp dir; failures are recorded, not raised."""
    net.take()
    with tempfile.TemporaryDirectory(prefix="nv-run-bench-") as tmp:
        try:
            outcome, error = TOOLS[name](feeds, Path(tmp), opts), ""
        except BenchError as err:
            outcome, error = None, str(err)
    served = sum(feed.articles for feed in feeds)
    return Result(name, net.label, served, outcome, net.take(), error)


def median_result(results: list[Result]) -> Result:
    """The run with the median wall time (failed runs first, so they are not hidden)."""
    failed = [r for r in results if not r.ok]
    if failed:
        return failed[0]
    ranked = sorted(results, key=lambda r: r.outcome.sample.wall_s)  # type: ignore[union-attr]
    return ranked[(len(ranked) - 1) // 2]


def scenario(sites: int, articles: int, opts: Options) -> list[Result]:
    """Start a network, warm each tool up on its first feed, then time each tool on it all."""
    net = Simnet(sites, articles, opts.latency, opts.port)
    try:
        print(
            f"\n{net.label}: {net.articles} articles on {len(net.feeds)} sites, pages "
            f"{net.page_bytes['min']}-{net.page_bytes['max']} bytes "
            f"(mean {net.page_bytes['mean']}), built in {net.build_s} s",
            flush=True,
        )
        for name in opts.tools:
            print_progress(run_tool(name, net, net.feeds[:1], opts), "warm-up")
        runs: dict[str, list[Result]] = {name: [] for name in opts.tools}
        for _ in range(opts.runs):
            for name in opts.tools:
                result = run_tool(name, net, net.feeds, opts)
                print_progress(result)
                runs[name].append(result)
    finally:
        net.close()
    return [median_result(got) for got in runs.values()]


def print_progress(r: Result, what: str = "run") -> None:
    if r.outcome is None:
        print(f"  {r.tool} {what}: FAILED {r.error}", flush=True)
        return
    s = r.outcome.sample
    print(
        f"  {r.tool} {what}: {r.outcome.archived}/{r.served} in {s.wall_s:.1f} s, "
        f"CPU {s.cpu_s:.1f} s (sampling {s.sampler_cpu_s:.2f} s, simulator "
        f"{r.counters.sim_cpu_s:.2f} s). {r.outcome.note}",
        flush=True,
    )


def mib(kib: int) -> float:
    return kib / KIB_PER_MIB


HEADER = (
    f"{'scenario':<10} {'tool':<12} {'archived':>10} {'wall s':>7} {'art/s':>6} {'CPU s':>6} "
    f"{'cores':>5} {'ms/art':>6} {'top CPU':>7} {'RSS top':>7} {'RSS max':>7} {'RSS sum':>7} "
    f"{'PSS sum':>7} {'procs':>5} {'flight':>6} {'conns':>5} {'requests':>8} {'sim CPU':>7} "
    f"{'load':>5}"
)
LEGEND = f"""
CPU s: user + system of every process of the tree; cores: CPU s / wall s; ms/art: CPU ms
per article; top CPU: what os.wait4 of the command alone reports. RSS (MiB) top: ru_maxrss
of the command; max: the largest single process; RSS sum: peak of the tree's RSS sum, sampled
every {SAMPLE_S * 1000:.0f} ms; PSS sum: the same with shared pages split (every \
{SAMPLE_S * PSS_EVERY * 1000:.0f} ms).
flight, conns: the most requests in flight and connections open at one host at once;
sim CPU: the simulator's CPU s; load: the 1-minute load average when the run ended."""


def print_results(results: list[Result]) -> None:
    print(LEGEND)
    print(HEADER)
    for r in results:
        if r.outcome is None:
            print(f"{r.scenario:<10} {r.tool:<12} FAILED: {r.error.splitlines()[0]}")
            continue
        s, c = r.outcome.sample, r.counters
        flag = f" ({s.killed} leftover processes killed)" if s.killed else ""
        print(
            f"{r.scenario:<10} {r.tool:<12} {f'{r.outcome.archived}/{r.served}':>10} "
            f"{s.wall_s:>7.1f} {r.per_s():>6.1f} {s.cpu_s:>6.1f} {s.cpu_s / s.wall_s:>5.2f} "
            f"{r.cpu_ms():>6.1f} "
            f"{s.top_cpu_s:>7.1f} {mib(s.top_rss_kib):>7.1f} {mib(s.max_rss_kib):>7.1f} "
            f"{mib(s.tree_rss_kib):>7.1f} {mib(s.tree_pss_kib):>7.1f} {s.procs:>5} "
            f"{c.max_in_flight:>6} "
            f"{c.max_connections:>5} {sum(c.requests.values()):>8} {c.sim_cpu_s:>7.1f} "
            f"{r.load:>5.1f}{flag}"
        )
    for r in results:
        if r.outcome is not None and r.outcome.note:
            print(f"{r.scenario} {r.tool}: {r.outcome.note}")
    for r in results:
        if r.outcome is not None:
            peaks = ", ".join(f"{role} {mib(kib):.0f}" for role, kib in roles(r.outcome.sample))
            print(f"{r.scenario} {r.tool}: peak RSS MiB by process: {peaks}")


def roles(sample: Sample) -> list[tuple[str, int]]:
    """Each process of the tree by role (main, extraction worker...) and peak RSS."""
    commands = {pid: command for pid, _, command, _ in sample.processes}
    named = []
    for _, parent, command, kib in sample.processes:
        if "forkserver" in command:
            role = "pool worker" if "forkserver" in commands.get(parent, "") else "forkserver"
        elif "resource_tracker" in command:
            role = "resource tracker"
        elif "newsvault.worker" in command:
            role = "extraction worker"
        else:
            role = Path(command.split(" ")[1 if "python" in command else 0]).name or "main"
        named.append((role, kib))
    return named


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_ratios(results: list[Result]) -> None:
    """newsvault against the anchor (and the reference) of the same scenario, with targets."""
    by_key = {(r.tool, r.scenario): r for r in results if r.outcome is not None}
    print(
        "\nnewsvault / the other tool, same network, same invocation; the issue's targets in ()"
        "\nare set against the anchor (trafilatura, one call per feed)\n"
        f"{'scenario':<10} {'vs':<12} {'art/s ratio':>11} {'(>= 2.0)':<8} {'CPU/art ratio':>13}"
        f" {'(<= 1.0)':<8} {'RSS sum MiB':>11} {'(<200MB)':<8} {'PSS sum':>7} {'RSS ratio':>9}"
        f" {'in flight':>9} {'(<= 2)':<7}"
    )
    for name in dict.fromkeys(r.scenario for r in results):
        for anchor in (ANCHOR, REFERENCE):
            ours, them = by_key.get(("newsvault", name)), by_key.get((anchor, name))
            if ours is None or them is None or ours.outcome is None or them.outcome is None:
                continue
            if not (ours.ok and them.ok):
                print(f"{name:<10} {anchor:<12} no ratios: not every article was archived")
                continue
            speed, cpu = ours.per_s() / them.per_s(), ours.cpu_ms() / them.cpu_ms()
            rss = mib(ours.outcome.sample.tree_rss_kib)
            pss = mib(ours.outcome.sample.tree_pss_kib)
            rss_ratio = rss / mib(them.outcome.sample.tree_rss_kib)
            flight = max(ours.counters.max_in_flight, them.counters.max_in_flight)
            print(
                f"{name:<10} {anchor:<12} {speed:>11.2f} {verdict(speed >= TARGET_SPEEDUP):<8} "
                f"{cpu:>13.2f} {verdict(cpu <= TARGET_CPU_RATIO):<8} {rss:>11.1f} "
                f"{verdict(rss < TARGET_PEAK_MIB):<8} {pss:>7.1f} {rss_ratio:>9.2f} "
                f"{flight:>9} {verdict(flight <= PER_HOST):<7}"
            )
    peaks = sorted(
        (r.served, mib(r.outcome.sample.tree_rss_kib), mib(r.outcome.sample.tree_pss_kib))
        for r in results
        if r.tool == "newsvault" and r.outcome is not None
    )
    if len(peaks) > 1:
        (small, rss_low, pss_low), (large, rss_high, pss_high) = peaks[0], peaks[-1]
        print(
            f"newsvault peak memory (flat with the article count?): RSS sum {rss_low:.0f} MiB"
            f" at {small} articles, {rss_high:.0f} at {large}; PSS sum {pss_low:.0f}, "
            f"{pss_high:.0f}"
        )


def print_header(args: argparse.Namespace) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"date: {now}")
    print(f"python: {platform.python_version()} ({sys.executable})")
    print(f"CPUs: {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {platform.machine()}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"latency per request: {args.latency * 1000:.0f} ms; port {args.port}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=DEFAULT_SITES)
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="per site")
    parser.add_argument(
        "--total", type=int, default=DEFAULT_TOTAL, help="second scenario (0: skip it)"
    )
    parser.add_argument("--total-sites", type=int, default=TOTAL_SITES)
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY_S, help="seconds")
    parser.add_argument("--port", type=int, default=80, help="trafilatura needs 80")
    parser.add_argument("--runs", type=int, default=1, help="runs per tool (median by wall)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated")
    parser.add_argument("--workers", type=int, help="newsvault run --workers (threads)")
    parser.add_argument("--processes", type=int, help="newsvault run --processes")
    parser.add_argument("--quiet", action="store_true", help="newsvault -q (only errors)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    opts = Options(args.tools.split(","), args.runs, args.latency, args.port)
    if args.workers is not None:
        opts.newsvault_run += ["--workers", str(args.workers)]
    if args.processes is not None:
        opts.newsvault_run += ["--processes", str(args.processes)]
    if args.quiet:
        opts.newsvault_global.append("-q")
    print_header(args)
    plans = [(args.sites, args.articles)]
    if args.total:
        plans.append((args.total_sites, args.total // args.total_sites))
    results = [r for sites, articles in plans for r in scenario(sites, articles, opts)]
    print_results(results)
    if "newsvault" in opts.tools and ANCHOR in opts.tools:
        print_ratios(results)


if __name__ == "__main__":
    main()
