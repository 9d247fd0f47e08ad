"""Boilerplate rules as data, and the function that strips them from a parsed page (pure)."""

from __future__ import annotations

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
        " more-stories most-read most-popular popular trending read-next read-more"
        " further-reading mehr-zum-thema prevnext prev next post-navigation nav-links"
    ),
    # Share bars and social buttons.
    "share": words("share shares sharing sharedaddy social socials addtoany a2a sharethis shariff"),
    # Newsletter, subscription, donation and login boxes.
    "subscribe": words(
        "newsletter subscribe subscription signup sign-up optin mc4wp donate donation login signin"
    ),
    # Author-bio boxes and bylines: the byline is a metadata field, not body text.
    "author": words("author authors byline bio about-author authorbox contributor-name"),
    # Comment sections and comment forms.
    "comments": words("comment comments commentlist disqus respond reply"),
    # Page chrome: navigation, headers, footers, sidebars, breadcrumbs, tag lists, post meta.
    "chrome": words(
        "nav navbar navigation menu breadcrumb breadcrumbs header masthead topbar footer"
        " sidebar widget rail skip-link toolbar pagination pager tags tag-links tag-list"
        " cat-links categories meta search print rss"
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

# Tags that never hold article text: code, forms, embeds, and page chrome. Figures go too:
# the body is text, and captions ("Photo: X/Reuters") are not sentences of the article.
BOILERPLATE_TAGS = frozenset(
    words(
        "script style noscript template iframe form nav footer header aside svg button input"
        " select textarea label object embed canvas dialog figure figcaption audio video"
        " picture menu link meta amp-ad amp-embed amp-sticky-ad amp-consent amp-sidebar"
        " amp-social-share amp-analytics amp-user-notification amp-iframe amp-video"
    )
)

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

# Of two nested containers, the inner one is the body when it holds at least this share of the
# outer one's text; what the outer one adds is then a paywall offer, a share bar or a footer.
INNER_CONTAINER_SHARE = 0.5

# Attributes whose values name what an element is: class and id, and the component names of
# React/Next CMSs (data-component="byline-block", data-testid="share-button").
TOKEN_ATTRIBUTES = ("class", "id", "data-component", "data-testid")

# Block tags whose whole text is checked against CRUFT_LINES. Inline tags are left alone: the
# link "email" inside "write to us by email" is part of a sentence.
CRUFT_TAGS = frozenset(words("p div li section td h1 h2 h3 h4 h5 h6"))
MAX_CRUFT_CHARS = 60  # the longest CRUFT_LINES entry is 40; anything longer is prose

# A short line that opens with one of these and is mostly a link points to another article
# ("Read more: <a>…</a>", "Lesen Sie auch: <a>…</a>").
LINK_TRAILER = re.compile(
    r"^(?:read (?:more|also|next)|also read|see also|related|more|watch|listen|source|via"
    r"|lesen sie auch|weiterlesen|mehr dazu|lire aussi|à lire aussi|voir aussi|lee también"
    r"|lea también|leer más)\b\s*[:|»›>\-–—]",
    re.I,
)
# Short lines that promote the site rather than report: follow us, sign up, send us tips.
PROMO_LINE = re.compile(
    r"^(?:follow (?:us|[\w .’'-]{1,40}?) on (?:facebook|twitter|x|instagram|tiktok|youtube"
    r"|linkedin|threads|bluesky|whatsapp)\b|(?:sign up|subscribe) (?:to|for) (?:our|the)\b.{0,60}"
    r"newsletter|send (?:us )?your (?:story ideas|news tips|tips|photos)|get in touch with"
    r"|click here to (?:subscribe|sign up)|download (?:our|the) app)",
    re.I,
)
MAX_TRAILER_CHARS = 250  # a trailer is one line; a longer block is prose that happens to open so
MIN_TRAILER_LINK_DENSITY = 0.3  # "Read more: <a>headline</a>" is at least this much link

_CONTAINER_RE = re.compile(
    r"(?:^|-)(?:" + "|".join(re.escape(t) for t in CONTAINER_TOKENS) + r")(?:-|$)"
)
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
    """Collapse runs of whitespace (including no-break spaces) to one space; drop zero-widths."""
    return " ".join(text.replace("\u200b", "").replace("\u00ad", "").split())


def is_cruft(text: str) -> bool:
    """True when a whole line is a label or widget text ("ADVERTISEMENT", "Source Link")."""
    line = normalize_space(text).casefold()
    return line in CRUFT_LINES or line.rstrip(" :") in CRUFT_LINES


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


def tokens(el: HtmlElement) -> list[str]:
    """Class, id and component-name tokens of an element, lower-cased, parts joined by "-"."""
    raw = " ".join(el.get(attr) or "" for attr in TOKEN_ATTRIBUTES)
    return [
        "-".join(filter(None, re.split(r"[-_]+", _CAMEL.sub(r"\1-\2", t).lower())))
        for t in raw.split()
    ]


def is_boilerplate(el: HtmlElement) -> bool:
    """True when tag, role, hidden state, class or id marks the element as boilerplate."""
    if el.tag in BOILERPLATE_TAGS or (el.get("role") or "").lower() in BOILERPLATE_ROLES:
        return True
    if _is_hidden(el):
        return True
    return any(_TOKEN_RE.search(t) or t in HIDDEN_TOKENS for t in tokens(el))


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    return bool(HIDDEN_STYLE.search(el.get("style") or ""))


def find_container(root: HtmlElement) -> HtmlElement | None:
    """The page's article container: itemprop="articleBody", else a CMS container.

    Of nested containers ("article__content" around "article-body" and a paywall offer) the
    innermost one that still holds most of the text wins.
    """
    marked = root.xpath('//*[@itemprop="articleBody"]')
    found = marked or [el for el in _elements(root) if _is_container(el)]
    best = max(found, key=_text_length, default=None)
    while best is not None:
        inner = [el for el in found if el is not best and best in el.iterancestors()]
        size = _text_length(best)
        inner = [el for el in inner if _text_length(el) >= INNER_CONTAINER_SHARE * size]
        if not inner:
            return best
        best = max(inner, key=_text_length)
    return None


def _is_container(el: HtmlElement) -> bool:
    return any(_CONTAINER_RE.search(t) for t in tokens(el))


def main_paragraph_parent(root: HtmlElement) -> HtmlElement | None:
    """The element whose direct <p> children hold the most text: the article when no CMS
    container is marked, used only to protect it from over-eager rules."""
    weight: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + _text_length(p)
    return max(weight, key=weight.__getitem__, default=None)


def clean(root: HtmlElement, main: HtmlElement | None = None) -> None:
    """Remove boilerplate from `root` in place, never touching `main` or its ancestors.

    `main` defaults to the CMS container or, failing that, the main paragraph parent.
    """
    main = main if main is not None else find_container(root)
    main = main if main is not None else main_paragraph_parent(root)
    protected = set(main.iterancestors()) | {main} if main is not None else set()
    for node in root.xpath("//comment() | //processing-instruction()"):
        _drop(node)
    if main is not None:
        _rescue_headings(main)
    for el in list(_removals(root)):
        if el not in protected:
            _drop(el)
    for el in list(_labelled_blocks(root, protected)):
        _drop(el)


def _rescue_headings(main: HtmlElement) -> None:
    """Move h2-h6 out of <header> elements inside the article, which is about to lose them:
    a live blog titles each entry in its header, next to the time stamp."""
    for header in list(main.iter("header")):
        for heading in header.xpath(".//h2 | .//h3 | .//h4 | .//h5 | .//h6"):
            heading.tail = None
            header.addprevious(heading)


def _removals(root: HtmlElement) -> Iterator[HtmlElement]:
    for el in _elements(root):
        if el.tag in _ROOT_TAGS:
            continue
        if is_boilerplate(el) or (el.tag in CRUFT_TAGS and _is_cruft_element(el)):
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
