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


def test_footnote_markers_are_bracketed_and_endnotes_after_the_body_kept() -> None:
    body = (
        f'<article><div class="entry-content">{PARAGRAPHS}'
        f'<p>Eleven villages were cleared,<sup id="r1"><a href="#fn1">1</a></sup> it said.</p>'
        '</div><section class="endnotes"><h3>Notes</h3><ol>'
        '<li id="fn1">Survey of 1962, p. 4. <a href="#r1">↩</a></li></ol></section>'
        '<div class="share">Share</div></article>'
    )
    texts = [b.text for b in blocks(body)]
    assert "Eleven villages were cleared,[1] it said." in texts
    assert texts[-2:] == ["Notes", "Survey of 1962, p. 4."]


def test_a_heading_left_with_nothing_under_it_goes() -> None:
    body = (
        f'<div class="entry-content">{PARAGRAPHS}<h3>Nutrition</h3>'
        '<div class="disclaimer">Values are estimates.</div><h2>Notes</h2>'
        f"<p>{SENTENCE} Last.</p></div>"
    )
    texts = [b.text for b in blocks(body)]
    assert "Nutrition" not in texts and "Values are estimates." not in texts
    assert texts[-2:] == ["Notes", f"{SENTENCE} Last."]


def test_key_points_before_a_live_blogs_first_entry_are_kept() -> None:
    entries = "".join(
        f'<div class="live-entry"><time>10:4{n}</time><h3>Update {n}</h3>'
        f'<div class="live-entry__body"><p>{SENTENCE} Entry {n}.</p>'
        f"<p>{SENTENCE} More on {n}, {SENTENCE}</p></div></div>"
        for n in range(4)
    )
    points = "<ul><li>Winds passed 70 km/h on the coast.</li><li>Schools are closed.</li></ul>"
    summary = f'<section class="summary"><h2>Key points</h2>{points}</section>'
    body = f'<article>{summary}<div class="live-feed">{entries}</div></article>'
    texts = [b.text for b in blocks(body)]
    assert "Schools are closed." in texts
    assert texts.index("Schools are closed.") < texts.index(f"{SENTENCE} Entry 0.")


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


def _mathjax(mathml: str, display: str = "inline") -> str:
    """A formula as MathJax 3 leaves it: a hidden rendering and the MathML for readers."""
    return (
        '<mjx-container class="MathJax CtxtMenu_Attached_0" jax="CHTML">'
        '<mjx-math class="MJX-TEX" aria-hidden="true"><mjx-mi><mjx-c></mjx-c></mjx-mi></mjx-math>'
        f'<mjx-assistive-mml display="{display}"><math display="{display}">{mathml}</math>'
        "</mjx-assistive-mml></mjx-container>"
    )


def test_formulas_keep_their_text_spaced_token_by_token() -> None:
    inline = _mathjax("<mi>a</mi><mo>≠</mo><mn>0</mn>")
    display = _mathjax("<msup><mi>x</mi><mn>2</mn></msup><mo>=</mo><mn>4</mn>", "block")
    got = blocks(
        f'<div class="entry-content">{PARAGRAPHS}<p>When {inline}, there are two roots.</p>'
        f"{display}<p>{SENTENCE}</p></div>"
    )
    texts = [b.text for b in got]
    assert "When a ≠ 0 , there are two roots." in texts
    assert "x 2 = 4" in texts  # a display formula is a paragraph of its own


def test_text_loose_in_the_body_is_kept_when_the_body_is_the_article() -> None:
    inline = _mathjax("<mi>n</mi>")
    body = (
        "<h1>Test page</h1><p>When</p>"
        + f"{inline}, there are two solutions to this, and they are shown below. " * 4
        + "<h2>The equations</h2>"
        + f"<p>{SENTENCE}</p> and loose words after the paragraph come out as well. " * 3
    )
    text = " ".join(b.text for b in blocks(body))
    assert "there are two solutions to this" in text
    assert "loose words after the paragraph" in text


def test_bare_counters_are_not_paragraphs() -> None:
    got = blocks(f'<div class="entry-content">{PARAGRAPHS}<p>137</p><p>1.2K</p></div>')
    assert [b.text for b in got if b.text in ("137", "1.2K")] == []


def test_a_linked_heading_over_prose_is_a_section_title() -> None:
    link = '<a href="https://shop.example/g">“Rez Infinite” ($30)</a>'
    section = f"<h3>{link}</h3><p>{SENTENCE * 2}</p>"
    teasers = "".join(
        f'<h3><a href="/s{n}">Another story headline {n}</a></h3><p>Short line.</p>'
        for n in range(3)
    )
    got = blocks(f'<div class="entry-content">{PARAGRAPHS}{section}{teasers}</div>')
    headings = [b.text for b in got if b.kind == "h"]
    assert headings == ["“Rez Infinite” ($30)"]


def test_a_line_of_links_with_separators_is_not_prose() -> None:
    kicker = (
        '<div class="kicker"><a href="/region">Region</a> · <a href="/tags/i">Islands</a></div>'
    )
    got = blocks(f"<article>{kicker}<h1>Ferry to resume</h1>{PARAGRAPHS}</article>")
    assert all("Islands" not in b.text for b in got)


def test_linked_headings_over_prose_survive_when_readability_chooses() -> None:
    link = '<a href="https://shop.example/g">“Rez Infinite” ($30)</a>'
    section = f"<h3>{link}</h3><p>{SENTENCE * 2}</p>"
    got = blocks(f'<div class="caas-body">{PARAGRAPHS}{section}{PARAGRAPHS}</div>')
    assert Block("h", "“Rez Infinite” ($30)", level=3) in got


def test_a_correction_set_after_the_body_and_its_endnotes_is_kept() -> None:
    body = (
        f'<article><section itemprop="articleBody">{PARAGRAPHS}</section>'
        '<div class="correction"><p>Correction, Nov. 18, 2025: An earlier version misstated a '
        "count. It was 61, not 16.</p></div>"
        '<div class="more"><a href="/x">Other story</a></div></article>'
    )
    texts = [b.text for b in blocks(body)]
    assert texts[-1].startswith("Correction, Nov. 18, 2025:") and "Other story" not in texts
    # a box after the body that is not the story's own stays out
    other = body.replace("Correction, Nov. 18, 2025: An earlier", "Promotion: an earlier")
    assert not any(t.startswith("Promotion") for t in (b.text for b in blocks(other)))
