"""clean.py: the boilerplate vocabulary and the function that applies it."""

from __future__ import annotations

import lxml.html
import pytest
from lxml.html import HtmlElement

from newsvault import clean

PROSE = "This sentence is part of the article and has enough words to be prose. " * 3


def page(body: str) -> HtmlElement:
    root: HtmlElement = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    return root


def text_after_clean(body: str) -> str:
    root = page(body)
    clean.clean(root)
    return clean.normalize_space(root.text_content())


@pytest.mark.parametrize(
    "line",
    ["ADVERTISEMENT", "Advertisement", "Anzeige", "Publicité", "Publicidad", "Source Link",
     "Read more", "Share this article", "Advertisement - scroll to continue", "  advertisement  "],
)  # fmt: skip
def test_cruft_lines(line: str) -> None:
    assert clean.is_cruft(line)


@pytest.mark.parametrize("line", ["Advertisements were banned in 1990.", "Sources said so.", ""])
def test_prose_is_not_cruft(line: str) -> None:
    assert not clean.is_cruft(line)


@pytest.mark.parametrize(
    "label", ["You may also like", "Related", "Related articles", "More from Europe",
              "Most read", "Mehr zum Thema", "Leave a Comment", "Lire aussi"],
)  # fmt: skip
def test_block_labels(label: str) -> None:
    assert clean.is_block_label(label)


def test_an_ordinary_heading_is_not_a_label() -> None:
    assert not clean.is_block_label("Putin: ‘What we do is our business’")


def test_tokens_split_parts_and_camel_case() -> None:
    el = lxml.html.fragment_fromstring('<div class="jeg_post_tags relatedPosts" id="Main">x</div>')
    assert clean.tokens(el) == ("jeg-post-tags", "related-posts", "main")


@pytest.mark.parametrize(
    "markup",
    ['<div class="jeg_ad">x</div>', '<div class="cookie-notice">x</div>',
     '<div class="share-bar">x</div>', '<div id="comments">x</div>',
     '<div role="navigation">x</div>', '<nav>x</nav>', '<script>x</script>',
     '<div style="display: none">x</div>', '<div hidden>x</div>',
     '<div data-component="byline-block">x</div>', '<div class="sr-only">x</div>'],
)  # fmt: skip
def test_boilerplate_elements(markup: str) -> None:
    assert clean.is_boilerplate(lxml.html.fragment_fromstring(markup))


@pytest.mark.parametrize(
    "markup",
    ['<div class="shadow-reader">x</div>', '<div class="download">x</div>',
     '<div class="hidden-xs">x</div>', '<div class="category-advertising">x</div>',
     '<h2 class="header-anchor-post">x</h2>', '<p class="lead">x</p>'],
)  # fmt: skip
def test_not_boilerplate(markup: str) -> None:
    assert not clean.is_boilerplate(lxml.html.fragment_fromstring(markup))


def test_article_container_survives_its_own_share_token() -> None:
    text = text_after_clean(
        f'<div class="post-content entry-content no-share"><p>{PROSE}</p>'
        '<div class="jeg_ad"><div class="ads-text">ADVERTISEMENT</div></div></div>'
    )
    assert PROSE.strip() in text
    assert "ADVERTISEMENT" not in text


def test_find_container_prefers_article_body_markup() -> None:
    root = page(
        f'<div class="entry-content"><p>{PROSE}</p></div>'
        f'<div itemprop="articleBody"><p>{PROSE[:80]}</p></div>'
    )
    container = clean.find_container(root)
    assert container is not None and container.get("itemprop") == "articleBody"


def test_find_container_takes_the_inner_one_holding_most_prose() -> None:
    root = page(
        f'<div class="article__content"><div class="article-body"><p>{PROSE}</p></div>'
        '<div class="offer"><p>Subscribe now.</p></div></div>'
    )
    container = clean.find_container(root)
    assert container is not None and container.get("class") == "article-body"


def test_find_container_defers_when_two_alike_containers_compete() -> None:
    root = page(
        f'<div class="entry-content"><p>{PROSE}</p></div>'
        f'<div class="entry-content"><p>{PROSE}</p></div>'
    )
    assert clean.find_container(root) is None


def test_a_labelled_block_goes_with_its_heading() -> None:
    text = text_after_clean(
        f"<div><p>{PROSE}</p></div>"
        '<div class="box"><h3>You may also like</h3><ul><li><a href="/x">Other story</a></li>'
        "</ul></div>"
    )
    assert "Other story" not in text and "You may also like" not in text
    assert PROSE.strip() in text


def test_a_label_inside_the_article_takes_its_section_only() -> None:
    text = text_after_clean(
        f'<div class="entry-content"><p>{PROSE}</p><h2>Related</h2><p>Teaser link.</p>'
        f"<h2>Next part</h2><p>{PROSE}</p></div>"
    )
    assert "Teaser link." not in text
    assert "Next part" in text


def test_headings_in_an_article_header_are_kept() -> None:
    root = page(
        f'<div class="article-body"><div class="entry"><header><time>15.02</time>'
        f"<h2>Power restored</h2></header><p>{PROSE}</p></div></div>"
    )
    clean.clean(root)
    assert [h.text for h in root.iter("h2")] == ["Power restored"]
    assert "15.02" not in root.text_content()


def test_a_wrapper_holding_most_of_the_article_is_kept() -> None:
    text = text_after_clean(
        f'<div class="entry-content"><div class="elementor-widget-container"><p>{PROSE}</p>'
        "</div></div>"
    )
    assert PROSE.strip() in text


def test_tail_text_survives_a_removed_element() -> None:
    body = f'<div class="entry-content"><p>Before <span hidden>x</span>after. {PROSE}</p></div>'
    text = text_after_clean(body)
    assert "Before after." in text


@pytest.mark.parametrize(
    ("line", "density", "expected"),
    [("Read more: Other headline", 0.8, True), ("Lire aussi Autre titre", 0.7, True),
     ("Read more: Other headline", 0.0, False), ("Follow us on Facebook", 0.0, True),
     ("Related research shows a long-running trend in the data.", 0.0, False)],
)  # fmt: skip
def test_link_trailers(line: str, density: float, expected: bool) -> None:
    assert clean.is_link_trailer(line, density) is expected


def test_a_gallery_outweighing_a_short_article_still_goes() -> None:
    captions = "".join(
        f"<li>Caption number {n} describes a picture at length.</li>" for n in range(9)
    )
    text = text_after_clean(
        f'<div class="story-body"><p>{PROSE}</p><div class="full-gallery"><ul>{captions}</ul>'
        "</div></div>"
    )
    assert PROSE.strip() in text and "Caption number" not in text


@pytest.mark.parametrize(
    "text", ["Updated at 1:23 p.m.", "14 July 2025", "Mon 3 Nov 2025 15.07 GMT",
             "segunda-feira, 22 de janeiro de 2018 às 0:13"],
)  # fmt: skip
def test_date_lines(text: str) -> None:
    assert clean.is_date_line(text)


@pytest.mark.parametrize("text", ["In 2018 the council met.", "12,000", "Page 2 of 5"])
def test_not_date_lines(text: str) -> None:
    assert not clean.is_date_line(text)


def test_ideographic_space_is_kept_inside_text() -> None:
    assert clean.normalize_space("\u3000名古屋港で\u3000来年度 \n") == "名古屋港で\u3000来年度"


def test_a_widget_with_a_cms_class_does_not_win_over_the_article() -> None:
    root = page(
        f'<div class="sidebar-box post-content"><p>{PROSE[:90]}</p></div>'
        f"<div>{''.join(f'<p>{PROSE}</p>' for _ in range(4))}</div>"
    )
    assert clean.clean(root) is None


@pytest.mark.parametrize(
    ("line", "share"),
    [("Whatsapp Facebook Pint Baixar", True), ("Share Tweet Email", True),
     ("Share", False), ("Facebook shares fell 5% on Tuesday", False)],
)  # fmt: skip
def test_share_line(line: str, share: bool) -> None:
    assert clean.is_share_line(line) is share
