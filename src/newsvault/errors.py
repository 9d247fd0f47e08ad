"""The one exception tree of newsvault (leaf module: imports nothing internal).

    NewsvaultError                   base of everything newsvault raises on purpose
    ├── ConfigError                  a setting, flag or environment variable is wrong
    ├── InputError                   a local file or stdin given to `extract` is unusable
    ├── FetchError                   a URL could not be turned into an HTML page (carries url)
    │   ├── InvalidURL               malformed URL, or a scheme other than http/https
    │   ├── BlockedAddress           host is or resolves to a private/loopback/link-local address
    │   ├── NetworkError             DNS failure, refused or reset connection, TLS failure
    │   │   └── FetchTimeout         connect/read timeout or the total per-URL deadline passed
    │   ├── HTTPStatusError          the server answered 4xx/5xx (carries status)
    │   ├── TooManyRedirects         a redirect loop or a chain longer than allowed
    │   └── BadContent               the response is not a page we will read
    │       ├── NotHTML              content type is not HTML (carries content_type)
    │       ├── TooLarge             the body passed the size cap (counted after decompression)
    │       └── EmptyBody            the body is empty or only whitespace
    ├── FeedError                    a feed or sitemap is malformed, not a feed, or empty
    ├── ExtractError                 the page could not be parsed into an article
    │   └── NotAnArticle             parsed fine, but holds no article (a homepage, an error page)
    ├── NotFound                     the archive holds no article with that id or URL
    ├── RunLocked                    another `newsvault run` holds the archive's run lock
    ├── QueryError                   a search query the archive cannot run (bad FTS syntax)
    ├── OutputError                  an output file (`export -o`) cannot be written
    └── StorageError                 the archive could not be opened, migrated or written

Every class has a `kind` (the stable string recorded in `fetches.error_kind`) and an
`exit_code` (what the CLI exits with; listed in the README). Foreign exceptions are translated
where the foreign library is called, with `raise ... from exc`.
"""

from __future__ import annotations

from typing import Any


class NewsvaultError(Exception):
    """Base class: anything newsvault raises on purpose."""

    kind = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state, not by __init__ arguments: errors cross process boundaries."""
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[NewsvaultError], args: tuple[Any, ...], state: dict[str, Any]
) -> NewsvaultError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(NewsvaultError):
    """A setting, flag or environment variable has a value we cannot use."""

    kind = "config"
    exit_code = 2


class InputError(NewsvaultError):
    """A local file (or stdin) handed to `extract` is missing, unreadable or not HTML."""

    kind = "input"
    exit_code = 8


class FetchError(NewsvaultError):
    """A URL could not be fetched as an HTML page."""

    kind = "fetch"
    exit_code = 4

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class InvalidURL(FetchError):
    """The URL is malformed or uses a scheme other than http/https."""

    kind = "invalid_url"
    exit_code = 3


class BlockedAddress(FetchError):
    """The destination is private, loopback or link-local and was not allowed."""

    kind = "blocked_address"
    exit_code = 3


class NetworkError(FetchError):
    """The server could not be reached: DNS, refused or reset connection, TLS."""

    kind = "network"
    exit_code = 4


class FetchTimeout(NetworkError):
    """A connect or read timeout, or the total per-URL deadline, passed."""

    kind = "timeout"
    exit_code = 4


class HTTPStatusError(FetchError):
    """The server answered with a 4xx or 5xx status (after any retries)."""

    kind = "http_status"
    exit_code = 5


class TooManyRedirects(FetchError):
    """A redirect loop, or more redirects than allowed."""

    kind = "too_many_redirects"
    exit_code = 5


class BadContent(FetchError):
    """The response arrived but is not a page newsvault will read."""

    kind = "bad_content"
    exit_code = 6


class NotHTML(BadContent):
    """The content type (declared or sniffed) is not HTML."""

    kind = "not_html"
    exit_code = 6

    def __init__(self, url: str, message: str, *, content_type: str | None = None) -> None:
        super().__init__(url, message)
        self.content_type = content_type


class TooLarge(BadContent):
    """The body passed the size cap, counted after decompression."""

    kind = "too_large"
    exit_code = 6


class EmptyBody(BadContent):
    """The body is empty or holds only whitespace."""

    kind = "empty_body"
    exit_code = 6


class FeedError(NewsvaultError):
    """A feed or sitemap could not be read: broken XML, HTML served as a feed, empty, hostile."""

    kind = "feed"
    exit_code = 6

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url

    def __str__(self) -> str:
        return f"{self.url}: {self.message}"


class ExtractError(NewsvaultError):
    """The page could not be parsed into an article."""

    kind = "extract"
    exit_code = 7


class NotAnArticle(ExtractError):
    """The page parsed fine, but holds no article (a homepage, a list, an error page)."""

    kind = "not_an_article"
    exit_code = 7

    def __init__(self, reason: str) -> None:
        super().__init__(f"no article found: {reason}")
        self.reason = reason


class NotFound(NewsvaultError):
    """The archive holds no article with that id or URL."""

    kind = "not_found"
    exit_code = 10


class RunLocked(NewsvaultError):
    """Another `newsvault run` is working on this archive right now."""

    kind = "locked"
    exit_code = 12


class QueryError(NewsvaultError):
    """A search query the archive cannot run: bad full-text syntax, an empty query."""

    kind = "query"
    exit_code = 13


class OutputError(NewsvaultError):
    """An output file cannot be written: no such folder, no permission, the disk is full."""

    kind = "output"
    exit_code = 14


class StorageError(NewsvaultError):
    """The archive could not be opened, migrated or written."""

    kind = "storage"
    exit_code = 9
