"""The command line: click commands over the pipeline (edge: the only module importing click).

Errors become one line on stderr, `Error: <what>: <why>`, and the exit code of their class
(errors.py); click's own usage errors exit 2. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import difflib
import io
import json
import logging
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource
from sqlalchemy.exc import SQLAlchemyError

from newsvault import __version__, archive, db, feeds, query
from newsvault.article import EXTRACTOR_VERSION, extract
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
from newsvault.errors import (
    InputError,
    NewsvaultError,
    NotAnArticle,
    NotFound,
    OutputError,
    StorageError,
)
from newsvault.fetch import Fetcher
from newsvault.lock import lock_path, run_lock
from newsvault.models import ArticleRow, ArticleVersion, FeedRow
from newsvault.pipeline import Archived, archive_urls, subscribe
from newsvault.records import Article
from newsvault.runner import FeedTarget, Run, RunStats
from newsvault.urls import redact

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
            click.echo(f"Error: {redact(result.url)}: {result.error.message}", err=True)
            exit_code = exit_code or result.error.exit_code
    engine.dispose()
    sys.exit(exit_code)


def _report_archived(result: Archived, print_format: str | None) -> None:
    title = result.article.title or "(untitled)"
    _say(f"{result.outcome}: {redact(result.url)} (id {result.article_id}) {title}")
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


# --- search, export, stats: read-only commands for analysts ---------------------------------


class DateParam(click.ParamType[datetime]):
    """YYYY-MM-DD or an ISO-8601 time (UTC unless it says otherwise) as an aware datetime.

    With `end_of_day`, a bare date means the end of that day, so `--until 2024-10-31`
    takes in the 31st.
    """

    name = "date"

    def __init__(self, *, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        given = str(value).strip()
        try:
            parsed = datetime.fromisoformat(given)
        except ValueError:
            self.fail(
                f"{given!r} is not a date: use YYYY-MM-DD or an ISO-8601 time "
                "such as 2024-10-01T08:00Z",
                param,
                ctx,
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        if self.end_of_day and not any(mark in given for mark in "T :"):
            parsed += timedelta(days=1)
        return parsed.astimezone(UTC)


_Command = TypeVar("_Command", bound=Callable[..., Any])


def filter_options(command: _Command) -> _Command:
    """--since, --until and --source, shared by search and export."""
    options = [
        click.option(
            "--since",
            type=DateParam(),
            metavar="DATE",
            help="Only articles published on or after DATE (YYYY-MM-DD or ISO-8601; UTC).",
        ),
        click.option(
            "--until",
            type=DateParam(end_of_day=True),
            metavar="DATE",
            help="Only articles published before DATE; a bare date includes that whole day.",
        ),
        click.option(
            "--source", metavar="HOST", help="Only articles from this site (and its subdomains)."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _check_range(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and until <= since:
        raise click.BadParameter("must come after --since", param_hint="'--until'")


#: How a match is marked in a snippet on a terminal (ANSI bold); brackets everywhere else.
BOLD_MARKS = ("\x1b[1m", "\x1b[0m")

SEARCH_FIELDS = (
    "id",
    "date",
    "published_at",
    "source",
    "title",
    "byline",
    "url",
    "snippet",
    "score",
)


@cli.command(name="search")
@click.argument("text", metavar="QUERY")
@filter_options
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@pass_settings
def search_command(
    settings: Settings,
    text: str,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Full-text search of the archive, most relevant first, with the matching passage.

    QUERY is SQLite FTS5 syntax: words (all must match), "a phrase", OR, NOT, prefix*,
    title:word. A match in the title counts most. --since/--until filter on the publication
    date (or the date first archived, when the page gives none). A query matching more than
    2,000 articles is ranked among its 2,000 most recently archived matches: add words,
    --since/--until or --source to reach older ones.

    \b
    Example:
        newsvault search '"north korean" troops' --since 2024-10-01
        newsvault search 'kursk OR belgorod' --source euronews.com --format json
    """
    _check_range(since, until)
    engine = _open(settings)
    bold = fmt == "table" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    with db.session_factory(engine)() as session:
        try:
            hits = query.search(
                session,
                text,
                since=since,
                until=until,
                source=source,
                limit=limit,
                marks=BOLD_MARKS if bold else query.PLAIN_MARKS,
            )
        except NotFound as exc:
            fail(exc, f"--source {source}")
        except NewsvaultError as exc:
            fail(exc)
    engine.dispose()
    if not hits:
        _say("no articles match")
        return
    _print_hits(hits, fmt)


def _hit_record(hit: query.Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "date": hit.date.date().isoformat(),
        "published_at": _iso(hit.published_at),
        "source": hit.source,
        "title": hit.title,
        "byline": hit.byline,
        "url": hit.url,
        "snippet": hit.snippet,
        "score": hit.score,
    }


def _print_hits(hits: list[query.Hit], fmt: str) -> None:
    if fmt == "json":
        for hit in hits:
            click.echo(json.dumps(_hit_record(hit), ensure_ascii=False))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, SEARCH_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_hit_record(hit) for hit in hits)
        click.echo(buffer.getvalue(), nl=False)
    else:
        for hit in hits:
            byline = f" · {hit.byline}" if hit.byline else ""
            title = hit.title or "(untitled)"
            click.echo(f"{hit.id:>6}  {hit.date:%Y-%m-%d}  {hit.source}  {title}{byline}")
            click.echo(f"        {hit.snippet}\n")


@cli.command(name="export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(query.EXPORT_FORMATS),
    default="jsonl",
    show_default=True,
    help="JSON Lines, CSV (lists as JSON), or Parquet (pip install 'newsvault[parquet]').",
)
@filter_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write to FILE (it appears only once complete) instead of stdout.",
)
@pass_settings
def export_command(
    settings: Settings,
    fmt: str,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    output: str | None,
) -> None:
    """Write the archived articles out, oldest first, streaming: memory stays flat.

    Every article column an analyst uses, with the source's host. A progress bar shows on
    a terminal. FILE is written as FILE.tmp and renamed when complete, so a failed export
    leaves no half-written file (and an older FILE as it was).

    \b
    Example:
        newsvault export --format parquet -o articles.parquet
        newsvault export --since 2024-10-01 --source euronews.com > october.jsonl
    """
    _check_range(since, until)
    if fmt == "parquet" and output is None:
        raise click.UsageError("Parquet cannot be written to stdout: give -o FILE")
    try:
        query.check_format(fmt)
    except NewsvaultError as exc:
        fail(exc)
    engine = _open(settings)
    with db.session_factory(engine)() as session:
        try:
            total = query.count_articles(session, since=since, until=until, source=source)
        except NotFound as exc:
            fail(exc, f"--source {source}")
        batches = query.export_batches(
            session, since=since, until=until, source=source, batch_size=query.EXPORT_BATCH
        )
        with _export_progress(total) as progress:

            def write(out: IO[bytes]) -> int:
                return query.write_export(batches, out, fmt, progress=progress)

            count = _write_output(output, write)
    engine.dispose()
    _say(f"exported {count} articles" + (f" to {output}" if output else ""))


@contextlib.contextmanager
def _export_progress(total: int) -> Iterator[Callable[[int], None] | None]:
    if not total or not _show_progress():
        yield None
        return
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        yield bar.update


def _write_output(path: str | None, write: Callable[[IO[bytes]], int]) -> int:
    """Run `write` on stdout, or on PATH.tmp renamed to PATH once it succeeded."""
    if path is None:
        return _write_stdout(write)
    target = Path(path)
    if target.is_dir():
        fail(OutputError("cannot be written: it is a folder"), path)
    partial = target.with_name(f"{target.name}.tmp")
    try:
        with partial.open("wb") as out:
            count = write(out)
        os.replace(partial, target)
    except OSError as exc:
        fail(OutputError(f"cannot be written ({exc.strerror or exc})"), path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _write_stdout(write: Callable[[IO[bytes]], int]) -> int:
    stdout = sys.stdout.buffer
    try:
        count = write(stdout)
        stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do, and keep
        # Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        fail(OutputError(f"cannot be written ({exc.strerror or exc})"), "stdout")
    return count


@cli.command(name="stats")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def stats_command(settings: Settings, fmt: str) -> None:
    """The archive at a glance: per source and the feeds' health.

    Per source (most articles first): articles, words, when its newest article was first
    archived, and failed fetches. Then the feeds: how many, enabled, failing (their last
    polls failed) and disabled, with the failing and disabled ones listed.

    \b
    Example:
        newsvault stats
        newsvault stats --format json
    """
    engine = _open(settings)
    with db.session_factory(engine)() as session:
        result = query.stats(session)
    engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(_stats_record(result), ensure_ascii=False, default=_iso))
        return
    _print_stats(result)


def _stats_record(result: query.Stats) -> dict[str, Any]:
    return {
        "sources": [dataclasses.asdict(source) for source in result.sources],
        "feeds": {
            "total": result.feeds_total,
            "enabled": result.feeds_enabled,
            "failing": result.feeds_failing,
            "disabled": result.feeds_disabled,
            "unhealthy": [dataclasses.asdict(feed) for feed in result.unhealthy_feeds],
        },
    }


def _print_stats(result: query.Stats) -> None:
    if not result.sources:
        _say("no articles in the archive yet")
    else:
        click.echo(f"{'source':<32} {'articles':>8} {'words':>10}  {'last archived':<16} failures")
        for s in result.sources:
            last = f"{s.last_archived_at:%Y-%m-%d %H:%M}" if s.last_archived_at else "-"
            click.echo(f"{s.host:<32} {s.articles:>8} {s.words:>10}  {last:<16} {s.failures:>8}")
    click.echo(
        f"\nfeeds: {result.feeds_total} ({result.feeds_enabled} enabled, "
        f"{result.feeds_failing} failing, {result.feeds_disabled} disabled)"
    )
    for feed in result.unhealthy_feeds:
        if not feed.enabled:
            state = f"disabled: {feed.disabled_reason or 'by hand'}"
        else:
            state = f"{feed.consecutive_failures} failures in a row: {feed.last_error or '?'}"
        click.echo(f"  {feed.id:>4} {feed.url} [{state}]")


# --- history, reextract: revisions and the stored raw pages -----------------------------------


@cli.command(name="history")
@click.argument("key", metavar="URL-or-ID")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_settings
def history_command(settings: Settings, key: str, fmt: str) -> None:
    """Show every stored revision of an article and what changed from one to the next.

    A revision is stored when a later fetch finds the title or text really changed. Text
    changes are shown by paragraph, with removed words as [-...-] and added ones as {+...+};
    --format json prints one object per revision, with a unified diff by paragraph.

    \b
    Example:
        newsvault history https://news.example/2024/10/25/story.html
        newsvault history 42 --format json
    """
    engine = _open(settings)
    with db.session_factory(engine)() as session:
        row = archive.find_article(session, key)
        if row is None:
            fail(NotFound("no such article in the archive"), key)
        versions = archive.versions_of(session, row.id)
    if fmt == "json":
        for record in _revision_records(row, versions):
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(_history_text(row, versions))


#: In a changed paragraph, a run of unchanged words longer than this is shortened to its
#: first and last CONTEXT_WORDS words, so the change stands out in a long paragraph.
MAX_UNCHANGED_WORDS = 24
CONTEXT_WORDS = 8


def _paragraphs(text: str | None) -> list[str]:
    """A stored text's paragraphs (blank-line separated), whitespace tidied."""
    return [" ".join(part.split()) for part in (text or "").split("\n\n") if part.strip()]


def _word_diff(old: str, new: str) -> str:
    """`new` with the words removed from `old` as [-...-] and the words added as {+...+}."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same = before[i1:i2]
            if len(same) > MAX_UNCHANGED_WORDS:
                same = [*same[:CONTEXT_WORDS], "...", *same[-CONTEXT_WORDS:]]
            out.extend(same)
            continue
        if i2 > i1:
            out.append("[-" + " ".join(before[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(after[j1:j2]) + "+}")
    return " ".join(out)


def _text_changes(old: str, new: str) -> list[str]:
    """One line per paragraph changed, added or removed (numbered as in the newer text)."""
    before, after = _paragraphs(old), _paragraphs(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            lines.append(f"¶{j1 + k + 1} changed: {_word_diff(before[i1 + k], after[j1 + k])}")
        for k in range(i1 + paired, i2):
            lines.append(f"¶{k + 1} removed: [-{before[k]}-]")
        for k in range(j1 + paired, j2):
            lines.append(f"¶{k + 1} added: {{+{after[k]}+}}")
    return lines


def _field_changes(old: ArticleVersion, new: ArticleVersion) -> list[str]:
    lines = []
    for name in ("title", "byline", "description"):
        before, after = getattr(old, name) or "", getattr(new, name) or ""
        if " ".join(before.split()) != " ".join(after.split()):
            lines.append(f"{name}: {_word_diff(before, after) if before else after}")
    if old.extractor_version != new.extractor_version:
        lines.append(
            f"(extracted by {old.extractor_version}, then {new.extractor_version}: "
            "part of the difference may come from the extractor)"
        )
    return lines


def _history_text(row: ArticleRow, versions: list[ArticleVersion]) -> str:
    lines = [f"{row.title or '(untitled)'} (article {row.id})", row.url]
    if not versions:
        return "\n".join([*lines, "no revisions stored"])
    lines.append(f"{len(versions)} revision{'s' if len(versions) > 1 else ''}")
    previous: ArticleVersion | None = None
    for version in versions:
        when = version.fetched_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if previous is None:
            words = len(version.text.split())
            lines += ["", f"revision {version.version} · {when} · first archived · {words} words"]
        else:
            changes = _field_changes(previous, version) + _text_changes(previous.text, version.text)
            lines += ["", f"revision {version.version} · {when}"]
            lines += [f"  {line}" for line in changes or ["(no visible change)"]]
        previous = version
    return "\n".join(lines)


def _revision_records(row: ArticleRow, versions: list[ArticleVersion]) -> Iterator[dict[str, Any]]:
    previous: ArticleVersion | None = None
    for version in versions:
        before = _paragraphs(previous.text) if previous else []
        diff = difflib.unified_diff(
            before,
            _paragraphs(version.text),
            fromfile=f"revision {previous.version}" if previous else "(none)",
            tofile=f"revision {version.version}",
            lineterm="",
        )
        yield {
            "article_id": row.id,
            "url": row.url,
            "version": version.version,
            "fetched_at": _iso(version.fetched_at),
            "extractor_version": version.extractor_version,
            "title": version.title,
            "previous_title": previous.title if previous else None,
            "byline": version.byline,
            "description": version.description,
            "text": version.text,
            "diff": "\n".join(diff) if previous else "",
        }
        previous = version


@cli.command(name="reextract")
@click.option(
    "--since",
    type=DateParam(),
    metavar="DATE",
    help="Only articles first archived on or after DATE (YYYY-MM-DD or ISO-8601; UTC).",
)
@click.option("--source", "host", metavar="HOST", help="Only articles from this site.")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every article, not only those an older extractor made.",
)
@pass_settings
def reextract_command(
    settings: Settings, since: datetime | None, host: str | None, everything: bool
) -> None:
    """Extract the stored raw pages again with this newsvault's extractor; no network.

    By default only articles made by an older extractor are read again. Their text and
    metadata are updated in place, with the extractor version; no revision is stored (the
    story did not change, only how it is read). A page that no longer yields an article is
    reported and left as it was. Each article is its own transaction.

    \b
    Example:
        newsvault reextract
        newsvault reextract --all --source news.example --since 2024-10-01
    """
    engine = _open(settings)
    sessions = db.session_factory(engine, write=True)
    with sessions() as session:
        source_id = None
        if host is not None:
            source = archive.find_source(session, host)
            if source is None:
                fail(NotFound("no such source in the archive"), host)
            source_id = source.id
        ids = archive.reextraction_candidates(
            session,
            extractor_version=EXTRACTOR_VERSION,
            everything=everything,
            since=since,
            source_id=source_id,
        )
    tally: Counter[str] = Counter()
    for article_id in ids:
        tally[_reextract_one(sessions, article_id)] += 1
    done = tally["changed"] + tally["unchanged"]
    noun = "article" if done == 1 else "articles"
    _say(f"re-extracted {done} {noun} (changed {tally['changed']}), failed {tally['failed']}")


def _reextract_one(sessions: sessionmaker[Session], article_id: int) -> str:
    """Extract one stored page again and store the result: changed, unchanged or failed."""
    with sessions() as session:
        page = archive.stored_page(session, article_id)
    if page is None:
        return "failed"
    try:
        article = dataclasses.replace(extract(page.html, url=page.final_url), url=page.url)
    except NewsvaultError as exc:
        what = "no article on the stored page any more" if isinstance(exc, NotAnArticle) else ""
        reason = f"{what} ({exc.message})" if what else exc.message
        click.echo(f"Error: {redact(page.url)}: {reason}; left as it was", err=True)
        return "failed"
    try:
        with sessions.begin() as session:
            changed = archive.apply_reextraction(
                session,
                article_id,
                article,
                extractor_version=EXTRACTOR_VERSION,
                now=datetime.now(UTC),
            )
    except SQLAlchemyError as exc:
        fail(StorageError(f"the article could not be updated: {exc}"), redact(page.url))
    return "changed" if changed else "unchanged"


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
    help="Extraction processes; default one fewer than the cores, since the main process "
    "fetches and writes (0: extract in the fetching threads).",
)
@click.option("--max-items", type=click.IntRange(min=1), help="New items per feed; default 500.")
@click.option(
    "--no-revisits",
    is_flag=True,
    help="Fetch no archived article again this run (revisits: 1 h, 6 h, 24 h, 72 h after "
    "first sight, by default; never with --feed).",
)
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
    no_revisits: bool,
    strict: bool,
) -> None:
    """Poll every feed that is due and archive its new articles; made for cron.

    One run at a time per archive: a second one exits at once (exit 12). Each article is
    committed on its own, so a killed run loses only the articles in flight. One summary
    line at the end; failures are recorded in `fetches` and `runs` and counted. Articles
    archived in the last 7 days are also fetched again when due, and a real change of their
    title or text is kept as a new revision (see `history`).

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
        "revisit_max_age": 0 if no_revisits else None,
    }
    given: dict[str, Any] = {key: value for key, value in overrides.items() if value is not None}
    settings = dataclasses.replace(settings, run=dataclasses.replace(settings.run, **given))
    engine = _open(settings)
    sessions = db.session_factory(engine, write=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # cron and systemd stop jobs this way
    try:
        with run_lock(lock_path(settings.db_url)):
            stats = _run_locked(settings, sessions, feed_urls)
    except NewsvaultError as exc:
        fail(exc)
    except KeyboardInterrupt:
        click.echo("Error: the run was interrupted; finished articles are kept", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
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
        runner.execute(targets, revisits=not feed_urls)
        status, message = "completed", None
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted by a signal"
        raise
    finally:
        if progress is not None:
            click.echo("", err=True)
        _finish_run(sessions, run_id, status, runner.stats, message)
    _summarise(run_id, runner.stats)
    return runner.stats


def _finish_run(
    sessions: sessionmaker[Session], run_id: int, status: str, stats: RunStats, message: str | None
) -> None:
    """Close the `runs` row; an archive that cannot take even that (disk full) is a StorageError."""
    try:
        with sessions.begin() as session:
            archive.finish_run(
                session,
                run_id,
                status=status,
                counts=stats.counts(),
                now=datetime.now(UTC),
                message=message,
            )
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        message = f"the end of the run could not be recorded: {reason}"
        if status == "completed":
            raise StorageError(message) from exc
        # Already stopping on an error, which is the one to report.
        logging.getLogger(__name__).warning(message)


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
        line = (
            f"\rfeeds {stats.feeds_polled}  articles {stats.articles_done}/{stats.articles_queued}"
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
