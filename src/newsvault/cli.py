"""The command line: click commands over the pipeline (edge: the only module importing click).

Errors become one line on stderr, `Error: <what>: <why>`, and the exit code of their class
(errors.py); click's own usage errors exit 2. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from newsvault import __version__, archive, db, feeds
from newsvault.article import extract
from newsvault.config import (
    DEFAULT_DB_PATH,
    DEFAULT_USER_AGENT,
    FetchSettings,
    RunSettings,
    Settings,
    db_url_for,
    feeds_from_config,
    parse_allow_private,
    read_config,
)
from newsvault.encoding import binary_kind
from newsvault.errors import InputError, NewsvaultError, NotFound
from newsvault.fetch import Fetcher
from newsvault.lock import lock_path, run_lock
from newsvault.models import FeedRow
from newsvault.pipeline import Archived, archive_urls, subscribe
from newsvault.records import Article
from newsvault.runner import FeedTarget, Run, RunStats

FORMATS = ("text", "markdown", "json")

#: The fetcher's defaults, shown in --help.
FETCH_DEFAULTS = FetchSettings()

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

pass_settings = click.make_pass_decorator(Settings)


class CommandError(click.ClickException):
    """A NewsvaultError on its way to the terminal: one line, the class's exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(error: NewsvaultError, subject: str | None = None) -> NoReturn:
    """Stop the command with the error's sentence and exit code."""
    message = f"{subject}: {error.message}" if subject else str(error)
    raise CommandError(message, error.exit_code) from error


class JSONFormatter(logging.Formatter):
    """One JSON object per log line, for log collectors (--log-format json)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(entry, ensure_ascii=False)


def _setup_logging(verbose: int, quiet: bool, log_format: str) -> None:
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JSONFormatter() if log_format == "json" else logging.Formatter("%(levelname)s %(message)s")
    )
    # The handler filters too: records that other libraries' loggers (set to INFO on their
    # own) pass up to the root would otherwise reach stderr whatever our level says.
    handler.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # readability logs every candidate it scores; that is noise for our users.
    logging.getLogger("readability").setLevel(logging.ERROR if verbose < 2 else logging.DEBUG)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="newsvault")
@click.option(
    "--db",
    "db_path",
    envvar="NEWSVAULT_DB",
    default=DEFAULT_DB_PATH,
    show_default=True,
    help="Archive file, or a SQLAlchemy URL. Env: NEWSVAULT_DB.",
)
@click.option(
    "--allow-private",
    multiple=True,
    envvar="NEWSVAULT_ALLOW_PRIVATE",
    metavar="HOST_OR_NETWORK",
    help="Allow fetching from this private/loopback host or network (repeatable). "
    "Env: NEWSVAULT_ALLOW_PRIVATE, comma-separated.",
)
@click.option(
    "--user-agent",
    envvar="NEWSVAULT_USER_AGENT",
    default=DEFAULT_USER_AGENT,
    show_default=True,
    help="User-Agent header sent with every request. Env: NEWSVAULT_USER_AGENT.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=FETCH_DEFAULTS.total_timeout,
    show_default=True,
    help="Total seconds allowed per URL, retries and redirects included.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0, max=10),
    default=FETCH_DEFAULTS.max_retries,
    show_default=True,
    help="Retries on connection errors, 5xx and 429.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1024),
    default=FETCH_DEFAULTS.max_bytes,
    show_default=True,
    help="Largest page body accepted, counted after decompression.",
)
@click.option(
    "--config",
    "config_path",
    envvar="NEWSVAULT_CONFIG",
    type=click.Path(dir_okay=False),
    help="A newsvault.toml file with settings and [[feeds]]; flags and env win over it.",
)
@click.option("-v", "--verbose", count=True, help="Say more on stderr (twice: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Messages on stderr as plain lines or JSON objects.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: str,
    allow_private: tuple[str, ...],
    user_agent: str,
    timeout: float,
    retries: int,
    max_bytes: int,
    config_path: str | None,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Archive news articles: clean text and metadata in a SQLite file.

    \b
    Example:
        newsvault fetch https://news.example/2024/10/25/story.html
        newsvault show https://news.example/2024/10/25/story.html
    """
    _setup_logging(verbose, quiet, log_format)
    try:
        config = read_config(config_path) if config_path else {}
        given = _from_config(ctx, config)
        fetch_settings = FetchSettings(
            user_agent=given("user_agent", "fetch", "user_agent", user_agent),
            total_timeout=given("timeout", "fetch", "timeout", timeout),
            max_retries=given("retries", "fetch", "retries", retries),
            max_bytes=given("max_bytes", "fetch", "max_bytes", max_bytes),
            allow_private=parse_allow_private(
                given("allow_private", "fetch", "allow_private", allow_private)
            ),
        )
        ctx.obj = Settings(
            db_url=db_url_for(given("db_path", "archive", "db", db_path)),
            fetch=fetch_settings,
            run=RunSettings(**config.get("run", {})),
            feeds=feeds_from_config(config),
        )
    except NewsvaultError as exc:
        fail(exc)
    ctx.meta["quiet"] = quiet
    ctx.meta["verbose"] = verbose
    ctx.meta["log_format"] = log_format


def _from_config(ctx: click.Context, config: dict[str, Any]) -> Callable[[str, str, str, Any], Any]:
    """A lookup that prefers a flag or env variable, then the config file, then the default."""

    def given(param: str, table: str, key: str, value: Any) -> Any:
        if ctx.get_parameter_source(param) not in (None, ParameterSource.DEFAULT):
            return value
        return config.get(table, {}).get(key, value)

    return given


def _open(settings: Settings) -> Engine:
    try:
        return db.open_archive(settings.db_url)
    except NewsvaultError as exc:
        fail(exc)


def _read_targets(urls: tuple[str, ...]) -> Iterator[str]:
    for url in urls:
        if url == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield url


def _say(message: str) -> None:
    if not click.get_current_context().meta.get("quiet"):
        click.echo(message, err=True)


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option(
    "--print",
    "print_format",
    type=click.Choice(FORMATS),
    help="Also print each archived article to stdout in this format.",
)
@pass_settings
def fetch(settings: Settings, urls: tuple[str, ...], print_format: str | None) -> None:
    """Fetch articles and archive them. URL "-" reads URLs from stdin, one a line.

    Each URL is fetched, its article extracted and stored (or updated when it changed).
    A URL that fails is reported on stderr and recorded in the `fetches` table; the others
    go on, and the exit code is that of the first failure.

    \b
    Example:
        newsvault fetch https://news.example/2024/10/25/story.html
        newsvault fetch --print markdown https://news.example/2024/10/25/story.html
    """
    engine = _open(settings)
    sessions = db.session_factory(engine, write=True)
    exit_code = 0
    with Fetcher(settings.fetch) as fetcher:
        for result in archive_urls(fetcher, sessions, _read_targets(urls)):
            if isinstance(result, Archived):
                _report_archived(result, print_format)
                continue
            click.echo(f"Error: {result.url}: {result.error.message}", err=True)
            exit_code = exit_code or result.error.exit_code
    engine.dispose()
    sys.exit(exit_code)


def _report_archived(result: Archived, print_format: str | None) -> None:
    title = result.article.title or "(untitled)"
    _say(f"{result.outcome}: {result.url} (id {result.article_id}) {title}")
    if print_format:
        click.echo(format_article(result.article, print_format))


@cli.command(name="extract")
@click.argument("source", metavar="FILE")
@click.option("--url", help="The page's URL, to resolve its links (no request is made).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def extract_command(source: str, url: str | None, fmt: str) -> None:
    """Extract the article from a saved page (FILE, or - for stdin); nothing is archived.

    \b
    Example:
        newsvault extract page.html --url https://news.example/2024/10/25/story.html
        curl -s https://news.example/story.html | newsvault extract - --format json
    """
    content = _read_input(source)
    try:
        article = extract(content, url=url)
    except NewsvaultError as exc:
        fail(exc, "stdin" if source == "-" else source)
    click.echo(format_article(article, fmt))


def _read_input(source: str) -> bytes:
    name = "stdin" if source == "-" else source
    try:
        content = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        fail(InputError("no such file"), name)
    except IsADirectoryError:
        fail(InputError("is a directory, not a file"), name)
    except OSError as exc:
        fail(InputError(f"cannot be read ({exc.strerror})"), name)
    if not content.strip():
        fail(InputError("is empty"), name)
    what = binary_kind(content)
    if what is not None:
        fail(InputError(f"is not an HTML page: it is {what}"), name)
    return content


@cli.command()
@click.argument("key", metavar="URL-or-ID")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@pass_settings
def show(settings: Settings, key: str, fmt: str) -> None:
    """Print an archived article, found by its id or URL (as fetched, canonical or final).

    \b
    Example:
        newsvault show https://news.example/2024/10/25/story.html --format markdown
        newsvault show 42 --format json
    """
    engine = _open(settings)
    with db.session_factory(engine)() as session:
        row = archive.find_article(session, key)
        if row is None:
            fail(NotFound("no such article in the archive"), key)
        article = archive.to_article(row)
    click.echo(format_article(article, fmt))


@cli.group(name="db")
def db_group() -> None:
    """Manage the archive database itself.

    \b
    Example:
        newsvault --db archive.db db upgrade
    """


@db_group.command()
@pass_settings
def upgrade(settings: Settings) -> None:
    """Create the archive, or bring it to the newest schema (also done on first use).

    \b
    Example:
        newsvault db upgrade
    """
    engine = db.make_engine(settings.db_url)
    try:
        before, after = db.upgrade(engine)
    except NewsvaultError as exc:
        fail(exc)
    if before == after:
        _say(f"the archive is at the newest schema ({after})")
    else:
        _say(f"the archive was upgraded from schema {before or '(empty)'} to {after}")


# --- feeds ---------------------------------------------------------------------------------


@cli.group(name="feeds")
def feeds_group() -> None:
    """Manage the feeds and sitemaps that `newsvault run` polls.

    \b
    Example:
        newsvault feeds add https://news.example/rss.xml --name "Example News" --tag world
        newsvault feeds list
    """


@feeds_group.command(name="add")
@click.argument("url")
@click.option("--name", help="A name for the feed (shown by `feeds list`).")
@click.option("--tag", "tags", multiple=True, help="A tag for the feed (repeatable).")
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Fetch the URL first: a feed must parse; a web page's feeds are discovered.",
)
@pass_settings
def feeds_add(
    settings: Settings, url: str, name: str | None, tags: tuple[str, ...], check: bool
) -> None:
    """Subscribe to a feed or sitemap; given a homepage, subscribe to the feeds it announces.

    \b
    Example:
        newsvault feeds add https://news.example/rss.xml --name "Example News" --tag world
        newsvault feeds add https://news.example/
    """
    engine = _open(settings)
    sessions = db.session_factory(engine, write=True)
    with Fetcher(settings.fetch) as fetcher:
        try:
            added = subscribe(fetcher, sessions, url, name=name, tags=list(tags), check=check)
        except NewsvaultError as exc:
            fail(exc, url)
    for feed in added:
        state = "added" if feed.created else "already subscribed"
        found = " (found on the page)" if feed.discovered else ""
        _say(f"{state}: {feed.url}{found} (id {feed.feed_id})")


@feeds_group.command(name="list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def feeds_list(settings: Settings, fmt: str) -> None:
    """List the feeds with their state: enabled, last poll, failures and the last error.

    \b
    Example:
        newsvault feeds list
        newsvault feeds list --format json
    """
    engine = _open(settings)
    with db.session_factory(engine)() as session:
        rows = [_feed_summary(feed) for feed in archive.list_feeds(session)]
    if fmt == "json":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        state = "enabled" if row["enabled"] else f"disabled ({row['disabled_reason'] or 'by hand'})"
        polled = row["last_polled_at"] or "never"
        failures = (
            f", {row['consecutive_failures']} failures: {row['last_error']}"
            if row["consecutive_failures"]
            else ""
        )
        name = f" {row['name']}" if row["name"] else ""
        click.echo(f"{row['id']:>4} {row['url']}{name} [{state}; polled {polled}{failures}]")


def _feed_summary(feed: FeedRow) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.name,
        "tags": feed.tags,
        "enabled": feed.enabled,
        "kind": feed.kind,
        "title": feed.title,
        "last_polled_at": _iso(feed.last_polled_at),
        "last_success_at": _iso(feed.last_success_at),
        "next_poll_at": _iso(feed.next_poll_at),
        "last_status": feed.last_status,
        "consecutive_failures": feed.consecutive_failures,
        "last_error": feed.last_error,
        "disabled_reason": feed.disabled_reason,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _change_feed(settings: Settings, key: str, change: Callable[[Session, FeedRow], str]) -> None:
    engine = _open(settings)
    with db.session_factory(engine, write=True).begin() as session:
        feed = archive.find_feed(session, key)
        if feed is None:
            fail(NotFound("no such feed in the archive"), key)
        _say(change(session, feed))


@feeds_group.command(name="remove")
@click.argument("key", metavar="URL-or-ID")
@pass_settings
def feeds_remove(settings: Settings, key: str) -> None:
    """Unsubscribe from a feed (its articles stay in the archive).

    \b
    Example:
        newsvault feeds remove https://news.example/rss.xml
    """

    def remove(session: Session, feed: FeedRow) -> str:
        session.delete(feed)
        return f"removed: {feed.url}"

    _change_feed(settings, key, remove)


@feeds_group.command(name="enable")
@click.argument("key", metavar="URL-or-ID")
@pass_settings
def feeds_enable(settings: Settings, key: str) -> None:
    """Poll a feed again (also after a 410 Gone disabled it), from the next run on.

    \b
    Example:
        newsvault feeds enable 3
    """

    def enable(session: Session, feed: FeedRow) -> str:
        feed.enabled = True
        feed.disabled_reason = None
        feed.consecutive_failures = 0
        feed.next_poll_at = None
        return f"enabled: {feed.url}"

    _change_feed(settings, key, enable)


@feeds_group.command(name="disable")
@click.argument("key", metavar="URL-or-ID")
@pass_settings
def feeds_disable(settings: Settings, key: str) -> None:
    """Stop polling a feed, keeping it and its articles.

    \b
    Example:
        newsvault feeds disable https://news.example/rss.xml
    """

    def disable(session: Session, feed: FeedRow) -> str:
        feed.enabled = False
        feed.disabled_reason = "disabled by hand"
        return f"disabled: {feed.url}"

    _change_feed(settings, key, disable)


@feeds_group.command(name="import")
@click.argument("path", metavar="FILE.opml", type=click.Path(dir_okay=False))
@pass_settings
def feeds_import(settings: Settings, path: str) -> None:
    """Subscribe to every feed of an OPML file (what feed readers export).

    \b
    Example:
        newsvault feeds import subscriptions.opml
    """
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        fail(InputError(f"cannot be read ({exc.strerror})"), path)
    try:
        entries = feeds.parse_opml(content, path)
    except NewsvaultError as exc:
        fail(exc, path)
    engine = _open(settings)
    now = datetime.now(UTC)
    created = 0
    with db.session_factory(engine, write=True).begin() as session:
        for entry in entries:
            _, new = archive.add_feed(
                session, entry.url, name=entry.name, tags=list(entry.tags), now=now
            )
            created += new
    _say(f"imported {len(entries)} feeds from {path} ({created} new)")


# --- run -------------------------------------------------------------------------------------


#: `run` exit codes beyond the error classes' own (README, "Exit codes").
EXIT_FAILURES_STRICT = 11
EXIT_INTERRUPTED = 130


@cli.command()
@click.option(
    "--feed",
    "feed_urls",
    multiple=True,
    metavar="URL",
    help="Poll this feed once, without subscribing to it (repeatable); other feeds are left.",
)
@click.option("--per-host-connections", type=click.IntRange(1, 16), help="Default 2.")
@click.option("--host-delay", type=click.FloatRange(min=0), help="Seconds; default 1.")
@click.option("--workers", type=click.IntRange(1, 256), help="Fetching threads; default 16.")
@click.option(
    "--processes",
    type=click.IntRange(0, 64),
    help="Extraction processes; default one per core (0: extract in the fetching threads).",
)
@click.option("--max-items", type=click.IntRange(min=1), help="New items per feed; default 500.")
@click.option("--strict", is_flag=True, help=f"Exit {EXIT_FAILURES_STRICT} if anything failed.")
@pass_settings
def run(
    settings: Settings,
    feed_urls: tuple[str, ...],
    per_host_connections: int | None,
    host_delay: float | None,
    workers: int | None,
    processes: int | None,
    max_items: int | None,
    strict: bool,
) -> None:
    """Poll every feed that is due and archive its new articles; made for cron.

    One run at a time per archive: a second one exits at once (exit 12). Each article is
    committed on its own, so a killed run loses only the articles in flight. One summary
    line at the end; failures are recorded in `fetches` and `runs` and counted.

    \b
    Example:
        newsvault run
        newsvault run --feed https://news.example/rss.xml
        */10 * * * *  cd /srv/news && newsvault --quiet run
    """
    overrides = {
        "per_host_connections": per_host_connections,
        "host_delay": host_delay,
        "workers": workers,
        "processes": processes,
        "max_items_per_feed": max_items,
    }
    given: dict[str, Any] = {key: value for key, value in overrides.items() if value is not None}
    settings = dataclasses.replace(settings, run=dataclasses.replace(settings.run, **given))
    engine = _open(settings)
    sessions = db.session_factory(engine, write=True)
    signal.signal(signal.SIGTERM, _interrupt)  # cron and systemd stop jobs with SIGTERM
    try:
        with run_lock(lock_path(settings.db_url)):
            stats = _run_locked(settings, sessions, feed_urls)
    except NewsvaultError as exc:
        fail(exc)
    except KeyboardInterrupt:
        click.echo("Error: the run was interrupted; finished articles are kept", err=True)
        sys.exit(EXIT_INTERRUPTED)
    failed = stats.feeds_failed + stats.articles_failed
    sys.exit(EXIT_FAILURES_STRICT if strict and failed else 0)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run_locked(
    settings: Settings, sessions: sessionmaker[Session], feed_urls: tuple[str, ...]
) -> RunStats:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for feed in settings.feeds:
            archive.add_feed(session, feed.url, name=feed.name, tags=list(feed.tags), now=now)
        if feed_urls:
            targets = [FeedTarget(url=url) for url in feed_urls]
        else:
            targets = [
                FeedTarget(
                    url=row.url, feed_id=row.id, etag=row.etag, last_modified=row.last_modified
                )
                for row in archive.due_feeds(session, now)
            ]
        run_id = archive.start_run(session, pid=os.getpid(), now=now).id
    progress = _progress_line() if _show_progress() else None
    runner = Run(settings, sessions, progress=progress)
    status: str = "failed"
    message: str | None = "the run stopped on an error"
    try:
        runner.execute(targets)
        status, message = "completed", None
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted by a signal"
        raise
    finally:
        if progress is not None:
            click.echo("", err=True)
        with sessions.begin() as session:
            archive.finish_run(
                session,
                run_id,
                status=status,
                counts=runner.stats.counts(),
                now=datetime.now(UTC),
                message=message,
            )
    _summarise(run_id, runner.stats)
    return runner.stats


def _summarise(run_id: int, stats: RunStats) -> None:
    """The run's one summary line on stderr: plain, or a JSON object with --log-format json."""
    meta = click.get_current_context().meta
    if meta.get("quiet"):
        return
    if meta.get("log_format") == "json":
        entry = {"event": "run finished", "run": run_id, **stats.counts()}
        click.echo(json.dumps(entry), err=True)
    else:
        click.echo(f"run {run_id}: {stats.summary()}", err=True)


def _show_progress() -> bool:
    ctx = click.get_current_context()
    quiet_or_verbose = ctx.meta.get("quiet") or ctx.meta.get("verbose")
    return sys.stderr.isatty() and not quiet_or_verbose


def _progress_line() -> Callable[[RunStats], None]:
    def show(stats: RunStats) -> None:
        done = stats.articles_new + stats.articles_failed + stats.skipped_robots
        line = (
            f"\rfeeds {stats.feeds_polled}  articles {done}/{stats.articles_queued}"
            f"  new {stats.articles_new}  failed {stats.articles_failed + stats.feeds_failed}"
        )
        click.echo(line, nl=False, err=True)

    return show


def format_article(article: Article, fmt: str) -> str:
    """An article as text (a short header, then the body), Markdown or one line of JSON."""
    if fmt == "json":
        return json.dumps(dataclasses.asdict(article), ensure_ascii=False)
    if fmt == "markdown":
        return _as_markdown(article)
    return _as_text(article)


def _header_line(article: Article) -> str:
    parts = [article.byline, article.published_at, article.site_name]
    return " · ".join(part for part in parts if part)


def _as_text(article: Article) -> str:
    lines = [article.title or "(untitled)", _header_line(article), article.url or ""]
    head = "\n".join(line for line in lines if line)
    parts = [head, article.description or "", article.text]
    return "\n\n".join(part for part in parts if part)


def _as_markdown(article: Article) -> str:
    parts = [f"# {article.title or '(untitled)'}"]
    if _header_line(article):
        parts.append(f"*{_header_line(article)}*")
    if article.description:
        parts.append(f"**{article.description}**")
    parts.append(article.markdown)
    if article.url:
        parts.append(f"<{article.url}>")
    return "\n\n".join(parts)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="newsvault")
