"""Tests for newsvault.urls: check_url, canonicalize, host_of, redact."""

from __future__ import annotations

import pytest

from newsvault.errors import InvalidURL
from newsvault.urls import canonicalize, check_url, host_of, redact, robots_url, same_site


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  HTTP://Example.COM/a?b=1#frag \n", "http://example.com/a?b=1"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com:443/x", "http://example.com:443/x"),
        ("https://Bücher.de/ä", "https://xn--bcher-kva.de/ä"),
        ("http://[::1]:80/", "http://[::1]/"),
        ("http://user:pw@Example.com:8080/", "http://user:pw@example.com:8080/"),
        ("http://example.com/Path/Keeps/Case?Q=V", "http://example.com/Path/Keeps/Case?Q=V"),
    ],
)
def test_check_url_normalises_minimally(given: str, expected: str) -> None:
    assert check_url(given) == expected


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("ftp://example.com/", "the scheme 'ftp' is not supported; only http and https are"),
        ("file:///etc/passwd", "'file' is not supported"),
        ("data:text/html,<p>hi</p>", "'data' is not supported"),
        ("javascript:alert(1)", "'javascript' is not supported"),
        ("example.com/page", "no scheme"),
        ("", "empty"),
        ("   ", "empty"),
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com:99999/", "port"),
        ("http://example.com:abc/", "port"),
        ("http://[::1/", "malformed"),
    ],
)
def test_check_url_rejects_with_a_plain_sentence(given: str, words: str) -> None:
    with pytest.raises(InvalidURL) as info:
        check_url(given)
    assert words in info.value.message


def test_invalid_url_message_does_not_leak_credentials() -> None:
    with pytest.raises(InvalidURL) as info:
        check_url("ftp://alice:s3cret@example.com/")
    assert "s3cret" not in str(info.value)


def test_canonicalize_drops_tracking_params_keeps_others_in_order() -> None:
    url = "https://Example.com/a?utm_source=tw&id=3&fbclid=z&b=&UTM_Medium=q&gclid=1&z=2#top"
    assert canonicalize(url) == "https://example.com/a?id=3&b=&z=2"


def test_canonicalize_drops_the_question_mark_when_nothing_is_left() -> None:
    assert canonicalize("http://example.com/a?utm_campaign=x&mc_cid=1&mc_eid=2") == (
        "http://example.com/a"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?utm_source=x&id=%C3%A9&q=a+b&utm_term=y",
        "http://example.com:8080/?fbclid=1",
        "http://example.com/?a=1&a=2&&b",
    ],
)
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize(url)
    assert canonicalize(once) == once


def test_canonicalize_keeps_param_encoding() -> None:
    assert canonicalize("http://x.org/?q=a%20b&utm_id=1") == "http://x.org/?q=a%20b"


def test_host_of() -> None:
    assert host_of(" https://News.Example.COM:8443/x ") == "news.example.com"
    assert host_of("http://[2001:DB8::1]/") == "2001:db8::1"
    with pytest.raises(InvalidURL):
        host_of("ftp://example.com/")


def test_redact() -> None:
    assert redact("http://user:pw@example.com/x") == "http://***@example.com/x"
    assert redact("http://example.com/x") == "http://example.com/x"


@pytest.mark.parametrize(
    ("url", "robots"),
    [
        ("https://news.example/2024/story.html?a=1#top", "https://news.example/robots.txt"),
        ("http://user:secret@news.example:8080/x", "http://news.example:8080/robots.txt"),
    ],
)
def test_robots_url(url: str, robots: str) -> None:
    assert robots_url(url) == robots


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.news.example/a", "http://news.example/b", True),
        ("https://news.example/a", "https://amp.news.example/a", False),
        ("https://news.example/a", "https://other.example/a", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same
