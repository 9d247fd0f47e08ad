"""The properties the fuzz tests check, as plain functions: the pytest tests (bounded examples)
and bench/fuzz_campaign.py (a long campaign) call the same ones."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from fuzz_strategies import SCRIPT_MARK, STYLE_MARK

from newsvault import feeds, render
from newsvault.article import extract_with_blocks
from newsvault.errors import ExtractError, FeedError, InvalidURL
from newsvault.records import Block
from newsvault.urls import canonicalize, check_url, redact

#: Seconds one page or feed may take, generously above the slowest fixture page (~0.5 s) so
#: a loaded CI machine does not flake, and far below what a pathological blow-up takes.
PAGE_SECONDS = 5.0

PAGE_URL = "http://news.example/2024/10/25/story.html"
FEED_URL = "http://news.example/rss.xml"
MAX_ITEMS = 50

#: Tags newsvault's sanitised HTML may contain: its own, with no attributes.
_OUR_TAGS = "p|h[1-6]|ul|ol|li|blockquote|pre|table|tr|th|td"
_ONLY_OUR_TAGS = re.compile(rf"</?(?:{_OUR_TAGS})>")


def check_extract(html: str | bytes, *, soup: bool = False) -> bool:
    """extract() raises nothing but ExtractError (NotAnArticle is one), within PAGE_SECONDS;
    its text has no NUL, its HTML only our tags. For generated tag soup, whose text has no
    '<', '>' or '&', no markup at all reaches the text and no script or style content does.
    Returns whether an article came out."""
    started = time.monotonic()
    try:
        result = extract_with_blocks(html, PAGE_URL)
    except ExtractError:
        return False
    finally:
        assert time.monotonic() - started < PAGE_SECONDS
    article = result.article
    fields = [article.text, article.markdown, *(b.text for b in result.blocks)]
    fields += [v for v in (article.title, article.byline, article.description) if v]
    for value in fields:
        assert "\x00" not in value
        if soup:
            assert "<" not in value and SCRIPT_MARK not in value and STYLE_MARK not in value
    check_html(result.html)
    return True


def check_html(html: str) -> None:
    """Every '<' in newsvault's HTML opens one of its own attribute-less tags."""
    assert "<" not in _ONLY_OUR_TAGS.sub("", html)


def check_render(blocks: list[Block]) -> None:
    check_html(render.to_html(blocks))


def check_url_properties(url: str) -> bool:
    """check_url and canonicalize raise nothing but InvalidURL, give http(s) only, are
    idempotent; credentials never appear in an InvalidURL. Returns whether the URL was valid."""
    try:
        checked = check_url(url)
    except InvalidURL as exc:
        _assert_no_secret(url, f"{exc.url} {exc.message}")
        return False
    assert urlsplit(checked).scheme in ("http", "https")
    assert check_url(checked) == checked
    canonical = canonicalize(url)
    assert urlsplit(canonical).scheme in ("http", "https")
    assert canonicalize(canonical) == canonical
    assert canonicalize(checked) == canonical
    _assert_no_secret(url, redact(checked))
    return True


def _assert_no_secret(url: str, shown: str) -> None:
    if "user:secret@" in url:
        assert "secret" not in shown, shown


def check_feed(data: bytes, content_type: str | None) -> int:
    """feeds.parse raises nothing but FeedError, within PAGE_SECONDS; at most MAX_ITEMS items,
    each an http(s) URL in canonical form. Returns the number of items."""
    started = time.monotonic()
    try:
        feed = feeds.parse(data, FEED_URL, content_type, max_items=MAX_ITEMS)
    except FeedError:
        return 0
    finally:
        assert time.monotonic() - started < PAGE_SECONDS
    assert len(feed.items) <= MAX_ITEMS
    for url in [item.url for item in feed.items] + list(feed.sitemaps):
        assert urlsplit(url).scheme in ("http", "https"), url
        assert canonicalize(url) == url, url
    return len(feed.items)
