"""Article blocks as plain text and as Markdown (pure)."""

from __future__ import annotations

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
    """Plain text: blocks separated by blank lines; a list's items on consecutive lines."""
    return "\n\n".join(_text_group(group) for group in _groups(blocks))


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown: "#" headings by level, "-"/"1." lists, "> " quotes, fenced preformatted text."""
    return "\n\n".join(_markdown_group(group) for group in _groups(blocks))


def _groups(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Consecutive list items of one kind of list form one group; every other block is alone."""
    for is_list, run in groupby(blocks, key=lambda b: (b.kind == "li", b.ordered)):
        if is_list[0]:
            yield list(run)
        else:
            yield from ([b] for b in run)


def _text_group(group: list[Block]) -> str:
    return "\n".join(b.text for b in group)


def _markdown_group(group: list[Block]) -> str:
    if group[0].kind == "li":
        return "\n".join(_list_item(b, n) for n, b in enumerate(group, start=1))
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


def escape_markdown(text: str) -> str:
    """Escape a leading character that Markdown would read as block syntax."""
    if _RULE_LINE.match(text) or _MARKDOWN_LEADERS.match(text):
        return "\\" + text
    return _ORDERED_LEADER.sub(r"\1\\\2", text)
