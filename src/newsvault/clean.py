"""Boilerplate rules as data, and the function that strips them from a parsed page (pure)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

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
        " gpt-ad sponsor sponsored promo promoted outbrain taboola zergnet native-ad commercial"
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
    # Guardian's name for them, copied by other sites' templates).
    "subscribe": words(
        "newsletter subscribe subscription signup sign-up optin mc4wp donate donation login signin"
        " epic contributions support-us paywall-offer piano-offer"
    ),
    # Author-bio boxes and bylines: the byline is a metadata field, not body text.
    "author": words("author authors byline bio about-author authorbox contributor-name"),
    # Comment sections and comment forms.
    "comments": words(
        "comment comments commentlist disqus respond reply reactions commentaires kommentare"
        " comentarios"
    ),
    # Page chrome: navigation, headers, footers, sidebars, breadcrumbs, tag lists, post meta.
    # These words also name wrappers ("elementor-widget", a "read-more" box that holds the
    # rest of the story on mobile), so inside the article they never take most of its text.
    "chrome": words(
        "nav navbar navigation menu breadcrumb breadcrumbs header masthead topbar footer"
        " sidebar widget rail skip-link toolbar pagination pager tags tag-links tag-list"
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

# A <figure> is a picture and its caption, and goes, unless it wraps one of these: WordPress
# puts tables, lists and quotes in figures too ("wp-block-table"; "wp-block-pullquote" goes
# by its class).
FIGURE_CONTENT = ".//table | .//blockquote | .//pre | .//ul | .//ol"

# Code and embedded objects: removed before any text is measured, since a script's source
# would otherwise count as text.
CODE_TAGS = tuple(words("script style noscript template svg canvas object embed iframe"))

# Inline style values that hide an element from every reader.
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)

# Lines that are labels or widgets, never sentences of an article; matched case-insensitively
# against the whole text of an element or block, after whitespace is collapsed.
CRUFT_LINES = frozenset(
    _lines(
        """
        advertisement
        advertisements
        advertisement - scroll to continue
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
        pubblicità
        reklama
        реклама
        إعلان
        広告
        ｐｒ
        pr
        читайте также
        اقرأ أيضا
        اقرأ أيضاً
        関連記事
        相关阅读
        reclame
        advertentie
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
)

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
    r"|lesen sie auch|weiterlesen|mehr dazu|lire aussi|à lire aussi|voir aussi|lee también"
    r"|tags?|topics?|filed under|schlagworte|themen|mots-clés|etiquetas|argomenti"
    r"|lea también|leer más|ver también|leggi anche|leggi tutto|vedi anche|leia também"
    r"|veja também|lees ook|zie ook|läs också|læs også|les også|czytaj też|czytaj także"
    r"|читайте также|читайте тоже|смотрите также|см\. также|по теме|اقرأ أيضا|اقرأ أيضاً|اقرأ المزيد"
    r"|関連記事|あわせて読みたい|相关阅读|延伸阅读|相關新聞)"
    r"\b\s*[:|»›>\-–—]?",
    re.I,
)
# Short lines that promote the site rather than report: follow us, sign up, send us tips.
PROMO_LINE = re.compile(
    r"^(?:follow (?:us|[\w .’'-]{1,40}?) on (?:facebook|twitter|x|instagram|tiktok|youtube"
    r"|linkedin|threads|bluesky|whatsapp)\b"
    r"|.{0,80}\b(?:sign up|subscribe) (?:to|for) .{0,40}newsletters?\b"
    r"|get (?:the latest|our) .{0,60}\b(?:inbox|newsletters?)\b"
    r"|send (?:us )?your (?:story ideas|news tips|tips|photos)|get in touch with"
    r"|click here to (?:subscribe|sign up)|download (?:our|the) app|have a (?:news )?tip\b"
    r"|.{0,60}\bis funded by (?:readers|our readers|you)\b|support (?:us|our journalism) from\b"
    r"|.{0,60}\b(?:e-?mail|write to|contact) us at\b|.{0,60}\b(?:may|can) be reached at\b"
    # Reprint and rights notices: "© 2025 …", "All rights reserved", "При цитировании …
    # ссылка … обязательна", "この記事の無断転載を禁じます".
    r"|©|\(c\) \d{4}|copyright\b|.{0,80}\ball rights reserved\b|при (?:цитировании|использовании)"
    r"|при полном или частичном|.{0,30}無断転載)",
    re.I,
)
MAX_TRAILER_CHARS = 250  # a trailer is one line; a longer block is prose that happens to open so
MIN_TRAILER_LINK_DENSITY = 0.5  # "Read more: <a>headline</a>" is mostly link

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
_INVISIBLE = re.compile("[\u200b\u00ad\ufeff]")  # zero-width space, soft hyphen, stray BOM
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
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_ROOT_TAGS = ("html", "body")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space; drop zero-widths.

    The ideographic space (U+3000) inside text is kept as it is: in Japanese and Chinese it
    separates phrases of a headline or sentence. At either end it is indentation, and goes.
    """
    text = _INVISIBLE.sub("", text)
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
    return link_density >= MIN_TRAILER_LINK_DENSITY and bool(LINK_TRAILER.match(text))


def is_block_label(text: str) -> bool:
    """True when a heading names a boilerplate block ("You may also like", "Related")."""
    return bool(_LABEL_RE.match(normalize_space(text)))


def tokens(el: HtmlElement) -> tuple[str, ...]:
    """Class, id and component-name tokens of an element, lower-cased, parts joined by "-"."""
    attrib = el.attrib
    raw = " ".join(attrib[a] for a in TOKEN_ATTRIBUTES if a in attrib)
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
    return tuple(
        "-".join(filter(None, re.split(r"[-_]+", _CAMEL.sub(r"\1-\2", t).lower())))
        for t in raw.split()
    )


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
    return el.tag not in _HEADING_TAGS and _has_boilerplate_token(tokens(el))


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
    weights = _paragraph_weights(root)
    return max(weights, key=weights.__getitem__, default=None)


def _paragraph_weights(root: HtmlElement) -> dict[HtmlElement, int]:
    weights: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weights[parent] = weights.get(parent, 0) + _text_length(p)
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
    for el in [el for el in root.iter(*CODE_TAGS)]:
        _drop(el)
    container = find_container(root)
    if container is not None and _outweighed(container, root):
        container = None
    main = container if container is not None else main_paragraph_parent(root)
    _clean_around(root, main)
    return container


def _clean_around(root: HtmlElement, main: HtmlElement | None) -> None:
    protected = set(main.iterancestors()) | {main} if main is not None else set()
    if main is not None:
        _rescue_headings(main)
    # Labelled blocks first: the label itself ("Related") is also a cruft line, and once it
    # is gone nothing says what the block under it was.
    for el in list(_labelled_blocks(root, protected)):
        _drop(el)
    body_size = _text_length(main) if main is not None else 0
    for el in list(_removals(root)):
        if el not in protected and not _holds_body(el, main, body_size):
            _drop(el)


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


def _removals(root: HtmlElement) -> Iterator[HtmlElement]:
    # Short elements are found by one XPath query (in C) rather than measured one by one.
    short = set(root.xpath(_SHORT_CRUFT_CANDIDATES))
    for el in _elements(root):
        if el.tag in _ROOT_TAGS:
            continue
        if is_boilerplate(el) or (el in short and _is_cruft_element(el)):
            yield el


def _labelled_blocks(root: HtmlElement, protected: set[HtmlElement]) -> Iterator[HtmlElement]:
    """Headings like "You may also like", with the block each one heads."""
    for heading in list(root.iter(*_HEADING_TAGS)):
        if is_block_label(heading.text_content()):
            yield from _headed_block(heading, protected)


def _headed_block(heading: HtmlElement, protected: set[HtmlElement]) -> list[HtmlElement]:
    """The largest ancestor that the heading opens; else the heading and what follows it up
    to the next heading of the same or a higher level."""
    block, label = heading, normalize_space(heading.text_content())
    parent = block.getparent()
    while _may_climb(parent, protected) and _opens_with(parent, label):
        block, parent = parent, parent.getparent()
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
    return (el for el in root.iter() if isinstance(el.tag, str))


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
