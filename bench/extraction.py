"""Benchmark: article extraction quality, speed and memory of newsvault vs the anchors.

    python bench/extraction.py DATASET_DIR [DATASET_DIR ...] [--list]

Each DATASET_DIR holds `pages/<id>.html.gz` and `truth.jsonl` (see the datasets README). The
measures are the ones that README defines. Every extractor runs in its own subprocess (so its
peak RSS, ru_maxrss, is its own) on the same decoded pages; the parent asks them for one page
at a time, in turn, so they never compete for the CPU and a change in the machine's load
touches them alike. Timing covers the extraction call only, after one warm-up call. Pages
are read from the dataset folders and never copied anywhere.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import json
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXTRACTORS = ("newsvault", "trafilatura", "trafilatura-precision", "readability-lxml")
KIB_PER_MIB = 1024
SHINGLE = 4  # ScrapingHub's evaluate.py compares 4-token shingles
_WORD = re.compile(r"\w+")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+\-]+)""", re.I)
# Separators around a site name in a title ("Headline - Site", "Site | Headline").
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—·•»›/:]|::)\s+")


# --- reading the datasets ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """As the datasets README says: BOM, else UTF-8, else <meta charset>, else cp1252."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", "replace")


def load_truth(folder: Path) -> list[dict[str, Any]]:
    with (folder / "truth.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_pages(folder: Path) -> list[tuple[str, str | None, str]]:
    """(id, url, decoded html) for each page of a dataset, in truth order."""
    pages = []
    for row in load_truth(folder):
        raw = gzip.decompress((folder / "pages" / f"{row['id']}.html.gz").read_bytes())
        pages.append((row["id"], row.get("url"), decode(raw)))
    return pages


# --- the extractors (run inside the worker subprocess) ------------------------------------------


@dataclass
class Output:
    """What one extractor gave for one page."""

    text: str = ""
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    status: str = "ok"  # "ok", "not-article" or "failed: <exception>"


Extractor = Callable[[str, str | None], Output]


def _newsvault() -> Extractor:
    from newsvault.article import extract
    from newsvault.errors import NotAnArticle

    def run(html: str, url: str | None) -> Output:
        try:
            a = extract(html, url)
        except NotAnArticle as exc:
            return Output(status=f"not-article: {exc}")
        # The credit line: the people, else the organisation credited when no person is.
        names = "; ".join(a.authors) if a.authors else getattr(a, "organisation", None)
        return Output(a.text, a.title, names, a.published_at)

    return run


def _trafilatura(precision: bool) -> Extractor:
    import trafilatura

    def run(html: str, url: str | None) -> Output:
        # Metadata is asked for because newsvault's call reads it too: same work, same clock.
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, favor_precision=precision
        )
        if doc is None:
            return Output()
        return Output(doc.text or "", doc.title, doc.author, doc.date)

    return run


def _readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(html: str, url: str | None) -> Output:
        doc = Document(html, url=url)
        summary = doc.summary(html_partial=True)
        text = "\n\n".join(
            t.strip() for t in lxml.html.fragment_fromstring(summary).itertext() if t.strip()
        )
        return Output(text, doc.short_title())  # its title without the site's name

    return run


def make_extractor(name: str) -> Extractor:
    if name == "newsvault":
        return _newsvault()
    if name.startswith("trafilatura"):
        return _trafilatura(precision=name.endswith("precision"))
    return _readability()


def worker(name: str, folders: Sequence[Path]) -> None:
    """Serve one extractor: load the pages, then answer requests read from stdin, one JSON
    line each: {"warm": true}, {"dataset": d, "index": i} (extract page i, timed), and
    {"peak": true} (report peak RSS and stop)."""
    import logging
    import os
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # whatever a library prints must not mix with the replies
    extractor = make_extractor(name)
    datasets = {folder.name: load_pages(folder) for folder in folders}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("peak"):
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            replies.write(json.dumps({"peak_mib": peak_kib / KIB_PER_MIB}) + "\n")
            break
        if request.get("warm"):
            first = next(iter(datasets.values()))[0]
            _call(extractor, first[2], first[1])
            reply: dict[str, Any] = {}
        else:
            page_id, url, html = datasets[request["dataset"]][request["index"]]
            start = time.perf_counter()
            out = _call(extractor, html, url)
            ms = (time.perf_counter() - start) * 1000
            reply = {"id": page_id, "ms": ms, **out.__dict__}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    replies.close()


def _call(extractor: Extractor, html: str, url: str | None) -> Output:
    try:
        return extractor(html, url)
    except Exception as exc:  # a benchmark reports every failure; it must not stop
        return Output(status=f"failed: {type(exc).__name__}: {exc}"[:200])


# --- the measures -------------------------------------------------------------------------------


def bag(text: str | None) -> Counter[str]:
    return Counter(w.casefold() for w in _WORD.findall(text or ""))


def token_f1(output: str, truth: str) -> tuple[float, float, float]:
    """(F1, P, R) of case-folded \\w+ tokens compared as multisets; empty output is 0."""
    got, want = bag(output), bag(truth)
    overlap = sum((got & want).values())
    p = overlap / sum(got.values()) if got else 0.0
    r = overlap / sum(want.values()) if want else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def shingles(text: str | None) -> Counter[str]:
    tokens = _WORD.findall(text or "")
    spans = (" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))
    return Counter(s for s in spans if s)


def shingle_counts(output: str, truth: str) -> tuple[float, float, float]:
    """ScrapingHub's per-page (TP, FP, FN) over 4-token shingles, normalised to sum 1."""
    got, want = shingles(output), shingles(truth)
    tp = sum((got & want).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_f1(counts: Iterable[tuple[float, float, float]]) -> float:
    """Mean precision over pages with output, mean recall over pages with truth, their F1."""
    counts = list(counts)
    ps = [tp / (tp + fp) for tp, fp, _ in counts if tp + fp > 0]
    rs = [tp / (tp + fn) for tp, _, fn in counts if tp + fn > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def normal_title(text: str | None) -> str:
    """NFKC, quotes and dashes unified, case-folded, outer punctuation stripped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[‘’‚‛′`´]", "'", text)
    text = re.sub(r"[“”„‟″«»]", '"', text)
    text = re.sub(r"[‐‑‒–—―−]", "-", text)
    text = " ".join(text.casefold().split())
    return text.strip(" \"'.,:;!?-()[]")


def title_forms(text: str | None) -> set[str]:
    """The title, and the title without its first or last part (a site name)."""
    parts = _TITLE_SEPARATORS.split(text or "")
    forms = {text or ""}
    if len(parts) > 1:
        forms |= {" - ".join(parts[1:]), " - ".join(parts[:-1])}
    return {normal_title(f) for f in forms} - {""}


def title_match(output: str | None, truth: str, *, relaxed: bool) -> bool:
    if not relaxed:
        return bool(output) and normal_title(output) == normal_title(truth)
    return bool(title_forms(output) & title_forms(truth))


def names(byline: str | None) -> set[str]:
    """The set of names in a byline: split on , ; & and | /, a leading "by" removed."""
    text = re.sub(r"^\s*by\b[:\s]*", "", byline or "", flags=re.I)
    return {n for n in map(normal_title, re.split(r",|;|&|\band\b|\||/", text, flags=re.I)) if n}


def same_day(output: str | None, truth: str) -> bool:
    found = re.search(r"\d{4}-\d{2}-\d{2}", output or "")
    return bool(found) and found.group(0) == truth[:10]


@dataclass
class Row:
    extractor: str
    dataset: str
    pages: int
    f1: float
    p: float
    r: float
    shingle: float
    title: tuple[int, int, int]  # strict, relaxed, out of
    byline: tuple[int, int]
    date: tuple[int, int]
    ms_median: float
    ms_mean: float
    peak_mib: float


def score(
    extractor: str, dataset: str, truth: list[dict[str, Any]], results: list[Any], peak: float
) -> Row:
    by_id = {r["id"]: r for r in results}
    outs = [by_id[t["id"]] for t in truth]
    f1s = [token_f1(o["text"], t["body"] or "") for o, t in zip(outs, truth, strict=True)]
    pairs = list(zip(outs, truth, strict=True))
    titled = [(o, t) for o, t in pairs if t.get("title")]
    bylined = [(o, t) for o, t in pairs if t.get("byline")]
    dated = [(o, t) for o, t in pairs if t.get("published")]
    ms = [o["ms"] for o in outs]
    return Row(
        extractor,
        dataset,
        len(outs),
        statistics.mean(f for f, _, _ in f1s),
        statistics.mean([p for (_, p, _), o in zip(f1s, outs, strict=True) if o["text"]] or [0.0]),
        statistics.mean(r for _, _, r in f1s),
        shingle_f1(shingle_counts(o["text"], t["body"] or "") for o, t in pairs),
        (
            sum(title_match(o["title"], t["title"], relaxed=False) for o, t in titled),
            sum(title_match(o["title"], t["title"], relaxed=True) for o, t in titled),
            len(titled),
        ),
        (sum(names(o["byline"]) == names(t["byline"]) for o, t in bylined), len(bylined)),
        (sum(same_day(o["published"], t["published"]) for o, t in dated), len(dated)),
        statistics.median(ms),
        statistics.mean(ms),
        peak,
    )


# --- the report ---------------------------------------------------------------------------------


def _share(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "-"


def print_table(rows: list[Row]) -> None:
    head = (
        "| extractor | dataset | pages | F1 | P | R | shingle F1 | title strict | title relaxed"
        " | byline | date | ms median | ms mean | peak MiB |"
    )
    print(head)
    print("|" + "---|" * 2 + "---:|" * 12)
    for r in rows:
        print(
            f"| {r.extractor} | {r.dataset} | {r.pages} | {r.f1:.3f} | {r.p:.3f} | {r.r:.3f}"
            f" | {r.shingle:.3f} | {_share(r.title[0], r.title[2])}"
            f" | {_share(r.title[1], r.title[2])} | {_share(*r.byline)} | {_share(*r.date)}"
            f" | {r.ms_median:.1f} | {r.ms_mean:.1f} | {r.peak_mib:.0f} |"
        )


def print_speed(runs: dict[str, dict[str, Any]]) -> None:
    print("\nAll pages together: extraction call only, after one warm-up call")
    print("| extractor | pages | ms median | ms mean | peak MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, run in runs.items():
        ms = [o["ms"] for results in run["results"].values() for o in results]
        print(
            f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {statistics.mean(ms):.1f}"
            f" | {run['peak_mib']:.0f} |"
        )


def print_problems(runs: dict[str, dict[str, Any]], *, every_page: bool) -> None:
    for name, run in runs.items():
        for dataset, results in run["results"].items():
            for o in results:
                if o["status"] != "ok" and (every_page or name == "newsvault"):
                    print(f"{name} {dataset}/{o['id']}: {o['status']}")


class Worker:
    """One extractor in its own process, asked for one page at a time."""

    def __init__(self, name: str, folders: Sequence[Path]) -> None:
        command = [sys.executable, __file__, "--worker", name, *map(str, folders)]
        self.name = name
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} worker stopped (exit {self.process.wait()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def finish(self) -> float:
        peak = float(self.ask({"peak": True})["peak_mib"])
        self.process.wait()
        return peak


def run_all(names: Sequence[str], folders: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every extractor on every page, interleaved page by page (A, B, C, D on page 1, then
    page 2...), so a machine that gets busier or quieter during the run affects them alike.
    Only one extractor works at any moment."""
    workers = [Worker(name, folders) for name in names]
    for w in workers:
        w.ask({"warm": True})
    runs: dict[str, dict[str, Any]] = {w.name: {"results": {}} for w in workers}
    for folder in folders:
        for w in workers:
            runs[w.name]["results"][folder.name] = []
        for index in range(len(load_truth(folder))):
            for w in workers:
                reply = w.ask({"dataset": folder.name, "index": index})
                runs[w.name]["results"][folder.name].append(reply)
    for w in workers:
        runs[w.name]["peak_mib"] = w.finish()
    return runs


def per_page(runs: dict[str, dict[str, Any]], folders: Sequence[Path]) -> None:
    """One line per page and extractor: F1, P, R, so a change can be traced to pages."""
    for folder in folders:
        truth = {t["id"]: t for t in load_truth(folder)}
        for name, run in runs.items():
            for o in run["results"][folder.name]:
                f, p, r = token_f1(o["text"], truth[o["id"]]["body"] or "")
                print(f"{name}\t{folder.name}/{o['id']}\tF1 {f:.3f}\tP {p:.3f}\tR {r:.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--worker", choices=EXTRACTORS, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=EXTRACTORS, action="append", help="run just these")
    parser.add_argument("--pages", action="store_true", help="also print F1 per page")
    parser.add_argument("--all-problems", action="store_true", help="list anchors' too")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.datasets)
        return
    names_ = args.only or list(EXTRACTORS)
    runs = run_all(names_, args.datasets)
    rows = [
        score(name, folder.name, load_truth(folder), run["results"][folder.name], run["peak_mib"])
        for folder in args.datasets
        for name, run in runs.items()
    ]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python {platform.python_version()}"
    )
    print_table(rows)
    print_speed(runs)
    print("\nPages without output (not-article counts as empty: F1 0) and failures:")
    print_problems(runs, every_page=args.all_problems)
    if args.pages:
        per_page(runs, args.datasets)


if __name__ == "__main__":
    main()
