"""Settings: one frozen value object, built once by the CLI and passed down (pure)."""

from __future__ import annotations

import ipaddress
import itertools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsvault.errors import ConfigError

#: The one place the version is written (pyproject.toml reads it from here).
VERSION = "0.1.0"
PROJECT_URL = "https://github.com/newsvault/newsvault"

#: Sent with every request so site owners can tell who we are and how to reach us
#: (the convention pip and diffengine follow).
DEFAULT_USER_AGENT = f"newsvault/{VERSION} (+{PROJECT_URL})"

#: The archive used when neither --db nor NEWSVAULT_DB says otherwise.
DEFAULT_DB_PATH = "newsvault.db"

AllowEntry = ipaddress.IPv4Network | ipaddress.IPv6Network | str


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    """How the fetcher talks to the web. Every knob has a default a cron job can live with.

    connect_timeout / read_timeout: seconds per socket operation (requests' two timeouts).
    total_timeout: seconds for one URL from first byte sent to last byte read, retries and
        redirects included; a server dripping one byte a second cannot stretch it.
    max_retries / backoff_factor: retries on connection errors, 5xx and 429, waiting
        backoff_factor * 2**n seconds (or the server's Retry-After, when shorter than
        retry_after_max; a longer Retry-After is not slept, the URL fails).
    max_redirects: hops followed; every hop is checked like the first URL.
    max_bytes: the body cap, counted after decompression (a gzip bomb stops here).
    allow_private: hosts or networks that may be private/loopback/link-local (intranets, tests).
    """

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 30.0
    max_retries: int = 3
    backoff_factor: float = 0.5
    retry_after_max: float = 10.0
    max_redirects: int = 10
    max_bytes: int = 10_000_000
    allow_private: tuple[AllowEntry, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    """How `newsvault run` shares the work and stays polite.

    per_host_connections: requests in flight to one host at most (2: what browsers and
        polite crawlers keep to; more looks like an attack to small sites).
    host_delay: seconds between the starts of two requests to the same host.
    workers: threads fetching at once, across all hosts (network waits, not CPU).
    processes: extraction processes (0: extract in the fetching threads; None: one fewer than
        the cores).
    max_items_per_feed: new items taken from one feed in one run; bounds a 100,000-item feed.
    max_sitemaps: child sitemaps read from one sitemap index in one run.
    retry_base / retry_max: a failing feed waits retry_base * 2**(failures-1) seconds before
        its next poll, at most retry_max.
    revisit_after: seconds after an article was first seen at which it is fetched again, to
        catch corrections and updates (news changes most in its first hours, so the gaps grow).
    revisit_max_age: articles first seen longer ago than this many seconds are not fetched
        again (0: no revisits at all).
    """

    per_host_connections: int = 2
    host_delay: float = 1.0
    workers: int = 16
    processes: int | None = None
    max_items_per_feed: int = 500
    max_sitemaps: int = 50
    retry_base: float = 600.0
    retry_max: float = 86_400.0
    revisit_after: tuple[float, ...] = (3_600.0, 21_600.0, 86_400.0, 259_200.0)
    revisit_max_age: float = 604_800.0

    def __post_init__(self) -> None:
        after = self.revisit_after
        if isinstance(after, str | bytes) or not all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in after
        ):
            raise ConfigError("revisit_after must be a list of numbers of seconds")
        if any(value <= 0 for value in after) or any(a >= b for a, b in itertools.pairwise(after)):
            raise ConfigError("revisit_after must be positive and growing, e.g. [3600, 21600]")
        if self.revisit_max_age < 0:
            raise ConfigError("revisit_max_age must be 0 (no revisits) or more seconds")
        # A TOML list arrives as a list; the settings stay hashable and immutable.
        object.__setattr__(self, "revisit_after", tuple(float(value) for value in after))


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedConfig:
    """A feed named in the config file."""

    url: str
    name: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a command needs: where the archive is, how to fetch, how to run."""

    db_url: str = field(default_factory=lambda: db_url_for(DEFAULT_DB_PATH))
    fetch: FetchSettings = field(default_factory=FetchSettings)
    run: RunSettings = field(default_factory=RunSettings)
    feeds: tuple[FeedConfig, ...] = ()


def db_url_for(value: str) -> str:
    """Turn --db / NEWSVAULT_DB into a SQLAlchemy URL: a URL stays, a path becomes sqlite:///."""
    if "://" in value:
        return value
    if not value.strip():
        raise ConfigError("the database path is empty")
    path = Path(os.path.expanduser(value)).absolute()
    return f"sqlite:///{path}"


def parse_allow_private(values: Iterable[str]) -> tuple[AllowEntry, ...]:
    """Parse --allow-private values: IP networks (10.0.0.0/8, ::1) or host names (intranet.local).

    Each value may itself be comma-separated (as NEWSVAULT_ALLOW_PRIVATE is).
    """
    entries: list[AllowEntry] = []
    for value in values:
        for item in (part.strip() for part in value.split(",")):
            if item:
                entries.append(_parse_allow_entry(item))
    return tuple(entries)


def _parse_allow_entry(item: str) -> AllowEntry:
    try:
        return ipaddress.ip_network(item.strip("[]"), strict=False)
    except ValueError:
        pass
    host = item.lower().rstrip(".")
    if not host or any(c in host for c in "/:@ ") or host.startswith("-"):
        raise ConfigError(f"--allow-private: {item!r} is neither a host name nor an IP network")
    return host


#: The keys a config file may hold, per table, with the type each must have. Anything else is
#: a mistake worth a clear error (a typo must not be silently ignored).
CONFIG_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    "archive": {"db": (str,)},
    "fetch": {
        "user_agent": (str,),
        "timeout": (int, float),
        "retries": (int,),
        "max_bytes": (int,),
        "allow_private": (list,),
    },
    "run": {
        "per_host_connections": (int,),
        "host_delay": (int, float),
        "workers": (int,),
        "processes": (int,),
        "max_items_per_feed": (int,),
        "revisit_after": (list,),
        "revisit_max_age": (int, float),
    },
}


def read_config(path: str) -> dict[str, Any]:
    """Read and check a newsvault.toml file; returns its tables as plain dicts."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"the config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"the config file {path} cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from exc
    _check_config(data, path)
    return data


def _check_config(data: Mapping[str, Any], path: str) -> None:
    for table, value in data.items():
        if table == "feeds":
            _check_feeds(value, path)
            continue
        if table not in CONFIG_KEYS or not isinstance(value, dict):
            raise ConfigError(f"{path}: unknown table [{table}]")
        for key, item in value.items():
            types = CONFIG_KEYS[table].get(key)
            if types is None:
                raise ConfigError(f"{path}: unknown key {key!r} in [{table}]")
            if not isinstance(item, types) or isinstance(item, bool):
                raise ConfigError(f"{path}: [{table}] {key} has the wrong type")


def _check_feeds(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: feeds must be written as [[feeds]] tables")
    for feed in value:
        if not isinstance(feed, dict) or not isinstance(feed.get("url"), str):
            raise ConfigError(f"{path}: every [[feeds]] entry needs a url")
        if set(feed) - {"url", "name", "tags"}:
            raise ConfigError(
                f"{path}: unknown key in [[feeds]]: {sorted(set(feed) - {'url', 'name', 'tags'})}"
            )


def feeds_from_config(data: Mapping[str, Any]) -> tuple[FeedConfig, ...]:
    """The [[feeds]] of a checked config file."""
    return tuple(
        FeedConfig(url=feed["url"], name=feed.get("name"), tags=tuple(feed.get("tags", ())))
        for feed in data.get("feeds", ())
    )
