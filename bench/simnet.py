"""A simulated news network on loopback: N sites on 127.0.0.x, each with an RSS feed of pages."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import html
import ipaddress
import json
import os
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "fixtures" / "pages"
# Article fixtures used as site templates: UTF-8, a real article of 7+ paragraphs, and a
# language that separates words by spaces (the text is varied word by word). Left out: the
# homepage (not an article), the live blog and the paywall teaser (not a plain article), the
# legacy-charset pages and the Japanese one.
TEMPLATES = (
    "seed-wordpress-euronews-copy",
    "bigcms-data-component-two-authors",
    "drupal-regional-comments",
    "wordpress-newspack-nonprofit",
    "wire-ap-on-local-paper",
    "tabloid-related-articles-inline",
    "explainer-lists-blockquote",
    "de-regionalzeitung-anzeige",
    "fr-quotidien-lire-aussi",
    "es-diario-jsonld-articlebody",
    "medium-publication-post",
    "substack-newsletter-post",
    "wire-agency-original-signoff",
    "amp-tech-article",
    "joomla-no-byline-no-date",
)
# The first site is 127.0.0.2: 127.0.0.1 is left to whatever else runs on the machine.
FIRST_HOST = int(ipaddress.ip_address("127.0.0.2"))
# Port 80, because trafilatura's URL filter (courlan) drops every URL of the form IP:port:
# with any other port its feed mode finds no links at all. Binding it needs root (or
# CAP_NET_BIND_SERVICE).
DEFAULT_PORT = 80
# "~100 KB realistic article pages": the fixtures are 13-44 KB, and the rest is added the way
# news pages get heavy, in <head>: inline theme CSS, then a JSON app-state blob.
PAGE_BYTES = 100_000
STYLE_BYTES = 20_000
# Share of the words of each paragraph and title replaced per article, from the site's own
# vocabulary: every page differs from its siblings (text, hash) yet reads like its template.
SWAP_SHARE = 0.3
DEFAULT_LATENCY_S = 0.05
# ThreadingHTTPServer's default backlog is 5; a client opening a burst of connections to one
# site would then see refusals that measure the simulator, not the client.
BACKLOG = 128
# The simulator exits by itself after this long even if its parent never closes its stdin.
DEFAULT_LIFETIME_S = 3 * 3600
# Publication times in the feed: one article every ten minutes, newest first.
FEED_SPACING = datetime.timedelta(minutes=10)
ROBOTS = b"User-agent: *\nAllow: /\n"
WORD_CHARS = re.compile(r"^[^&<>\"\\]+$")


# --- the pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A fixture page and what is known about it (its expected.json)."""

    slug: str
    page: str
    url: str
    canonical: str
    title: str
    site_name: str
    paragraphs: list[str]

    @property
    def origin(self) -> str:
        """Scheme and host of the template's canonical URL: replaced by the site's own."""
        return self.canonical[: self.canonical.index("/", len("https://"))]

    @property
    def vocabulary(self) -> list[str]:
        words = {w for p in self.paragraphs for w in p.split() if WORD_CHARS.match(w)}
        return sorted(words)


def load_template(slug: str) -> Template:
    expected = json.loads((PAGES / f"{slug}.expected.json").read_text(encoding="utf-8"))
    return Template(
        slug,
        (PAGES / f"{slug}.html").read_text(encoding="utf-8"),
        expected["url"],
        expected["canonical_url"],
        expected["title"],
        expected["site_name"] or slug,
        expected["paragraphs"],
    )


def vary(text: str, rng: random.Random, words: list[str]) -> str:
    """`text` with SWAP_SHARE of its words replaced by words of the site's vocabulary."""
    out = [rng.choice(words) if rng.random() < SWAP_SHARE else w for w in text.split(" ")]
    return " ".join(out)


def replace_text(page: str, old: str, new: str) -> str:
    """Replace `old` by `new` in the page, as plain text and in its HTML-escaped form."""
    page = page.replace(html.escape(old, quote=False), html.escape(new, quote=False))
    return page.replace(old, new) if WORD_CHARS.match(new.replace(" ", "x")) else page


def article_path(template: Template, number: int) -> str:
    """The template's path with "-NNNN" before its extension or trailing slash."""
    path = template.canonical[len(template.origin) :] or "/"
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        return f"{head}-{number:04d}.{ext}"
    return f"{path.rstrip('/')}-{number:04d}" + ("/" if path.endswith("/") else "")


@dataclass(frozen=True)
class Article:
    path: str
    title: str
    summary: str
    page: str


def build_article(template: Template, origin: str, number: int, seed: str) -> Article:
    """Article `number` of a site: the template with its own URL, title and paragraphs."""
    rng = random.Random(f"{seed}/{number}")
    words = template.vocabulary
    path = article_path(template, number)
    page = template.page.replace(template.canonical, origin + path)
    page = page.replace(template.url, origin + path).replace(template.origin, origin)
    title = vary(template.title, rng, words)
    page = replace_text(page, template.title, title)
    paragraphs = [vary(p, rng, words) for p in template.paragraphs]
    for old, new in zip(template.paragraphs, paragraphs, strict=True):
        page = replace_text(page, old, new)
    return Article(path, title, paragraphs[0], page)


def inline_style(seed: str) -> str:
    """Theme CSS, as WordPress inlines it: preset variables, then block rules."""
    rules: list[str] = []
    size, i = 0, 0
    while size < STYLE_BYTES:
        colour = hashlib.sha256(f"{seed}{i}".encode()).hexdigest()[:6]
        rule = (
            f":root{{--wp--preset--color--c{i}:#{colour};}}"
            f".has-c{i}-color{{color:var(--wp--preset--color--c{i}) !important;}}"
            f".wp-block-group.is-layout-{i}>*{{margin-block-start:{i % 7 * 0.25}rem;}}\n"
        )
        rules.append(rule)
        size += len(rule)
        i += 1
    return '<style id="global-styles-inline-css">\n' + "".join(rules) + "</style>\n"


def state_script(origin: str, budget: int) -> str:
    """A hydration blob of about `budget` bytes: the site's "trending" rail, as app state."""
    trending: list[dict[str, object]] = []
    size, i = 0, 0
    while size < budget - 100:
        slug = f"story-{i:04d}-" + hashlib.sha256(f"{origin}{i}".encode()).hexdigest()[:24]
        item = {
            "id": 48_000 + i,
            "link": f"{origin}/2024/10/{1 + i % 25:02d}/{slug}/",
            "title": {"rendered": f"Headline {i} for the trending rail"},
            "featured_media": {"src": f"/wp-content/uploads/{slug}.jpg", "w": 640, "h": 360},
            "ad_slot": f"div-gpt-ad-{1_700_000_000 + i}-0",
        }
        trending.append(item)
        size += len(json.dumps(item, separators=(",", ":"))) + 1
        i += 1
    blob = json.dumps({"trending": trending}, separators=(",", ":"))
    return f'<script id="app-state">window.__APP_STATE__={blob};</script>\n'


def site_head(origin: str, template: Template) -> str:
    """What the site adds to every page's <head>, so that its pages are about PAGE_BYTES."""
    style = inline_style(origin)
    budget = PAGE_BYTES - len(template.page.encode()) - len(style.encode())
    return style + state_script(origin, budget)


# --- a site -----------------------------------------------------------------------------


@dataclass
class Counters:
    """What a site saw: requests by kind, and the most requests/connections at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0
    connections: int = 0
    max_connections: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    # Over the simulator's whole life, never reset: for its last words.
    life_max_in_flight: int = 0
    life_requests: int = 0

    def enter(self, kind: str) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.life_max_in_flight = max(self.life_max_in_flight, self.in_flight)
            self.requests[kind] = self.requests.get(kind, 0) + 1
            self.life_requests += 1

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def connect(self, delta: int) -> None:
        with self.lock:
            self.connections += delta
            self.max_connections = max(self.max_connections, self.connections)

    def take(self) -> dict[str, object]:
        """The figures since the last take; maxima restart from what is open now."""
        with self.lock:
            figures: dict[str, object] = {
                "max_in_flight": self.max_in_flight,
                "max_connections": self.max_connections,
                "requests": dict(self.requests),
            }
            self.max_in_flight, self.max_connections = self.in_flight, self.connections
            self.requests = {}
        return figures


@dataclass
class Site:
    """One news site: its address, its feed, its pages and its counters."""

    address: str
    name: str
    head: bytes
    pages: dict[str, tuple[bytes, bytes]]
    feed: bytes = b""
    counters: Counters = field(default_factory=Counters)

    def origin(self, port: int) -> str:
        return f"http://{self.address}" + ("" if port == 80 else f":{port}")

    def body(self, path: str) -> tuple[str, bytes, bytes] | None:
        """(kind, content type, body) for a path, or None for a 404."""
        if path == "/robots.txt":
            return "robots", b"text/plain", ROBOTS
        if path == "/rss.xml":
            return "feed", b"application/rss+xml; charset=utf-8", self.feed
        parts = self.pages.get(path)
        if parts is None:
            return None
        return "article", b"text/html; charset=utf-8", parts[0] + self.head + parts[1]


def rss(site: Site, origin: str, articles: list[Article]) -> bytes:
    """An RSS 2.0 feed listing every article of the site, newest first."""
    now = datetime.datetime.now(datetime.UTC)
    items = []
    for i, article in enumerate(reversed(articles)):
        date = format_datetime(now - FEED_SPACING * i)
        link = html.escape(origin + article.path)
        items.append(
            f"<item><title>{html.escape(article.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{date}</pubDate>'
            f"<description>{html.escape(article.summary)}</description></item>\n"
        )
    channel = (
        f"<title>{html.escape(site.name)}</title><link>{origin}/</link>"
        f"<description>Latest news from {html.escape(site.name)}</description>"
        "<language>en</language>\n"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        + channel
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


def build_site(index: int, articles: int, port: int) -> Site:
    """Site `index`: on 127.0.0.(2 + index), built from template index % len(TEMPLATES)."""
    template = load_template(TEMPLATES[index % len(TEMPLATES)])
    address = str(ipaddress.ip_address(FIRST_HOST + index))
    site = Site(address, f"{template.site_name} {index + 2}", b"", {})
    origin = site.origin(port)
    site.head = site_head(origin, template).encode()
    built = [build_article(template, origin, n, address) for n in range(1, articles + 1)]
    for article in built:
        before, marker, after = article.page.partition("</head>")
        site.pages[article.path] = (before.encode(), (marker + after).encode())
    site.feed = rss(site, origin, built)
    return site


# --- serving ----------------------------------------------------------------------------


def handler_for(site: Site, latency: float) -> type[BaseHTTPRequestHandler]:
    """A quiet keep-alive handler that waits `latency` seconds before each response."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            site.counters.connect(+1)

        def finish(self) -> None:
            site.counters.connect(-1)
            super().finish()

        def do_GET(self) -> None:
            found = site.body(self.path.split("?")[0])
            site.counters.enter(found[0] if found else "missing")
            try:
                time.sleep(latency)
                if found is None:
                    self.send_error(404)
                    return
                _, content_type, body = found
                self.send_response(200)
                self.send_header("Content-Type", content_type.decode())
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                site.counters.leave()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG


@dataclass
class Network:
    """The running sites, each served by its own server thread."""

    sites: list[Site]
    port: int
    servers: list[Server] = field(default_factory=list)

    def start(self, latency: float) -> None:
        for site in self.sites:
            server = Server((site.address, self.port), handler_for(site, latency))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def summary(self) -> str:
        """One line over the whole life: requests, and the most in flight at any one site."""
        requests = sum(s.counters.life_requests for s in self.sites)
        most = max(s.counters.life_max_in_flight for s in self.sites)
        return (
            f"simnet: {requests} requests to {len(self.sites)} sites; max in flight per host {most}"
        )

    def feeds(self) -> list[dict[str, object]]:
        return [
            {"url": f"{s.origin(self.port)}/rss.xml", "name": s.name, "articles": len(s.pages)}
            for s in self.sites
        ]

    def take(self) -> dict[str, object]:
        """Per-site counters since the last take, and this process's CPU seconds so far."""
        times = os.times()
        return {
            "sites": {s.address: s.counters.take() for s in self.sites},
            "cpu_s": times.user + times.system,
        }


def page_sizes(sites: list[Site]) -> dict[str, int]:
    sizes = [len(a) + len(s.head) + len(b) for s in sites for a, b in s.pages.values()]
    return {"min": min(sizes), "mean": sum(sizes) // len(sizes), "max": max(sizes)}


def commands(lifetime: float) -> Iterator[str]:
    """Lines from stdin until EOF or "quit"; a timer ends the process after `lifetime`."""
    timer = threading.Timer(lifetime, os._exit, args=(3,))
    timer.daemon = True
    timer.start()
    for line in sys.stdin:
        if line.strip() == "quit":
            return
        yield line.strip()


def reply(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=50, help="articles per site")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY_S, help="seconds")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--lifetime", type=float, default=DEFAULT_LIFETIME_S, help="seconds")
    args = parser.parse_args()
    started = time.perf_counter()
    sites = [build_site(i, args.articles, args.port) for i in range(args.sites)]
    network = Network(sites, args.port)
    network.start(args.latency)
    build_s = round(time.perf_counter() - started, 2)
    reply({"feeds": network.feeds(), "page_bytes": page_sizes(sites), "build_s": build_s})
    try:
        for command in commands(args.lifetime):
            if command == "take":
                reply(network.take())
    finally:
        network.stop()
        print(network.summary(), file=sys.stderr)


if __name__ == "__main__":
    main()
