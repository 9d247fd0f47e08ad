"""Tests for newsvault.feeds: RSS, Atom, sitemaps, OPML, discovery and hostile feeds."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import feedparser  # type: ignore[import-untyped]
import pytest
from lxml import etree

from newsvault import feeds
from newsvault.errors import FeedError
from newsvault.feeds import OpmlFeed, discover, parse, parse_opml
from newsvault.records import Feed, FeedItem

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
FEED_URL = "https://news.example/world/feed/"

#: Hostile documents must be refused quickly (before any parsing that could blow up).
QUICK = 0.5

#: A 100,000-item feed must cost about what a capped one does (~0.3 s), far below this.
BIG_FEED_SECONDS = 2.0


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def parsed(name: str, url: str = FEED_URL, **kwargs: int) -> Feed:
    return parse(fixture(name), url, **kwargs)


def urls(feed: Feed) -> list[str]:
    return [item.url for item in feed.items]


# -- RSS 2.0 ---------------------------------------------------------------------------------


def test_rss20_titles_dates_and_authors() -> None:
    feed = parsed("rss20.xml")
    assert feed.kind == "rss"
    assert feed.url == FEED_URL
    assert feed.title == "The Daily Example – World"
    first = feed.items[0]
    assert first == FeedItem(
        url="https://news.example/world/2024/01/02/floods-close-ports/",
        feed_url=FEED_URL,
        title="Floods close the port of Rotterdam & Antwerp",
        published_at="2024-01-02T10:30:00+01:00",
        authors=("Ana Lopez",),
    )


def test_rss20_author_email_form_keeps_the_name() -> None:
    items = parsed("rss20.xml").items
    assert items[1].authors == ("Ben Okafor",)
    assert items[2].authors == ("Chen Wei", "Sara Nilsson")


def test_an_unreadable_date_is_no_date_and_no_warning() -> None:
    # feedparser's own get("updated_parsed") warns (an error here) when pubDate was unreadable
    data = (
        b'<rss version="2.0"><channel><title>T</title><item><title>A</title>'
        b"<link>https://news.example/a</link><pubDate>not a date</pubDate></item></channel></rss>"
    )
    (item,) = feeds.parse(data, "https://news.example/rss.xml").items
    assert item.url == "https://news.example/a" and item.published_at is None


def test_rss20_dates_keep_their_offset() -> None:
    dates = [item.published_at for item in parsed("rss20.xml").items]
    assert dates[:3] == [
        "2024-01-02T10:30:00+01:00",
        "2024-01-02T09:15:00+00:00",
        "2024-01-01T18:00:00-05:00",
    ]


def test_links_are_resolved_canonical_and_http_only() -> None:
    assert urls(parsed("rss20.xml")) == [
        "https://news.example/world/2024/01/02/floods-close-ports/",  # utm_* dropped
        "https://news.example/world/2024/01/02/elections-north/",  # relative, fragment dropped
        "https://news.example/business/2024/01/01/markets-rally/?page=2",  # fbclid dropped
        "https://news.example/world/2024/01/01/guid-only/",  # permalink guid, no <link>
    ]


def test_hostile_links_are_ignored_and_good_ones_kept_once() -> None:
    links = urls(parsed("rss20.xml"))
    for scheme in ("javascript:", "mailto:", "file:", "data:", "ftp:"):
        assert not any(link.startswith(scheme) for link in links)
    assert all(link.startswith(("http://", "https://")) for link in links)
    assert len(links) == len(set(links))


def test_duplicates_collapse_and_the_first_entry_wins() -> None:
    items = parsed("rss20.xml").items
    floods = [item for item in items if "floods-close-ports" in item.url]
    assert len(floods) == 1
    assert floods[0].title == "Floods close the port of Rotterdam & Antwerp"  # not "(updated)"


def test_relative_links_resolve_against_the_feed_url() -> None:
    feed = parsed("rss20.xml", url="https://mirror.example/feeds/world.xml")
    assert "https://mirror.example/world/2024/01/02/elections-north/" in urls(feed)


# -- RSS 1.0, RSS 0.92, Atom -----------------------------------------------------------------


def test_rss10_rdf() -> None:
    feed = parsed("rss10.rdf")
    assert (feed.kind, feed.title) == ("rss", "Science Example")
    assert feed.items == (
        FeedItem(
            url="https://science.example/articles/comet-returns",
            feed_url=FEED_URL,
            title="A comet returns after 71 years",
            published_at="2024-03-10T20:15:00+01:00",
            authors=("Maria Rossi",),
        ),
        FeedItem(
            url="https://science.example/articles/deep-sea-vents",
            feed_url=FEED_URL,
            title="Life found around deep-sea vents",
            published_at="2024-03-09",
            authors=("Tom Baker",),
        ),
    )


def test_rss092_latin1_with_a_netscape_doctype() -> None:
    feed = parsed("rss092.xml")
    assert (feed.kind, feed.title) == ("rss", "Gazette Régionale")
    assert [(item.url, item.title) for item in feed.items] == [
        ("http://gazette.example/sports/cafe.html", "Café des sports : réouverture"),
        ("http://gazette.example/ville/marche-noel.html", "Marché de Noël"),
    ]


def test_atom() -> None:
    feed = parsed("atom.xml")
    assert (feed.kind, feed.title) == ("atom", "Tech <Notes>")
    first, second, third = feed.items
    assert first.url == "https://blog.example/tech/posts/2024/queue-on-postgres?id=7"  # xml:base
    assert first.published_at == "2024-05-03T09:30:00+02:00"
    assert first.authors == ("Priya Shah", "Jonas Berg")
    assert second.url == "https://blog.example/archive/2023/profiling.html"  # entry xml:base
    assert second.title == "Profiling Python in production"
    assert second.published_at == "2023-11-20T08:00:00+00:00"  # <updated> when no <published>
    assert third.url == "https://blog.example/tech/posts/2023/id-permalink"  # id is a URL
    assert third.published_at == "2023-10-01T00:00:00-07:00"


def test_utf16_feed_is_read() -> None:
    text = fixture("rss10.rdf").decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"')
    feed = parse(text.encode("utf-16"), FEED_URL)
    assert feed.title == "Science Example"
    assert len(feed.items) == 2


def test_rss_served_as_text_html_is_still_a_feed() -> None:
    feed = parse(fixture("rss20.xml"), FEED_URL, "text/html; charset=utf-8")
    assert feed.kind == "rss"
    assert len(feed.items) == 4


def test_a_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>New</title></channel></rss>'
    assert parse(body, FEED_URL) == Feed(url=FEED_URL, kind="rss", title="New")


def test_max_items_caps_the_items_kept() -> None:
    assert urls(parsed("rss20.xml", max_items=2)) == urls(parsed("rss20.xml"))[:2]
    assert len(parsed("sitemap.xml", max_items=1).items) == 1


# -- sitemaps --------------------------------------------------------------------------------


def test_sitemap() -> None:
    feed = parsed("sitemap.xml", url="https://news.example/sitemap.xml")
    assert (feed.kind, feed.title, feed.sitemaps) == ("sitemap", None, ())
    assert [(item.url, item.published_at) for item in feed.items] == [
        ("https://news.example/world/2024/01/02/floods-close-ports/", "2024-01-02T10:45:00+01:00"),
        ("https://news.example/world/2024/01/02/elections-north/", "2024-01-02"),
        ("https://news.example/business/2024/01/01/markets-rally/", None),
    ]  # the image <loc> is not an item; ftp: dropped; the #top duplicate collapsed


def test_sitemap_index_lists_its_sitemaps() -> None:
    feed = parsed("sitemap_index.xml", url="https://news.example/sitemap_index.xml")
    assert (feed.kind, feed.items) == ("sitemapindex", ())
    assert feed.sitemaps == (
        "https://news.example/sitemaps/news.xml",
        "https://news.example/sitemaps/2024-01.xml",
        "https://news.example/sitemaps/2023-12.xml",
    )


def test_google_news_sitemap() -> None:
    feed = parsed("news_sitemap.xml", url="https://news.example/news-sitemap.xml")
    assert (feed.kind, feed.title) == ("sitemap", "The Daily Example")
    assert [(item.title, item.published_at) for item in feed.items] == [
        ("Floods close the port of Rotterdam & Antwerp", "2024-01-02T10:30:00+01:00"),
        ('Elections: "A close race" in the north', "2024-01-02"),  # not the <lastmod>
    ]


def test_broken_sitemap_with_no_entries() -> None:
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a'
    with pytest.raises(FeedError, match="the sitemap is not well-formed XML"):
        parse(body, FEED_URL)


def test_sitemap_cut_short_keeps_the_entries_before_the_break() -> None:
    body = fixture("sitemap.xml")[:-200]
    assert len(parse(body, FEED_URL).items) >= 1


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t", fixture("empty.xml")])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(FeedError) as info:
        parse(body, FEED_URL)
    assert info.value.message == "the feed is empty: the server sent no content"
    assert info.value.url == FEED_URL


def test_html_served_as_a_feed_says_so_and_names_its_feeds() -> None:
    with pytest.raises(FeedError) as info:
        parse(fixture("html_as_feed.html"), "https://news.example/rss", "text/html")
    assert info.value.message == (
        "the server sent an HTML page, not a feed; "
        "the page advertises these feeds: https://news.example/rss/news.xml"
    )


def test_html_without_feeds() -> None:
    with pytest.raises(FeedError) as info:
        parse(fixture("homepage_nofeed.html"), FEED_URL, "text/html")
    assert info.value.message == "the server sent an HTML page, not a feed"


def test_html_fragment_labelled_html_is_html() -> None:
    with pytest.raises(FeedError, match="HTML page, not a feed"):
        parse(b"<p>Moved</p>", FEED_URL, "text/html; charset=utf-8")


def test_broken_xml_with_no_entries() -> None:
    with pytest.raises(FeedError) as info:
        parsed("broken.xml")
    assert info.value.message.startswith("the feed is not well-formed XML (")
    assert info.value.message.endswith(") and has no entries")


def test_broken_xml_with_entries_is_read_leniently() -> None:
    feed = parsed("broken_with_entries.xml")
    assert urls(feed) == ["https://toons.example/cats-and-mice", "https://toons.example/unclosed"]


def test_xml_that_is_neither_feed_nor_sitemap() -> None:
    with pytest.raises(FeedError) as info:
        parsed("not_a_feed.xml")
    assert info.value.message == (
        "the document is XML with a <svg> root, which is neither a feed nor a sitemap"
    )


def test_not_xml_at_all() -> None:
    with pytest.raises(FeedError, match="not XML"):
        parse(b"Hello, world", FEED_URL, "text/plain")


def test_json_feed_is_named() -> None:
    with pytest.raises(FeedError, match="JSON Feed"):
        parse(b'{"version": "https://jsonfeed.org/version/1.1"}', FEED_URL, "application/json")


def test_bytes_that_name_a_file_are_never_opened(tmp_path: Path) -> None:
    # feedparser.parse(b"/some/path") would open that file; parse must treat bytes as content
    path = tmp_path / "secret-feed.xml"
    path.write_bytes(fixture("rss20.xml"))
    with pytest.raises(FeedError):
        parse(str(path).encode(), FEED_URL)


# -- entity expansion: billion laughs and XXE, on both paths ------------------------------


ENTITY_MESSAGE = "the feed declares XML entities, which newsvault does not expand"


@pytest.mark.parametrize(
    "name",
    [
        "hostile_billion_laughs_rss.xml",
        "hostile_billion_laughs_sitemap.xml",
        "hostile_xxe_rss.xml",
        "hostile_xxe_sitemap.xml",
        "hostile_xxe_parameter.xml",
    ],
)
def test_entity_declarations_are_refused_quickly(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError) as info:
        parsed(name)
    assert time.monotonic() - started < QUICK
    assert info.value.message == ENTITY_MESSAGE
    assert "root:" not in str(info.value)


def test_entity_screen_sees_through_utf16() -> None:
    body = fixture("hostile_xxe_rss.xml").decode("utf-8").encode("utf-16")
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body, FEED_URL)


def secret_file(tmp_path: Path) -> tuple[str, str]:
    """A local file an XXE would read: (its file: URL, the secret it holds)."""
    secret = "SECRET-7f3a9c"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    return path.as_uri(), secret


def xxe_feed(file_url: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{file_url}">]>\n'
        '<rss version="2.0"><channel><title>&xxe;</title>'
        "<item><title>&xxe;</title><link>https://evil.example/1</link></item></channel></rss>"
    ).encode()


def xxe_sitemap(file_url: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{file_url}">]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://evil.example/1</loc><lastmod>&xxe;</lastmod></url></urlset>"
    ).encode()


@pytest.mark.parametrize("build", [xxe_feed, xxe_sitemap])
def test_xxe_reads_no_file_through_parse(tmp_path: Path, build: Callable[[str], bytes]) -> None:
    file_url, secret = secret_file(tmp_path)
    with pytest.raises(FeedError) as info:
        parse(build(file_url), FEED_URL)
    assert secret not in str(info.value)


# The screen is the first wall; these check the second one, the parsers themselves, with the
# screen out of the way: neither expands an entity or reads a file.


def test_feedparser_itself_expands_nothing(tmp_path: Path) -> None:
    file_url, secret = secret_file(tmp_path)
    for body in (xxe_feed(file_url), fixture("hostile_billion_laughs_rss.xml")):
        started = time.monotonic()
        result = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False)
        assert time.monotonic() - started < QUICK
        text = repr(result.get("feed")) + repr(result.get("entries"))
        assert secret not in text
        assert "lollollol" not in text


def test_the_safe_lxml_parser_itself_expands_nothing(tmp_path: Path) -> None:
    file_url, secret = secret_file(tmp_path)
    for body in (xxe_sitemap(file_url), fixture("hostile_billion_laughs_sitemap.xml")):
        started = time.monotonic()
        texts: list[str] = []
        try:
            for element in feeds._iterparse(body, "{*}url", 10):
                texts.append(etree.tostring(element, encoding="unicode"))
        except etree.XMLSyntaxError:
            pass  # refusing to parse is as good as parsing without expanding
        assert time.monotonic() - started < QUICK
        assert secret not in "".join(texts)
        assert "lollollol" not in "".join(texts)


# -- bounded cost on huge feeds --------------------------------------------------------------


def big_rss(count: int) -> bytes:
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
    item = (
        b"<item><title>Story %d</title><link>https://big.example/a/%d?utm_source=rss</link>"
        b"<pubDate>Tue, 02 Jan 2024 10:30:00 +0100</pubDate>"
        b"<description>" + b"lorem ipsum " * 10 + b"</description></item>"
    )
    return head + b"".join(item % (n, n) for n in range(count)) + b"</channel></rss>"


def big_atom(count: int) -> bytes:
    head = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Big</title>'
    entry = (
        b'<entry><title>Story %d</title><link href="https://big.example/a/%d"/>'
        b"<id>tag:big.example,2024:%d</id><updated>2024-01-02T10:00:00Z</updated></entry>"
    )
    return head + b"".join(entry % (n, n, n) for n in range(count)) + b"</feed>"


def big_sitemap(count: int) -> bytes:
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    url = b"<url><loc>https://big.example/a/%d</loc><lastmod>2024-01-02</lastmod></url>"
    return head + b"".join(url % n for n in range(count)) + b"</urlset>"


@pytest.mark.parametrize("build", [big_rss, big_atom, big_sitemap])
def test_a_100000_item_feed_is_capped_and_quick(build: Callable[[int], bytes]) -> None:
    body = build(100_000)
    started = time.monotonic()
    feed = parse(body, "https://big.example/feed")
    assert time.monotonic() - started < BIG_FEED_SECONDS  # ~0.3 s here; uncapped, ~20 s
    assert len(feed.items) == feeds.MAX_ITEMS
    assert feed.items[-1].url == f"https://big.example/a/{feeds.MAX_ITEMS - 1}"


@pytest.mark.parametrize("build", [big_rss, big_sitemap])
def test_a_100000_item_feed_is_capped_in_memory(build: Callable[[int], bytes]) -> None:
    body = build(100_000)  # 7-27 MB
    tracemalloc.start()
    try:
        parse(body, "https://big.example/feed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # a small part of the body is copied, never all of it parsed


def test_truncation_keeps_a_feed_well_formed() -> None:
    cut = feeds._truncate(big_rss(50), 3, FEED_URL)
    result = feedparser.parse(io.BytesIO(cut))
    assert not result.bozo
    assert len(result.entries) == 3


def test_junk_entries_do_not_eat_the_whole_cap() -> None:
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>J</title>'
    junk = b"<item><link>javascript:void(0)</link></item>" * 3
    good = b"".join(b"<item><link>https://a.example/%d</link></item>" % n for n in range(10))
    feed = parse(head + junk + good + b"</channel></rss>", FEED_URL, max_items=5)
    assert urls(feed) == [f"https://a.example/{n}" for n in range(5)]


# -- discovery -------------------------------------------------------------------------------


def test_discover_link_alternate_in_page_order() -> None:
    html = fixture("homepage.html").decode("utf-8")
    assert discover(html, "https://news.example/") == (
        "https://news.example/feed/",
        "https://news.example/atom.xml",
        "https://news.example/world/feed/",
    )  # no comments feed, JSON Feed, javascript:, oEmbed or hreflang alternate, no duplicate


def test_discover_falls_back_to_feed_like_anchors() -> None:
    html = fixture("homepage_anchors.html").decode("utf-8")
    assert discover(html, "https://gazette.example/") == (
        "https://gazette.example/fr/rss.xml",  # against <base href>
        "https://gazette.example/feed/",
        "https://gazette.example/atom",
        "https://gazette.example/feeds/sport-rss.xml",
    )


@pytest.mark.parametrize("html", ["", "   ", fixture("homepage_nofeed.html").decode()])
def test_discover_finds_nothing(html: str) -> None:
    assert discover(html, "https://example.com/") == ()


def test_discover_copes_with_an_xml_declaration_and_odd_markup() -> None:
    html = (
        '<?xml version="1.0" encoding="utf-8"?><html><head>'
        '<LINK REL="Alternate" TYPE="Application/RSS+XML" HREF="/rss"></head></html>'
    )
    assert discover(html, "https://example.com/x/") == ("https://example.com/rss",)


# -- OPML ------------------------------------------------------------------------------------


def test_opml_feeds_names_and_tags() -> None:
    assert parse_opml(fixture("subscriptions.opml")) == (
        OpmlFeed(
            "https://news.example/world/feed/", "The Daily Example – World", ("News", "World")
        ),
        OpmlFeed(
            "http://gazette.example/rss.xml",
            "Gazette",
            ("News", "World", "Europe", "France", "regional"),
        ),
        OpmlFeed("https://science.example/rss", "Science Example", ("News",)),
        OpmlFeed("https://blog.example/tech/atom.xml", "Tech Notes", ("tech",)),
    )  # the duplicate and the file:/javascript: outlines are left out


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"<opml><body>", "not well-formed"),
        (fixture("opml_not.xml"), "not OPML"),
        (fixture("hostile_xxe_rss.xml"), "declares XML entities"),
    ],
)
def test_opml_refusals(body: bytes, words: str) -> None:
    with pytest.raises(FeedError, match=words) as info:
        parse_opml(body, "subs.opml")
    assert info.value.url == "subs.opml"


def test_entity_screen_ignores_case() -> None:
    body = fixture("hostile_xxe_rss.xml").replace(b"<!DOCTYPE", b"<!doctype")
    with pytest.raises(FeedError, match="declares XML entities"):
        parse(body, FEED_URL)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 02 Jan 2024 10:30:00 +0100", "2024-01-02T10:30:00+01:00"),
        ("Tue, 02 Jan 2024 10:30:00 GMT", "2024-01-02T10:30:00+00:00"),
        ("2024-01-02T10:30:00Z", "2024-01-02T10:30:00+00:00"),
        ("2024-01-02T10:30:00.250-05:00", "2024-01-02T10:30:00.250000-05:00"),
        ("2024-01-02T10:30:00", "2024-01-02T10:30:00"),  # no zone given, none invented
        ("2024-01-02", "2024-01-02"),
        ("yesterday", None),
        ("", None),
    ],
)
def test_feed_dates_become_iso_8601(raw: str, expected: str | None) -> None:
    assert feeds._iso_date(raw) == expected


def one_entry(inside: bytes, entries: int = 1) -> bytes:
    head = b'<rss version="2.0"><channel><title>t</title>'
    item = b"<item><link>https://a.example/%d</link><x>" + inside + b"</x></item>"
    return head + b"".join(item % n for n in range(entries)) + b"</channel></rss>"


@pytest.mark.parametrize(
    "inside",
    [
        b"<div>" * 150_000 + b"</div>" * 150_000,  # deep nesting
        b"<b>x</b>" * 150_000,  # flat tag soup
        b"a\n" * 1_000_000,  # one text callback per line
    ],
    ids=["nesting", "tag-soup", "lines"],
)
def test_markup_bombs_are_refused_quickly(inside: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match="more than newsvault reads"):
        parse(one_entry(inside), FEED_URL)
    assert time.monotonic() - started < QUICK


def test_markup_bombs_after_good_entries_keep_the_good_ones() -> None:
    good = b"".join(b"<item><link>https://a.example/g%d</link></item>" % n for n in range(3))
    body = one_entry(b"<b>x</b>" * 150_000).replace(b"<title>t</title>", b"<title>t</title>" + good)
    started = time.monotonic()
    feed = parse(body, FEED_URL)
    assert time.monotonic() - started < QUICK
    assert urls(feed) == [f"https://a.example/g{n}" for n in range(3)]


def test_markup_inside_cdata_is_not_counted() -> None:
    html = b"<![CDATA[" + b"<p>x</p>" * 60_000 + b"]]>"
    feed = parse(one_entry(html, entries=2), FEED_URL)
    assert len(feed.items) == 2
