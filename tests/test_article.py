"""article.py: the public extract(): decode, parse once, metadata + body, fields out of the body."""

from __future__ import annotations

import dataclasses

import pytest

import newsvault
from newsvault.article import extract, extract_with_blocks
from newsvault.errors import ExtractError, NotAnArticle
from newsvault.records import Article

SENTENCE = "Engineers finished the new bridge two months early, the city said on Tuesday."
BODY = "".join(f"<p>{SENTENCE} Detail {n}.</p>" for n in range(1, 6))
PAGE = f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Bridge opens early | City Times</title>
<meta property="og:site_name" content="City Times">
<meta name="description" content="The crossing opened two months ahead of schedule.">
<meta property="article:published_time" content="2025-05-02T09:00:00+01:00">
</head><body>
<nav><a href="/">Home</a></nav>
<article>
  <h1>Bridge opens early</h1>
  <p class="byline">By Ann Lee</p>
  <p class="standfirst">The crossing opened two months ahead of schedule.</p>
  <div class="entry-content">{BODY}<p>Advertisement</p></div>
</article>
<footer>© City Times</footer>
</body></html>"""


def test_extract_a_page() -> None:
    article = extract(PAGE, "https://citytimes.example/bridge")
    assert isinstance(article, Article)
    assert article.title == "Bridge opens early"
    assert (article.byline, article.authors) == ("Ann Lee", ("Ann Lee",))
    assert article.description == "The crossing opened two months ahead of schedule."
    assert article.published_at == "2025-05-02T09:00:00+01:00"
    assert (article.language, article.site_name) == ("en", "City Times")
    assert article.text == "\n\n".join(f"{SENTENCE} Detail {n}." for n in range(1, 6))
    assert article.markdown == article.text
    assert article.url == "https://citytimes.example/bridge"


def test_package_exports_extract() -> None:
    assert newsvault.extract is extract


def test_bytes_are_decoded() -> None:
    article = extract(PAGE.replace("Detail 1.", "Détail “1”.").encode("utf-8"))
    assert "Détail “1”." in article.text


def test_a_closing_byline_with_an_email_address_is_dropped() -> None:
    page = PAGE.replace("<p>Advertisement</p>", "<p>Ann Lee ann.lee@citytimes.example</p>")
    texts = [b.text for b in extract_with_blocks(page).blocks]
    assert texts[-1] == f"{SENTENCE} Detail 5."


def test_a_closing_line_of_the_authors_name_alone_is_dropped() -> None:
    page = PAGE.replace("<p>Advertisement</p>", "<p><strong>Ann Lee</strong></p>")
    texts = [b.text for b in extract_with_blocks(page).blocks]
    assert texts[-1] == f"{SENTENCE} Detail 5."


def test_a_wire_stories_closing_credits_are_no_repeated_byline() -> None:
    credits = "Reporting by Ann Lee; Editing by Philippa Crane"
    page = PAGE.replace("<p>Advertisement</p>", f"<p>{credits}</p>")
    assert [b.text for b in extract_with_blocks(page).blocks][-1] == credits
    # set after the body, in an attribution box, they are still the story's last line
    page = PAGE.replace("</div>\n</article>", f'</div><div class="attribution"><p>{credits}</p>'
                        "</div></article>")  # fmt: skip
    assert [b.text for b in extract_with_blocks(page).blocks][-1] == credits


def test_fields_are_taken_out_of_the_body() -> None:
    page = PAGE.replace('<div class="entry-content">', "<div>").replace(
        "<h1>Bridge opens early</h1>", "<div><h1>Bridge opens early</h1>"
    )
    got = extract_with_blocks(page)
    texts = [b.text for b in got.blocks]
    assert "Bridge opens early" not in texts
    assert "By Ann Lee" not in texts
    assert got.article.description not in texts


def test_json_form_is_plain_values() -> None:
    data = dataclasses.asdict(extract(PAGE))
    assert all(v is None or isinstance(v, (str, tuple)) for v in data.values())


@pytest.mark.parametrize("junk", ["", "   ", b"", b"\x00\x01\x02\x03" * 100])
def test_unparseable_input(junk: str | bytes) -> None:
    with pytest.raises(ExtractError):
        extract(junk)


def test_not_an_article() -> None:
    with pytest.raises(NotAnArticle):
        extract("<html><body><h1>404</h1><p>Page not found.</p></body></html>")


def test_xml_declaration_is_accepted() -> None:
    assert extract('<?xml version="1.0" encoding="utf-8"?>\n' + PAGE).title == "Bridge opens early"


@pytest.mark.parametrize(
    "html",
    [
        '<html><frameset><frame src="a"></frameset></html>',
        "<script>" + "var a = 1;" * 500 + "</script>",
        '<?xml version="1.0"?><rss><channel><item><title>x</title></item></channel></rss>',
        "<!-- only a comment -->",
        "<div>" * 2000 + "deep" + "</div>" * 2000,
    ],
)
def test_odd_pages_raise_our_errors_only(html: str) -> None:
    with pytest.raises(ExtractError):
        extract(html)


def test_utf16_bytes_with_bom() -> None:
    assert extract(PAGE.encode("utf-16")).title == "Bridge opens early"


def test_first_paragraph_copied_into_the_description_stays_in_the_body() -> None:
    page = PAGE.replace(
        "The crossing opened two months ahead of schedule.", f"{SENTENCE} Detail 1."
    ).replace('<p class="standfirst">', '<p class="note">')
    got = extract_with_blocks(page)
    assert got.blocks[0].text == f"{SENTENCE} Detail 1."


def test_bold_lead_equal_to_the_description_is_a_standfirst() -> None:
    page = PAGE.replace('<p class="standfirst">', "<p><strong>").replace(
        "schedule.</p>\n  <div", "schedule.</strong></p>\n  <div"
    )
    got = extract_with_blocks(page)
    assert got.article.description not in [b.text for b in got.blocks]
    assert got.html.startswith(f"<p>{SENTENCE} Detail 1.</p>")
