"""The command line: click commands over the pipeline (edge: the only module importing click).

Errors become one line on stderr, `Error: <what>: <why>`, and the exit code of their class
(errors.py); click's own usage errors exit 2. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from newsvault import __version__, archive, db
from newsvault.article import extract
from newsvault.config import (
    DEFAULT_DB_PATH,
    DEFAULT_USER_AGENT,
    FetchSettings,
    Settings,
    db_url_for,
    parse_allow_private,
)
from newsvault.encoding import binary_kind
from newsvault.errors import InputError, NewsvaultError, NotFound
from newsvault.fetch import Fetcher
from newsvault.pipeline import Archived, archive_urls
from newsvault.records import Article

FORMATS = ("text", "markdown", "json")

#: The fetcher's defaults, shown in --help.
FETCH_DEFAULTS = FetchSettings()

if TYPE_CHECKING:
    from sqlalchemy import Engine

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


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
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
@click.option("-v", "--verbose", count=True, help="Say more on stderr (twice: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: str,
    allow_private: tuple[str, ...],
    user_agent: str,
    timeout: float,
    retries: int,
    max_bytes: int,
    verbose: int,
    quiet: bool,
) -> None:
    """Archive news articles: clean text and metadata in a SQLite file.

    \b
    Example:
        newsvault fetch https://news.example/2024/10/25/story.html
        newsvault show https://news.example/2024/10/25/story.html
    """
    _setup_logging(verbose, quiet)
    try:
        fetch_settings = FetchSettings(
            user_agent=user_agent,
            total_timeout=timeout,
            max_retries=retries,
            max_bytes=max_bytes,
            allow_private=parse_allow_private(allow_private),
        )
        ctx.obj = Settings(db_url=db_url_for(db_path), fetch=fetch_settings)
    except NewsvaultError as exc:
        fail(exc)
    ctx.meta["quiet"] = quiet


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
