"""URL stage: check, normalise and canonicalise URLs before fetching (pure, no I/O)."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from newsvault.errors import InvalidURL

#: The only schemes newsvault fetches; file:, ftp:, data: and the rest are refused.
ALLOWED_SCHEMES = frozenset({"http", "https"})

#: Ports that are implied by the scheme and so dropped from a normalised URL.
DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that only track who clicked where; dropping them does not change the page.
#: utm_* are matched by prefix (TRACKING_PREFIXES); these are the other well-known ones.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "ref_src",
    }
)

#: Parameter-name prefixes that mark tracking parameters (Google Analytics campaign tags).
TRACKING_PREFIXES = ("utm_",)

#: The user:password@ of an authority: after "//", up to the last "@" before the path.
_USERINFO = re.compile(r"(//)[^/?#]*@")

#: Characters that never belong in a host name (whitespace, controls, and URL delimiters).
_BAD_HOST_CHARS = frozenset(" \t\r\n\\/?#@<>\"'`{}|^%")


def check_url(url: str) -> str:
    """Return `url` minimally normalised, or raise InvalidURL saying what is wrong with it.

    Strips surrounding whitespace, lowercases scheme and host, IDNA-encodes the host, drops
    the default port and the fragment, and turns an empty path into "/".
    """
    text = url.strip()
    parts = _split(text)
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL(redact(text), "the URL has no scheme; it should start with http://")
    if scheme not in ALLOWED_SCHEMES:
        message = f"the scheme {scheme!r} is not supported; only http and https are"
        raise InvalidURL(redact(text), message)
    netloc = _netloc(text, scheme, parts)
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def canonicalize(url: str) -> str:
    """Return check_url(url) without utm_* and other tracking parameters (idempotent)."""
    parts = urlsplit(check_url(url))
    kept = [item for item in parts.query.split("&") if item and not _is_tracking(item)]
    return urlunsplit(parts._replace(query="&".join(kept)))


def host_of(url: str) -> str:
    """Return the lower-case host of `url` (IDNA-encoded; IPv6 without brackets)."""
    return urlsplit(check_url(url)).hostname or ""


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same site: the same host, a leading "www." aside."""
    return (urlsplit(a).hostname or "").removeprefix("www.") == (
        urlsplit(b).hostname or ""
    ).removeprefix("www.")


def redact(url: str) -> str:
    """Return `url` with any user:password@ replaced by ***@, for messages and logs.

    Done on the text rather than on urlsplit's parts, so that the malformed URLs that
    urlsplit refuses or misreads (an unclosed "[", no scheme) are redacted too.
    """
    return _USERINFO.sub(r"\1***@", url)


def _is_space_or_control(ch: str) -> bool:
    # Unicode spaces and C1 controls too (U+0085, U+00A0, U+2028...): str.strip() removes
    # them, so a URL ending in one would not survive check_url twice unchanged.
    return ord(ch) < 0x21 or 0x7F <= ord(ch) < 0xA0 or ch.isspace()


def _split(text: str) -> SplitResult:
    if not text:
        raise InvalidURL(text, "the URL is empty")
    if any(_is_space_or_control(ch) for ch in text):
        raise InvalidURL(redact(text), "the URL contains spaces or control characters")
    try:
        return urlsplit(text)
    except ValueError as exc:
        raise InvalidURL(redact(text), "the URL is malformed") from exc


def _netloc(text: str, scheme: str, parts: SplitResult) -> str:
    host = _host(text, parts)
    try:
        port = parts.port
    except ValueError as exc:
        message = "the port in the URL is not a number from 0 to 65535"
        raise InvalidURL(redact(text), message) from exc
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{userinfo}@{netloc}" if userinfo else netloc


def _host(text: str, parts: SplitResult) -> str:
    host = parts.hostname
    if not host:
        raise InvalidURL(redact(text), "the URL has no host name")
    if _BAD_HOST_CHARS.intersection(host):
        raise InvalidURL(redact(text), f"the host name {host!r} contains characters it may not")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidURL(redact(text), f"the host name {host!r} is not a valid name") from exc


def _is_tracking(item: str) -> bool:
    name = unquote(item.partition("=")[0]).lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def robots_url(url: str) -> str:
    """The robots.txt that governs `url`: scheme://host[:port]/robots.txt."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/robots.txt", "", ""))
