"""content.py: the article body as ordered Blocks, and "not an article"."""

from __future__ import annotations

import lxml.html
import pytest
from lxml.html import HtmlElement

from newsvault.content import extract_blocks
from newsvault.errors import NotAnArticle
from newsvault.records import Block

SENTENCE = "The council said the new rules would apply from next spring, officials confirmed."
PARAGRAPHS = "".join(f"<p>{SENTENCE} Paragraph {n}.</p>" for n in range(1, 6))


def tree(body: str, head: str = "<title>Council sets new rules - The Paper</title>") -> HtmlElement:
    root: HtmlElement = lxml.html.document_fromstring(
        f"<html><head>{head}</head><body>{body}</body></html>"
    )
    return root


def blocks(body: str, **kwargs: str) -> tuple[Block, ...]:
    return extract_blocks(tree(body, **kwargs), "https://paper.example/a")


def test_paragraphs_in_order_with_whitespace_collapsed() -> None:
    got = blocks(
        f'<div class="entry-content">{PARAGRAPHS}<p>  Last\n   one,  said   “X”.</p></div>'
    )
    assert [b.kind for b in got] == ["p"] * 6
    assert got[0].text == f"{SENTENCE} Paragraph 1."
    assert got[-1].text == "Last one, said “X”."


def test_headings_lists_quotes_and_pre() -> None:
    got = blocks(
        f'<div class="article-body">{PARAGRAPHS}<h2>What next</h2>'
        "<ul><li>First point</li><li>Second <b>point</b></li></ul>"
        "<ol><li>Step one</li></ol><blockquote><p>A quoted line.</p></blockquote>"
        "<pre>code  line\n  indented</pre></div>"
    )
    tail = got[5:]
    assert tail == (
        Block("h", "What next", level=2),
        Block("li", "First point"),
        Block("li", "Second point"),
        Block("li", "Step one", ordered=True),
        Block("quote", "A quoted line."),
        Block("pre", "code  line\n  indented"),
    )


def test_double_br_splits_paragraphs() -> None:
    got = blocks(f'<div class="entry-content">{PARAGRAPHS}<p>One<br>still one<br><br>Two</p></div>')
    assert [b.text for b in got[-2:]] == ["One still one", "Two"]


def test_cruft_and_link_trailers_are_dropped() -> None:
    got = blocks(
        f'<div class="entry-content">{PARAGRAPHS}<p>ADVERTISEMENT</p>'
        '<p>Read more: <a href="/b">Another story entirely</a></p>'
        '<p><a href="https://euronews.example/x">Source Link</a></p></div>'
    )
    assert all("ADVERTISEMENT" not in b.text and "Read more" not in b.text for b in got)
    assert all(b.text != "Source Link" for b in got)


def test_leading_title_heading_is_dropped() -> None:
    got = blocks(f'<div class="entry-content"><h1>Council sets new rules</h1>{PARAGRAPHS}</div>')
    assert got[0].text.startswith(SENTENCE)


def test_readability_finds_an_unmarked_article_and_keeps_its_headings() -> None:
    got = blocks(
        '<div id="menu"><a href="/">Home</a> <a href="/news">News</a></div>'
        f"<div><div>{PARAGRAPHS}<h3>Reaction</h3>{PARAGRAPHS}</div></div>"
        '<div class="footer">© The Paper</div>'
    )
    assert Block("h", "Reaction", level=3) in got
    assert len([b for b in got if b.kind == "p"]) == 10
    assert all("©" not in b.text and "Home" not in b.text for b in got)


def test_input_tree_is_not_modified() -> None:
    root = tree(f'<div class="entry-content">{PARAGRAPHS}</div><div class="ad">x</div>')
    before = lxml.html.tostring(root)
    extract_blocks(root, None)
    assert lxml.html.tostring(root) == before


@pytest.mark.parametrize(
    "body",
    [
        "<p>Page not found.</p>",
        '<div class="entry-content"><p>Short.</p><p>Also short.</p></div>',
        "<ul>" + "".join(f'<li><a href="/{n}">Headline number {n} about news</a></li>'
                         for n in range(30)) + "</ul>",
    ],
)  # fmt: skip
def test_no_article(body: str) -> None:
    with pytest.raises(NotAnArticle):
        blocks(body)


def test_homepage_of_teasers_is_not_an_article() -> None:
    teasers = "".join(
        f'<article class="teaser"><h2><a href="/s{n}">Story {n} headline here</a></h2>'
        f"<p>{SENTENCE[:60]}</p></article>"
        for n in range(12)
    )
    with pytest.raises(NotAnArticle):
        blocks(f"<main>{teasers}</main>")


def test_data_table_becomes_rows_and_layout_table_is_walked() -> None:
    table = (
        "<table><caption>Storage</caption><tr><th>Lake</th><th>Level</th></tr>"
        "<tr><td>Cedar</td><td>41%</td></tr></table>"
    )
    got = blocks(f'<div class="article-body">{PARAGRAPHS}{table}</div>')
    assert [(b.kind, b.cells, b.header) for b in got[-3:]] == [
        ("p", (), False), ("row", ("Lake", "Level"), True), ("row", ("Cedar", "41%"), False)
    ]  # fmt: skip
    layout = f"<table><tr><td>{PARAGRAPHS}</td><td><p>{SENTENCE}</p></td></tr></table>"
    assert {b.kind for b in blocks(f'<div class="article-body">{layout}</div>')} == {"p"}


def test_subheadings_between_paragraph_containers_are_kept() -> None:
    parts = "".join(f'<div class="rich-text"><p>{SENTENCE} Part {n}.</p></div>' for n in range(4))
    body = f"<section>{parts[:200]}<h3>Midway</h3>{parts[200:]}</section>"
    assert "Midway" in [b.text for b in blocks(f"<main>{body}</main>")]
