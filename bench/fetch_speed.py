"""Benchmark: `newsvault fetch` of 100 KB pages (1 and 100) from 127.0.0.1, vs the anchors."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from launcher import LAUNCHER, BenchError

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "pages" / "seed-wordpress-euronews-copy.html"
# The fixture's article slug; each served page gets it with a fixed-width "-NNN" suffix, so
# the 100 pages differ (URL, canonical, JSON-LD) yet have exactly the same size.
SLUG = "first-north-korean-troops-reach-russian-combat-zone-kyiv-reports"
# The issue asks for "a 100 KB page"; the fixture is 44 KB. The rest is added the way news
# pages are heavy: inline theme CSS and an inline JSON app-state blob in <head>.
PAGE_BYTES = 100_000
# About a third of the added weight is CSS, the rest state: roughly the split on WordPress
# news themes (global-styles-inline-css next to a hydration blob).
STYLE_BYTES = 20_000
BATCH = 100
DEFAULT_RUNS = 3
KIB_PER_MIB = 1024
# trafilatura refuses loopback and sleeps 5 s between requests to one host by default;
# its config file is read on top of its defaults, so these two lines are all we change.
TRAFILATURA_CONFIG = "[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n"
# The minimal readability-lxml pipeline: one requests.Session, fetch, summary(); sequential.
READABILITY_SCRIPT = """\
import sys, requests, readability
with requests.Session() as s:
    for url in filter(None, map(str.strip, sys.stdin)):
        r = s.get(url, timeout=30)
        r.raise_for_status()
        print(len(readability.Document(r.text).summary()))
"""


# Runs the command for run_child. A child's ru_maxrss counts the memory it had before exec,
# that is its parent's: forked from this process (which holds the 100 pages) even `python -c
# pass` would show ~36 MiB. So the command is forked from a bare `python -I -S` (~8 MiB, below
# any Python child's own peak; Linux) that times it and writes "wall cpu maxrss_kib" to argv[1].
# ru_maxrss is in KiB on Linux (bytes on macOS).
# --- the page ---------------------------------------------------------------------------


def inline_style() -> str:
    """Theme CSS, as WordPress inlines it: preset variables, then block rules."""
    rules: list[str] = []
    size, i = 0, 0
    while size < STYLE_BYTES:
        colour = hashlib.sha256(str(i).encode()).hexdigest()[:6]
        rule = (
            f":root{{--wp--preset--color--c{i}:#{colour};}}"
            f".has-c{i}-color{{color:var(--wp--preset--color--c{i}) !important;}}"
            f".wp-block-group.is-layout-{i}>*{{margin-block-start:{i % 7 * 0.25}rem;}}\n"
        )
        rules.append(rule)
        size += len(rule)
        i += 1
    return '<style id="global-styles-inline-css">\n' + "".join(rules) + "</style>\n"


def teaser(i: int) -> dict[str, object]:
    """One entry of the app state's "trending" list (not article text)."""
    slug = f"story-{i:04d}-" + hashlib.sha256(str(i).encode()).hexdigest()[:24]
    return {
        "id": 48_000 + i,
        "type": "post",
        "link": f"https://worldnewstoday.example/2024/10/{1 + i % 25:02d}/{slug}/",
        "title": {"rendered": f"Headline {i} for the trending rail"},
        "featured_media": {"src": f"/wp-content/uploads/2024/10/{slug}.jpg", "w": 640, "h": 360},
        "categories": [3 + i % 9, 17],
        "ad_slot": f"div-gpt-ad-{1_700_000_000 + i}-0",
    }


def state_script(path: str, budget: int) -> str:
    """A hydration blob of exactly `budget` bytes for the page at `path`."""
    trending: list[dict[str, object]] = []
    state: dict[str, object] = {"route": path, "trending": trending, "cacheKey": ""}

    def render() -> str:
        blob = json.dumps(state, separators=(",", ":"))
        return f'<script id="wnt-app-state">window.__WNT_STATE__={blob};</script>\n'

    while len(render()) < budget:
        trending.append(teaser(len(trending)))
    trending.pop()
    # A hex build hash fills the last few hundred bytes, so every page has the same size.
    digest = hashlib.sha256(path.encode()).hexdigest()
    state["cacheKey"] = (digest * (budget // len(digest) + 1))[: budget - len(render())]
    return render()


def build_page(index: int) -> tuple[str, bytes]:
    """The URL path and the exact PAGE_BYTES body of page `index`."""
    slug = f"{SLUG}-{index:03d}"
    path = f"/2024/10/25/{slug}/"
    html = FIXTURE.read_text(encoding="utf-8").replace(SLUG, slug)
    head = inline_style()
    budget = PAGE_BYTES - len(html.encode()) - len(head.encode())
    head += state_script(path, budget)
    page = html.replace("</head>", head + "</head>", 1).encode()
    if len(page) != PAGE_BYTES:
        raise BenchError(f"page {index} is {len(page)} bytes, not {PAGE_BYTES}")
    return path, page


# --- the server -------------------------------------------------------------------------


def handler_for(pages: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    """A quiet request handler serving `pages` by path, with keep-alive like real servers."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(pages: dict[str, bytes]) -> Iterator[str]:
    """Serve `pages` on 127.0.0.1 (any free port) in a background thread; yield the origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(pages))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- running one command ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall and CPU seconds, and the child's peak RSS."""

    wall_s: float
    cpu_s: float
    rss_kib: int


@dataclass(frozen=True)
class Job:
    """A command to time, in `work`, with stdin from a file; `check` inspects what it left."""

    argv: list[str]
    stdin: Path | None
    check: Callable[[Path], None]


def run_child(job: Job, work: Path) -> Sample:
    """Run `job` in `work` through LAUNCHER; it reports wall, CPU and peak RSS."""
    stdin_path = job.stdin or Path(os.devnull)
    report = work / "rusage"
    argv = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *job.argv]
    with (
        stdin_path.open("rb") as stdin,
        (work / "stdout").open("wb") as out,
        (work / "stderr").open("wb") as err,
    ):
        code = subprocess.run(argv, cwd=work, stdin=stdin, stdout=out, stderr=err).returncode
    if code != 0:
        tail = (work / "stderr").read_text(errors="replace")[-2000:]
        raise BenchError(f"{shlex.join(job.argv)} exited {code}:\n{tail}")
    job.check(work)
    wall, cpu, rss = report.read_text().split()
    return Sample(float(wall), float(cpu), int(rss))


def timed(job_for: Callable[[Path], Job]) -> Sample:
    """Run the job built for a fresh temporary directory (so a fresh archive)."""
    with tempfile.TemporaryDirectory(prefix="nv-bench-") as tmp:
        work = Path(tmp)
        return run_child(job_for(work), work)


# --- the tools --------------------------------------------------------------------------


def script(name: str) -> str:
    """The console script installed beside this interpreter (not a pyenv shim or another env)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise BenchError(f"{name} not found: pip install -e '.[bench]'")
    return found


def write_urls(work: Path, urls: Sequence[str]) -> Path:
    path = work / "urls.txt"
    path.write_text("".join(f"{url}\n" for url in urls))
    return path


def expect_rows(count: int) -> Callable[[Path], None]:
    def check(work: Path) -> None:
        with sqlite3.connect(work / "a.db") as con:
            (rows,) = con.execute("select count(*) from articles").fetchone()
        if rows != count:
            raise BenchError(f"newsvault archived {rows} articles, expected {count}")

    return check


def expect_json_lines(count: int) -> Callable[[Path], None]:
    def check(work: Path) -> None:
        lines = (work / "stdout").read_text().splitlines()
        found = sum(1 for line in lines if json.loads(line).get("text"))
        if found != count:
            raise BenchError(f"trafilatura printed {found} articles, expected {count}")

    return check


def expect_summaries(count: int) -> Callable[[Path], None]:
    def check(work: Path) -> None:
        lengths = [int(line) for line in (work / "stdout").read_text().split()]
        if len(lengths) != count or min(lengths) == 0:
            raise BenchError(f"readability gave {len(lengths)} summaries, expected {count}")

    return check


def newsvault(urls: Sequence[str]) -> Callable[[Path], Job]:
    def job(work: Path) -> Job:
        argv = [script("newsvault"), "--db", str(work / "a.db"), "--allow-private", "127.0.0.1"]
        if len(urls) == 1:
            return Job([*argv, "fetch", urls[0]], None, expect_rows(1))
        return Job([*argv, "fetch", "-"], write_urls(work, urls), expect_rows(len(urls)))

    return job


def trafilatura(urls: Sequence[str]) -> Callable[[Path], Job]:
    def job(work: Path) -> Job:
        config = work / "trafilatura.cfg"
        config.write_text(TRAFILATURA_CONFIG)
        argv = [script("trafilatura"), "--config-file", str(config), "--json"]
        if len(urls) == 1:
            return Job([*argv, "-u", urls[0]], None, expect_json_lines(1))
        # Results go to stdout, one JSON line each, not to -o DIR: -o names files by a hash
        # of their words, so 100 pages differing only in their URL overwrite one file.
        source = ["-i", str(write_urls(work, urls)), "--parallel", "1"]
        return Job([*argv, *source], None, expect_json_lines(len(urls)))

    return job


def readability(urls: Sequence[str]) -> Callable[[Path], Job]:
    def job(work: Path) -> Job:
        argv = [sys.executable, "-c", READABILITY_SCRIPT]
        return Job(argv, write_urls(work, urls), expect_summaries(len(urls)))

    return job


def python_only(code: str) -> Callable[[Sequence[str]], Callable[[Path], Job]]:
    """A reference row: the interpreter running `code` (start-up, imports), no fetching."""

    def tool(urls: Sequence[str]) -> Callable[[Path], Job]:
        return lambda work: Job([sys.executable, "-c", code], None, lambda _: None)

    return tool


TOOLS: dict[str, Callable[[Sequence[str]], Callable[[Path], Job]]] = {
    "newsvault": newsvault,
    "trafilatura": trafilatura,
    "readability": readability,
}
ANCHORS = ("trafilatura", "readability")
REFERENCES: dict[str, Callable[[Sequence[str]], Callable[[Path], Job]]] = {
    "python -c pass": python_only("pass"),
    "import newsvault.cli": python_only("import newsvault.cli"),
}


# --- measuring and printing -------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """Medians over the runs of one tool on one batch of URLs."""

    tool: str
    urls: int
    wall_s: float
    cpu_s: float
    rss_mib: float


def median_of(tool: str, urls: int, samples: list[Sample]) -> Result:
    return Result(
        tool,
        urls,
        statistics.median(s.wall_s for s in samples),
        statistics.median(s.cpu_s for s in samples),
        statistics.median(s.rss_kib for s in samples) / KIB_PER_MIB,
    )


def measure(
    tools: dict[str, Callable[[Sequence[str]], Callable[[Path], Job]]],
    urls: Sequence[str],
    runs: int,
) -> list[Result]:
    """Each tool once untimed (warms the OS file cache), then `runs` times, interleaved."""
    jobs = {name: tool(urls) for name, tool in tools.items()}
    if len(urls) == 1:
        for job_for in jobs.values():
            timed(job_for)
    samples: dict[str, list[Sample]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job_for in jobs.items():
            samples[name].append(timed(job_for))
    return [median_of(name, len(urls), got) for name, got in samples.items()]


def print_results(results: list[Result]) -> None:
    print(f"{'URLs':>4}  {'tool':<22} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13}")
    for r in results:
        print(f"{r.urls:>4}  {r.tool:<22} {r.wall_s:>8.3f} {r.cpu_s:>8.3f} {r.rss_mib:>13.1f}")


def print_ratios(results: list[Result]) -> None:
    print("\nnewsvault / anchor (below 1: newsvault faster or smaller)")
    print(f"{'URLs':>4}  {'anchor':<22} {'wall':>8} {'CPU':>8} {'peak RSS':>13}")
    by_key = {(r.tool, r.urls): r for r in results}
    for urls in sorted({r.urls for r in results}):
        ours = by_key[("newsvault", urls)]
        for anchor in ANCHORS:
            them = by_key[(anchor, urls)]
            wall, cpu = ours.wall_s / them.wall_s, ours.cpu_s / them.cpu_s
            rss = ours.rss_mib / them.rss_mib
            print(f"{urls:>4}  {anchor:<22} {wall:>8.2f} {cpu:>8.2f} {rss:>13.2f}")


def print_marginal(results: list[Result]) -> None:
    print(f"\nper extra URL, (time for {BATCH} - time for 1) / {BATCH - 1}, in ms")
    print(f"{'tool':<22} {'wall ms':>8} {'CPU ms':>8}")
    by_key = {(r.tool, r.urls): r for r in results}
    for tool in TOOLS:
        one, many = by_key[(tool, 1)], by_key[(tool, BATCH)]
        wall = (many.wall_s - one.wall_s) / (BATCH - 1) * 1000
        cpu = (many.cpu_s - one.cpu_s) / (BATCH - 1) * 1000
        print(f"{tool:<22} {wall:>8.1f} {cpu:>8.1f}")


IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_self_times(runs: int) -> dict[str, float]:
    """Median self import time (ms) of `import newsvault.cli`, summed by top-level package."""
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        argv = [sys.executable, "-X", "importtime", "-c", "import newsvault.cli"]
        err = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
        totals: dict[str, float] = {}
        for self_us, _, _, name in IMPORTTIME_LINE.findall(err):
            root = name.split(".")[0]
            totals[root] = totals.get(root, 0.0) + int(self_us) / 1000
        per_run.append(totals)
    names = set().union(*per_run)
    return {n: statistics.median(run.get(n, 0.0) for run in per_run) for n in names}


def print_imports(runs: int, top: int = 5) -> None:
    times = import_self_times(runs)
    total = sum(times.values())
    print(f"\n`python -X importtime -c 'import newsvault.cli'`: {total:.0f} ms in all")
    print(f"{'package (self time of its modules)':<36} {'ms':>6}")
    for name, ms in sorted(times.items(), key=lambda item: -item[1])[:top]:
        print(f"{name:<36} {ms:>6.0f}")


def print_header(page_bytes: int) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"date: {now}")
    print(f"python: {platform.python_version()} ({sys.executable})")
    print(f"CPUs: {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {platform.machine()}")
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"page: {page_bytes} bytes ({FIXTURE.name} + inline CSS + JSON state), {BATCH} variants")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed runs per command")
    args = parser.parse_args()
    pages = dict(build_page(i) for i in range(BATCH))
    print_header(len(next(iter(pages.values()))))
    with serving(pages) as origin:
        urls = [origin + path for path in pages]
        results = measure(REFERENCES, urls[:1], args.runs)
        results += measure(TOOLS, urls[:1], args.runs)
        results += measure(TOOLS, urls, args.runs)
    print(f"\nmedian of {args.runs} runs, each in a fresh temp dir (fresh archive)")
    print_results(results)
    print_ratios(results)
    print_marginal(results)
    print_imports(args.runs)


if __name__ == "__main__":
    main()
