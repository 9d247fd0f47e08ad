"""Boilerplate rules as data, and the function that strips them from a parsed page (pure)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

import lxml.etree
from lxml.html import HtmlElement

# ---------------------------------------------------------------------------------------------
# 1. VOCABULARY. A class or id token is split into lower-case parts on "-", "_" and camelCase
#    ("jeg_post_tags" -> jeg, post, tags; "relatedPosts" -> related, posts), and a rule
#    matches when its parts appear as a run inside the token ("most-read" in "box-most-read").
#    Matching whole parts keeps "ad" from matching "header", "read" or "shadow".
# ---------------------------------------------------------------------------------------------


def words(text: str) -> tuple[str, ...]:
    """Split a vocabulary written as whitespace-separated words."""
    return tuple(text.split())


def _lines(text: str) -> tuple[str, ...]:
    """Split a vocabulary written one entry per line."""
    return tuple(line.strip() for line in text.strip().splitlines() if line.strip())


BOILERPLATE_TOKENS: dict[str, tuple[str, ...]] = {
    # Ad slots and their "ADVERTISEMENT" labels; AdSense, DFP/GPT and native-ad networks.
    "ads": words(
        "ad ads adv advert adverts advertisement advertising adsbygoogle adslot adunit dfp"
        " gpt-ad sponsor sponsored promo promoted outbrain taboola zergnet teads native-ad"
        " commercial publicidade publicidad publicite pubblicita publicitate werbung adspot"
        " td-a-rec"  # tagDiv's ad slots: "td-a-rec td-a-rec-id-content_inline"
    ),
    # Cookie and consent banners, and the overlays/popups that carry them.
    "consent": words(
        "cookie cookies consent gdpr cmp onetrust cookiebot cc-window modal popup overlay"
        " interstitial"
    ),
    # Teaser blocks ("You may also like", "Related", "More from", "Most read", "Mehr zum
    # Thema") and previous/next-post links.
    "related": words(
        "related relatedposts yarpp recommended recommendations also-like may-like more-from"
        " more-stories most-read most-popular popular trending read-next"
        " further-reading mehr-zum-thema prevnext prev next post-navigation nav-links"
        " read-also also-read see-also lire-aussi leer-tambien"
    ),
    # Share bars and social buttons.
    "share": words("share shares sharing sharedaddy social socials addtoany a2a sharethis shariff"),
    # Newsletter, subscription, donation and login boxes; reader-funding asks ("epic" is the
    # Guardian's name for them, copied by other sites' templates); calls to action ("cta":
    # Ghost's kg-cta-card, WordPress's cta blocks), which ask the reader to join or pay.
    "subscribe": words(
        "newsletter subscribe subscription signup sign-up optin mc4wp donate donation login signin"
        " epic contributions support-us paywall-offer piano-offer cta call-to-action"
    ),
    # Author-bio boxes and bylines: the byline is a metadata field, not body text.
    "author": words("author authors byline bio about-author authorbox contributor-name"),
    # Comment sections and comment forms.
    "comments": words(
        "comment comments commentlist disqus respond reply reactions commentaires kommentare"
        " comentarios guestbook condolences"
    ),
    # Page chrome: navigation, headers, footers, sidebars, breadcrumbs, tag lists, post meta.
    # These words also name wrappers ("elementor-widget", a "read-more" box that holds the
    # rest of the story on mobile), so inside the article they never take most of its text.
    "chrome": words(
        "nav navbar navigation menu breadcrumb breadcrumbs header masthead topbar footer"
        " sidebar widget rail skip-link toolbar pagination pager tags tag-links tag-list disclaimer"
        " cat-links categories meta search print rss read-more scoreboard"
    ),
    # Image galleries and carousels: pictures and their captions, not the article's prose;
    # pull quotes repeat a sentence of the body in large type.
    "media": words(
        "gallery slideshow carousel lightbox caption captions credit image-credit pullquote"
        " pull-quote"
    ),
    # Social embeds: their text is a copy of a post elsewhere, not the article.
    "embeds": words("twitter-tweet instagram-media tiktok-embed fb-post"),
}

# An element with at least this many <br> children sets its own text in paragraphs.
MIN_BR_PARAGRAPHS = 4

# The consent words that name only a consent notice: "modal" and "overlay" also name
# page-wide wrappers, which may hold the article.
CONSENT_NOTICE_TOKENS = words("cookie cookies consent gdpr cmp onetrust cookiebot cc-window")
DIALOG_ROLES = frozenset(words("dialog alertdialog"))

# Whole tokens only (never parts): "hidden" as a part would hit "hidden-xs", which is shown on
# every screen but the smallest.
HIDDEN_TOKENS = frozenset(
    words("hidden sr-only visually-hidden screen-reader-text screenreader offscreen")
)

# ARIA landmark and widget roles that are never the article.
BOILERPLATE_ROLES = frozenset(
    words(
        "navigation banner contentinfo complementary search dialog alertdialog menu menubar"
        " toolbar tablist"
    )
)

# An element whose text is at least this share MathML formulas is an equation, whatever its
# class says: the formula is the article's, as much as the sentence around it.
EQUATION_SHARE = 0.5

# Tags that never hold article text: code, forms, embeds, and page chrome. Captions go too:
# the body is text, and "Photo: X/Reuters" is not a sentence of the article.
BOILERPLATE_TAGS = frozenset(
    words(
        "script style noscript template iframe form nav footer header aside svg button input"
        " select textarea label object embed canvas dialog figcaption audio video"
        " picture menu link meta amp-ad amp-embed amp-sticky-ad amp-consent amp-sidebar"
        " amp-social-share amp-analytics amp-user-notification amp-iframe amp-video"
    )
)

# A picture story (a photo essay) has at least this many captioned pictures in the article,
# and its captions hold at least this share of the article's text: there the captions tell
# the story and are kept, in place, as paragraphs (their photo credits still go). Elsewhere
# a caption labels a picture beside the prose, and goes with it.
MIN_STORY_PICTURES = 4
MIN_STORY_CAPTION_SHARE = 0.3
# Class/id words of the parts of a caption that credit the picture rather than describe it.
CREDIT_TOKENS = re.compile(r"(?:^|-)(?:credit|credits|copyright|byline|photographer|source)(?:-|$)")

# A caption written as a plain paragraph right under a paragraph that holds only a picture,
# as CMSs without <figure> set it (common in Chinese news): it says it is one ("图为…",
# "Photo: …") or ends in the credit ("记者 X 摄", "photographed by X"). Centring is no sign:
# blogs centre quotes and titles under pictures too. At most this long.
MAX_LOOSE_CAPTION_CHARS = 120
LOOSE_CAPTION = re.compile(r"^(?:图为|图：|图片：|photo:|foto:)|(?:摄|供图|图源[:：].*)$", re.I)

# A media player's box: a play button or <video>, a time readout ("0:00 / 2:31") and at most
# this much text (its labels and the clip's title).
PLAYER_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}\s*/\s*\d{1,2}:\d{2}(?!\d)")
MAX_PLAYER_CHARS = 200
_READOUT_HINT = re.compile(r":\d\d\s*/")
# Or a play button and the clip's length ("1:52") on its own: a player box, not yet started.
DURATION = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
PLAY_LABEL = re.compile(r"(?:^|[\s_-])play(?:$|[\s_-])|lecture|abspielen|reproduc|riprodu", re.I)

# A <figure> is a picture and its caption, and goes, unless it wraps one of these: WordPress
# puts tables, lists and quotes in figures too ("wp-block-table"; "wp-block-pullquote" goes
# by its class).
FIGURE_CONTENT = ".//table | .//blockquote | .//pre | .//ul | .//ol"

# Code and embedded objects: removed before any text is measured, since a script's source
# would otherwise count as text. Also ruby annotations (<rt>, <rp>): the reading set over a
# Japanese or Chinese word ("甑<rt>こしき</rt>") is a pronunciation aid, not the text.
CODE_TAGS = tuple(words("script style noscript template svg canvas object embed iframe rt rp"))

# Inline style values that hide an element from every reader.
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)

# Lines that are labels or widgets, never sentences of an article; matched case-insensitively
# against the whole text of an element or block, after whitespace is collapsed.
CRUFT_LINES = frozenset(
    _lines(
        """
        advertisement
        advertisements
        advertising
        advertisement - scroll to continue
        story continues below video
        article continues below video
        artykuł jest kontynuowany pod materiałem wideo
        dalsza część artykułu pod materiałem wideo
        scroll to continue with content
        story continues below advertisement
        article continues below advertisement
        article continues below
        ad
        ads
        sponsored
        sponsored content
        anzeige
        werbung
        publicité
        publicidad
        publicidade
        continua após a publicidade
        reklam
        haberin devamı
        continua depois da publicidade
        pubblicità
        reklama
        реклама
        إعلان
        広告
        广告
        廣告
        광고
        iklan
        관련기사
        관련 기사
        ｐｒ
        pr
        читайте также
        اقرأ أيضا
        اقرأ أيضاً
        関連記事
        相关阅读
        延伸閱讀
        相關新聞
        reclame
        advertentie
        annons
        publicitate
        διαφήμιση
        διαφημιση
        פרסומת
        تبلیغات
        آگهی
        โฆษณา
        čtěte také
        čtěte též
        přečtěte si také
        διαβάστε επίσης
        διαβάστε ακόμη
        läs också
        כתבות נוספות
        קראו עוד
        همچنین بخوانید
        بیشتر بخوانید
        اخبار مرتبط
        อ่านเพิ่มเติม
        อ่านข่าวที่เกี่ยวข้อง
        ข่าวที่เกี่ยวข้อง
        انتهای پیام
        پایان پیام
        ends
        end
        source link
        source
        read more
        continue reading
        click here to read more
        read the full story
        read full article
        share this article
        share this
        share
        tweet
        email
        print
        copy link
        you may also like
        got a story
        have a tip
        you might also like
        related
        related articles
        related posts
        related stories
        more from
        most read
        most popular
        mehr zum thema
        lesen sie auch
        lire aussi
        à lire aussi
        leer más
        leave a comment
        leave a reply
        comments
        sign up
        subscribe
        skip to content
        skip to main content
        loading...
        loading…
        please turn on javascript to use this feature
        please enable javascript
        please enable javascript to view this content
        javascript is disabled
        you need to enable javascript to run this app
        """
    )
)

# Headings that label a boilerplate block; the block under such a heading goes with it.
BLOCK_LABELS: tuple[str, ...] = (
    r"you (?:may|might) also (?:like|enjoy)",
    r"(?:presented|sponsored|brought to you) by\b.*",
    r"paid (?:partner|post|content)(?:ship)?",
    r"related(?: (?:articles?|posts?|stories|news|content))?",
    r"more (?:from|on|about)\b.*",
    r"more (?:stories|news|articles)",
    r"most (?:read|popular|viewed|shared)",
    r"recent (?:news|posts|articles|stories)",
    r"(?:top|latest) (?:stories|news|headlines)",
    r"trending(?: now)?",
    r"recommended(?: for you)?",
    r"read (?:more|next|also)",
    r"don[’']t miss",
    r"popular",
    r"leave a (?:comment|reply)",
    r"\d* ?comments?(?: \(\d+\))?",
    r"share this(?: article| story| post)?",
    r"newsletter",
    r"follow us",
    r"tags?",
    r"key events",
    r"subscribe to (?:continue|keep) reading",
    r"this (?:article|story|content) is (?:only )?(?:for|available to|exclusive to) subscribers",
    r"already a subscriber\??",
    r"explore more on these topics",
    r"mehr zum thema",
    r"das könnte sie auch interessieren",
    r"weitere artikel",
    r"meistgelesen",
    r"(?:à )?lire aussi",
    r"sur le même sujet",
    r"lo más leído",
    r"te puede interesar",
    r"más noticias",
    r"i più letti",
    r"potrebbe interessarti",
    r"leggi anche",
    r"ver también",
    r"leia também",
    r"lees ook",
    r"читайте (?:также|тоже)",
    r"самое (?:читаемое|популярное)",
    r"другие новости",
    r"اقرأ (?:أيضا|أيضاً)",
    r"الأكثر قراءة",
    r"関連記事",
    r"(?:アクセス)?ランキング",
    r"相关(?:阅读|新闻)",
    r"(?:延伸閱讀|相關(?:新聞|報導))",
    r"관련 ?기사",
    r"많이 본 (?:뉴스|기사)",
    r"baca juga",
    r"(?:यह|ये|इसे) भी पढ़ें",
    r"notas relacionadas",
    r"(?:prze)?czytaj (?:też|także|również)",
    r"zobacz (?:też|także|również)",
    r"najczęściej czytane",
    r"berita terkait",
    r"(?:čtěte|přečtěte si) (?:také|též)",
    r"διαβάστε (?:επίσης|ακόμη)",
    r"(?:läs också|mest lästa)",
    r"(?:כתבות נוספות|עוד בנושא|קראו עוד)",
    r"(?:همچنین بخوانید|بیشتر بخوانید|اخبار مرتبط|پربازدیدترین‌ها)",
    r"(?:อ่านข่าวที่เกี่ยวข้อง|ข่าวที่เกี่ยวข้อง|ข่าวแนะนำ|อ่านเพิ่มเติม)",
)

# Lines that open a paywall box inside the article ("Cet article est réservé aux abonnés",
# then the offer and a login link): the box goes with its line, whatever its tag. Matched
# against the whole line, case-insensitively.
PAYWALL_LABELS: tuple[str, ...] = (
    r"this (?:article|story|content) is (?:only )?(?:for|available to|exclusive to) subscribers",
    r"(?:cet|cette) (?:article|contenu) est réservée? aux abonnés",
    r"dieser (?:artikel|inhalt) ist (?:nur )?für abonnenten",
    r"este (?:artículo|contenido) es (?:exclusivo )?para (?:suscriptores|abonados)",
    r"questo articolo è riservato agli abbonati",
    r"este (?:artigo|conteúdo) é exclusivo para assinantes",
)
MAX_PAYWALL_LABEL_CHARS = 80
# A word every one of those lines has (case-folded): a page without any has no such box.
PAYWALL_WORDS = (
    "subscribers",
    "abonnés",
    "abonnenten",
    "suscriptores",
    "abonados",
    "abbonati",
    "assinantes",
)

# The permalink signs of a heading's link to itself; a heading's link elsewhere is text.
ANCHOR_SIGNS = frozenset(("#", "¶", "§", "🔗", "⚓", "link", "anchor"))
_HEADING_LINKS = " | ".join(
    f"//{h}//a[starts-with(@href, '#')]" for h in ("h1", "h2", "h3", "h4", "h5", "h6")
)
# The address a print view writes after a link's text: " [https://…]" or " (https://…)".
PRINTED_URL = re.compile(r"\s*[\[(]\s*(https?://[^\s\])]+)\s*[\])]")

# An embed's wrapper (around an <iframe> or <video>) whose own text is at most this long and
# is no sentence is the embed's title or label ("Watch: …"), and goes with the embed.
MAX_EMBED_TITLE_CHARS = 120
# Players that a script fills in (no <iframe> or <video> in the page yet): a custom element
# named for a player (<bsp-jw-player>, <video-js>) or an element carrying a clip's id.
SCRIPTED_PLAYERS = (
    "//*[@data-video-id or @data-media-id or @data-player-id"
    " or (contains(local-name(), '-') and contains(local-name(), 'player'))"
    " or local-name() = 'video-js']"
)
# Or a few such lines, each in its own element: a chart's title above it, its credit below.
MAX_EMBED_LINES = 3
MAX_EMBED_TEXT_CHARS = MAX_EMBED_LINES * MAX_EMBED_TITLE_CHARS
# An <aside> inside the article with at most this share of its text in links is part of it.
MAX_FACT_BOX_LINK_SHARE = 0.2

# A details row: a label element and a value, together at most this long, the label at
# least this share of it ("Servings 8 slices", "Calories: 318kcal").
MAX_DETAIL_ROW_CHARS = 60
MIN_LABEL_SHARE = 0.25
MIN_DETAIL_PARTS = 2

# A box that an ad label opens is an ad when it holds at most this much text.
MAX_AD_BOX_CHARS = 300
AD_LABELS = words(
    "ad ads advertisement advertising sponsored anzeige werbung publicité publicidad"
    " publicidade pubblicità publicitate reklama реклама annons διαφήμιση פרסומת تبلیغات آگهی"
    " โฆษณา"
)
# A box that sells a subscription: a link to a subscription, log-in or checkout page and a
# price, in at most this much text ("Prenumerera – 1 kr i tre månader, sedan 149 kr/mån",
# "První měsíc za 1 Kč, poté 149 Kč měsíčně"). A paragraph of the article that names a
# price and links such a page is prose: only a box (OFFER_BOX_TAGS) around it goes.
MAX_OFFER_BOX_CHARS = 400
OFFER_BOX_TAGS = frozenset(words("div aside section form table td"))  # old pages box in tables
OFFER_LINK = re.compile(
    r"subscri|abonn|/abo(?:[/?-]|$)|prenumer|predplat|předplat|assinatur|suscrip|checkout"
    r"|/offers?(?:[/?]|$)|/plans?(?:[/?]|$)|/membership|/login|/log-?in|logga-in|/anmelden",
    re.I,
)
PRICE = re.compile(
    r"(?:[$€£¥₹]|\b(?:kr|kč|zł|usd|eur|chf|sek|nok|dkk|czk|pln|r\$))\s?\d"
    r"|\d(?:[.,]\d+)?\s?(?:[$€£¥₹]|(?:kr|kč|zł|euros?|dollars?|reais|pesos)\b)",
    re.I,
)
PROSE_TAGS = frozenset(words("p li td dd blockquote"))
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", "…")

# The CMS article containers; when present the body is inside and they must never be removed,
# whatever else their tokens say ("entry-content no-share" carries "share").
CONTAINER_TOKENS = frozenset(
    words(
        "entry-content post-content article-body articlebody article-content article-text"
        " story-body story-content post-body post-entry entry-body article-body-text"
        " td-post-content field-name-body c-entry-content body-text main-content-body"
    )
)

# Paragraph-level tags are never the container, whatever their class says: Arc-like CMSs
# class each paragraph "article-body-paragraph".
NOT_CONTAINER_TAGS = frozenset(
    words("p li span a h1 h2 h3 h4 h5 h6 figure figcaption blockquote ul ol table tr img")
)

# A second container with the same class and at least this share of the best one's prose makes
# the choice ambiguous (a body split in sections, or excerpts on a list page).
RIVAL_CONTAINER_SHARE = 0.3

# CMS taxonomy classes carry free-text slugs ("category-native-advertising", "tag-cookies" on a
# WordPress post): tokens with these prefixes match only whole vocabulary entries.
TAXONOMY_PREFIXES = ("category-", "tag-", "tags-", "format-", "type-", "status-", "postid-")

# A layout word ("widget", "header", "read-more") never removes an element inside the article
# that holds at least this share of its text: such boilerplate is a small box, not most of it.
MAX_REMOVED_SHARE = 0.5

# A CMS container is distrusted when one run of paragraphs outside it holds this many times
# its prose: the real article lacks the class and the container is a sidebar widget.
CONTAINER_OUTWEIGHED = 2.0

# Of two nested containers, the inner one is the body when it holds at least this share of the
# outer one's text; what the outer one adds is then a paywall offer, a share bar or a footer.
INNER_CONTAINER_SHARE = 0.5

# Distinct class/id strings remembered; a page has a few hundred, and pages of one site share
# them. More would only hold memory (the benchmark's 264 pages have about 27,000).
TOKEN_CACHE_SIZE = 4096

# Attributes whose values name what an element is: class and id, and the component names of
# React/Next/Arc CMSs (data-component="byline-block", data-testid="share-button").
TOKEN_ATTRIBUTES = ("class", "id", "data-component", "data-testid", "data-qa")
_TOKEN_ATTRIBUTE_SET = frozenset(TOKEN_ATTRIBUTES)

# Block tags whose whole text is checked against CRUFT_LINES. Inline tags are left alone: the
# link "email" inside "write to us by email" is part of a sentence.
CRUFT_TAGS = frozenset(words("p div li section td h1 h2 h3 h4 h5 h6"))
MAX_CRUFT_CHARS = 60  # the longest CRUFT_LINES entry is 45; anything longer is prose
_SHORT_CRUFT_CANDIDATES = " | ".join(
    f"//{tag}[string-length(normalize-space(.)) <= {MAX_CRUFT_CHARS}]" for tag in sorted(CRUFT_TAGS)
)

# A short line that opens with one of these and is mostly a link points to another article
# ("Read more: <a>…</a>", "Lesen Sie auch: <a>…</a>").
LINK_TRAILER = re.compile(
    r"^(?:read (?:more|also|next)|also read|see also|related|more|watch|listen|source|via"
    r"|read (?:\w+['’]s )?(?:the )?full (?:story|article|interview|report)"
    r"|lesen sie auch|weiterlesen|mehr dazu|lire aussi|à lire aussi|voir aussi|lee también"
    r"|tags?|topics?|filed under|schlagworte|themen|mots-clés|etiquetas|argomenti"
    r"|lea también|leer más|ver también|leggi anche|leggi tutto|vedi anche|leia também"
    r"|veja também|lees ook|zie ook|läs också|læs også|les også"
    r"|(?:prze)?czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)"
    r"|читайте также|читайте тоже|смотрите также|см\. также|по теме|اقرأ أيضا|اقرأ أيضاً|اقرأ المزيد"
    r"|関連記事|あわせて読みたい|相关阅读|延伸阅读|相關新聞|관련 ?기사|baca juga|lihat juga"
    r"|simak juga|baca selengkapnya|berita terkait|यह भी पढ़ें|ये भी पढ़ें|इसे भी पढ़ें"
    r"|seguí leyendo|seguir leyendo|mirá también|leé también|notas relacionadas"
    r"|читайте також|дивіться також|čtěte (?:také|též)|přečtěte si (?:také|též|více)"
    r"|διαβάστε (?:επίσης|ακόμη)|כתבות נוספות|קראו (?:עוד|גם)|همچنین بخوانید|بیشتر بخوانید"
    r"|اخبار مرتبط|อ่านเพิ่มเติม|อ่านข่าวที่เกี่ยวข้อง|ข่าวที่เกี่ยวข้อง)"
    # The label ends where a letter does not go on; Python's \b misses the end of a word in
    # an Indic or Thai script, whose vowel signs (category M) are not \w.
    r"(?![\w\u0300-\u036f\u0900-\u0dff\u0e00-\u0eff])\s*[:|»›>\-–—]?",
    re.I,
)
# Short lines that promote the site rather than report: follow us, sign up, send us tips.
PROMO_LINE = re.compile(
    r"^(?:follow (?:us|[\w .’'-]{1,40}?) on (?:facebook|twitter|x|instagram|tiktok|youtube"
    r"|linkedin|threads|bluesky|whatsapp|telegram|google news)\b"
    # Press-release trailers: the contact block, the wire's "View original content" line and
    # the issuer's "SOURCE Company" credit (in capitals, as the wires print it).
    r"|(?:(?:media|press|investor(?: relations)?) )?contacts?:"
    r"|view (?:original content|source version)\b|(?-i:SOURCE [A-Z][^.!?]{0,80}$)"
    # A paged article's pointer to its next page: "Continued on page 2: <title> »".
    r"|(?:continued|continues) on (?:page \d+|(?:the )?next page)\b|next page\s*[:»›]"
    # A bare source credit under the story, linked or not: "Źródło: PAP", "Source: Reuters".
    r"|(?:source|sources|źródło|źródła|quelle|fonte|fuente|bron|källa|kilde|источник|джерело"
    r"|zdroj|forrás|kaynak|nguồn|sumber|izvor|sursa|lähde|πηγή|المصدر|来源|出典|出所|출처)\s*[:：]"
    r"\s*\S+(?:\s+\S+){0,5}\s*$"
    # The run of a syndicated notice (obituaries): "Published in The Ledger from Nov. 18 to
    # Nov. 20, 2025."
    r"|published in .{1,60}? (?:from|on) .{0,50}\b\d{4}\.?$"
    # "Click here to join the <Site> WhatsApp channel": a channel or group, not a sentence.
    r"|(?:(?:click|tap) here to )?join (?:us on |our |the ).{0,60}\b(?:whatsapp|telegram)"
    r" (?:channel|group)"
    r"|.{0,80}\b(?:sign up|subscribe) (?:to|for) .{0,40}newsletters?\b"
    r"|get (?:the latest|our) .{0,60}\b(?:inbox|newsletters?)\b"
    r"|send (?:us )?your (?:story ideas|news tips|tips|photos)|get in touch with"
    # An editor's credit closing a Chinese story, perhaps with a date code: "（編輯：張瑞芬）
    # 1141125", "（责任编辑：王明）".
    r"|[（(](?:责任)?(?:編輯|编辑|責任編輯)[:：][^）)]{1,20}[）)]\s*\d{0,8}$"
    # A writer's closing call: "Follow me here on Inkwell to get every story by email."
    r"|.{0,200}\bfollow (?:me|us)\b.{0,40}\bto get (?:every|each|all|my|our|new) (?:\w+ )?"
    r"(?:story|stories|post|posts|issue|issues)\b"
    # A newsletter's own calls: "Did someone forward you this email? Sign up here.", "...
    # become a member for $5 a month."
    r"|(?:did someone|was this|were you) forward(?:ed)? (?:you )?this (?:e-?mail|newsletter)"
    r"|.{0,160}\bbecome a (?:paying )?(?:member|supporter|subscriber)\b.{0,40}(?:[$€£]\s?\d|\d\s?€)"
    # The tips box: "If you've got a celebrity story, video or pictures get in touch ..."
    r"|(?:if you(?:['’]ve| have) got|do you have|got|have you got) (?:a|any) (?:\w+ ){0,2}"
    r"(?:story|stories|tip|tips)\b.{0,200}\b(?:e-?mail|get in touch|contact us|send (?:it|them|us))"
    r"|click here to (?:subscribe|sign up)|download (?:our|the) app|have a (?:news )?tip\b"
    r"|.{0,60}\bis funded by (?:readers|our readers|you)\b|support (?:us|our journalism) from\b"
    r"|.{0,60}\b(?:e-?mail|write to|contact) us at\b|.{0,60}\b(?:may|can) be reached at\b"
    # The reporter's contact line: "Reach Kayla Brandt at kb@news.example or on X @kb." (a
    # name or a pronoun, then an e-mail address, and the line ends soon after).
    r"|(?:.{0,160}[.!]\s+)?(?:reach|contact|e-?mail|write to)\s+"
    r"(?-i:(?:[A-Z][\w’'.-]*\s+){1,4}|(?:him|her|them)\s+)at\s+[^\s@]+@[^\s@]+\.\w+[.!]?(?:\s.{0,80})?$"
    # Affiliate disclosures: "If you buy something from a link, we may earn a commission."
    # The link or the purchase, or "we", tells them from a sentence about agents' fees.
    r"|(?:.{0,160}\b(?:links?|buy|purchases?)\b.{0,120}|.{0,60}\bwe )"
    r"(?:may |might |could |will )?(?:earn|receive|get|collect)s? (?:a |an )?(?:small )?"
    r"(?:affiliate )?(?:commission|share of (?:the )?(?:sales|revenue))"
    # Reprint and rights notices: "© 2025 …", "All rights reserved", "Riproduzione
    # riservata ©", "При цитировании … ссылка … обязательна", "この記事の無断転載を禁じます".
    r"|©|\(c\) \d{4}|copyright\b|.{0,80}\ball rights reserved\b|при (?:цитировании|использовании)"
    r"|[ⓒⒸ]|.{0,80}(?:무단 ?전재|재배포 금지|版权所有|未经(?:授权|许可)(?:，)?不得转载)"
    r"|(?:.{0,80}\b)?(?:riproduzione riservata|tutti i diritti riservati|todos os direitos"
    r" reservados|todos los derechos reservados|tous droits réservés|alle rechte vorbehalten)"
    r"|при полном или частичном|.{0,30}無断転載)",
    re.I,
)
MAX_TRAILER_CHARS = 250  # a trailer is one line; a longer block is prose that happens to open so
MIN_TRAILER_LINK_DENSITY = 0.5  # "Read more: <a>headline</a>" is mostly link
# Any label of a word to three and a colon before a link that is most of the line ("Live
# text: <a>Relive every kick …</a>", "Photos: <a>…</a>"): a pointer elsewhere, in any
# language, even when the label is not one of LINK_TRAILER's.
LABELLED_LINK = re.compile(r"^[^\W\d_][^\W_]*(?:[ -][^\W_]+){0,2}\s*:\s")
MIN_LABELLED_LINK_DENSITY = 0.7

# Words of a share bar once its icons are gone: networks and share verbs, in the languages we
# meet ("Pint" is Pinterest cut short, "Baixar" Portuguese for "download").
SHARE_WORDS = frozenset(
    words(
        "whatsapp facebook fb twitter x tweet pinterest pint pin linkedin telegram reddit tumblr"
        " messenger vk ok viber line weibo wechat threads bluesky flipboard pocket mastodon"
        " email e mail print share copy link url download save gift comment comments"
        " teilen drucken partager imprimer compartir imprimir compartilhar baixar condividi"
        " stampa поделиться отправить"
    )
)
MAX_SHARE_LINE_WORDS = 12

# A paragraph that is one bare number ("137", "1.2K", "12,400") is a counter of views, likes,
# shares or comments whose icon is gone: prose, even a one-word answer, has letters.
COUNTER_LINE = re.compile(r"[\d.,]+\s*[kKmM]?")
_WORD_CHAR = re.compile(r"[^\W_]")
# A rating widget's tally, its stars gone: "5 from 12 votes", "4.5 out of 5", "(48 reviews)".
VOTE_LINE = re.compile(
    r"\(?\d+(?:[.,]\d+)?(?:\s*(?:from|out of|/)\s*\d+)?\s*(?:votes?|ratings?|reviews?|stars?)?\)?"
    r"|\d+(?:[.,]\d+)? out of \d+",
    re.I,
)

# A closing agency credit in brackets: "(ČTK)", "(dpa)", "(AFP/AP)", "(ČTK, hor)": at most
# three parts, each a short run of capitals or of small letters. "(Laughter)" or "(Updated)"
# is a word, not an agency, and stays.
MAX_AGENCY_CREDIT_CHARS = 30
MAX_AGENCY_CREDIT_PARTS = 3
MAX_AGENCY_CAPITALS = 6
MAX_AGENCY_SMALL = 4
AGENCY_CREDIT_SPLIT = re.compile(r"\s*[,/;]\s*|\s+")

# Words of a date line ("Updated at 1:23 p.m.", "segunda-feira, 22 de janeiro de 2018 às 0:13",
# "Published: 14:32 BST, 21 July 2025"): a short block made only of these, numbers and
# punctuation is a time stamp, not a sentence. Months and weekdays in the languages we meet.
DATE_WORDS = frozenset(
    words(
        "january february march april may june july august september october november december"
        " jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday"
        " friday saturday sunday mon tue wed thu fri sat sun published updated posted last"
        " min mins ft ht"  # live blogs' match clock: "90+2 min 19.14 BST", "FT 19.21 BST"
        " modified first on at am pm a.m p.m gmt bst utc cet cest est edt pst pdt the of"
        " et ct mt pt cst cdt mst mdt akst akdt hst"  # US zones: "5:02 a.m. ET Oct. 3, 2025"
        " story"  # "Story last updated at 9:20 a.m. Friday, October 15, 2004"
        " januar februar märz juni juli oktober dezember montag dienstag mittwoch donnerstag"
        " freitag samstag sonntag veröffentlicht aktualisiert am um uhr"
        " janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        " lundi mardi mercredi jeudi vendredi samedi dimanche publié le mis à jour à h"
        " enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre"
        " diciembre lunes martes miércoles jueves viernes sábado domingo publicado actualizado"
        " de del las los a"
        " gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre"
        " lunedì martedì mercoledì giovedì venerdì sabato domenica pubblicato aggiornato alle il"
        " janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
        " segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo às"
    )
)
# The longest date line above has 8 words; "Published Nov. 17, 2025 at 5:00 am · Updated
# Nov. 17, 2025 at 9:14 am" puts two stamps on one line.
MAX_DATE_LINE_WORDS = 16

_CONTAINER_RE = re.compile(
    r"(?:^|-)(?:" + "|".join(re.escape(t) for t in CONTAINER_TOKENS) + r")(?:-|$)"
)
_PROSE_TEXT = (
    ".//text()[not(ancestor::a or ancestor::h1 or ancestor::h2 or ancestor::h3 or ancestor::h4"
    " or ancestor::h5 or ancestor::h6)]"
)
# Zero-width space, soft hyphen, stray BOM; word joiner and MathML's invisible operators
# (function application, invisible times, separator and plus).
_INVISIBLE = re.compile("[\u200b\u00ad\ufeff\u2060-\u2064]")
_SPACES = re.compile(r"[^\S\u3000]+")
_NON_WORD = re.compile(r"[\W_]+")
_CRUFT_KEYS = frozenset(" ".join(_NON_WORD.split(line)).strip() for line in CRUFT_LINES)
_DATE_SIGNAL = re.compile(r"\d")
_YEAR_OR_TIME = re.compile(r"\b(?:1[89]|20)\d\d\b|\b\d{1,2}[:.]\d{2}\b")
_EXACT_TOKENS = frozenset(t for group in BOILERPLATE_TOKENS.values() for t in group)
_CONTENT_TOKEN_RE = re.compile(
    r"(?:^|-)(?:"
    + "|".join(re.escape(t) for name, group in BOILERPLATE_TOKENS.items() if name != "chrome"
               for t in group)
    + r")(?:-|$)"
)  # fmt: skip
_TOKEN_RE = re.compile(
    r"(?:^|-)(?:"
    + "|".join(re.escape(t) for group in BOILERPLATE_TOKENS.values() for t in group)
    + r")(?:-|$)"
)
_LABEL_RE = re.compile(r"^(?:" + "|".join(BLOCK_LABELS) + r")\s*[:.…]*$", re.I)
_PULL_QUOTE_RE = re.compile(r"(?:^|-)pull-?quote(?:-|$)")
_LABEL_TOKEN_RE = re.compile(r"(?:^|-)label(?:-|$)")
_LABEL_CANDIDATES = "//*[contains(@class, 'label') or contains(@class, 'Label')]"
_COMMENTS_RE = re.compile(
    r"(?:^|-)(?:"
    + "|".join(map(re.escape, (*BOILERPLATE_TOKENS["comments"], *CONSENT_NOTICE_TOKENS)))
    + r")(?:-|$)"
)
_CONSENT_RE = re.compile(
    r"(?:^|-)(?:" + "|".join(map(re.escape, CONSENT_NOTICE_TOKENS)) + r")(?:-|$)"
)
_AD_LABEL_KEYS = frozenset(
    " ".join(_NON_WORD.split(label.casefold())).strip() for label in AD_LABELS
)
_LABEL_TAGS = ("span", "div", "p", "small", "strong", "b", "em", "i", "h2", "h3", "h4", "h5")
_PAYWALL_RE = re.compile(r"^(?:" + "|".join(PAYWALL_LABELS) + r")\s*[:.…!]*$", re.I)

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_TOKEN_PARTS = re.compile(r"[-_]+")
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ROOT_TAGS = ("html", "body")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space; drop zero-widths.

    The ideographic space (U+3000) inside text is kept as it is: in Japanese and Chinese it
    separates phrases of a headline or sentence. At either end it is indentation, and goes.
    """
    # str.split() splits on exactly the characters \s matches; only U+3000 needs the regex.
    if text.isascii():
        return " ".join(text.split())
    text = _INVISIBLE.sub("", text)
    if "\u3000" not in text:
        return " ".join(text.split())
    return _SPACES.sub(" ", text).strip(" \u3000")


def is_cruft(text: str) -> bool:
    """True when a whole line is a label or widget text ("ADVERTISEMENT", "Source Link").

    Punctuation does not count: "Advertisement · Scroll to continue" is the same label as
    "Advertisement - scroll to continue".
    """
    return _cruft_key(text) in _CRUFT_KEYS


def _cruft_key(text: str) -> str:
    return " ".join(_NON_WORD.split(text.casefold())).strip()


def is_share_line(text: str) -> bool:
    """True for a line made only of network names and share words: a share bar as text
    ("Whatsapp Facebook Pint Baixar", "Share Tweet Email")."""
    found = _cruft_key(text).split()
    return 2 <= len(found) <= MAX_SHARE_LINE_WORDS and all(w in SHARE_WORDS for w in found)


def is_counter(text: str) -> bool:
    """True for a line that is only a count ("137", "1.2K") or a vote tally ("5 from 12
    votes", "(48 reviews)")."""
    return COUNTER_LINE.fullmatch(text) is not None or VOTE_LINE.fullmatch(text) is not None


def is_divider(text: str) -> bool:
    """True for a line with no letters or digits at all: an end mark or a divider ("###",
    "* * *", "—"), never a sentence."""
    return _WORD_CHAR.search(text) is None


def is_agency_credit(text: str) -> bool:
    """True for a line that is only an agency's credit in brackets, as news agencies close a
    story: "(ČTK)", "(dpa)", "(AFP/AP)", "(ČTK, hor)" (the editor's initials)."""
    if len(text) > MAX_AGENCY_CREDIT_CHARS or not (text.startswith("(") and text.endswith(")")):
        return False
    parts = AGENCY_CREDIT_SPLIT.split(text[1:-1].strip())
    return 0 < len(parts) <= MAX_AGENCY_CREDIT_PARTS and all(_is_agency_part(p) for p in parts)


def _is_agency_part(part: str) -> bool:
    """An agency or initials: a short run of capitals ("ČTK", "AFP") or of small letters
    ("dpa", "hor"); "(Laughter)" and "(Updated)" are neither."""
    if not part.isalpha():
        return False
    if part.isupper():
        return 2 <= len(part) <= MAX_AGENCY_CAPITALS
    return part.islower() and 2 <= len(part) <= MAX_AGENCY_SMALL


def is_date_line(text: str) -> bool:
    """True for a short block that is only a date or a time stamp."""
    found = re.findall(r"[^\W\d_]+(?:[-.][^\W\d_]+)*", text.casefold())
    if len(text.split()) > MAX_DATE_LINE_WORDS or not _DATE_SIGNAL.search(text):
        return False
    return bool(found or _YEAR_OR_TIME.search(text)) and all(w in DATE_WORDS for w in found)


def is_link_trailer(text: str, link_density: float) -> bool:
    """True for a "Read more: <headline link>" line pointing at another article, or a short
    "Follow us on ..." promotion."""
    if len(text) > MAX_TRAILER_CHARS:
        return False
    if PROMO_LINE.match(normalize_space(text)):
        return True
    if link_density >= MIN_LABELLED_LINK_DENSITY and LABELLED_LINK.match(text):
        return True
    return link_density >= MIN_TRAILER_LINK_DENSITY and bool(LINK_TRAILER.match(text))


def is_block_label(text: str) -> bool:
    """True when a heading names a boilerplate block ("You may also like", "Related")."""
    return bool(_LABEL_RE.match(normalize_space(text)))


def tokens(el: HtmlElement) -> tuple[str, ...]:
    """Class, id and component-name tokens of an element, lower-cased, parts joined by "-"."""
    items = el.items()  # one C call; most elements have no attributes at all
    if not items:
        return ()
    raw = " ".join([value for name, value in items if name in _TOKEN_ATTRIBUTE_SET])
    return _split_tokens(raw) if raw else ()


#: An element and its tokens, for every element of a tree that has any.
TokenIndex = list[tuple[HtmlElement, tuple[str, ...]]]


def token_index(root: HtmlElement) -> TokenIndex:
    """Read the tokens of a tree once, for several scans of it (byline, date line)."""
    return [(el, found) for el in _elements(root) if (found := tokens(el))]


def marked_elements(index: TokenIndex, pattern: re.Pattern[str]) -> list[HtmlElement]:
    """Elements of a token index, in document order, with a token containing a match of
    `pattern`."""
    return [el for el, found in index if _any_match(found, pattern)]


def has_token(el: HtmlElement, pattern: re.Pattern[str]) -> bool:
    """True when one of the element's tokens contains a match of `pattern`."""
    found = tokens(el)
    return bool(found) and _any_match(found, pattern)


@functools.lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _any_match(found: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(t) for t in found)


@functools.lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _split_tokens(raw: str) -> tuple[str, ...]:
    # Pages repeat the same class strings hundreds of times; splitting each once is most of
    # what cleaning costs otherwise (cProfile: tokens() was 40 % of extraction time).
    # A framework's root ("__next", "__nuxt") wraps the whole page, whatever follows "__".
    return tuple(
        t if _is_plain_token(t) else _normal_token(t) for t in raw.split() if not t.startswith("__")
    )


def _is_plain_token(token: str) -> bool:
    """True for a token already in normal form ("article-body"): most are, and the regular
    expressions of `_normal_token` cost more than this test."""
    return (
        token.islower()
        and "_" not in token
        and "--" not in token
        and token[0] != "-"
        and token[-1] != "-"
    )


def _normal_token(token: str) -> str:
    """ "articleBody", "article__body", "Article-Body" -> "article-body"."""
    return "-".join(filter(None, _TOKEN_PARTS.split(_CAMEL.sub(r"\1-\2", token).lower())))


def is_boilerplate(el: HtmlElement) -> bool:
    """True when tag, role, hidden state, class or id marks the element as boilerplate."""
    if el.tag in BOILERPLATE_TAGS or (el.get("role") or "").lower() in BOILERPLATE_ROLES:
        return True
    if el.tag == "figure" and not el.xpath(FIGURE_CONTENT):
        return True
    if _is_hidden(el):
        return True
    # A heading's own class says how it looks ("header-anchor-post"), not what it is; headings
    # of boilerplate blocks go with their block or by their label.
    if el.tag in _HEADING_TAGS or not _has_boilerplate_token(tokens(el)):
        return False
    return not _is_equation(el)


def _is_equation(el: HtmlElement) -> bool:
    """True for the wrapper of a formula: MathJax marks its equations "MathJax CtxtMenu", and
    "menu" is a chrome word. A block of chrome that merely holds a formula still goes."""
    formulas = list(el.iter("math"))
    if not formulas:
        return False
    math = sum(len(normalize_space(f.text_content())) for f in formulas)
    return math >= EQUATION_SHARE * len(normalize_space(el.text_content()))


@functools.lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _has_boilerplate_token(found: tuple[str, ...]) -> bool:
    return any(_is_boilerplate_token(t) for t in found)


def _is_boilerplate_token(token: str, pattern: re.Pattern[str] = _TOKEN_RE) -> bool:
    if token in HIDDEN_TOKENS or (pattern is _TOKEN_RE and token in _EXACT_TOKENS):
        return True
    return not token.startswith(TAXONOMY_PREFIXES) and bool(pattern.search(token))


def _is_layout_match(el: HtmlElement) -> bool:
    """True when only page-layout words ("widget", "header", "meta") mark the element: words
    that CMS frameworks also give to the wrappers around an article."""
    if el.tag in BOILERPLATE_TAGS or el.get("role") or el.tag == "figure" or _is_hidden(el):
        return False
    return not _has_content_token(tokens(el))


@functools.lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _has_content_token(found: tuple[str, ...]) -> bool:
    return any(_is_boilerplate_token(t, _CONTENT_TOKEN_RE) for t in found)


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    return bool(HIDDEN_STYLE.search(el.get("style") or ""))


def find_container(root: HtmlElement) -> HtmlElement | None:
    """The page's article container: itemprop="articleBody", else a CMS container.

    Containers are compared by prose, text outside links and headings: a sidebar list of
    categories can carry a CMS class too. Of nested containers ("article__content"
    around "article-body" and a paywall offer) the innermost one that still holds most of the
    prose wins.
    """
    marked = root.xpath('//*[@itemprop="articleBody"]')
    found = {
        el: prose_length(el) for el in marked or _elements(root) if marked or _is_container(el)
    }
    best = max(found, key=found.__getitem__, default=None)
    while best is not None and found[best]:
        inner = [el for el in found if best in el.iterancestors()]
        inner = [el for el in inner if found[el] >= INNER_CONTAINER_SHARE * found[best]]
        if not inner:
            return None if _has_rival(best, found) else best
        best = max(inner, key=found.__getitem__)
    return None


def _has_rival(best: HtmlElement, found: dict[HtmlElement, int]) -> bool:
    """True when another container like `best` (same class) holds comparable prose apart from
    it: an article split in sections, or a list page of excerpts. Readability decides then."""
    related = {best, *best.iterancestors()}
    return any(
        el.get("class") == best.get("class")
        and el not in related
        and best not in el.iterancestors()
        and size >= RIVAL_CONTAINER_SHARE * found[best]
        for el, size in found.items()
    )


def prose_length(el: HtmlElement) -> int:
    """Characters of text outside links and headings: the running prose."""
    return len(normalize_space("".join(el.xpath(_PROSE_TEXT))))


def _is_container(el: HtmlElement) -> bool:
    return el.tag not in NOT_CONTAINER_TAGS and has_token(el, _CONTAINER_RE)


def main_paragraph_parent(root: HtmlElement) -> HtmlElement | None:
    """The element whose direct <p> children hold the most text: the article when no CMS
    container is marked, used only to protect it from over-eager rules."""
    seen: dict[HtmlElement, bool] = {}
    weights = {el: w for el, w in _paragraph_weights(root).items() if not _in_comments(el, seen)}
    return max(weights, key=weights.__getitem__, default=None)


def _in_comments(el: HtmlElement | None, seen: dict[HtmlElement, bool]) -> bool:
    """True inside a comment thread, a guestbook or a consent banner: their entries and
    notices are paragraphs too, and on a page whose article has none (text split by <br>)
    they would pass for the article. `seen` keeps the answers for shared ancestors."""
    chain = []
    node = el
    while node is not None and node not in seen:  # up to the first answered ancestor
        chain.append(node)
        node = node.getparent()
    inside = seen[node] if node is not None else False
    for node in reversed(chain):
        inside = inside or _any_match(tokens(node), _COMMENTS_RE)
        seen[node] = inside
    return inside


def in_dialog(el: HtmlElement) -> bool:
    """True inside a dialog or a consent notice: a consent pop-up may carry an <h1> of its own
    ("We value your privacy") that is not the page's headline."""
    for node in el.iterancestors():
        if node.get("role") in DIALOG_ROLES or node.get("aria-modal") == "true":
            return True
        if _any_match(tokens(node), _CONSENT_RE):
            return True
    return False


def _paragraph_weights(root: HtmlElement) -> dict[HtmlElement, int]:
    weights: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weights[parent] = weights.get(parent, 0) + _text_length(p)
    # Text set in paragraphs by <br><br> rather than <p> (obituaries, old CMSs) counts too:
    # the element's own text, between its breaks.
    for el in {br.getparent() for br in root.iter("br")} - {None}:
        if sum(1 for c in el if c.tag == "br") >= MIN_BR_PARAGRAPHS:
            own = (el.text or "") + "".join(c.tail or "" for c in el)
            weights[el] = weights.get(el, 0) + len(normalize_space(own))
    return weights


def _outweighed(container: HtmlElement, root: HtmlElement) -> bool:
    """True when paragraphs outside the CMS container far outweigh it: the container is a
    widget that happens to share a CMS class, and the article is elsewhere."""
    weights = _paragraph_weights(root)
    parent = max(weights, key=weights.__getitem__, default=None)
    if parent is None or container in {parent, *parent.iterancestors()}:
        return False
    return weights[parent] > CONTAINER_OUTWEIGHED * prose_length(container)


def clean(root: HtmlElement) -> HtmlElement | None:
    """Remove boilerplate from `root` in place; return the CMS article container, if any.

    The container (else the main paragraph parent) and its ancestors are never removed.
    """
    for node in root.xpath("//comment() | //processing-instruction()"):
        _drop(node)
    _drop_printed_urls(root)
    _drop_heading_anchors(root)
    # A script-filled player holding little text goes whole: its text is the clip's labels.
    scripted = root.xpath(SCRIPTED_PLAYERS)
    boxed = [el for el in scripted if 0 < _text_length(el) <= MAX_PLAYER_CHARS]
    players = [*root.iter("iframe", "video"), *(el for el in scripted if el not in boxed)]
    embeds = [*boxed, *(box for el in players if (box := _embed_box(el)) is not None)]
    for el in [el for el in root.iter(*CODE_TAGS)]:
        _drop(el)
    container = find_container(root)
    if container is not None and _outweighed(container, root):
        container = None
    main = container if container is not None else main_paragraph_parent(root)
    protected = set(main.iterancestors()) | {main} if main is not None else set()
    for box in embeds:
        if box not in protected and box.getparent() is not None:
            _drop(box)
    _clean_around(root, main)
    return container


def _drop_printed_urls(root: HtmlElement) -> None:
    """Drop the address a print view writes after a link ("the bid tabulation [https://…]"):
    the web page has no such text, and it is the link's, already kept as its href."""
    for link in root.iter("a"):
        href, tail = link.get("href"), link.tail
        if not href or not tail:
            continue
        printed = PRINTED_URL.match(tail)
        if printed and _same_address(printed.group(1), href):
            link.tail = tail[printed.end() :]


def _drop_heading_anchors(root: HtmlElement) -> None:
    """Drop the permalink sign a static site sets in each heading ("<h2>Title <a
    href="#title">#</a></h2>"): a link to the heading itself, not its words."""
    for link in root.xpath(_HEADING_LINKS):
        if normalize_space(link.text_content()) in ANCHOR_SIGNS:
            _drop(link)


def _same_address(printed: str, href: str) -> bool:
    printed, href = printed.rstrip("/"), href.rstrip("/")
    return printed == href or (href.startswith("/") and printed.endswith(href))


def _embed_box(embed: HtmlElement) -> HtmlElement | None:
    """The nearest wrapper of an embedded player that has text of its own, when that text is
    only a title or a label (short, not ending a sentence)."""
    box = embed.getparent()
    while box is not None and box.tag not in _ROOT_TAGS:
        text = _leading_text(box, MAX_EMBED_TEXT_CHARS + 1)
        if text:
            # A paragraph or list item around an embed is prose that holds it, not its title.
            if box.tag in PROSE_TAGS:
                return None
            if len(text) <= MAX_EMBED_TITLE_CHARS:
                return None if text.endswith(SENTENCE_ENDS) else box
            if len(text) <= MAX_EMBED_TEXT_CHARS and _titled_and_credited(box):
                return box
            return None
        box = box.getparent()
    return None


def _titled_and_credited(box: HtmlElement) -> bool:
    """True when each line of the box's text is an embed's title or credit line ("Chart:
    A. Name • Source: Agency"): a few short lines, none a sentence."""
    lines = [normalize_space(child.text_content()) for child in box]
    lines = [line for line in lines if line] + [normalize_space(box.text or "")]
    lines = [line for line in lines if line]
    if not 0 < len(lines) <= MAX_EMBED_LINES:
        return False
    return all(
        len(line) <= MAX_EMBED_TITLE_CHARS and not line.endswith(SENTENCE_ENDS) for line in lines
    )


def _clean_around(root: HtmlElement, main: HtmlElement | None) -> None:
    protected = set(main.iterancestors()) | {main} if main is not None else set()
    if main is not None:
        _rescue_headings(main)
    # Labelled blocks first: the label itself ("Related") is also a cruft line, and once it
    # is gone nothing says what the block under it was.
    for el in list(_labelled_blocks(root, protected)):
        _drop(el)
    # The page's text, read once: rules that need a phrase or a time readout somewhere on
    # the page skip their element scans on the many pages that have none.
    page_text = root.text_content().casefold()
    if any(word in page_text for word in PAYWALL_WORDS):
        paywalls = list(_paywall_boxes(root, protected))
    else:
        paywalls = []
    for el in paywalls:
        _drop(el)
    for el in list(_ad_boxes(root, protected)):
        _drop(el)
    if main is not None:
        # The article and what sits beside it: an offer box follows the story's last line.
        scope = main.getparent() if main.getparent() is not None else main
        for el in list(_offer_boxes(scope, protected)):
            _drop(el)
    body_size = _text_length(main) if main is not None else 0
    captions = _story_captions(main, body_size) | _lone_pull_quotes(main) | _fact_boxes(main)
    loose = [p for p in root.iter("p") if _is_loose_caption(p)]
    if not _is_picture_story([_text_length(p) for p in loose], body_size):
        for p in loose:
            if p not in protected:
                _drop(p)
    # A player shows a time readout, or a play button and a clip length: without a readout
    # on the page, play controls alone are looked at.
    play_only = not _has_player_time(page_text)
    for el in list(_removals(root, play_only=play_only)):
        if el not in protected and el not in captions and not _holds_body(el, main, body_size):
            _drop(el)


def _fact_boxes(main: HtmlElement | None) -> set[HtmlElement]:
    """Asides inside the article that are part of it ("Key facts", "What we know"): no
    boilerplate word in their class, no player, no label heading, few links, and words the
    text does not repeat (else it is a pull quote). An <aside> elsewhere, or one that is a list of
    links, stays boilerplate."""
    if main is None:
        return set()
    kept: set[HtmlElement] = set()
    text = _quote_key(main) if main.find(".//aside") is not None else ""
    for aside in main.iter("aside"):
        if aside is main or _has_boilerplate_token(tokens(aside)):
            continue
        if any(_is_play_control(c) for c in aside.iter("button", "video", "audio")):
            continue  # a player's box: its title and caption are the clip's, not facts
        heading = next(aside.iter(*_HEADING_TAGS), None)
        if heading is not None and is_block_label(heading.text_content()):
            continue
        size = _text_length(aside)
        links = sum(_text_length(a) for a in aside.iter("a"))
        said = _quote_key(aside)
        if said in text.replace(said, "", 1):  # a pull quote: the text says it
            continue
        if size and links <= MAX_FACT_BOX_LINK_SHARE * size:
            kept |= {aside, *aside.iterdescendants()} - _boilerplate_inside(aside)
    return kept


def _boilerplate_inside(el: HtmlElement) -> set[HtmlElement]:
    """Elements under `el` that are boilerplate by tag, role or class, with what they hold."""
    found: set[HtmlElement] = set()
    for part in el.iterdescendants():
        if isinstance(part.tag, str) and is_boilerplate(part):
            found |= {part, *part.iterdescendants()}
    return found


def _lone_pull_quotes(main: HtmlElement | None) -> set[HtmlElement]:
    """Pull quotes whose words the rest of the article does not repeat: there the quote is
    the only place the text says it, and it stays (with its parts)."""
    if main is None:
        return set()
    marked = main.xpath(".//*[contains(@class, 'pull') or contains(@class, 'Pull')]")
    quotes = [el for el in marked if _any_match(tokens(el), _PULL_QUOTE_RE)]
    if not quotes:
        return set()
    kept: set[HtmlElement] = set()
    text = _quote_key(main)
    for quote in quotes:
        said = _quote_key(quote.find(".//p") if quote.find(".//p") is not None else quote)
        if said and said not in text.replace(said, "", 1):
            kept |= {quote, *quote.iterdescendants()}
    return kept


def _quote_key(el: HtmlElement) -> str:
    return "".join(c for c in el.text_content().casefold() if c.isalnum())


def _story_captions(main: HtmlElement | None, body_size: int) -> set[HtmlElement]:
    """In a picture story, the captions to keep: each <figcaption>, its <figure>s and its
    parts but the credits. Elsewhere, none."""
    if main is None or not body_size:
        return set()
    found = [(c, size) for c in main.iter("figcaption") if (size := _text_length(c))]
    if not _is_picture_story([size for _, size in found], body_size):
        return set()
    kept: set[HtmlElement] = set()
    for caption, _ in found:
        kept.add(caption)
        kept.update(a for a in caption.iterancestors("figure") if main in a.iterancestors())
        kept.update(
            part
            for part in caption.iterdescendants()
            if not any(CREDIT_TOKENS.search(t) for t in tokens(part))
        )
    return kept


def _rescue_headings(main: HtmlElement) -> None:
    """Move h2-h6 out of <header> elements inside the article, which is about to lose them:
    a live blog titles each entry in its header, next to the time stamp."""
    for header in list(main.iter("header")):
        for heading in header.xpath(".//h2 | .//h3 | .//h4 | .//h5 | .//h6"):
            heading.tail = None
            header.addprevious(heading)


def _holds_body(el: HtmlElement, main: HtmlElement | None, body_size: int) -> bool:
    """True for a wrapper inside the article that holds most of its text and is marked only
    by layout words (Elementor wraps every post in "elementor-widget-container"). A gallery
    or a comment thread can outweigh a short article and still goes."""
    if main is None or not body_size or main not in el.iterancestors():
        return False
    return _is_layout_match(el) and _text_length(el) >= MAX_REMOVED_SHARE * body_size


def _removals(root: HtmlElement, *, play_only: bool = False) -> Iterator[HtmlElement]:
    # Short elements are found by one XPath query (in C) rather than measured one by one.
    short = set(root.xpath(_SHORT_CRUFT_CANDIDATES))
    for el in _elements(root):
        if el.tag in _ROOT_TAGS:
            continue
        if is_boilerplate(el) or (el in short and _is_cruft_element(el)):
            yield el
    yield from _players(root, play_only=play_only)
    yield from _detail_rows(root)


def _detail_rows(root: HtmlElement) -> Iterator[HtmlElement]:
    """Rows of a details strip: a child marked as a label ("Servings", "Calories:") and its
    value, short and no sentence (recipe cards, product specs, match facts)."""
    for label in root.xpath(_LABEL_CANDIDATES):
        if not _any_match(tokens(label), _LABEL_TOKEN_RE):
            continue
        row = label.getparent()
        if row is None or row.tag in _ROOT_TAGS or len(row) < MIN_DETAIL_PARTS:
            continue
        text = _leading_text(row, MAX_DETAIL_ROW_CHARS + 1)
        named = normalize_space(label.text_content())
        if not named or not text or len(text) > MAX_DETAIL_ROW_CHARS:
            continue
        if not text.endswith(SENTENCE_ENDS) and len(named) >= MIN_LABEL_SHARE * len(text):
            yield row


def _players(root: HtmlElement, *, play_only: bool = False) -> Iterator[HtmlElement]:
    """Video and audio players set in the article: the largest box around a button or a
    <video> that holds little text and a time readout ("00:00 / 02:14"), or around a play
    control and the clip's length ("1:52"), with the labels and the clip's title it shows.
    With `play_only` (the page shows no readout), only play controls are looked at."""
    for control in root.iter("button", "video", "audio"):
        play = _is_play_control(control)
        if play_only and not play:
            continue
        box = control
        while (parent := box.getparent()) is not None and parent.tag not in _ROOT_TAGS:
            if len(_leading_text(parent, MAX_PLAYER_CHARS + 1)) > MAX_PLAYER_CHARS:
                break
            box = parent
        if box is control:
            continue
        text = box.text_content()
        if PLAYER_TIME.search(text) or (play and DURATION.search(text)):
            yield box


def _has_player_time(text: str) -> bool:
    """True when the text shows a player's readout ("00:00 / 02:14"). The pattern is tried
    only around ":dd /": searched over a whole page, it costs milliseconds."""
    return any(
        PLAYER_TIME.search(text, max(found.start() - 3, 0), found.end() + 8)
        for found in _READOUT_HINT.finditer(text)
    )


def _is_play_control(el: HtmlElement) -> bool:
    """A <video>, an <audio> or a button labelled as the play button ("Play video")."""
    if el.tag != "button":
        return True
    label = " ".join(filter(None, (el.get("aria-label"), el.get("title"), el.get("class"))))
    return PLAY_LABEL.search(label) is not None


def _is_picture_story(caption_sizes: list[int], body_size: int) -> bool:
    """True when captions of these sizes make a picture story of a body this long."""
    if len(caption_sizes) < MIN_STORY_PICTURES or not body_size:
        return False
    return sum(caption_sizes) >= MIN_STORY_CAPTION_SHARE * body_size


def _is_loose_caption(p: HtmlElement) -> bool:
    """A short paragraph under a paragraph that is only a picture, written as a caption
    ("图为…", "… 摄")."""
    before = p.getprevious()
    if before is None or before.tag != "p" or not _only_picture(before):
        return False
    text = _leading_text(p, MAX_LOOSE_CAPTION_CHARS + 1)
    if not 0 < len(text) <= MAX_LOOSE_CAPTION_CHARS:
        return False
    return LOOSE_CAPTION.search(text) is not None


def _only_picture(el: HtmlElement) -> bool:
    return next(el.iter("img"), None) is not None and not normalize_space(el.text_content())


def _ad_boxes(root: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """Small boxes that open with an ad label ("AD", "Advertisement", "Anzeige"): the label
    marks the whole box (a betting-odds widget, a sponsored offer), not just itself."""
    for el in root.iter(*_LABEL_TAGS):
        if len(el) or not el.text or len(el.text) > MAX_CRUFT_CHARS:  # a label is a leaf
            continue
        if _cruft_key(el.text) not in _AD_LABEL_KEYS:
            continue
        box = _opened_box(el, protected)
        if box is not el and _text_length(box) <= MAX_AD_BOX_CHARS:
            yield box


def _offer_boxes(scope: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """Boxes in or beside the article that sell a subscription: the largest box (below the
    article element) around a link to a subscription or log-in page whose text is short and
    names a price. Farther away such boxes are left to the rules that keep the article only."""
    found: set[HtmlElement] = set()
    for link in scope.iter("a"):
        if not OFFER_LINK.search(link.get("href") or ""):
            continue
        box = None
        node = link.getparent()
        while node is not None and node not in protected and node.tag not in _ROOT_TAGS:
            text = _leading_text(node, MAX_OFFER_BOX_CHARS + 1)
            if len(text) > MAX_OFFER_BOX_CHARS:
                break
            if node.tag in OFFER_BOX_TAGS and PRICE.search(text):
                box = node
            node = node.getparent()
        if box is not None and box not in found:
            found.add(box)
            yield box


def _paywall_boxes(root: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """Paywall boxes that open with a line saying the rest is for subscribers: the largest
    element (below the article) that opens with that line."""
    for el in root.iter("p", "div", "span", "strong", "b", "h2", "h3", "h4"):
        # The line is the first run of text in the element ("<p><span class=icon></span>Cet
        # article …</p>"): reading only that keeps the scan cheap.
        text = next((t for t in el.itertext() if not t.isspace()), None)
        if not text or len(text) > 2 * MAX_PAYWALL_LABEL_CHARS:
            continue
        text = normalize_space(text)
        if len(text) <= MAX_PAYWALL_LABEL_CHARS and _PAYWALL_RE.match(text):
            yield _opened_box(el, protected)


def _opened_box(el: HtmlElement, protected: set[HtmlElement]) -> HtmlElement:
    """The largest ancestor (below the article) whose text opens with `el`'s text."""
    block, label = el, normalize_space(el.text_content())
    parent = block.getparent()
    while _may_climb(parent, protected) and _opens_with(parent, label):
        block, parent = parent, parent.getparent()
    return block


def _labelled_blocks(root: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """Headings like "You may also like", with the block each one heads."""
    for heading in list(root.iter(*_HEADING_TAGS)):
        if is_block_label(heading.text_content()):
            yield from _headed_block(heading, protected)


def _headed_block(heading: HtmlElement, protected: set[HtmlElement]) -> list[HtmlElement]:
    """The largest ancestor that the heading opens; else the heading and what follows it up
    to the next heading of the same or a higher level."""
    block = _opened_box(heading, protected)
    if block is not heading:
        return [block]
    return [heading, *_section_after(heading)]


def _may_climb(parent: HtmlElement | None, protected: set[HtmlElement]) -> bool:
    return parent is not None and parent not in protected and parent.tag not in _ROOT_TAGS


def _opens_with(el: HtmlElement, label: str) -> bool:
    return _leading_text(el, len(label) + 1).startswith(label)


def _section_after(heading: HtmlElement) -> Iterator[HtmlElement]:
    level = int(heading.tag[1])
    for sib in heading.itersiblings():
        if sib.tag in _HEADING_TAGS and int(sib.tag[1]) <= level:
            return
        yield sib


def _is_cruft_element(el: HtmlElement) -> bool:
    text = _leading_text(el, MAX_CRUFT_CHARS + 1)
    return 0 < len(text) <= MAX_CRUFT_CHARS and is_cruft(text)


def _leading_text(el: HtmlElement, limit: int) -> str:
    """The element's whitespace-collapsed text, read only until `limit` characters."""
    parts: list[str] = []
    size = 0
    for chunk in el.itertext():
        parts.append(chunk)
        size += len(chunk)
        if size > limit * 4:
            break
    return normalize_space("".join(parts))[:limit]


def _elements(root: HtmlElement) -> Iterable[HtmlElement]:
    """Every element under `root` (itself included), no comments or processing instructions:
    lxml filters them in C."""
    return root.iter(lxml.etree.Element)  # type: ignore[no-any-return]


def _text_length(el: HtmlElement) -> int:
    return len(normalize_space(el.text_content()))


def _drop(el: HtmlElement) -> None:
    """Remove a node but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
