"""render.py: blocks as plain text and as Markdown."""

from __future__ import annotations

import pytest

from newsvault.records import Block
from newsvault.render import escape_markdown, to_html, to_markdown, to_text

BLOCKS = (
    Block("p", "First paragraph."),
    Block("h", "A subheading", level=2),
    Block("li", "one"),
    Block("li", "two"),
    Block("li", "first", ordered=True),
    Block("li", "second", ordered=True),
    Block("quote", "“Quoted,” she said."),
    Block("pre", "x = 1\n  y = 2"),
    Block("h", "Deeper", level=4),
    Block("p", "Last paragraph."),
)


def test_text_separates_blocks_with_blank_lines_and_lists_by_line() -> None:
    assert to_text(BLOCKS) == (
        "First paragraph.\n\nA subheading\n\none\ntwo\n\nfirst\nsecond\n\n"
        "“Quoted,” she said.\n\nx = 1\n  y = 2\n\nDeeper\n\nLast paragraph."
    )


def test_markdown() -> None:
    assert to_markdown(BLOCKS) == (
        "First paragraph.\n\n## A subheading\n\n- one\n- two\n\n1. first\n2. second\n\n"
        "> “Quoted,” she said.\n\n```\nx = 1\n  y = 2\n```\n\n#### Deeper\n\nLast paragraph."
    )


def test_empty() -> None:
    assert to_text(()) == to_markdown(()) == ""


def test_fence_longer_than_a_fence_inside() -> None:
    assert to_markdown((Block("pre", "```\ncode\n```"),)).startswith("````\n")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("# not a heading", "\\# not a heading"), ("- not a list", "\\- not a list"),
     ("1. not a list", "1\\. not a list"), ("> not a quote", "\\> not a quote"),
     ("---", "\\---"), ("12.5 percent rose", "12.5 percent rose"),
     ("Plain text", "Plain text")],
)  # fmt: skip
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


TABLE = (
    Block("row", "Lake | Level", cells=("Lake", "Level"), header=True),
    Block("row", "Cedar | 41%", cells=("Cedar", "41%")),
    Block("row", "Pine|Fork | 45%", cells=("Pine|Fork", "45%")),
)


def test_table_rows_as_text_markdown_and_html() -> None:
    assert to_text(TABLE) == "Lake | Level\nCedar | 41%\nPine|Fork | 45%"
    assert to_markdown(TABLE) == (
        "| Lake | Level |\n| --- | --- |\n| Cedar | 41% |\n| Pine\\|Fork | 45% |"
    )
    assert to_html(TABLE) == (
        "<table><tr><th>Lake</th><th>Level</th></tr><tr><td>Cedar</td><td>41%</td></tr>"
        "<tr><td>Pine|Fork</td><td>45%</td></tr></table>"
    )


def test_html_is_our_tags_with_every_text_escaped() -> None:
    got = to_html((*BLOCKS[:6], Block("p", '<script>alert("x")</script> & <a onclick=x>')))
    assert got == (
        "<p>First paragraph.</p>\n<h2>A subheading</h2>\n<ul><li>one</li><li>two</li></ul>\n"
        "<ol><li>first</li><li>second</li></ol>\n"
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a onclick=x&gt;</p>"
    )
