"""metadata.py: title, byline, dates and the rest from JSON-LD, OpenGraph, <meta> and the page."""

from __future__ import annotations

import json
from typing import Any

import lxml.html
import pytest

from newsvault import metadata
from newsvault.records import Metadata

URL = "https://paper.example/2024/10/25/story/"


def read(head: str = "", body: str = "", html_attrs: str = "", url: str | None = URL) -> Metadata:
    root = lxml.html.document_fromstring(
        f"<html {html_attrs}><head>{head}</head><body>{body}<p>x</p></body></html>"
    )
    return metadata.read(root, url)


def ld(obj: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_opengraph_and_meta_tags() -> None:
    m = read(
        '<meta property="og:title" content="Big story - The Paper">'
        '<meta property="og:site_name" content="The Paper">'
        '<meta name="description" content="What happened.">'
        '<meta property="article:published_time" content="2024-10-25T06:42:17+00:00">'
        '<meta property="og:image" content="/img/a.jpg">'
        '<link rel="canonical" href="/2024/10/25/story/">'
        '<meta name="author" content="Jane Doe">',
        html_attrs='lang="en-US"',
    )
    assert m == Metadata(
        title="Big story",
        byline="Jane Doe",
        authors=("Jane Doe",),
        description="What happened.",
        published_at="2024-10-25T06:42:17+00:00",
        language="en",
        site_name="The Paper",
        canonical_url="https://paper.example/2024/10/25/story/",
        image_url="https://paper.example/img/a.jpg",
        sources=(
            "title:opengraph", "authors:meta", "description:meta", "published_at:opengraph",
            "language:page", "site_name:opengraph", "canonical_url:meta", "image_url:opengraph",
        ),
    )  # fmt: skip


def test_json_ld_graph_with_references() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": "#site", "name": "The Paper"},
            {"@type": "NewsArticle", "headline": "Headline", "author": {"@id": "#jane"},
             "datePublished": "2024-10-25T06:42:17Z", "dateModified": "2024-10-26",
             "image": {"@type": "ImageObject", "url": "https://cdn.example/a.jpg"},
             "inLanguage": "de-DE"},
            {"@type": "Person", "@id": "#jane", "name": "Jane Doe"},
        ],
    }  # fmt: skip
    m = read(ld(graph), body="<title>Headline | The Paper</title>")
    assert (m.title, m.authors, m.site_name) == ("Headline", ("Jane Doe",), "The Paper")
    assert (m.published_at, m.modified_at) == ("2024-10-25T06:42:17+00:00", "2024-10-26")
    assert (m.image_url, m.language) == ("https://cdn.example/a.jpg", "de")


def test_broken_json_ld_is_survived() -> None:
    broken = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ok",'
        ' "author": [{"@type": "Person", "name": "A B"},],}</script>'
        '<script type="application/ld+json">{not json at all</script>'
    )
    m = read(broken)
    assert (m.title, m.authors) == ("Ok", ("A B",))


def test_organisation_authors_are_not_people() -> None:
    authors = [{"@type": "Organization", "name": "Reuters"}, {"@type": "Person", "name": "Jo Roe"}]
    m = read(ld({"@type": "NewsArticle", "author": authors}))
    assert m.authors == ("Jo Roe",)


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("by Admin", ["Admin"]),
        ("LISA MARTINEZ Associated Press", ["Lisa Martinez"]),
        ("Jane Doe, Reuters", ["Jane Doe"]),
        ("Par Claire Dumont et Julien Moreau", ["Claire Dumont", "Julien Moreau"]),
        ("Von Jana Petersen", ["Jana Petersen"]),
        ("By Nathan Willis March 25, 2015", ["Nathan Willis"]),
        ("Brenda Goodman, MA", ["Brenda Goodman"]),
        ("Staff", []),
        ("A, B & C", ["A", "B", "C"]),
        ("M. Dupont (avec Léa Roux et Paul Vidal)", ["M. Dupont", "Léa Roux", "Paul Vidal"]),
        ("By Ann Lee (with Bo Chen)", ["Ann Lee", "Bo Chen"]),
        ("Written by Rob Field Edited by Kim Ayre", ["Rob Field"]),
        ("Reporting by Jane Doe; Editing by John Roe", ["Jane Doe"]),
        ("Photographs by Kim Ng", []),
        ("作者：陈晓岚、周建平", ["陈晓岚", "周建平"]),
        ("记者 陈晓岚", ["陈晓岚"]),
        ("文/周建平", ["周建平"]),
        ("박서연 기자", ["박서연"]),
    ],
)
def test_split_names(raw: str, names: list[str]) -> None:
    assert metadata.split_names(raw) == names


def test_byline_joins_authors_in_the_page_language() -> None:
    head = '<meta name="author" content="Claire Dumont et Julien Moreau">'
    assert read(head, html_attrs='lang="fr"').byline == "Claire Dumont et Julien Moreau"
    assert read(head, html_attrs='lang="en"').byline == "Claire Dumont and Julien Moreau"


def test_visible_byline_when_nothing_else() -> None:
    m = read(body='<div class="article-byline">By <a rel="author">Sam Field</a></div>')
    assert (m.byline, m.authors) == ("Sam Field", ("Sam Field",))


def test_article_author_url_is_not_a_name() -> None:
    m = read('<meta property="article:author" content="https://facebook.com/jane">')
    assert m.authors == ()


def test_title_from_title_tag_loses_site_suffix() -> None:
    assert read("<title>Rates rise again | The Paper</title>").title == "Rates rise again"
    assert read("<title>Why it matters: rates</title>").title == "Why it matters: rates"


def test_title_prefers_single_h1_that_agrees_with_title_tag() -> None:
    m = read("<title>Rates rise again – Paper</title>", body="<h1>Rates rise again</h1>")
    assert m.title == "Rates rise again"
    m = read("<title>Rates rise again – Paper</title>", body="<h1>Paper logo</h1>")
    assert m.title == "Rates rise again"
    # a site name in brackets ends the title, and an <h1> naming the site is its logo
    head = "<title>Chapter 1 - Rates rise again [Fan Archive]</title>"
    m = read(head, body="<h1>Fan Archive beta</h1>")
    assert m.title == "Chapter 1 - Rates rise again"


def test_title_prefers_the_h1_that_opens_the_title_tag_before_section_and_site() -> None:
    head = (
        "<title>Lakes get 1,200 recharge wells | City News - The Bulletin</title>"
        '<meta property="og:title" content="Civic body plans wells to revive lakes">'
    )
    m = read(head, body="<h1>Lakes get 1,200 recharge wells</h1>")
    assert m.title == "Lakes get 1,200 recharge wells"
    # after the h1, a long part is not a section name: the title tag says something else
    head = (
        "<title>Lakes get wells | What the new plan means for the city's oldest lakes</title>"
        '<meta property="og:title" content="Civic body plans wells to revive lakes">'
    )
    m = read(head, body="<h1>Lakes get wells</h1>")
    assert m.title == "Civic body plans wells to revive lakes"


@pytest.mark.parametrize(
    ("og", "other", "expected"),
    [
        # cut with an ellipsis, or mid-word: the whole one
        ("Oil prices fell sharply on Tuesday on oversupply concerns, while stoc...",
         "Oil prices fell sharply on Tuesday on oversupply concerns, while stocks rose.",
         "Oil prices fell sharply on Tuesday on oversupply concerns, while stocks rose."),
        # a complete sentence that the other continues by a few words
        ("The regional council approved the beach works at Capo Santa Croce.",
         "The regional council approved the beach works at Capo Santa Croce. Owners of the"
         " beach clubs want them finished by Easter.",
         "The regional council approved the beach works at Capo Santa Croce. Owners of the"
         " beach clubs want them finished by Easter."),
        # only a site name added: og:description stays
        ("The regional council approved the beach works at Capo Santa Croce.",
         "The regional council approved the beach works at Capo Santa Croce. — www.site.it",
         "The regional council approved the beach works at Capo Santa Croce."),
        # escaped twice by the site: og:description stays
        ("The regional council approved the beach works at Capo Santa...",
         "The regional council approved the beach works at Capo Santa Croce&amp;hellip;",
         "The regional council approved the beach works at Capo Santa..."),
    ],
)  # fmt: skip
def test_a_cut_description_gives_way_to_the_whole(og: str, other: str, expected: str) -> None:
    head = f'<meta property="og:description" content="{og}">'
    head += f'<meta name="description" content="{other}">'
    assert read(head).description == expected


def test_names_in_chinese_are_joined_with_the_enumeration_comma() -> None:
    body = '<div class="article-author">作者：陈晓岚、周建平</div>'
    m = read(body=body, html_attrs='lang="zh-CN"')
    assert m.authors == ("陈晓岚", "周建平")
    assert m.byline == "陈晓岚、周建平"


@pytest.mark.parametrize(
    ("lang", "byline"),
    [("ar", "ليلى حداد ويوسف الخطيب"), ("ru", "Анна Петрова и Иван Сидоров"),
     ("tr", "Ayşe Yılmaz ve Mehmet Kaya"), ("he", "נועה פרידמן ואיתי בן דוד"),
     ("fa", "مریم کاظمی و حسین نوروزی"), ("pt-BR", "Ana Souza e Caio Lima"),
     ("ka", "Nino Beridze, Giorgi Kapanadze")],
)  # fmt: skip
def test_two_authors_joined_in_the_page_language(lang: str, byline: str) -> None:
    # Hebrew writes "and" onto the next name, Persian as a word; a language with no known
    # conjunction gets a comma, never the English "and"
    names = {"ar": ["ليلى حداد", "يوسف الخطيب"], "ru": ["Анна Петрова", "Иван Сидоров"],
             "tr": ["Ayşe Yılmaz", "Mehmet Kaya"], "he": ["נועה פרידמן", "איתי בן דוד"],
             "fa": ["مریم کاظمی", "حسین نوروزی"], "pt-BR": ["Ana Souza", "Caio Lima"],
             "ka": ["Nino Beridze", "Giorgi Kapanadze"]}[lang]  # fmt: skip
    head = ld({"@type": "NewsArticle", "author": [{"@type": "Person", "name": n} for n in names]})
    assert read(head, html_attrs=f'lang="{lang}"').byline == byline


def test_an_organisation_in_json_ld_is_not_taken_as_a_person_from_meta() -> None:
    head = (
        '<meta name="author" content="Marlow Ridge Components">'
        + ld({"@type": "NewsArticle", "author": {"@type": "Organization",
                                                 "name": "Marlow Ridge Components"}})
    )  # fmt: skip
    m = read(head)
    assert m.authors == ()
    assert m.organisation == "Marlow Ridge Components"
    # a blogger who publishes their own site stays its author
    head = '<meta name="author" content="Dana Reyes">' + ld(
        {"@type": "BlogPosting", "publisher": {"@type": "Person", "name": "Dana Reyes"}}
    )
    assert read(head).authors == ("Dana Reyes",)


def test_title_from_the_h1_that_json_ld_repeats() -> None:
    head = (
        "<title>Figeac. Centre aquatique : la facture grimpe - La Gazette</title>"
        '<meta property="og:title" content="Figeac : le centre coûtera 14 millions">'
        + ld({"@type": "NewsArticle", "headline": "Figeac : le centre coûtera plus que prévu"})
    )
    body = "<h1>Figeac : le centre coûtera plus que prévu</h1>"
    assert read(head, body=body).title == "Figeac : le centre coûtera plus que prévu"
    # still when <title> says what og:title says: one search title, written twice
    head = head.replace("Centre aquatique : la facture grimpe", "le centre coûtera 14 millions")
    assert read(head, body=body).title == "Figeac : le centre coûtera plus que prévu"
    # without the JSON-LD headline to confirm the <h1>, the page's own title stands
    head = head.replace("plus que", "moins que")
    assert read(head, body=body).title == "Figeac : le centre coûtera 14 millions"


def test_title_with_a_bracketed_group_after_the_h1() -> None:
    head = (
        "<title>Eleanor Mae Lindqvist Obituary (1938 - 2025) - Lakeside, MN</title>"
        '<meta property="og:title" content="Eleanor Mae Lindqvist Obituary (1938 - 2025)">'
    )
    body = "<h1>Eleanor Mae Lindqvist Obituary</h1>"
    assert read(head, body=body).title == "Eleanor Mae Lindqvist Obituary"


def test_a_credit_line_names_the_writer_over_an_account_name() -> None:
    head = '<meta name="author" content="admin">'
    body = "<p>Story and photos by Dana Whitfield</p>"
    assert read(head, body=body).authors == ("Dana Whitfield",)
    assert read(head).authors == ("admin",)  # nothing better: the account's name stays


def test_title_from_an_h1_behind_a_badge() -> None:
    head = (
        "<title>Ferry goes electric, but cyclists pay more | Vechtdal | courant.example</title>"
        '<meta property="og:title" content="Electric ferry: fares rise in January">'
    )
    body = '<h1><span class="premium">Plus</span> Ferry goes electric, but cyclists pay more</h1>'
    assert read(head, body=body).title == "Ferry goes electric, but cyclists pay more"
    # a first word that is part of the headline is no badge
    head = "<title>Doobie Brothers reunite for a tour | Music Site</title>"
    body = "<h1>The Doobie Brothers reunite for a tour</h1>"
    assert read(head, body=body).title == "The Doobie Brothers reunite for a tour"


def test_a_standfirst_confirmed_by_the_description_tag_wins_over_og() -> None:
    deck = "When a drought exposed the ruins, a century-old letter surfaced with them."
    head = (
        '<meta property="og:description" content="A drowned village and a letter.">'
        f'<meta name="description" content="{deck}">'
    )
    m = read(head, body=f'<p class="article__standfirst">{deck}</p>')
    assert m.description == deck
    # unconfirmed, the standfirst does not replace og:description
    m = read(head.replace(deck, "Something else entirely."), body=f'<p class="dek">{deck}</p>')
    assert m.description == "A drowned village and a letter."


def test_description_falls_back_to_standfirst() -> None:
    m = read(body='<p class="article__standfirst">The short version.</p>')
    assert m.description == "The short version."


def test_time_element_and_date_forms() -> None:
    assert read(body='<time datetime="2024-10-25T08:00:00+02:00">x</time>').published_at == (
        "2024-10-25T08:00:00+02:00"
    )
    assert metadata.parse_date("Fri, 25 Oct 2024 06:42:17 GMT") == "2024-10-25T06:42:17+00:00"
    assert metadata.parse_date("2024-10-25") == "2024-10-25"
    assert metadata.parse_date("25.10.2024") == "2024-10-25T00:00:00"
    assert metadata.parse_date("yesterday") is None


@pytest.mark.parametrize(
    ("head", "attrs", "language"),
    [("", 'lang="EN-gb"', "en"), ('<meta property="og:locale" content="fr_FR">', "", "fr"),
     ('<meta http-equiv="content-language" content="de">', "", "de"), ("", "", None)],
)  # fmt: skip
def test_language(head: str, attrs: str, language: str | None) -> None:
    assert read(head, html_attrs=attrs).language == language


def test_nothing_known() -> None:
    assert read(url=None) == Metadata()


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Biden - Putin summit ends", "Biden - Putin summit ends"),
     ("Using __init__ in Python", "Using __init__ in Python"),
     ("人工智能迈上新台阶_科技_腾讯网", "人工智能迈上新台阶_科技"),
     ("The Paper | Rates rise", "Rates rise")],
)  # fmt: skip
def test_title_tag_suffixes(title: str, expected: str) -> None:
    head = f'<title>{title}</title><meta property="og:site_name" content="The Paper">'
    assert read(head, url=None).title == expected


def test_section_tags_and_where_each_field_came_from() -> None:
    m = read(
        ld({"@type": "NewsArticle", "headline": "Rates rise", "articleSection": "Business",
            "keywords": "rates, banks", "datePublished": "2024-10-25T08:00:00+02:00"})
        + '<meta property="article:tag" content="ignored">',
        html_attrs='lang="en"',
    )  # fmt: skip
    assert (m.section, m.tags) == ("Business", ("rates", "banks"))
    assert m.published_at == "2024-10-25T08:00:00+02:00"
    assert set(m.sources) >= {"title:json-ld", "section:json-ld", "tags:json-ld",
                              "published_at:json-ld", "language:page"}  # fmt: skip


def test_article_tags_from_opengraph_repeat() -> None:
    tag = '<meta property="article:tag" content="{}">'
    head = tag.format("Rates") + tag.format("Banks")
    m = read(head)
    assert m.tags == ("Rates", "Banks")
    assert "tags:opengraph" in m.sources


@pytest.mark.parametrize(
    ("line", "day"),
    [("Published 21 July 2025, 14:32 BST", "2025-07-21T14:32:00"),
     ("July 21, 2025 at 3:10 pm", "2025-07-21T15:10:00"),
     ("2025年11月21日 09時30分", "2025-11-21T09:30:00"),
     ("18 ноября 2025", "2025-11-18"), ("le 3 mars 2024", "2024-03-03"),
     ("21.11.2025", "2025-11-21"), ("no date here", None)],
)  # fmt: skip
def test_dates_written_out_in_text(line: str, day: str | None) -> None:
    assert metadata.date_in_text(line) == day


def test_visible_date_line_then_url_date() -> None:
    m = read(body='<p class="newsDate">2025年11月21日 09時30分</p>', url=None)
    assert (m.published_at, m.sources) == ("2025-11-21T09:30:00", ("published_at:page",))
    m = read(url="https://paper.example/2024/10/25/story/")
    assert (m.published_at, m.sources) == ("2024-10-25", ("published_at:url",))


def test_organisation_kept_apart_when_no_person_is_credited() -> None:
    m = read('<meta name="author" content="The Associated Press">', url=None)
    assert (m.authors, m.byline, m.organisation) == ((), None, "Associated Press")


def test_job_title_inside_the_byline_is_not_part_of_the_name() -> None:
    role = '<span class="author-title">Games Editor</span>'
    body = f'<div class="author"><a>Ben Silverman</a> {role}</div>'
    assert read(body=body).authors == ("Ben Silverman",)


def test_bylines_in_comments_and_teasers_are_not_the_authors() -> None:
    story = "<p>" + "Story text. " * 30 + "</p>"
    comments = '<div class="comments"><span class="comment-author">J</span></div>'
    teaser = '<div class="related-stories"><div class="byline">Teaser Writer</div></div>'
    byline = '<div class="author-name">NATALIYA PETROVA</div>'
    assert read(body=comments + teaser + story + byline).authors == ("Nataliya Petrova",)
    # ...but a wrapper around the article itself is no teaser list, whatever its class says
    page = f'<div class="modal-wrap ad-portal"><div class="byline">By Ann Lee</div>{story}</div>'
    assert read(body=page).authors == ("Ann Lee",)


def test_scholarly_author_tags_one_per_author_surname_first() -> None:
    head = (
        '<meta name="DC.Creator" content="Kooman, F.">'
        '<meta name="DC.Creator" content="Jong, Michiel de">'
    )
    assert read(head).authors == ("F. Kooman", "Michiel de Jong")
    assert read('<meta name="citation_author" content="Doe, Jane">').authors == ("Jane Doe",)
    # the surname-first reading is for those tags only: elsewhere a comma separates people
    assert read('<meta name="author" content="Jane Doe, John Roe">').authors == (
        "Jane Doe",
        "John Roe",
    )


def test_one_meta_property_attribute_may_name_several_properties() -> None:
    head = '<meta property="og:title twitter:title" content="Rates rise again">'
    assert read(head, url=None).title == "Rates rise again"


def test_og_article_author_naming_the_site_is_the_organisation() -> None:
    head = (
        '<meta property="og:site_name" content="Paper News">'
        '<meta property="og:article:author" content="Paper News">'
    )
    m = read(head)
    assert (m.authors, m.organisation) == ((), "Paper News")


def test_marked_authors_of_other_stories_are_not_the_authors() -> None:
    body = (
        '<p class="byline">By <a rel="author">Ann Lee</a></p><p>' + "Story text. " * 30 + "</p>"
        '<aside><a rel="author">Teaser Writer</a></aside>'
    )
    assert read(body=body).authors == ("Ann Lee",)


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        ('<a href="https://origin.example/story">Source Link</a>', "https://origin.example/story"),
        ('Source: <a href="https://agency.example/s">Agency</a>', "https://agency.example/s"),
        ('<a href="https://origin.example/s">Read the original article on Origin</a>',
         "https://origin.example/s"),
        ('<a href="/about">Source Link</a>', None),  # same site: not an original
        ('<a href="https://other.example/x">More news</a>', None),
    ],
)  # fmt: skip
def test_the_original_publisher_is_read_from_source_links(
    anchor: str, expected: str | None
) -> None:
    html = f"<html><head><title>T</title></head><body><p>{anchor}</p></body></html>"
    meta = metadata.read(lxml.html.fromstring(html), "https://aggregator.example/world/1")
    assert meta.original_url == expected


def test_a_canonical_url_on_another_site_names_the_original() -> None:
    html = (
        '<html><head><link rel="canonical" href="https://origin.example/story"></head>'
        "<body><p>Text</p></body></html>"
    )
    meta = metadata.read(lxml.html.fromstring(html), "https://aggregator.example/world/1")
    assert meta.original_url == "https://origin.example/story"


def test_a_consent_dialogs_h1_is_not_the_headline() -> None:
    head = (
        "<title>Praha zdraží jízdenky | Zprávy</title>"
        '<meta property="og:title" content="Pětikoruna navíc: Praha zdraží jízdenky">'
        + ld({"@type": "NewsArticle", "headline": "Jízdné v Praze od února zdraží"})
    )
    body = (
        "<h1>Jízdné v Praze od února zdraží</h1>"
        '<div class="didomi-popup" role="dialog"><h1>Vážíme si vašeho soukromí</h1></div>'
    )
    assert read(head, body=body).title == "Jízdné v Praze od února zdraží"
    body = body.replace('class="didomi-popup" role="dialog"', 'class="cookie-consent"')
    assert read(head, body=body).title == "Jízdné v Praze od února zdraží"


def test_a_visible_update_stamp_is_the_modified_date() -> None:
    body = (
        '<p class="print-dates"><span class="print-published">Published: September 22, 2025 '
        'at 5:45 p.m.</span> | <span class="print-updated">Updated: September 23, 2025 at '
        "8:10 a.m.</span></p>"
    )
    m = read(body=body)
    assert (m.published_at or "")[:10] == "2025-09-22"
    assert (m.modified_at or "")[:10] == "2025-09-23"
    # a date line that opens with the update word, in a date-classed element
    m = read(body='<div class="article-date">Aktualisiert am 3. März 2025, 14:02 Uhr</div>')
    assert (m.modified_at or "")[:10] == "2025-03-03"
    assert read(body='<div class="post-date">March 3, 2025</div>').modified_at is None


def test_site_name_from_the_title_part_its_feeds_or_logo_name() -> None:
    feeds = (
        '<link rel="alternate" type="application/atom+xml" title="Harwick County Backroads - '
        'Atom" href="/feeds/posts/default">'
    )
    head = f"<title>Harwick County Backroads: The night the opera house burned</title>{feeds}"
    assert read(head).site_name == "Harwick County Backroads"
    logo = '<img class="print-logo" src="/logo.png" alt="Lakeshore Tribune">'
    head = "<title>Lakeshore Tribune | Print | Harbor awards dredging contract</title>"
    assert read(head, body=logo).site_name == "Lakeshore Tribune"
    # a title part that nothing else on the page names is no site name
    assert read(head).site_name is None


def test_a_plain_by_line_names_the_writer_when_nothing_else_does() -> None:
    body = (
        '<td><font size="5"><b>Council puts pool bond on ballot</b></font><br><font size="2">'
        "<b>By MARGARET HOLLOWAY, Staff Writer</b></font><br><p>Text of the story.</p></td>"
    )
    m = read(body=body)
    assert m.authors == ("Margaret Holloway",)
    assert read(body="<p><b>By the numbers</b></p><p>Most pools close in May.</p>").authors == ()
    # a marked byline still comes first
    marked = '<span class="byline">By Ann Lee</span>' + body
    assert read(body=marked).authors == ("Ann Lee",)


def test_the_lead_picture_when_no_meta_names_an_image() -> None:
    story = f"<p>{'The harbor commission met on Monday and voted. ' * 6}</p>" * 3
    body = (
        '<div class="print-body"><figure><img src="/img/logo-print.png" width="260"></figure>'
        '<figure><img src="/media/freighter-1200.jpg" width="1200"></figure>'
        f"{story}</div>"
    )
    assert read(body=body).image_url == "https://paper.example/media/freighter-1200.jpg"
    head = '<meta property="og:image" content="https://cdn.example/og.jpg">'
    assert read(head, body=body).image_url == "https://cdn.example/og.jpg"
    assert read(body=story).image_url is None
