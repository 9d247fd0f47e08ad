"""Article blocks as plain text, Markdown and sanitised HTML (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

from newsvault.records import Block

# Paragraph openings that Markdown would read as syntax: headings, quotes, list markers,
# fences, rules and tables. Escaping the first character keeps the line a paragraph.
_MARKDOWN_LEADERS = re.compile(r"^(?:#|>|[-+*](?=\s|$)|`{3}|~{3}|=+$|\|)")
# "1. " or "1) " at the start opens an ordered list; the escape goes before the dot.
_ORDERED_LEADER = re.compile(r"^(\d+)([.)])(?=\s|$)")
# A run of these characters makes a rule or setext underline when alone on a line.
_RULE_LINE = re.compile(r"^(?:[-*_]\s*){3,}$")


def to_text(blocks: Sequence[Block]) -> str:
    """Plain text: blocks separated by blank lines; a list's items and a table's rows on
    consecutive lines, a row's cells separated by " | "."""
    return "\n\n".join(_text_group(group) for group in _groups(blocks))


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown: "#" headings by level, "-"/"1." lists, "> " quotes, fenced preformatted text,
    pipe tables (the first row is the header row, as Markdown requires one)."""
    return "\n\n".join(_markdown_group(group) for group in _groups(blocks))


def to_html(blocks: Sequence[Block]) -> str:
    """HTML made only of our own tags (p, h1-h6, ul/ol/li, blockquote, pre, table/tr/th/td),
    with no attributes, and every piece of text escaped: nothing of the page's markup, its
    scripts, event handlers or links survives, so it is safe to show."""
    return "\n".join(_html_group(group) for group in _groups(blocks))


def _groups(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Consecutive list items of one kind of list form one group, and consecutive table rows
    one table; every other block is alone."""
    for key, run in groupby(blocks, key=lambda b: (b.kind, b.ordered)):
        if key[0] in ("li", "row"):
            yield list(run)
        else:
            yield from ([b] for b in run)


def _text_group(group: list[Block]) -> str:
    return "\n".join(b.text for b in group)


def _markdown_group(group: list[Block]) -> str:
    if group[0].kind == "li":
        return "\n".join(_list_item(b, n) for n, b in enumerate(group, start=1))
    if group[0].kind == "row":
        return _markdown_table(group)
    block = group[0]
    if block.kind == "h":
        return "#" * min(max(block.level, 1), 6) + " " + block.text
    if block.kind == "quote":
        return "> " + escape_markdown(block.text)
    if block.kind == "pre":
        fence = "````" if "```" in block.text else "```"
        return f"{fence}\n{block.text}\n{fence}"
    return escape_markdown(block.text)


def _list_item(block: Block, number: int) -> str:
    marker = f"{number}." if block.ordered else "-"
    return f"{marker} {block.text}"


def _markdown_table(rows: list[Block]) -> str:
    width = max(len(_cells(r)) for r in rows)
    lines = [_markdown_row(_cells(r), width) for r in rows]
    return "\n".join([lines[0], "|" + " --- |" * width, *lines[1:]])


def _markdown_row(cells: tuple[str, ...], width: int) -> str:
    padded = [c.replace("|", "\\|") for c in cells] + [""] * (width - len(cells))
    return "| " + " | ".join(padded) + " |"


def _cells(row: Block) -> tuple[str, ...]:
    return row.cells or (row.text,)


def escape_markdown(text: str) -> str:
    """Escape a leading character that Markdown would read as block syntax."""
    if _RULE_LINE.match(text) or _MARKDOWN_LEADERS.match(text):
        return "\\" + text
    return _ORDERED_LEADER.sub(r"\1\\\2", text)


def _html_group(group: list[Block]) -> str:
    block = group[0]
    if block.kind == "li":
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{_escape(b.text)}</li>" for b in group)
        return f"<{tag}>{items}</{tag}>"
    if block.kind == "row":
        return "<table>" + "".join(_html_row(r) for r in group) + "</table>"
    if block.kind == "h":
        level = min(max(block.level, 1), 6)
        return f"<h{level}>{_escape(block.text)}</h{level}>"
    if block.kind == "quote":
        return f"<blockquote><p>{_escape(block.text)}</p></blockquote>"
    if block.kind == "pre":
        return f"<pre>{_escape(block.text)}</pre>"
    return f"<p>{_escape(block.text)}</p>"


def _html_row(row: Block) -> str:
    tag = "th" if row.header else "td"
    return "<tr>" + "".join(f"<{tag}>{_escape(c)}</{tag}>" for c in _cells(row)) + "</tr>"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
