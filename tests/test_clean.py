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
     "Read more", "Share this article", "Advertisement - scroll to continue", "  advertisement  ",
     "ADVERTISING", "PUBLICIDADE", "Continua após a publicidade", "광고", "广告", "IKLAN",
     "관련기사", "Artykuł jest kontynuowany pod materiałem wideo", "Haberin Devamı", "REKLAM",
     "- โฆษณา -", "פרסומת", "ΔΙΑΦΗΜΙΣΗ", "ANNONS", "انتهای پیام/", "-ENDS-",
     "อ่านข่าวที่เกี่ยวข้อง", "延伸閱讀", "Got a story?", "PUBLICITATE"],
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
    ("raw", "expected"),
    [
        ("article-body", "article-body"),  # already normal: taken as it is
        ("-lead--in-", "lead-in"),
        ("Article__Body", "article-body"),
        ("mainContent2Col", "main-content2-col"),
        ("été-à-la-une", "été-à-la-une"),
    ],
)
def test_tokens_are_brought_to_one_form(raw: str, expected: str) -> None:
    el = lxml.html.fragment_fromstring(f'<div class="{raw}">x</div>')
    assert clean.tokens(el) == (expected,)


@pytest.mark.parametrize(
    "markup",
    ['<div class="jeg_ad">x</div>', '<div class="cookie-notice">x</div>',
     '<div class="share-bar">x</div>', '<div id="comments">x</div>',
     '<div role="navigation">x</div>', '<nav>x</nav>', '<script>x</script>',
     '<div style="display: none">x</div>', '<div hidden>x</div>',
     '<div data-component="byline-block">x</div>', '<div class="sr-only">x</div>',
     '<div class="teads-inread">x</div>',
     '<div class="menu"><math><mi>x</mi></math> Home News Sport Weather Culture</div>'],
)  # fmt: skip
def test_boilerplate_elements(markup: str) -> None:
    assert clean.is_boilerplate(lxml.html.fragment_fromstring(markup))


@pytest.mark.parametrize(
    "markup",
    ['<div class="shadow-reader">x</div>', '<div class="download">x</div>',
     '<div class="hidden-xs">x</div>', '<div class="category-advertising">x</div>',
     '<h2 class="header-anchor-post">x</h2>', '<p class="lead">x</p>',
     '<span class="MathJax CtxtMenu_Attached_0"><math><mi>a</mi><mo>≠</mo><mn>0</mn></math>'
     "</span>"],
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
     ("Related research shows a long-running trend in the data.", 0.0, False),
     ("If you buy something from a Loop link, Loop Media may earn a commission.", 0.1, True),
     ("We may earn a share of sales from links on this page.", 0.0, True),
     ("When you buy through links on our site, we may earn an affiliate commission.", 0.0, True),
     ("Agents may earn a commission of 3% on each sale, the report found.", 0.0, False),
     ("Brokers earn commissions on every trade, regulators said.", 0.0, False),
     ("Click here to join the Daily Bulletin WhatsApp channel for the latest news.", 0.1, True),
     ("Follow The Bulletin on Google News", 0.3, True),
     ("Riproduzione riservata © Copyright La Gazzetta", 0.0, True),
     ("Todos os direitos reservados.", 0.0, True),
     ("The ministers agreed to join the talks in Geneva next week.", 0.0, False),
     ("Villagers join a WhatsApp group to track the river level every night.", 0.0, False),
     ("Baca Juga: Tanggul Darurat Jebol, 200 Rumah Tergenang", 0.8, True),
     ("Zobacz też: Tory zarosły lasem", 0.8, True),
     ("ⓒ 한결일보, 무단전재 및 재배포 금지", 0.0, True),
     ("版权所有，未经授权不得转载", 0.0, True),
     ("Media contact: Kay Lind, kay@maker.example, (937) 555-0148", 0.3, True),
     ("View original content to download multimedia: https://wire.example/r/1.html", 0.9, True),
     ("SOURCE Marlow Ridge Components", 0.0, True),
     ("Source: Reuters", 0.0, True),
     ("Źródło: PAP", 0.0, True),
     ("Джерело: УкрВектор", 0.5, True),
     ("Source: the ministry said the talks had failed and would resume in the spring.", 0.0, False),
     ("Sources close to the talks said the deal was near.", 0.0, False),
     ("यह भी पढ़ें: राजस्थान में कुओं का जलस्तर", 0.8, True),
     ("Seguí leyendo: Verano 2026", 0.8, True),
     ("Live text: Relive every kick of the match as it happened", 0.9, True),
     ("Live text: Relive every kick of the match as it happened", 0.3, False),
     ("Published in The Lakeside Ledger from Nov. 18 to Nov. 20, 2025.", 0.0, True),
     ("Note: the figures were revised on Tuesday after an audit.", 0.0, False),
     ("อ่านเพิ่มเติม : ขอนแก่นทดลองวิ่งรถเมล์ไฟฟ้าฟรี 2 สัปดาห์", 0.8, True),
     ("Čtěte také Metro D má nový termín dokončení", 0.8, True),
     ("همچنین بخوانید: رکورد اقامت گردشگران خارجی", 0.8, True),
     ("Reach Kayla Brandt at kbrandt@herald.example or on X @KBrandtRHD.", 0.3, True),
     ("Ann Lee covers health for the Herald. Reach her at alee@herald.example.", 0.3, True),
     ("Reach out to the county at info@county.example to ask for a form.", 0.3, False),
     ("Continued on page 2: The campaigners who would not give up »", 0.0, True),
     ("The story continued on the next page of the report, the auditor said.", 0.0, False),
     ("If you’ve got a celebrity story, video or pictures get in touch by emailing us.", 0.1,
      True),
     ("Do you have any tips for first-time buyers? Start with the deposit, she said.", 0.0,
      False),
     ("（編輯：張瑞芬）1141125", 0.0, True),
     ("Read Jonah’s full story →", 1.0, True),
     ("Did someone forward you this email? Sign up here.", 0.3, True),
     ("City Desk Weekly is free to read. Become a member for $5 a month.", 0.3, True),
     ("She went on to become a member of the council in 2019.", 0.0, False),
     ("Follow me here on Inkwell to get every story by email.", 0.0, True),
     ("Residents follow the council on its channel to get updates, he said.", 0.0, False),
     ("The editor (編輯：張瑞芬) said the book would be reprinted next year.", 0.0, False)],
)  # fmt: skip
def test_link_trailers(line: str, density: float, expected: bool) -> None:
    assert clean.is_link_trailer(line, density) is expected


@pytest.mark.parametrize(
    ("line", "divider"), [("###", True), ("* * *", True), ("___", True), ("—", True),
                          ("No. 5", False), ("42", False), ("いいね", False)],
)  # fmt: skip
def test_divider(line: str, divider: bool) -> None:
    assert clean.is_divider(line) is divider


def test_a_caption_set_as_a_paragraph_under_a_picture_goes() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><p><img src="a.jpg"></p>'
        "<p>图为江北区新加装的电梯。记者 陈晓岚 摄</p>"
        f'<p><img src="b.jpg"></p><p style="text-align:center">A quote set under a picture.</p>'
        f"<p>{PROSE}</p></div>"
    )
    assert "电梯" not in text
    assert "A quote set under a picture." in text  # centred, but nothing says it is a caption


def test_a_video_player_box_goes_with_its_labels() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="video-box"><div>Watch</div>'
        '<div><button type="button">Play</button><div>00:00 / 02:14</div></div>'
        f"<div>The station seen from a drone</div></div><p>{PROSE}</p></div>"
    )
    assert PROSE.strip() in text and "seen from a drone" not in text and "Watch" not in text


def test_a_paywall_box_goes_with_the_line_that_opens_it() -> None:
    text = text_after_clean(
        f'<div itemprop="articleBody"><p>{PROSE}</p><div class="premium"><p>Cet article est '
        "réservé aux abonnés</p><p>1€ le premier mois</p><a href='/login'>Se connecter</a>"
        "</div></div>"
    )
    assert PROSE.strip() in text and "abonnés" not in text and "premier mois" not in text


def test_a_box_that_an_ad_label_opens_goes_whole() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="odds-box"><span>AD</span>'
        "<table><tr><td>Harlow</td><td>13/8</td></tr></table><p>18+ | Gamble responsibly</p>"
        f"</div><p>{PROSE}</p></div>"
    )
    assert "Harlow" not in text and "Gamble" not in text and PROSE.strip() in text


def test_an_embed_goes_with_its_title_but_not_with_a_paragraph_around_it() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="video-embed">'
        '<iframe src="https://video.example/e/1"></iframe><p>How the chairs work</p></div>'
        f'<p>Watch it here <iframe src="https://video.example/e/2"></iframe> before the vote.</p>'
        f"<p>{PROSE}</p></div>"
    )
    assert "How the chairs work" not in text and "before the vote." in text


def test_a_fact_box_aside_in_the_article_stays_and_a_repeating_one_goes() -> None:
    facts = "<ul><li>Yield loss in drought years: 31%</li><li>Cost: about £9 a hectare</li></ul>"
    text = text_after_clean(
        f'<div class="entry-content"><p>{PROSE}</p><aside class="fact-box"><h2>Key facts</h2>'
        f'{facts}</aside><aside class="x1"><p>{PROSE.split(".")[0]}.</p></aside>'
        '<aside class="x2"><a href="/a">Other story</a> <a href="/b">Another one</a></aside></div>'
    )
    assert "Yield loss in drought years: 31%" in text
    assert text.count(PROSE.split(".")[0]) == 3  # the repeated sentence, not a fourth time
    assert "Other story" not in text


def test_details_rows_of_a_label_and_a_value_go() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="servings"><span class="details-label">'
        'Servings</span> <span>8 slices</span></div><p><span class="label">Note:</span> the '
        f"oven must be hot before the tin goes in, or the crust will not rise.</p></div>"
    )
    assert "Servings" not in text and "8 slices" not in text
    assert "the oven must be hot" in text  # a sentence after a label is prose


def test_a_pull_quote_stays_when_the_text_does_not_repeat_it() -> None:
    quote = "If you put a camera on that pull-off, half of our tires would disappear."
    lone = text_after_clean(
        f'<div class="entry-content"><p>{PROSE}</p><figure class="wp-block-pullquote">'
        f"<blockquote><p>{quote}</p><cite>Ann Lee</cite></blockquote></figure></div>"
    )
    assert quote in lone
    repeated = text_after_clean(
        f'<div class="entry-content"><p>{PROSE} {quote}</p><figure class="wp-block-pullquote">'
        f"<blockquote><p>{quote}</p></blockquote></figure></div>"
    )
    assert repeated.count(quote) == 1


def test_text_set_in_br_paragraphs_is_the_main_text() -> None:
    obituary = "<br><br>".join(f"{PROSE} Part {n}." for n in range(5))
    root = page(
        f'<div class="obit">{obituary}</div><div class="flowers"><p>Send flowers to the '
        "family, with same-day delivery in town.</p></div>"
    )
    main = clean.main_paragraph_parent(root)
    assert main is not None and main.get("class") == "obit"


def test_a_guestbook_under_a_framework_root_is_not_the_article() -> None:
    obituary = "<br><br>".join(f"{PROSE} Part {n}." for n in range(5))
    entries = "".join(
        f'<div class="guestbook-entry"><p>{PROSE} Entry {n}.</p></div>' for n in range(2)
    )
    root = page(
        f'<div id="__next"><main><div class="obit">{obituary}</div>'
        f'<section class="guestbook">{entries}</section></main></div>'
    )
    clean.clean(root)
    text = clean.normalize_space(root.text_content())
    assert "Part 4." in text and "Entry 0." not in text


def test_a_call_to_action_card_inside_the_article_goes() -> None:
    text = text_after_clean(
        f'<div class="gh-content"><p>{PROSE}</p><div class="kg-card kg-cta-card">'
        "<p>We are a member-funded newsroom: become a member for $6 a month.</p></div></div>"
    )
    assert PROSE.strip() in text and "member-funded" not in text


def _figures(count: int, caption: str) -> str:
    return "".join(
        f'<figure><img src="p{n}.jpg"><figcaption><span class="caption-text">{caption} {n}.'
        f'</span> <span class="photo-credit">Ann Lee for The Paper</span></figcaption></figure>'
        for n in range(count)
    )


def test_a_picture_story_keeps_its_captions_but_not_their_credits() -> None:
    caption = "Workers haul the sacks of oysters up from the boats before sunrise, picture"
    text = text_after_clean(
        f'<div class="story-body"><p>{PROSE}</p>{_figures(5, caption)}<p>{PROSE}</p></div>'
    )
    assert f"{caption} 0." in text and f"{caption} 4." in text
    assert "Ann Lee for The Paper" not in text


def test_captions_beside_prose_still_go() -> None:
    caption = "A picture of the harbour at dawn"
    prose = f"<p>{PROSE}</p>" * 12
    text = text_after_clean(f'<div class="story-body">{prose}{_figures(4, caption)}</div>')
    assert "picture of the harbour" not in text  # four captions, but a small share of the text
    text = text_after_clean(f'<div class="story-body"><p>{PROSE}</p>{_figures(2, caption)}</div>')
    assert "picture of the harbour" not in text  # a large share, but only two pictures


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
             "segunda-feira, 22 de janeiro de 2018 às 0:13",
             "Published 5:02 a.m. ET Oct. 3, 2025Updated 10:18 a.m. ET Oct. 4, 2025",
             "Story last updated at 9:20 a.m. Friday, October 15, 2004"],
)  # fmt: skip
def test_date_lines(text: str) -> None:
    assert clean.is_date_line(text)


@pytest.mark.parametrize("text", ["In 2018 the council met.", "12,000", "Page 2 of 5"])
def test_not_date_lines(text: str) -> None:
    assert not clean.is_date_line(text)


def test_invisible_characters_go() -> None:
    assert clean.normalize_space("sin\u2061x \u00adco\u200bde\u2062y") == "sinx codey"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" a \t b\r\n\x1c c ", "a b c"),  # ASCII: every kind of white space
        ("\xa0caf\u00e9\u2009au\u00a0lait\u200b ", "café au lait"),  # no-break, thin spaces
        ("", ""),
    ],
)
def test_white_space_collapses(text: str, expected: str) -> None:
    assert clean.normalize_space(text) == expected


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


@pytest.mark.parametrize(
    ("line", "counter"),
    [("137", True), ("12,400", True), ("1.2K", True), ("4 comments", False), ("Page 2", False),
     ("2019 was a year", False), ("", False), ("5 from 12 votes", True), ("(48 reviews)", True),
     ("4.5 out of 5", True), ("5 from 12 voters agreed", False)],
)  # fmt: skip
def test_counter(line: str, counter: bool) -> None:
    assert clean.is_counter(line) is counter


@pytest.mark.parametrize(
    ("line", "expected"),
    [("(ČTK)", True), ("(dpa)", True), ("(ČTK, hor)", True), ("(AFP/AP)", True),
     ("(Laughter)", False), ("(Updated)", False), ("(ČTK) Praha", False), ("(2025)", False)],
)  # fmt: skip
def test_agency_credits(line: str, expected: bool) -> None:
    assert clean.is_agency_credit(line) is expected


def test_a_box_selling_a_subscription_goes_and_a_paragraph_naming_a_price_stays() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="prem-box"><div>Ranní zprávy '
        "Předplatné</div><div>Čtěte bez reklam</div><p>První měsíc za 1 Kč, poté 149 Kč.</p>"
        '<a href="https://predplatne.zpravy.example/">Chci předplatné</a></div>'
        '<p>The paper now charges $4 a week, <a href="/subscribe">its offer page</a> says.</p>'
        f"<p>{PROSE}</p></div>"
    )
    assert "Předplatné" not in text and "149 Kč" not in text
    assert "The paper now charges $4 a week, its offer page says." in text


def test_a_print_views_addresses_after_links_go() -> None:
    text = text_after_clean(
        '<div class="print-body"><p>The <a href="https://port.example/bids/1.pdf">bid '
        "tabulation</a> [https://port.example/bids/1.pdf] posted by the port. A "
        '<a href="/permits/44">permit</a> (https://news.example/permits/44) was issued. '
        'The <a href="https://a.example/">site</a> [https://b.example/] differs.</p></div>'
    )
    assert "The bid tabulation posted by the port. A permit was issued." in text
    assert "[https://b.example/]" in text  # another address than the link's is text


def test_a_player_box_with_a_play_button_and_a_clip_length_goes() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><aside class="gnt_em" aria-label="Video"><div>'
        '<button type="button" aria-label="Play video"></button><span>1:52</span></div>'
        "<div>The CEO explains the closure</div><div>Dr. Tillis says staffing failed.</div>"
        f"</aside><p>{PROSE}</p></div>"
    )
    assert PROSE.strip() in text and "CEO explains" not in text and "staffing" not in text


def test_an_embeds_title_and_credit_lines_go_with_it() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><div class="Embed_root__e3VnH"><p>Applications '
        "surged in the program’s final weeks</p><div><iframe title='chart'></iframe></div>"
        "<p>Chart: Caleb Osei/Northline • Source: Harbor City Office of Sustainability</p>"
        f"</div><p>{PROSE}</p></div>"
    )
    assert PROSE.strip() in text and "Applications surged" not in text and "Chart:" not in text


def test_an_old_pages_offer_box_beside_the_story_goes() -> None:
    offer = (
        '<table><tr><td><font size="2"><b>Get the Ledger delivered!</b></font><br><font>13 '
        'weeks of home delivery for just $29.25. <a href="/subscribe/">Click here</a></font>'
        "</td></tr></table>"
    )
    text = text_after_clean(
        f'<table><tr><td><font class="storytext"><p>{PROSE}</p><p>{PROSE}</p></font>{offer}'
        "</td></tr></table>"
    )
    assert PROSE.strip() in text and "delivered" not in text and "$29.25" not in text


def test_ruby_readings_are_not_text() -> None:
    text = text_after_clean(
        "<div class='body'><p>創業<ruby>甑<rt>こしき</rt></ruby>の<ruby>越ノ沢<rp>（</rp>"
        "<rt>こしのさわ</rt><rp>）</rp></ruby>町で。</p></div>"
    )
    assert text == "創業甑の越ノ沢町で。"


def test_a_box_headed_presented_by_is_an_advert() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><table class="mcnBoxedTextBlock"><tr><td>'
        "<h3>PRESENTED BY HARBOR POINT CREDIT UNION</h3><p>Open a savings account this month."
        f"</p></td></tr></table><p>{PROSE}</p></div>"
    )
    assert PROSE.strip() in text and "HARBOR POINT" not in text and "savings" not in text


def test_a_player_that_a_script_fills_goes_with_its_labels() -> None:
    player = (
        '<bsp-jw-player data-media-id="kT4p"><div class="jw-placeholder"></div><div>VIDEO</div>'
        "<div>The valve being replaced</div><p>A tour of the pumping station.</p><div>1:48</div>"
        "</bsp-jw-player>"
    )
    text = text_after_clean(f'<div class="content"><p>{PROSE}</p>{player}<p>{PROSE}</p></div>')
    assert PROSE.strip() in text and "valve" not in text and "pumping station" not in text


def test_a_tagdiv_ad_slot_goes_with_its_label() -> None:
    slot = (
        '<div class="td-a-rec td-a-rec-id-content_inline tdi_75"><span class="td-adspot-title">'
        'PUBLICITATE</span><ins class="adsbygoogle"></ins></div>'
    )
    text = text_after_clean(f'<div class="content"><p>{PROSE}</p>{slot}<p>{PROSE}</p></div>')
    assert "PUBLICITATE" not in text and PROSE.strip() in text


def test_a_headings_permalink_sign_is_not_its_text() -> None:
    text = text_after_clean(
        f'<div class="content"><p>{PROSE}</p><h2 id="a-schedule">A schedule <a href="#a-schedule"'
        ' aria-label="Anchor">#</a></h2><h2>See <a href="#notes">the notes</a></h2></div>'
    )
    assert "A schedule See the notes" in text and "#" not in text
