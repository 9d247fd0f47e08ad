"""Settings: one frozen value object, built once by the CLI and passed down (pure)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
class Settings:
    """Everything a command needs: where the archive is and how to fetch."""

    db_url: str = field(default_factory=lambda: db_url_for(DEFAULT_DB_PATH))
    fetch: FetchSettings = field(default_factory=FetchSettings)


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
