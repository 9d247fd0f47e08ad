"""Frozen records passed between the pipeline's stages (leaf module: stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

BlockKind = Literal["p", "h", "li", "quote", "pre", "row"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body, in reading order.

    kind: "p" paragraph, "h" heading (`level` 1-6), "li" list item (`ordered` when in an
    <ol>; consecutive items form one list), "quote" block quote, "pre" preformatted text,
    "row" a row of a data table (`cells`; `header` when its cells are <th>; consecutive rows
    form one table; `text` is the cells joined by " | ").
    """

    kind: BlockKind
    text: str
    level: int = 0
    ordered: bool = False
    cells: tuple[str, ...] = ()
    header: bool = False


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a page says about its article, read from JSON-LD, OpenGraph, <meta> and the page.

    Dates are ISO-8601 strings as the page gave them, normalised to include a time zone when
    the page gave one (see metadata.py); None where unknown. `organisation` is the newsroom or
    agency credited when no person is ("Associated Press"); `authors` are people only.
    `sources` says where each known field came from, as "field:source" with source one of
    "json-ld", "opengraph", "meta", "page" or "url" ("published_at:json-ld").
    """

    title: str | None = None
    byline: str | None = None
    authors: tuple[str, ...] = ()
    description: str | None = None
    published_at: str | None = None
    modified_at: str | None = None
    language: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    image_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    organisation: str | None = None
    sources: tuple[str, ...] = ()
    original_url: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An extracted article: the public result of `newsvault.extract`.

    `dataclasses.asdict(article)` is its JSON form: every field is a str, a tuple of str or
    None. Times are ISO-8601 strings (with the page's offset when it gave one); `text` is the
    body as plain text with paragraphs separated by blank lines; `markdown` keeps headings,
    lists, quotes and tables. `section`, `tags`, `organisation` and `sources` are as in
    Metadata: `sources` holds one "field:source" entry per metadata field that was found.
    The body as sanitised HTML is `render.to_html(blocks)` (article.Extraction.html).
    """

    url: str | None
    canonical_url: str | None
    title: str | None
    byline: str | None
    authors: tuple[str, ...]
    description: str | None
    published_at: str | None
    modified_at: str | None
    language: str | None
    site_name: str | None
    image_url: str | None
    text: str
    markdown: str
    section: str | None = None
    tags: tuple[str, ...] = ()
    organisation: str | None = None
    sources: tuple[str, ...] = ()
    original_url: str | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed or sitemap: an article URL and what the feed says about it.

    `url` is absolute, http(s), canonicalised (tracking parameters and fragment dropped).
    The feed's title, date and authors are kept as evidence beside what the page says.
    """

    url: str
    feed_url: str
    title: str | None = None
    published_at: str | None = None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed or sitemap: its kind, its title, its entries, and child sitemaps.

    kind: "rss", "atom", "sitemap" (a urlset, Google News sitemaps included) or
    "sitemapindex" (whose `sitemaps` list further sitemaps to read).
    """

    url: str
    kind: str
    title: str | None = None
    items: tuple[FeedItem, ...] = ()
    sitemaps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """One fetched HTML page: what the server sent and how we read it.

    `content` is the raw body after transfer decoding (gzip etc.), before charset decoding;
    `html` is that body decoded with `encoding`. `headers` keeps the final response's headers
    with lower-cased names.
    """

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    html: str
    encoding: str
    fetched_at: datetime
    elapsed: float
    redirects: tuple[str, ...] = field(default=())
