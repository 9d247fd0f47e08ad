"""Feed stage: RSS/Atom/sitemap/OPML bytes to records, and feed discovery in HTML (pure)."""

from __future__ import annotations

import codecs
import email.utils
import html as htmllib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser  # type: ignore[import-untyped]
import lxml.html
from lxml import etree

from newsvault.errors import FeedError, InvalidURL
from newsvault.records import Feed, FeedItem
from newsvault.urls import canonicalize

#: Items kept per feed or sitemap: a run archives at most this many new articles per feed, so
#: a 100,000-item feed costs what a 500-item one does (issue 4: "default 500").
MAX_ITEMS = 500

#: Raw entries read per kept item: entries with bad links or duplicates are dropped after
#: reading, so we read a little more than the cap, but never the whole of a huge feed.
RAW_ENTRIES_PER_ITEM = 2

#: Work feedparser may be handed at most. It spends ~15 us of Python per element and ~3 us
#: per line of text (measured on 100,000 of each), so a hostile feed costs at most ~2 s;
#: a 1,000-entry full-text feed (~30 elements and ~50 lines an entry) fits whole. Past the
#: budget, fewer entries are kept; if not even the first one fits, the feed is refused.
MAX_FEED_ELEMENTS = 100_000
MAX_FEED_LINES = 500_000

#: Bytes searched for the root element: enough for a long XML prolog (comments, a stylesheet
#: instruction, a DOCTYPE), small enough that sniffing a 30 MB body costs nothing.
SNIFF_BYTES = 64 * 1024

#: Root elements (local names, lower case) that feedparser reads: RSS 0.9x/2.0, RSS 1.0, Atom.
FEED_ROOTS = frozenset({"rss", "rdf", "feed"})

#: Root elements of XML sitemaps (Google News sitemaps are urlsets too).
SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})

#: Roots that mean an HTML page (a tag soup page may start at <head> or <body>).
HTML_ROOTS = frozenset({"html", "head", "body"})

#: Content types of web pages: a body labelled so that is no feed or sitemap is a page.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: The only link schemes kept; javascript:, mailto:, file:, data:, ftp: entries are dropped.
LINK_SCHEMES = frozenset({"http", "https"})

#: <link rel="alternate"> types that announce a feed (RSS 1.0 pages sometimes use rdf+xml).
#: application/feed+json (JSON Feed) is left out: feedparser 6.0 cannot read it, so adding
#: one would only record failures; the page's RSS or Atom twin is found instead.
FEED_LINK_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})

#: Comment feeds (WordPress "Comments Feed", ".../comments/feed/") list comments, not articles.
_COMMENT_FEED = re.compile(r"/comments/feed/?$|\bcomments? feed\b", re.IGNORECASE)

#: <a href> paths that are feeds by convention, used when a page has no <link rel=alternate>.
_FEED_PATH = re.compile(
    r"(/(feed|rss|atom)/?$|\.(rss|atom)$|(rss|atom|feed)[^/]*\.xml$|/(rss|atom|feed)/.*\.xml$)",
    re.IGNORECASE,
)

#: The closing tag of an RSS item or Atom entry, with an optional namespace prefix.
_ENTRY_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)\s*>")

#: A CDATA section: its markup is text to feedparser, not elements.
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)

#: The encoding declaration in an XML declaration, dropped after transcoding to UTF-8.
_XML_ENCODING = re.compile(rb"""\A(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")

#: Declarations scanned for by the entity screen (any case: the lenient parser is lenient).
_DOCTYPE = re.compile(rb"<!doctype", re.IGNORECASE)
_ENTITY = re.compile(rb"<!entity", re.IGNORECASE)

#: Name of an element (optionally prefixed), right after "<".
_NAME = re.compile(rb"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?")

_GOOGLE_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"

#: lxml settings for untrusted XML: no entity expansion, no DTD or network access, default
#: limits on depth and text size (huge_tree=False).
_SAFE_XML: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}

_ENTITIES_REFUSED = "the feed declares XML entities, which newsvault does not expand"


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed of an OPML subscription list: its URL, its name and its categories."""

    url: str
    name: str | None = None
    tags: tuple[str, ...] = ()


# -- parse -----------------------------------------------------------------------------------


def parse(
    content: bytes, url: str, content_type: str | None = None, *, max_items: int = MAX_ITEMS
) -> Feed:
    """Read an RSS, Atom or sitemap document fetched from `url`; raise FeedError if we cannot.

    At most `max_items` items are kept (and not many more are read), links are absolute,
    http(s) and canonical, each URL once (the first entry wins).
    """
    data, transcoded = _utf8(content)
    if not data.strip():
        raise FeedError(url, "the feed is empty: the server sent no content")
    if _declares_entities(data):
        raise FeedError(url, _ENTITIES_REFUSED)
    root = _root_name(data)
    local = root.rpartition(":")[2].lower() if root else ""
    if local in SITEMAP_ROOTS:
        return _parse_sitemap(data, url, local, max_items)
    if local in FEED_ROOTS:
        header = None if transcoded else content_type
        return _parse_feed(data, url, header, max_items)
    if local in HTML_ROOTS or _mime(content_type) in HTML_TYPES:
        raise FeedError(url, _html_message(data, url))
    if root:
        message = f"the document is XML with a <{root}> root, which is neither a feed nor a sitemap"
        raise FeedError(url, message)
    if data.lstrip()[:1] in (b"{", b"["):
        message = "the document is JSON (a JSON Feed?); newsvault reads RSS, Atom and sitemaps"
        raise FeedError(url, message)
    raise FeedError(url, "the document is not XML, so it is neither a feed nor a sitemap")


def _utf8(content: bytes) -> tuple[bytes, bool]:
    """The document in an ASCII-compatible encoding, and whether it had to be transcoded.

    UTF-16/32 bodies are turned into UTF-8 (declaration adjusted), so every byte-level check
    below (entity screen, root sniffing, truncation) sees the markup.
    """
    codec = _wide_codec(content[:4])
    if codec is None:
        return content, False
    text = content.decode(codec, errors="replace").removeprefix("\ufeff")
    return _XML_ENCODING.sub(rb"\1", text.encode("utf-8"), count=1), True


def _wide_codec(head: bytes) -> str | None:
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
    )
    return next((codec for bom, codec in boms if head.startswith(bom)), None)


def _declares_entities(data: bytes) -> bool:
    """True when a DOCTYPE declares entities: the root of billion-laughs and XXE attacks.

    Scanning the whole body (not just the prolog) means no comment or odd line break can
    hide a declaration; an `<!ENTITY` that only appears in text after a DOCTYPE is refused
    too, a rare false alarm we accept.
    """
    doctype = _DOCTYPE.search(data)
    return doctype is not None and _ENTITY.search(data, doctype.end()) is not None


def _root_name(data: bytes) -> str | None:
    """The root element's qualified name, skipping the XML prolog; None if there is none."""
    head = data[:SNIFF_BYTES].removeprefix(codecs.BOM_UTF8)
    pos = 0
    while pos < len(head):
        if head[pos : pos + 1].isspace():
            pos += 1
        elif head.startswith(b"<?", pos):
            pos = _after(head, b"?>", pos)
        elif head.startswith(b"<!--", pos):
            pos = _after(head, b"-->", pos)
        elif head[pos : pos + 9].upper() == b"<!DOCTYPE":
            pos = _after_doctype(head, pos)
        elif head.startswith(b"<", pos):
            match = _NAME.match(head, pos + 1)
            return match.group().decode("ascii") if match else None
        else:
            return None
    return None


def _after(head: bytes, end: bytes, pos: int) -> int:
    found = head.find(end, pos)
    return len(head) if found < 0 else found + len(end)


def _after_doctype(head: bytes, pos: int) -> int:
    close = head.find(b">", pos)
    bracket = head.find(b"[", pos)
    if bracket >= 0 and (close < 0 or bracket < close):  # an internal subset: [ ... ]>
        return _after(head, b">", _after(head, b"]", bracket))
    return len(head) if close < 0 else close + 1


def _mime(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def _html_message(data: bytes, url: str) -> str:
    message = "the server sent an HTML page, not a feed"
    advertised = discover(data.decode("utf-8", errors="replace"), url)
    if advertised:
        return f"{message}; the page advertises these feeds: {', '.join(advertised)}"
    return message


# -- RSS and Atom through feedparser ---------------------------------------------------------


def _parse_feed(data: bytes, url: str, content_type: str | None, max_items: int) -> Feed:
    headers = {"content-location": url}
    if content_type and "charset" in content_type.lower():
        headers["content-type"] = content_type
    # A BytesIO, never bytes: feedparser treats a bytes/str argument as a file name or URL
    # and would open it.
    try:
        result = feedparser.parse(
            io.BytesIO(_truncate(data, max_items * RAW_ENTRIES_PER_ITEM, url)),
            response_headers=headers,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except (ValueError, LookupError) as exc:
        # feedparser decodes with the declared encoding as given: a hostile declaration
        # (encoding="\x00utf-8") makes the codec lookup itself fail.
        raise FeedError(url, f"the feed could not be decoded ({exc})") from exc
    entries = result.get("entries") or []
    if not entries and _broken(result):
        reason = _bozo_reason(result.get("bozo_exception"))
        raise FeedError(url, f"the feed is not well-formed XML ({reason}) and has no entries")
    version = str(result.get("version") or "")
    kind = "atom" if version.startswith("atom") else "rss"
    items = _items((_entry_item(entry, url, kind == "rss") for entry in entries), max_items)
    title = _feed_title(result.get("feed") or {})
    return Feed(url=url, kind=kind, title=title, items=items)


def _truncate(data: bytes, entries: int, url: str) -> bytes:
    """Keep the first `entries` entries (fewer if they pass the work budget) and the tail.

    Items and entries are siblings that never nest, so removing the span from the end of
    entry N to the end of the last entry leaves a well-formed feed with N entries; only
    regular expressions and byte counts run over the whole body, never feedparser.
    """
    ends: list[int] = []
    last = 0
    for match in _ENTRY_END.finditer(data):
        if len(ends) < entries:
            ends.append(match.end())
        last = match.end()
    budget = _Work(MAX_FEED_ELEMENTS, MAX_FEED_LINES)
    budget.spend(data, last, len(data))  # the tail (or, with no entries, the whole feed)
    kept = 0
    start = 0
    for end in ends:
        budget.spend(data, start, end)
        if budget.exhausted():
            break
        kept, start = kept + 1, end
    if budget.exhausted() and kept == 0:
        message = (
            f"the feed holds more than {MAX_FEED_ELEMENTS} elements or {MAX_FEED_LINES} "
            "lines before its first entry ends, more than newsvault reads"
        )
        raise FeedError(url, message)
    cut = ends[kept - 1] if kept else last
    return data if cut == last else data[:cut] + data[last:]


class _Work:
    """What feedparser would spend on a span: elements outside CDATA, and lines of text."""

    def __init__(self, elements: int, lines: int) -> None:
        self.elements = elements
        self.lines = lines

    def spend(self, data: bytes, start: int, end: int) -> None:
        elements = data.count(b"<", start, end)
        for section in _CDATA.finditer(data, start, end):  # read as one text node
            elements -= data.count(b"<", section.start() + 1, section.end())
        self.elements -= elements
        self.lines -= data.count(b"\n", start, end) + data.count(b"\r", start, end)

    def exhausted(self) -> bool:
        return self.elements < 0 or self.lines < 0


def _broken(result: Any) -> bool:
    """Whether feedparser hit an XML error (not merely a missing or odd content type)."""
    error = result.get("bozo_exception")
    benign = isinstance(error, feedparser.ThingsNobodyCaresAboutButMe)
    return bool(result.get("bozo")) and not benign


def _bozo_reason(error: object) -> str:
    text = str(getattr(error, "getMessage", lambda: error)()) if error else ""
    return text.strip().rstrip(".") or "unreadable"


def _entry_item(entry: Any, feed_url: str, rss: bool) -> FeedItem | None:
    link = _link(entry.get("link") or _permalink_id(entry), feed_url)
    if link is None:
        return None
    return FeedItem(
        url=link,
        feed_url=feed_url,
        title=_title(entry.get("title"), entry.get("title_detail")),
        # dict.get: feedparser's own get() maps a missing "updated" to "published" with a
        # DeprecationWarning (an error under our tests) when a date could not be parsed.
        published_at=_iso_date(
            dict.get(entry, "published") or dict.get(entry, "updated"),
            dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"),
        ),
        authors=_authors(entry, rss),
    )


def _permalink_id(entry: Any) -> str | None:
    """An entry's id when it is a URL (Atom ids often are; RSS guids with isPermaLink)."""
    ident = entry.get("id")
    if isinstance(ident, str) and ident.lower().startswith(("http://", "https://")):
        return ident
    return None


def _feed_title(feed: Any) -> str | None:
    return _title(feed.get("title"), feed.get("title_detail"))


def _title(value: object, detail: Any) -> str | None:
    if not isinstance(value, str):
        return None
    kind = str((detail or {}).get("type") or "")
    if "html" in kind:
        value = htmllib.unescape(re.sub(r"<[^>]*>", "", value))
    text = " ".join(value.split())
    return text or None


def _authors(entry: Any, rss: bool) -> tuple[str, ...]:
    raw = entry.get("author")
    if rss and isinstance(raw, str) and "@" in raw:
        # RSS <author> is "email (Name)"; feedparser 6.0 cuts such names apart, so read it
        # ourselves, keeping the name only (an address alone is not a byline).
        names = [email.utils.parseaddr(raw)[0]]
    else:
        names = [str(author.get("name") or "") for author in entry.get("authors") or ()]
    if not any(names) and isinstance(raw, str) and "@" not in raw:
        names = [raw]
    return tuple(dict.fromkeys(" ".join(name.split()) for name in names if name.strip()))


def _iso_date(raw: object, parsed: Any = None) -> str | None:
    """An ISO-8601 date from what the feed says, keeping its offset when it gives one."""
    text = raw.strip() if isinstance(raw, str) else ""
    when = _from_text(text) if text else None
    if when is not None:
        return when
    try:  # feedparser's struct_time is already converted to UTC
        return datetime(*parsed[:6]).replace(tzinfo=UTC).isoformat() if parsed else None
    except (TypeError, ValueError, OverflowError):
        return None


def _from_text(text: str) -> str | None:
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# -- links -----------------------------------------------------------------------------------


def _link(raw: object, base: str) -> str | None:
    """`raw` made absolute against `base` and canonical; None unless it is http(s)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        absolute = urljoin(base, raw.strip())
        if urlsplit(absolute).scheme.lower() not in LINK_SCHEMES:
            return None
        return canonicalize(absolute)
    except (InvalidURL, ValueError):
        return None


def _items(candidates: Iterable[FeedItem | None], max_items: int) -> tuple[FeedItem, ...]:
    """The first `max_items` distinct items (by URL; the first entry wins)."""
    kept: dict[str, FeedItem] = {}
    for item in candidates:
        if len(kept) >= max_items:
            break
        if item is not None and item.url not in kept:
            kept[item.url] = item
    return tuple(kept.values())


# -- sitemaps through lxml -------------------------------------------------------------------


def _parse_sitemap(data: bytes, url: str, kind: str, max_items: int) -> Feed:
    tag = "{*}url" if kind == "urlset" else "{*}sitemap"
    found: list[FeedItem | None] = []
    titles: list[str] = []
    try:
        for element in _iterparse(data, tag, max_items * RAW_ENTRIES_PER_ITEM):
            found.append(_sitemap_item(element, url, titles))
    except etree.XMLSyntaxError as exc:
        if not any(found):
            reason = str(exc).strip().rstrip(".") or "unreadable"
            raise FeedError(url, f"the sitemap is not well-formed XML ({reason})") from exc
    items = _items(found, max_items)
    if kind == "sitemapindex":
        return Feed(url=url, kind="sitemapindex", sitemaps=tuple(item.url for item in items))
    return Feed(url=url, kind="sitemap", title=titles[0] if titles else None, items=items)


def _iterparse(data: bytes, tag: str, limit: int) -> Iterator[Any]:
    """Yield up to `limit` complete `tag` elements, freeing each one once it has been read."""
    events = etree.iterparse(io.BytesIO(data), events=("end",), tag=tag, **_SAFE_XML)
    for count, (_, element) in enumerate(events, start=1):
        yield element
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]
        if count >= limit:
            return


def _sitemap_item(element: Any, feed_url: str, titles: list[str]) -> FeedItem | None:
    link = _link(element.findtext("{*}loc"), feed_url)
    if link is None:
        return None
    news = element.find(f"{{{_GOOGLE_NEWS}}}news")
    title = published = None
    if news is not None:
        title = _plain(news.findtext(f"{{{_GOOGLE_NEWS}}}title"))
        published = _iso_date(news.findtext(f"{{{_GOOGLE_NEWS}}}publication_date"))
        name = _plain(news.findtext(f"{{{_GOOGLE_NEWS}}}publication/{{{_GOOGLE_NEWS}}}name"))
        if name and not titles:
            titles.append(name)
    if published is None:  # a plain sitemap gives only the last change
        published = _iso_date(element.findtext("{*}lastmod"))
    return FeedItem(url=link, feed_url=feed_url, title=title, published_at=published)


def _plain(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned or None


# -- discovery -------------------------------------------------------------------------------


def discover(html: str, url: str) -> tuple[str, ...]:
    """Feed URLs a page announces with <link rel="alternate">, in page order, each once.

    When it announces none, <a> links to conventional feed paths (/feed, /rss, *rss*.xml...)
    are used instead. Comment feeds are left out; URLs are absolute and http(s) only.
    """
    root = _html_root(html)
    if root is None:
        return ()
    base = _link(root.xpath("string(//base/@href)"), url) or url
    announced = _unique(_link(href, base) for href in _alternate_links(root))
    if announced:
        return announced
    anchors = (_link(href, base) for href in root.xpath("//a/@href"))
    return _unique(link for link in anchors if link and _FEED_PATH.search(urlsplit(link).path))


def _html_root(html: str) -> Any:
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _alternate_links(root: Any) -> Iterator[str]:
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = _mime(link.get("type"))
        href = link.get("href") or ""
        title = link.get("title") or ""
        comments = _COMMENT_FEED.search(href) or _COMMENT_FEED.search(title)
        if "alternate" in rel and kind in FEED_LINK_TYPES and href.strip() and not comments:
            yield href


def _unique(links: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(link for link in links if link))


# -- OPML ------------------------------------------------------------------------------------


def parse_opml(content: bytes, source: str = "the OPML file") -> tuple[OpmlFeed, ...]:
    """The feeds of an OPML subscription list, each once, tagged with their categories.

    Tags come from the enclosing outlines (folders) and the `category` attribute;
    `source` names the file in error messages.
    """
    data, _ = _utf8(content)
    if not data.strip():
        raise FeedError(source, "the OPML file is empty")
    if _declares_entities(data):
        raise FeedError(source, _ENTITIES_REFUSED.replace("the feed", "the OPML file"))
    parser = etree.XMLParser(**_SAFE_XML)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        reason = str(exc).strip().rstrip(".") or "unreadable"
        raise FeedError(source, f"the file is not well-formed XML ({reason})") from exc
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise FeedError(source, "the file is XML but not OPML: its root is not <opml>")
    body = root.find("body")
    kept: dict[str, OpmlFeed] = {}
    for feed in _outlines(body, ()) if body is not None else ():
        kept.setdefault(feed.url, feed)
    return tuple(kept.values())


def _outlines(parent: Any, folders: tuple[str, ...]) -> Iterator[OpmlFeed]:
    for outline in parent.iterchildren("outline"):
        name = _plain(outline.get("title") or outline.get("text"))
        xml_url = outline.get("xmlUrl") or outline.get("xmlurl")  # "url" is a page or include
        if xml_url:
            url = _link(xml_url, "")
            if url is not None:
                tags = folders + _categories(outline.get("category"))
                yield OpmlFeed(url=url, name=name, tags=tuple(dict.fromkeys(tags)))
        else:
            yield from _outlines(outline, folders + ((name,) if name else ()))


def _categories(value: str | None) -> tuple[str, ...]:
    """OPML 2.0 categories: comma-separated, slash-delimited paths ("/World/Europe,Tech")."""
    parts = (part.strip() for item in (value or "").split(",") for part in item.split("/"))
    return tuple(part for part in parts if part)
