"""Benchmark: a 100,000-article archive: size, inserts, `search` latency, `export` and memory."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import html
import itertools
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from launcher import LAUNCHER, BenchError
from sqlalchemy.orm import Session, sessionmaker

from newsvault import archive, db, pipeline
from newsvault.article import EXTRACTOR_VERSION, extract
from newsvault.config import db_url_for
from newsvault.errors import NewsvaultError
from newsvault.records import Article, Page

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "fixtures" / "pages"
DEFAULT_ARTICLES = 100_000
DEFAULT_REVISIONS = 0.1
DEFAULT_SEED = 5
# One transaction per article is what `run` does (pipeline.store); --batch N puts N articles
# in one transaction instead, for when per-article commits make 100,000 too slow.
DEFAULT_BATCH = 1
KIB_PER_MIB = 1024
MS_PER_S = 1000

# --- the text model ------------------------------------------------------------------------
# The fixture pages' English articles (22 pages, ~6,000 words, ~2,000 distinct) are too small
# a corpus for 100,000 articles on their own: an archive of that size holds hundreds of
# thousands of distinct words (names, places, rare words; Heaps' law). So the text is an
# order-1 Markov chain over the fixture tokens (keeps local word order and punctuation real)
# into which, at NOVEL_RATE of the positions, a word from a long Zipf tail is put; half of
# those are the article's own topic words, so rare words cluster in the articles about them
# (burstiness), as names in real news do.
NOVEL_RATE = 0.12
# After a tail word the chain restarts from a random fixture token, so no fixture sentence
# is copied out whole.
TOPIC_SHARE = 0.5
TOPIC_WORDS = 8
# Distinct tail words: with the fixtures' 2,000 this gives ~100,000 distinct words in the
# archive, the order of a year of one language's news.
TAIL_WORDS = 120_000
# Zipf exponent of the tail; ~1 is what word frequencies in news text show (Zipf's law).
ZIPF_S = 1.05
# Tail ranks continue after the fixtures' own vocabulary, so the tail is as rare as it
# would be after that many more common words.
TAIL_RANK_OFFSET = 2_000
_SYLLABLES = (
    "ka ro ven ta mi sor el an del bra cor fin gal hol ist jar kel lum mar nor ost pel "
    "quin ras sel tor ul var wen yor zan bel cas dor est fal gri han il jon kor len mos "
    "nat or par ric sta tiv ur vel wil xen yan zor"
)
SYLLABLES = _SYLLABLES.split()
BODY_WORDS = (300, 1200)
PARAGRAPH_WORDS = (30, 90)
TITLE_WORDS = (6, 13)
DESCRIPTION_WORDS = (15, 30)

# --- the archive's shape -------------------------------------------------------------------
SOURCES = 200
AUTHORS = 3_000
# Outlets publish very unequal amounts: a source's share falls as 1/rank^SOURCE_ZIPF_S.
SOURCE_ZIPF_S = 0.8
# Each outlet's byline names come from its own staff, drawn from the pool.
STAFF = (8, 40)
# 1, 2 or 3 named authors, or none (wire copy credited to an agency).
AUTHOR_COUNTS = ((1, 0.68), (2, 0.18), (3, 0.05), (0, 0.09))
AGENCIES = ("Globalwire", "Associated Wire", "Press Union Agency", "Continental News Service")
SECTIONS = ("World", "Politics", "Business", "Sport", "Science", "Culture", "Opinion", "Local")
# ~5% of the articles are wire copy of a recent article on another host, lightly edited.
COPY_RATE = 0.05
# Copies and revisions are of articles this recent (in articles; a few days of the stream).
RECENT = 2_000
# One article in ten is fetched under its AMP URL, so it has two rows in article_urls.
AMP_RATE = 0.1
# Copies name their original by a cross-site canonical URL half of the time.
CANONICAL_COPY_RATE = 0.5
PERIOD = datetime.timedelta(days=365)
END = datetime.datetime(2025, 11, 24, tzinfo=datetime.UTC)
# The archive fetches a story minutes to two hours after it is published.
FETCH_DELAY_MIN = (5, 120)
_FIRST_NAMES = (
    "Aisha Alex Amara Ana Andrew Anna Ben Carlos Chen Chloe Daniel David Diego Elena Emily "
    "Emma Farah Fatima Felix Grace Hannah Hugo Ibrahim Isabel Jack James Jin Jonas Julia "
    "Kate Kenji Laura Leila Liam Lucas Maria Mark Marta Maya Mei Michael Mohammed Nadia "
    "Noah Nora Olivia Omar Oscar Paul Priya Rachel Rafael Ravi Rosa Ruth Sam Sara Simon "
    "Sofia Tariq Thomas Tom Victor Yusuf Zoe Kwame Ngozi Aiko Sven Ingrid Pablo Lucia"
)
FIRST_NAMES = _FIRST_NAMES.split()
_LAST_NAMES = (
    "Adams Ahmed Alvarez Andersen Baker Banerjee Bauer Becker Bianchi Brown Campbell Chen "
    "Clarke Cohen Costa Cruz Davies Diaz Dubois Edwards Evans Fischer Fernandez Garcia "
    "Gonzalez Gray Green Hall Hansen Harris Hoffmann Hughes Ito Jackson Jensen Johnson Jones "
    "Kaur Khan Kim Kowalski Kumar Lambert Larsen Lee Lewis Lopez Martin Martinez Meyer "
    "Miller Moore Morales Murphy Nakamura Nguyen Novak Okafor Okonkwo Olsen Park Patel "
    "Perez Petrov Popescu Reyes Richter Rossi Russo Santos Schmidt Schneider Silva Singh "
    "Smith Sousa Suzuki Tanaka Taylor Thomas Thompson Torres Walker Wang Watson Weber White "
    "Williams Wilson Wong Wright Yamamoto Young Zhang Ziegler Mensah Haddad Nasser Volkov"
)
LAST_NAMES = _LAST_NAMES.split()
_PLACES = (
    "ashford bayport brookhaven cedarville clearwater eastwick fairview glenrock greenfield "
    "harborview highland kingsbridge lakeside maplewood marlow millbrook newport northgate "
    "oakridge pinecrest redwood riverside rockport seabrook springfield stonebridge "
    "summit westfield willowdale woodbury alder belmont carver dalton easton fulton hamlin "
    "irving jasper kendall lowell monroe norwood orland preston quincy ralston selby tilden"
)
PLACES = _PLACES.split()
_MASTHEADS = (
    "herald times post gazette tribune courier chronicle news daily observer journal "
    "record sentinel dispatch express"
)
MASTHEADS = _MASTHEADS.split()

# --- search --------------------------------------------------------------------------------
# The fixed queries: single words (common and rare), phrases, prefixes, AND/OR/NOT, and the
# filters (--source, --since/--until). The English words are from the fixture texts (so the
# text model uses them: "said" is in most articles, "reservoir" in a few percent);
# "{tail:N}" is the tail word of rank N (seeded, so fixed): rank 100 is in ~1 article in
# 50, rank 100,000 in a handful.
QUERIES: tuple[str, ...] = (
    "said",
    "water",
    "city",
    "government",
    "president",
    "hospital",
    "county",
    "reservoir",
    "{tail:100}",
    "{tail:2000}",
    "{tail:10000}",
    "{tail:50000}",
    "{tail:100000}",
    '"north korean"',
    '"according to"',
    '"last year"',
    '"said in a statement"',
    '"north korean" troops',
    "minist*",
    "secur*",
    "price*",
    "{tailprefix:500}*",
    "water AND city",
    "troops AND russia",
    "flood OR drought",
    "water OR reservoir OR drought",
    "council NOT water",
    "union AND (security OR health)",
    "{tail:100} AND {tail:300}",
    "{tail:5000} OR {tail:6000}",
)
# Queries run again with a filter, as analysts narrow a search: by source and by a month.
FILTERED = ("said", "water", '"according to"', "{tail:2000}")
# The month filtered on starts this far into the year: inside a snapshot of the first half.
MONTH_AT = 0.3
# The query timed once through the command line, start-up included.
CLI_QUERY = '"north korean" troops'
SEARCH_LIMIT = 20
WARMUP_ROUNDS = 1
SEARCH_ROUNDS = 5

# --- targets (issue 5) ---------------------------------------------------------------------
TARGET_MEDIAN_MS = 50.0
TARGET_P95_MS = 200.0
# "Flat" export memory: the largest archive's peak within this much of the smallest's.
FLAT_TOLERANCE = 0.10
# The archives `export` is measured on, as fractions of --articles (10k, 50k, 100k).
EXPORT_SIZES = (0.1, 0.5, 1.0)

# Runs a command for run_child (as in fetch_speed.py). A child's ru_maxrss counts the memory
# it had before exec, that is its parent's: forked from this process (which holds the text
# model) the figure would be this process's. So the command is forked from a bare `python
# -I -S` (~8 MiB, below any Python child's own peak; Linux) that times it and writes "wall
# cpu maxrss_kib" to argv[1]. ru_maxrss is in KiB on Linux (bytes on macOS).
# --- text ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """An English fixture page: its text (for the model) and its HTML around the body."""

    name: str
    text: str
    head: str
    tail: str


def english_fixtures() -> list[Fixture]:
    """The English article pages among the fixtures, each split around its body."""
    found: list[Fixture] = []
    for path in sorted(PAGES.glob("*.html")):
        raw = path.read_bytes()
        try:
            article = extract(raw, url="https://fixture.example/")
        except NewsvaultError:
            continue
        if (article.language or "").split("-")[0] != "en":
            continue
        page = raw.decode("utf-8", errors="replace")
        around = body_span(page, article.text)
        if around is not None:
            found.append(Fixture(path.name, article.text, *around))
    if not found:
        raise BenchError("no English fixture page could be split around its body")
    return found


def body_span(page: str, text: str) -> tuple[str, str] | None:
    """The page's HTML before its first body paragraph and after its last, or None."""
    paragraphs = [p for p in text.split("\n\n") if len(p) > 40]
    if len(paragraphs) < 2:
        return None
    first, last = paragraphs[0][:30], paragraphs[-1][-30:]
    start, end = _find(page, first), _find(page, last, from_end=True)
    if start < 0 or end < 0 or end <= start:
        return None
    opening = page.rfind("<p", 0, start)
    closing = page.find("</p>", end)
    if opening < 0 or closing < 0:
        return None
    return page[:opening], page[closing + len("</p>") :]


def _find(page: str, needle: str, *, from_end: bool = False) -> int:
    """Where `needle` occurs in the page, as text or HTML-escaped; the end index if from_end."""
    for form in (needle, html.escape(needle, quote=False)):
        at = page.rfind(form) if from_end else page.find(form)
        if at >= 0:
            return at + len(form) if from_end else at
    return -1


@dataclass
class TextModel:
    """Order-1 Markov chain over fixture tokens with a Zipf tail of rarer words."""

    successors: dict[str, list[str]]
    tokens: list[str]
    starts: list[str]
    tail: list[str]
    tail_weights: list[float]
    fixture_words: int

    def tail_word(self, rank: int) -> str:
        return self.tail[rank - 1]


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))


def build_model(fixtures: Sequence[Fixture], seed: int) -> TextModel:
    """The chain from the fixtures' texts, and TAIL_WORDS seeded pseudo-words beyond them."""
    tokens = [token for f in fixtures for token in f.text.split()]
    successors: dict[str, list[str]] = {}
    for here, after in itertools.pairwise(tokens):
        successors.setdefault(here, []).append(after)
    starts = [after for here, after in itertools.pairwise(tokens) if here[-1] in ".?!"]
    known = {word.lower().strip(".,;:!?\"'()") for word in tokens}
    rng = random.Random(f"tail-{seed}")
    tail: list[str] = []
    seen = set(known)
    while len(tail) < TAIL_WORDS:
        word = pseudo_word(rng)
        if word not in seen:
            seen.add(word)
            tail.append(word)
    weights = [1 / (rank + TAIL_RANK_OFFSET) ** ZIPF_S for rank in range(1, TAIL_WORDS + 1)]
    cumulative = list(_accumulate(weights))
    return TextModel(successors, tokens, starts, tail, cumulative, len(known))


def _accumulate(values: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


class Writer:
    """Seeded text: titles, descriptions and paragraphs about a set of topic words."""

    def __init__(self, model: TextModel, rng: random.Random) -> None:
        self.model = model
        self.rng = rng

    def tail_words(self, count: int) -> list[str]:
        return self.rng.choices(self.model.tail, cum_weights=self.model.tail_weights, k=count)

    def words(self, count: int, topic: Sequence[str]) -> list[str]:
        """`count` tokens: the chain, with tail words (topic or fresh) at NOVEL_RATE."""
        model, rng = self.model, self.rng
        rand, successors, tokens = rng.random, model.successors, model.tokens
        fresh = iter(self.tail_words(int(count * NOVEL_RATE * 2) + 4))
        out: list[str] = []
        token = rng.choice(model.starts)
        for _ in range(count):
            if rand() < NOVEL_RATE:
                word = rng.choice(topic) if rand() < TOPIC_SHARE else next(fresh)
                out.append(word.capitalize() if rand() < 0.5 else word)
                token = tokens[int(rand() * len(tokens))]
                continue
            out.append(token)
            following = successors.get(token)
            token = following[int(rand() * len(following))] if following else rng.choice(tokens)
        return out

    def sentence(self, bounds: tuple[int, int], topic: Sequence[str]) -> str:
        words = self.words(self.rng.randint(*bounds), topic)
        text = " ".join(words).rstrip(".,;:")
        return text[:1].upper() + text[1:]

    def paragraphs(self, total: int, topic: Sequence[str]) -> list[str]:
        """Paragraphs of PARAGRAPH_WORDS words adding up to about `total` words."""
        out: list[str] = []
        left = total
        while left > 0:
            size = min(left, self.rng.randint(*PARAGRAPH_WORDS))
            text = " ".join(self.words(size, topic))
            out.append(
                text[:1].upper() + text[1:].rstrip(",;:") + ("" if text[-1] in ".?!" else ".")
            )
            left -= size
        return out


# --- the archive's shape -------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    """A news site: its host, name, staff and page skeleton."""

    host: str
    name: str
    staff: tuple[str, ...]
    skeleton: Fixture


def author_pool(rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < AUTHORS:
        names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    return sorted(names)


def outlets(rng: random.Random, fixtures: Sequence[Fixture]) -> list[Outlet]:
    authors = author_pool(rng)
    pairs = sorted({(p, m) for p in PLACES for m in MASTHEADS})
    chosen = rng.sample(pairs, SOURCES)
    found: list[Outlet] = []
    for i, (place, masthead) in enumerate(chosen):
        staff = tuple(rng.sample(authors, rng.randint(*STAFF)))
        name = f"The {place.capitalize()} {masthead.capitalize()}"
        found.append(Outlet(f"www.{place}{masthead}.com", name, staff, fixtures[i % len(fixtures)]))
    return found


@dataclass
class Story:
    """What one archived article says (kept for recent articles: copies and revisions)."""

    index: int
    outlet: Outlet
    url: str
    canonical_url: str
    title: str
    description: str
    paragraphs: list[str]
    authors: tuple[str, ...]
    organisation: str | None
    section: str
    tags: tuple[str, ...]
    published: datetime.datetime
    topic: tuple[str, ...]
    original_url: str | None = None
    edits: int = field(default=0)


def slug(title: str, index: int) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())[:8]
    return "-".join([*words, str(index)])


def story_url(host: str, when: datetime.datetime, title: str, index: int) -> str:
    return f"https://{host}/{when:%Y/%m/%d}/{slug(title, index)}/"


def byline(authors: Sequence[str]) -> str | None:
    if not authors:
        return None
    if len(authors) == 1:
        return f"By {authors[0]}"
    return f"By {', '.join(authors[:-1])} and {authors[-1]}"


class Stream:
    """The articles in the order the archive sees them: new stories, copies and revisions."""

    def __init__(self, model: TextModel, fixtures: Sequence[Fixture], total: int, seed: int):
        self.rng = random.Random(seed)
        self.writer = Writer(model, self.rng)
        self.outlets = outlets(self.rng, fixtures)
        self.source_weights = list(
            _accumulate([1 / rank**SOURCE_ZIPF_S for rank in range(1, SOURCES + 1)])
        )
        self.total = total
        self.recent: deque[Story] = deque(maxlen=RECENT)

    def when(self, index: int) -> datetime.datetime:
        """Publication times spread evenly over PERIOD, ending at END, with jitter."""
        step = PERIOD / self.total
        return END - PERIOD + step * index + step * self.rng.random()

    def new_story(self, index: int) -> Story:
        rng, writer = self.rng, self.writer
        outlet = rng.choices(self.outlets, cum_weights=self.source_weights)[0]
        topic = tuple(writer.tail_words(TOPIC_WORDS))
        title = writer.sentence(TITLE_WORDS, topic)
        published = self.when(index)
        count = rng.choices([c for c, _ in AUTHOR_COUNTS], [w for _, w in AUTHOR_COUNTS])[0]
        authors = tuple(rng.sample(outlet.staff, count))
        url = story_url(outlet.host, published, title, index)
        return Story(
            index=index,
            outlet=outlet,
            url=url,
            canonical_url=url,
            title=title,
            description=writer.sentence(DESCRIPTION_WORDS, topic) + ".",
            paragraphs=writer.paragraphs(rng.randint(*BODY_WORDS), topic),
            authors=authors,
            organisation=None if authors else rng.choice(AGENCIES),
            section=rng.choice(SECTIONS),
            tags=tuple(rng.sample(topic, rng.randint(0, 4))),
            published=published,
            topic=topic,
        )

    def copy_of(self, original: Story, index: int) -> Story:
        """Wire copy on another host: a dateline, an agency sign-off, one word changed."""
        rng = self.rng
        outlet = rng.choice([o for o in self.outlets if o.host != original.outlet.host])
        agency = original.organisation or rng.choice(AGENCIES)
        paragraphs = list(original.paragraphs)
        dateline = f"{rng.choice(PLACES).upper()} ({agency}) — "
        paragraphs[0] = dateline + paragraphs[0]
        paragraphs.append(f"Reporting by {agency}; editing by the {outlet.name} desk.")
        published = max(original.published, self.when(index))
        url = story_url(outlet.host, published, original.title, index)
        canonical = original.url if rng.random() < CANONICAL_COPY_RATE else url
        return replace(
            original,
            index=index,
            outlet=outlet,
            url=url,
            canonical_url=canonical,
            paragraphs=paragraphs,
            organisation=agency if not original.authors else original.organisation,
            published=published,
            original_url=original.url if canonical != url else None,
            edits=0,
        )

    def revise(self, story: Story) -> Story:
        """The same URL with one paragraph rewritten (and now and then a new title)."""
        rng = self.rng
        paragraphs = list(story.paragraphs)
        at = rng.randrange(len(paragraphs))
        paragraphs[at] = self.writer.paragraphs(len(paragraphs[at].split()), story.topic)[0]
        title = (
            self.writer.sentence(TITLE_WORDS, story.topic) if rng.random() < 0.2 else story.title
        )
        return replace(story, paragraphs=paragraphs, title=title, edits=story.edits + 1)

    def events(self, revisions: float) -> Iterator[tuple[str, Story, datetime.datetime]]:
        """(kind, story, when) in archive order, `total` articles in all; kind is "new",
        "copy" or "revision", `when` the time the stream has reached."""
        rng = self.rng
        for index in range(self.total):
            if self.recent and rng.random() < COPY_RATE:
                story = self.copy_of(rng.choice(self.recent), index)
                kind = "copy"
            else:
                story = self.new_story(index)
                kind = "new"
            self.recent.append(story)
            yield kind, story, story.published
            if len(self.recent) > 1 and rng.random() < revisions:
                slot = rng.randrange(len(self.recent) - 1)
                revised = self.revise(self.recent[slot])
                self.recent[slot] = revised
                yield "revision", revised, story.published


# --- one story as the pipeline would hand it to the archive --------------------------------


def page_html(story: Story) -> str:
    """The story's page: its outlet's fixture skeleton around the story's paragraphs."""
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in story.paragraphs)
    head = story.outlet.skeleton.head
    head = re.sub(
        r"<title>.*?</title>",
        f"<title>{html.escape(story.title)}</title>",
        head,
        count=1,
        flags=re.S,
    )
    return f"{head}<h1>{html.escape(story.title)}</h1>\n{body}{story.outlet.skeleton.tail}"


def to_records(story: Story, kind: str, fetched: datetime.datetime) -> tuple[Page, Article]:
    """The Page and Article that fetching and extracting the story's page would give."""
    text = "\n\n".join(story.paragraphs)
    amp = story.index % round(1 / AMP_RATE) == 0
    asked = story.url + "amp/" if amp else story.url
    markup = page_html(story)
    page = Page(
        url=asked,
        final_url=asked,
        status=200,
        headers={"content-type": "text/html; charset=utf-8", "server": "nginx"},
        content=markup.encode(),
        html=markup,
        encoding="utf-8",
        fetched_at=fetched,
        elapsed=0.2,
    )
    article = Article(
        url=asked,
        canonical_url=story.canonical_url,
        title=story.title,
        byline=byline(story.authors),
        authors=story.authors,
        description=story.description,
        published_at=story.published.isoformat(),
        modified_at=fetched.isoformat() if kind == "revision" else None,
        language="en",
        site_name=story.outlet.name,
        image_url=f"{story.url}lead.jpg",
        text=text,
        markdown=f"# {story.title}\n\n{text}",
        section=story.section,
        tags=story.tags,
        organisation=story.organisation,
        sources=("title:json-ld", "published_at:json-ld", "byline:meta", "image_url:opengraph"),
    )
    return page, article


# --- building the archive ------------------------------------------------------------------


@dataclass
class Build:
    """What building the archive did and how long the inserts took."""

    articles: int = 0
    copies: int = 0
    revisions: int = 0
    insert_s: float = 0.0
    # CPU time of the inserts: on a shared machine, the wall time also counts waiting for a
    # core, so CPU time is the figure that carries over (the inserts use one core).
    insert_cpu_s: float = 0.0
    generate_s: float = 0.0
    snapshots: dict[int, Path] = field(default_factory=dict)


def store_batch(sessions: sessionmaker[Session], items: Sequence[tuple[Page, Article]]) -> None:
    """save_article and its `fetches` row, as pipeline.store does; one transaction for all."""
    if len(items) == 1:
        page, article = items[0]
        pipeline.store(sessions, page.url, page.fetched_at, page.elapsed, page, article)
        return
    with sessions.begin() as session:
        for page, article in items:
            saved = archive.save_article(
                session, page, article, extractor_version=EXTRACTOR_VERSION
            )
            archive.record_fetch(
                session,
                url=page.url,
                started_at=page.fetched_at,
                duration=page.elapsed,
                outcome=saved.outcome,
                status=page.status,
                final_url=page.final_url,
                size=len(page.content),
                article_id=saved.article_id,
            )


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so the file's size is the archive's."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def snapshot(path: Path, target: Path) -> None:
    """A consistent copy of the archive (SQLite's online backup)."""
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    checkpoint(target)


def build_archive(
    path: Path, stream: Stream, args: argparse.Namespace, snapshot_at: set[int]
) -> Build:
    """Insert the stream through save_article, timing the inserts (not the generation).

    At each size in `snapshot_at` a copy of the archive is kept, with its own build record,
    so it can be measured like any archive this script built.
    """
    engine = db.open_archive(db_url_for(str(path)))
    sessions = db.session_factory(engine, write=True)
    build = Build()
    pending: list[tuple[Page, Article]] = []
    clock = time.perf_counter()
    snapshot_s = 0.0
    progress = max(1, stream.total // 20)

    def flush() -> None:
        if not pending:
            return
        start, cpu = time.perf_counter(), time.process_time()
        store_batch(sessions, pending)
        build.insert_s += time.perf_counter() - start
        build.insert_cpu_s += time.process_time() - cpu
        pending.clear()

    for kind, story, when in stream.events(args.revisions):
        fetched = when + datetime.timedelta(minutes=stream.rng.uniform(*FETCH_DELAY_MIN))
        pending.append(to_records(story, kind, fetched))
        build.copies += kind == "copy"
        build.revisions += kind == "revision"
        build.articles += kind != "revision"
        if len(pending) >= args.batch:
            flush()
        if kind != "revision" and build.articles in snapshot_at:
            flush()
            start = time.perf_counter()
            target = snapshot_path(path, build.articles)
            snapshot(path, target)
            build.snapshots[build.articles] = target
            build.generate_s = start - clock - snapshot_s - build.insert_s
            save_build(target, replace(build, snapshots=dict(build.snapshots)), args)
            snapshot_s += time.perf_counter() - start
        if kind != "revision" and build.articles % progress == 0:
            elapsed = time.perf_counter() - clock
            print(
                f"  {build.articles:>7,} articles  {elapsed:7.1f} s  "
                f"(inserts {build.insert_s:6.1f} s, CPU {build.insert_cpu_s:6.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    if pending:
        flush()
    build.generate_s = time.perf_counter() - clock - snapshot_s - build.insert_s
    engine.dispose()
    build.snapshots[build.articles] = path
    return build


# --- search --------------------------------------------------------------------------------


def resolve(query: str, model: TextModel) -> str:
    """Fill the "{tail:N}" and "{tailprefix:N}" slots with the model's words."""

    def word(match: re.Match[str]) -> str:
        found = model.tail_word(int(match.group(2)))
        return found[:4] if match.group(1) == "tailprefix" else found

    return re.sub(r"\{(tail|tailprefix):(\d+)\}", word, query)


@dataclass(frozen=True)
class Latency:
    """Search latencies in ms, per call of the query set."""

    by_call: dict[str, list[float]]

    @property
    def samples(self) -> list[float]:
        return [ms for samples in self.by_call.values() for ms in samples]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile by the nearest-rank method (what "95th percentile" usually means)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def search_calls(model: TextModel, stream: Stream) -> list[tuple[str, dict[str, Any]]]:
    """The fixed query set, then FILTERED again by the busiest source and by one month."""
    calls: list[tuple[str, dict[str, Any]]] = [(resolve(q, model), {}) for q in QUERIES]
    source = stream.outlets[0].host
    month = END - PERIOD + PERIOD * MONTH_AT
    for q in FILTERED:
        calls.append((resolve(q, model), {"source": source}))
        calls.append(
            (resolve(q, model), {"since": month, "until": month + datetime.timedelta(days=30)})
        )
    return calls


def call_label(text: str, filters: dict[str, Any]) -> str:
    shown = {
        k: v.date().isoformat() if isinstance(v, datetime.datetime) else v
        for k, v in filters.items()
    }
    return " ".join([text, *(f"--{k} {v}" for k, v in shown.items())])


def measure_search(path: Path, calls: Sequence[tuple[str, dict[str, Any]]]) -> Latency:
    """query.search in this process: WARMUP_ROUNDS untimed, then SEARCH_ROUNDS timed."""
    from newsvault import query

    engine = db.open_archive(db_url_for(str(path)))
    sessions = db.session_factory(engine)
    by_call: dict[str, list[float]] = {call_label(t, f): [] for t, f in calls}
    with sessions() as session:
        for round_ in range(WARMUP_ROUNDS + SEARCH_ROUNDS):
            for text, filters in calls:
                start = time.perf_counter()
                query.search(session, text, limit=SEARCH_LIMIT, **filters)
                elapsed = (time.perf_counter() - start) * MS_PER_S
                if round_ >= WARMUP_ROUNDS:
                    by_call[call_label(text, filters)].append(elapsed)
    engine.dispose()
    return Latency(by_call)


def matches(path: Path, text: str) -> int:
    """How many articles match an FTS5 query (all of them, not only the page of results)."""
    with sqlite3.connect(path) as con:
        found = con.execute("select count(*) from articles_fts where articles_fts match ?", [text])
        return int(found.fetchone()[0])


def print_latencies(
    path: Path, latency: Latency, calls: Sequence[tuple[str, dict[str, Any]]]
) -> None:
    """Each call's median, slowest first, with how many articles its words match."""
    print("\nsearch calls, slowest first: median ms, articles matching (unfiltered)")
    texts = {call_label(t, f): t for t, f in calls}
    for label, samples in sorted(latency.by_call.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {statistics.median(samples):8.1f} ms  {matches(path, texts[label]):>7,}  {label}")


def search_available() -> bool:
    try:
        from newsvault import query
    except ImportError:
        return False
    return cli_has("search") and hasattr(query, "search")


def cli_has(command: str) -> bool:
    result = subprocess.run([script("newsvault"), command, "--help"], capture_output=True)
    return result.returncode == 0


# --- commands through the fork helper ------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall and CPU seconds, and the child's peak RSS."""

    wall_s: float
    cpu_s: float
    rss_kib: int

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / KIB_PER_MIB


def script(name: str) -> str:
    """The console script installed beside this interpreter (not a pyenv shim or another env)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise BenchError(f"{name} not found: pip install -e .")
    return found


def run_child(argv: Sequence[str], work: Path) -> Sample:
    """Run `argv` in `work` through LAUNCHER; it reports wall, CPU and peak RSS."""
    report = work / "rusage"
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *argv]
    with (work / "stdout").open("wb") as out, (work / "stderr").open("wb") as err:
        code = subprocess.run(launcher, cwd=work, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    if code.returncode != 0:
        tail = (work / "stderr").read_text(errors="replace")[-2000:]
        raise BenchError(f"{shlex.join(argv)} exited {code.returncode}:\n{tail}")
    wall, cpu, rss = report.read_text().split()
    return Sample(float(wall), float(cpu), int(rss))


def export_rows(path: Path, fmt: str) -> int:
    """How many articles an export file holds."""
    if fmt == "jsonl":
        with path.open("rb") as lines:
            return sum(1 for line in lines if line.strip())
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as rows:
            return sum(1 for _ in csv.reader(rows)) - 1
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    return int(pq.ParquetFile(path).metadata.num_rows)


def measure_export(archive_path: Path, fmt: str, expected: int) -> Sample:
    """`newsvault export` of the whole archive to a temp file, checked for its row count."""
    with tempfile.TemporaryDirectory(prefix="nv-export-", dir=archive_path.parent) as tmp:
        work = Path(tmp)
        out = work / f"export.{fmt}"
        argv = [script("newsvault"), "--db", str(archive_path), "export", "--format", fmt]
        sample = run_child([*argv, "-o", str(out)], work)
        rows = export_rows(out, fmt)
        if rows != expected:
            raise BenchError(f"export --format {fmt} wrote {rows} rows, expected {expected}")
        return sample


def measure_search_cli(archive_path: Path, text: str) -> Sample:
    with tempfile.TemporaryDirectory(prefix="nv-search-") as tmp:
        argv = [script("newsvault"), "--db", str(archive_path), "search", text]
        return run_child(argv, Path(tmp))


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


# --- reporting -----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: what, the figure, its unit, and the target if there is one."""

    what: str
    value: str
    target: str = ""


#: Words of generated text whose rank-frequency curve is printed (a check on the model): a
#: million words of news have 30,000-40,000 distinct ones, and a slope near -1 up to rank
#: ~1,000 that steepens beyond (Zipf's law has two regimes; Ferrer i Cancho & Sole 2001).
ZIPF_SAMPLE_WORDS = 1_000_000
ZIPF_RANGES = ((10, 1_000), (1_000, 10_000))


def word_counts(model: TextModel, seed: int) -> Counter[str]:
    """How often each word occurs in ZIPF_SAMPLE_WORDS of generated articles."""
    writer = Writer(model, random.Random(f"zipf-{seed}"))
    counts: Counter[str] = Counter()
    total = 0
    while total < ZIPF_SAMPLE_WORDS:
        words = writer.words(sum(BODY_WORDS) // 2, writer.tail_words(TOPIC_WORDS))
        counts.update(w.lower().strip(".,;:!?\"'()“”‘’") for w in words)
        total += len(words)
    return counts


def zipf_slope(counts: Counter[str], ranks: tuple[int, int]) -> float:
    """The least-squares slope of log frequency against log rank, over `ranks`."""
    freqs = [c for _, c in counts.most_common()]
    span = range(ranks[0], min(ranks[1], len(freqs)))
    xs = [math.log(r) for r in span]
    ys = [math.log(freqs[r - 1]) for r in span]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    covariance = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mx) ** 2 for x in xs)


def describe_text(fixtures: Sequence[Fixture], model: TextModel, seed: int) -> str:
    counts = word_counts(model, seed)
    slopes = ", ".join(
        f"{zipf_slope(counts, r):.2f} over ranks {r[0]:,}-{r[1]:,}" for r in ZIPF_RANGES
    )
    return (
        f"text: {len(fixtures)} English fixture pages, {len(model.tokens):,} tokens; "
        f"{sum(counts.values()):,} generated words: {len(counts):,} distinct, "
        f"rank-frequency slope {slopes}"
    )


def table_counts(path: Path) -> dict[str, int]:
    names = ("articles", "article_versions", "near_duplicates", "authors", "sources")
    with sqlite3.connect(path) as con:
        return {n: con.execute(f"select count(*) from {n}").fetchone()[0] for n in names}


def raw_bytes(path: Path) -> tuple[float, float]:
    """Mean raw page size and mean stored (compressed) size, in bytes."""
    with sqlite3.connect(path) as con:
        size, stored = con.execute(
            "select avg(body_size), avg(length(body)) from raw_pages"
        ).fetchone()
        return float(size), float(stored)


def git_state() -> str:
    def git(*argv: str) -> str:
        found = subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True)
        return found.stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return git("rev-parse", "--short", "HEAD") + (
        f" + {len(changed)} changed files" if changed else ""
    )


def print_header() -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"date: {now}")
    print(
        f"python: {platform.python_version()} ({sys.executable}); SQLite {sqlite3.sqlite_version}"
    )
    print(f"CPUs: {os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {platform.machine()}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; git: {git_state()}")
    print(f"command: {shlex.join(['python', *sys.argv])}")


def print_table(rows: Sequence[Row]) -> None:
    width = max(len(r.what) for r in rows)
    value_width = max(len(r.value) for r in rows)
    print(f"\n{'measure':<{width}}  {'figure':>{value_width}}  target")
    for r in rows:
        print(f"{r.what:<{width}}  {r.value:>{value_width}}  {r.target}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument(
        "--revisions",
        type=float,
        default=DEFAULT_REVISIONS,
        help="revisions per article (re-saves with an edited paragraph)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="archive to build (default: a temp file); one this script built and kept "
        "(--keep) is measured again without rebuilding",
    )
    parser.add_argument("--keep", action="store_true", help="keep the archive afterwards")
    parser.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, help="articles per transaction (1: as `run`)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    print_header()
    work = Path(tempfile.mkdtemp(prefix="nv-scale-"))
    path = (args.db or work / "archive.db").absolute()
    if path.exists() and not build_record(path).exists():
        raise SystemExit(f"{path} exists and was not built by this script; give a new --db")
    try:
        run(args, path)
    finally:
        if not args.keep:
            remove_archive(path, args.articles)
        shutil.rmtree(work, ignore_errors=True)


def snapshot_path(path: Path, articles: int) -> Path:
    return path.with_name(f"{path.stem}-{articles}{path.suffix}")


def export_sizes(articles: int) -> list[int]:
    return sorted({max(1, round(articles * f)) for f in EXPORT_SIZES})


def remove_archive(path: Path, articles: int) -> None:
    """The archive, its snapshots and build record, and SQLite's -wal and -shm files."""
    files = [path, build_record(path), *(snapshot_path(path, n) for n in export_sizes(articles))]
    for file in files:
        for suffix in ("", "-wal", "-shm"):
            file.with_name(file.name + suffix).unlink(missing_ok=True)


def build_record(path: Path) -> Path:
    """Where the build's figures are kept beside a kept archive, to measure it again later."""
    return path.with_name(path.name + ".build.json")


def save_build(path: Path, build: Build, args: argparse.Namespace) -> None:
    record = dataclasses.asdict(build)
    record["snapshots"] = {str(k): str(v) for k, v in build.snapshots.items()}
    record["args"] = {k: str(v) for k, v in vars(args).items()}
    build_record(path).write_text(json.dumps(record, indent=1))


def load_build(path: Path) -> Build:
    record = json.loads(build_record(path).read_text())
    print(f"archive: {path}, built earlier by: {record.pop('args')}")
    snapshots = {int(k): Path(v) for k, v in record.pop("snapshots").items()}
    return Build(**record, snapshots=snapshots)


def run(args: argparse.Namespace, path: Path) -> None:
    fixtures = english_fixtures()
    model = build_model(fixtures, args.seed)
    print(describe_text(fixtures, model, args.seed))
    stream = Stream(model, fixtures, args.articles, args.seed)
    if build_record(path).exists():
        build = load_build(path)
    else:
        sizes = set(export_sizes(args.articles)) - {args.articles}
        build = build_archive(path, stream, args, sizes)
        save_build(path, build, args)
    checkpoint(path)
    rows = report_build(path, build, args)
    if search_available():
        rows += report_search(path, model, stream)
    else:
        rows.append(Row("search", "pending: newsvault.query / `newsvault search` not there yet"))
    if cli_has("export"):
        rows += report_export(build, path)
    else:
        rows.append(Row("export", "pending: `newsvault export` not there yet"))
    print_table(rows)


def report_build(path: Path, build: Build, args: argparse.Namespace) -> list[Row]:
    counts = table_counts(path)
    size = path.stat().st_size
    page, stored = raw_bytes(path)
    saves = build.articles + build.revisions
    mode = "1 per transaction" if args.batch == 1 else f"{args.batch} per transaction"
    return [
        Row("articles (of which wire copies)", f"{build.articles:,} ({build.copies:,})"),
        Row(
            "revisions saved / versions stored",
            f"{build.revisions:,} / {counts['article_versions']:,}",
        ),
        Row("near-duplicate pairs linked", f"{counts['near_duplicates']:,}"),
        Row("sources / authors", f"{counts['sources']:,} / {counts['authors']:,}"),
        Row("raw page, mean (stored, zlib)", f"{page / 1024:.1f} KiB ({stored / 1024:.1f} KiB)"),
        Row("file size", f"{size / 1024**3:.2f} GiB"),
        Row("file size per article", f"{size / build.articles / 1024:.1f} KiB"),
        Row(f"insert throughput ({mode})", f"{saves / build.insert_s:,.0f} saves/s"),
        Row("insert CPU time per save", f"{build.insert_cpu_s / saves * MS_PER_S:.1f} ms"),
        Row("insert time (generation excluded)", f"{build.insert_s / 60:.1f} min"),
        Row("insert CPU time (one core)", f"{build.insert_cpu_s / 60:.1f} min"),
        Row("text generation time", f"{build.generate_s / 60:.1f} min"),
    ]


def report_search(path: Path, model: TextModel, stream: Stream) -> list[Row]:
    calls = search_calls(model, stream)
    latency = measure_search(path, calls)
    cli = measure_search_cli(path, CLI_QUERY)
    print_latencies(path, latency, calls)
    return [
        Row(
            f"search median ({len(calls)} queries x {SEARCH_ROUNDS})",
            f"{latency.median:.1f} ms",
            f"< {TARGET_MEDIAN_MS:.0f} ms",
        ),
        Row("search p95", f"{latency.p95:.1f} ms", f"< {TARGET_P95_MS:.0f} ms"),
        Row("search max", f"{max(latency.samples):.1f} ms"),
        Row("`newsvault search` CLI, one call", f"{cli.wall_s:.2f} s, {cli.rss_mib:.0f} MiB"),
    ]


def report_export(build: Build, path: Path) -> list[Row]:
    rows: list[Row] = []
    formats = ["jsonl", "csv", *(["parquet"] if parquet_available() else [])]
    for fmt in formats:
        sample = measure_export(path, fmt, build.articles)
        rows.append(
            Row(
                f"export {fmt}, {build.articles:,} rows",
                f"{build.articles / sample.wall_s:,.0f} rows/s, {sample.rss_mib:.0f} MiB",
            )
        )
    if "parquet" not in formats:
        rows.append(Row("export parquet", "skipped: pyarrow does not import here"))
    peaks: dict[int, float] = {}
    for size, archive_path in sorted(build.snapshots.items()):
        peaks[size] = measure_export(archive_path, "jsonl", size).rss_mib
    smallest, largest = peaks[min(peaks)], peaks[max(peaks)]
    flat = largest <= smallest * (1 + FLAT_TOLERANCE)
    listed = " / ".join(f"{p:.0f}" for p in peaks.values())
    sizes = " / ".join(f"{s:,}" for s in peaks)
    rows.append(
        Row(
            f"export jsonl peak RSS at {sizes} rows",
            f"{listed} MiB",
            "flat" + (" (met)" if flat else " (NOT met)"),
        )
    )
    return rows


if __name__ == "__main__":
    main()
