"""Article metadata from JSON-LD, OpenGraph, <meta> tags and the page itself (pure)."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from newsvault.clean import (
    BOILERPLATE_TOKENS,
    TokenIndex,
    has_token,
    in_dialog,
    main_paragraph_parent,
    marked_elements,
    normalize_space,
    token_index,
    tokens,
    words,
)
from newsvault.records import Metadata
from newsvault.urls import same_site

# ---------------------------------------------------------------------------------------------
# Where each field is looked for, best source first. <meta> names are matched lower-cased
# against the `property`, `name` and `itemprop` attributes.
# ---------------------------------------------------------------------------------------------

TITLE_META = ("og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title")
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
SITE_NAME_META = ("og:site_name", "application-name", "al:android:app_name")
IMAGE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "thumbnail")
AUTHOR_META = ("author", "article:author", "og:article:author", "dc.creator", "dc:creator",
               "sailthru.author", "parsely-author", "byl", "citation_author")  # fmt: skip
# Library and scholarly tags write one author per tag, surname first ("Jong, Michiel de");
# Google Scholar asks for citation_author that way.
INVERTED_NAME_META = frozenset(("dc.creator", "dc:creator", "citation_author"))
INVERTED_NAME = re.compile(r"([^,]+?),\s*([^,]+)")
MAX_INVERTED_PART_WORDS = 3
PUBLISHED_META = (
    "article:published_time", "datepublished", "og:published_time", "published_time",
    "date", "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
    "citation_publication_date", "cxenseparse:recs:publishtime",
)  # fmt: skip
MODIFIED_META = (
    "article:modified_time", "datemodified", "og:updated_time", "modified_time",
    "last-modified", "dc.date.modified", "dcterms.modified", "article.updated",
)  # fmt: skip
LANGUAGE_META = ("og:locale", "content-language", "language", "dc.language", "inlanguage")

# JSON-LD types that describe the article itself, best first; a WebPage is a last resort.
ARTICLE_TYPES = (
    "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting", "article",
    "blogposting", "socialmediaposting", "techarticle", "scholarlyarticle", "report",
    "webpage",
)  # fmt: skip
# JSON-LD author types that are not people: "strip organisation names" from the byline.
ORGANISATION_TYPES = frozenset(("organization", "newsmediaorganization", "corporation"))
PERSON_TYPES = frozenset(("person",))

# Class/id tokens of the visible byline (matched as a run of parts, like clean.py's rules).
BYLINE_TOKENS = words("byline author author-name authors writer contributor by-author")
# Class/id tokens of the standfirst under the headline: the first group as a run of parts
# ("article__standfirst"), the second, more common words, only as whole tokens.
STANDFIRST_TOKENS = words(
    "standfirst dek deck subtitle sub-title subheadline sub-headline article-summary"
    " article-intro article-lead"
)
STANDFIRST_EXACT = frozenset(words("summary lead lede intro excerpt"))
# The same, and the names of the lead paragraph in other languages' CMSs (French "chapô"),
# matched as parts of a token: used only to recognise the description repeated in the body.
LEAD_TOKENS = (
    *STANDFIRST_TOKENS,
    *words("summary lead lede intro excerpt leadtext chapo chapeau description sapo"),
)

# Class/id tokens of a job title inside a byline ("author-title", "byline__role").
ROLE_TOKENS = words("title job-title jobtitle role position")

# Blocks whose bylines name other people: commenters, the authors of teasers for other stories,
# of newsletters and sponsored posts. A byline inside one of these (by the class/id vocabulary
# of clean.BOILERPLATE_TOKENS, or an <aside>) is not the article's.
# A block that holds the article's own paragraphs is a wrapper (a page shown in a "modal", an
# "ad-portal" around everything), not such a block.
ELSEWHERE_GROUPS = ("ads", "related", "comments", "subscribe", "embeds")
ELSEWHERE_TAGS = frozenset(("aside",))

# Elements that hold one author's name each.
AUTHOR_XPATH = '//*[@itemprop="author"] | //a[@rel="author"]'
# A visible byline is one line; a longer "author" element is a bio box.
MAX_BYLINE_CHARS = 120

# Words around names in bylines: "By", "Von", dates, roles and wire agencies.
BYLINE_PREFIX = re.compile(
    r"^(?:(?:written |posted |reported |reporting |words )?(?:by|von|par|por|di|door)\b[:\s]*"
    # Chinese and Japanese labels: "作者：", "记者 ", "文/" ("文" alone is also a surname).
    r"|(?:作者|撰文|记者|記者)\s*[：:/／]?\s*|文\s*[/／：:]\s*)",
    re.I,
)
# What follows one of these is a role, a date or the people who edited or illustrated the
# piece ("Written by A<br>Edited by B", Reuters' "Editing by C"): not its authors.
BYLINE_NOISE = re.compile(
    r"\b(?:staff(?: writer| reporter)?|correspondent|contributor|editor|reporter|columnist"
    r"|(?:last )?(?:updated|published|posted)"
    r"|(?:edited|editing|fact-?checked|photos?|photographs?|illustrations?) by"
    # Korean and Chinese titles come after the name: "박서연 기자", "陈晓岚 记者".
    r"|기자|특파원|선임기자|논설위원|记者|記者|特派员)\b.*$",
    re.I,
)
# Co-authors in brackets after the first name: "Martin Untersinger (avec Damien Leloup et
# Morgane Tual)", "Jane Doe (with John Roe)".
CO_AUTHORS = re.compile(r"\(\s*(?:avec|with|mit|con|com)\s+([^()]+)\)", re.I)
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\||/|、|，|；|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
# Wire agencies and newsroom labels that stand beside or instead of names in bylines
# ("LISA MARTINEZ Associated Press", "By Reuters staff"); they are organisations, not authors.
AGENCY_NAMES = re.compile(
    r"\b(?:associated press|agence france-presse|reuters|bloomberg(?: news)?|press association"
    r"|pa media|kyodo|xinhua|tass|anadolu(?: agency)?|agencies|wire services|staff"
    r"|(?-i:AP|AFP|DPA|dpa|UPI|EFE|ANSA))\b",
    re.I,
)
MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_IN_TEXT = re.compile(
    rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\b|\b(?:{MONTHS})\.?\s+\d{{1,2}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b).*$",
    re.I,
)
# Degrees and credentials written after a name ("Brenda Goodman, MA"): not a second author.
CREDENTIALS = frozenset(words("ma md phd mph rn msc bsc mba jd ms dds rd lcsw"))
# CMS account names shown where an author's name should be (WordPress's "admin"): kept as
# the byline when nothing else names anyone (the seed page's "by Admin"), but a credit line
# in the text that names a person wins over them.
ACCOUNT_NAMES = frozenset(words("admin administrator webmaster editor user guest root"))
# A credit line at the head of the text names the writer when the CMS shows only an account:
# "Story and photos by Dana Whitfield", "Text by …". At most this long.
CREDIT_LINE = re.compile(
    r"^(?:story|text|words|reporting|written)(?: and (?:photos|photographs|pictures))? by\s+",
    re.I,
)
MAX_CREDIT_LINE_CHARS = 80
# Text nodes that open with "By": a plain byline line when nothing else names a writer.
BY_TEXT = (
    "//text()[starts-with(normalize-space(.), 'By ') or starts-with(normalize-space(.), 'BY ')"
    " or starts-with(normalize-space(.), 'by ')]"
)
MIN_PERSON_WORDS = 2
MAX_PERSON_WORDS = 4
NAME_PARTICLES = frozenset(words("de da das do dos del la le van von der den di du bin ibn al"))
_NOT_A_NAME = re.compile(r"[\d$€£%@#]")  # amounts, handles and dates are not names
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_URL_IN_TEXT = re.compile(r"\(?\s*(?:https?://|www\.)[^\s)]*\s*\)?")

# "and" in the byline's language, to join several authors as the page itself does.
CONJUNCTIONS = {
    "en": "and", "fr": "et", "de": "und", "es": "y", "it": "e", "pt": "e", "nl": "en",
    "sv": "och", "da": "og", "no": "og", "nb": "og", "pl": "i", "cs": "a", "sk": "a", "ca": "i",
    "ru": "и", "uk": "і", "bg": "и", "tr": "ve", "id": "dan", "ms": "dan", "vi": "và", "hi": "और",
    "el": "και", "fi": "ja", "et": "ja", "hu": "és", "ro": "și", "hr": "i", "sl": "in",
    "lt": "ir", "lv": "un", "fa": "و", "th": "และ",
}  # fmt: skip
# Conjunctions written onto the next name: Arabic "A وB", Hebrew "A וB".
PREFIX_CONJUNCTIONS = {"ar": "و", "he": "ו"}
# The comma between names where it is not ", ": Arabic script has its own.
LIST_COMMAS = {"ar": "، ", "fa": "، "}
# Languages that list names with a separator and no conjunction: "陈晓岚、周建平".
NAME_SEPARATORS = {"zh": "、", "ja": "、", "ko": ", "}
# What is left of "The Associated Press" or "By the Reuters staff" once the agency is taken
# out: articles and particles, never a name on their own.
NAME_LEFTOVERS = frozenset(words("the by of la les el los der die das"))
MAX_NAME_WORDS = 5  # a person's name is a few words; more is a sentence that matched by accident

# <title> suffixes: " - Site", " | Site" and their kin.
# An underscore separates only after a space or between CJK characters ("新台阶_科技_腾讯网"),
# so "Using __init__ in Python" keeps its name.
TITLE_SEPARATORS = re.compile(
    r"\s+[|\-–—·•»›/]\s+|\s+::\s+|\s+_(?=\s|[^\x00-\x7f])\s*"
    r"|(?<=[^\x00-\x7f])_(?=[^\x00-\x7f])"
    r"|\s+(?=\[[^\]]+\]$)"  # "Title [Site]": a site name in brackets at the end
)
# A headline candidate must share this share of its words with <title> to be believed.
MIN_TITLE_OVERLAP = 0.5
MAX_SITE_WORDS = 4  # a trailing title part this short, after a bar, is a site name
# <title> may name the section as well as the site after the headline ("Headline | City
# News - Site"): an <h1> followed by at most this many such short parts is the headline.
MAX_TITLE_LABELS = 2
# A badge in the <h1> before the headline ("Plus", "Exclusive", "Live"): a word or two.
MAX_BADGE_WORDS = 2
# "Name Obituary (1938 - 2025)": a bracketed group after the headline, with separators in it.
BRACKETED_END = re.compile(r"\s*\([^()]*\)\s*$")
MIN_BADGED_WORDS = 3  # the headline behind it is a sentence, not a word ("Welcome Home")
# A description shorter than this (letters and digits) is not trusted to be a cut of another.
MIN_CUT_DESCRIPTION = 40
# A fuller description must add this many words to a complete-looking one, and stay this short.
MIN_ADDED_WORDS = 3
MAX_DESCRIPTION_CHARS = 300
# How a cut description ends: an ellipsis, or a word or comma with no full stop after it.
CUT_TEXT_END = re.compile(r"(?:…|\.\.\.|\[…\]|[\w,])\s*$")
HTML_ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.I)

# Dates outside these years are typos or placeholders ("0001-01-01", "2099-12-31").
MIN_YEAR, MAX_YEAR = 1990, 2100
# Class/id tokens of a visible date line ("entry-date", "newsDate", "article__timestamp").
# A site names itself in its feed links' titles ("Site - Atom", "Site » Feed") and its logo's
# alt text (an <img> whose class, id, file or parent says logo or masthead).
FEED_LINKS = '//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")][@title]'
FEED_TITLE_END = re.compile(
    r"\s*(?:[-–—|»:]\s*)?(?:atom|rss(?: 2\.0)?|rss feed|feed|comments feed)\s*$", re.I
)
LOGO_WORDS = re.compile(r"logo|masthead", re.I)
DATE_CLASS_TOKENS = words("date dateline time timestamp published pubdate posted post-date")
# A line marked as the update stamp, or a date line that opens with an update word
# ("Updated: September 23, 2025 at 8:10 a.m.", "Aktualisiert am 3. März 2025"): the modified
# date of a page whose markup gives none.
MODIFIED_CLASS_TOKENS = words("updated modified lastmod last-modified")
UPDATED_LINE = re.compile(
    r"^(?:last )?(?:updated|modified|aktualisiert|mis à jour|actualizado|aggiornato|atualizado"
    r"|uppdaterad|opdateret|oppdatert|bijgewerkt|zaktualizowano|aktualizováno|обновлено"
    r"|оновлено)\b",
    re.I,
)
MAX_DATE_LINE_CHARS = 80  # a date line; a longer "date" element holds more than the date
# Month names, in the languages whose pages we meet, to their numbers (Russian in the
# genitive, as dates write them: "18 ноября").
_MONTH_NAMES = {
    1: "january jan januar janv janvier enero ene gennaio gen janeiro января январь",
    2: "february feb februar février fevrier févr febrero febbraio fevereiro февраля",
    3: "march mar märz maerz mars marzo março марта",
    4: "april apr avril avr abril aprile апреля",
    5: "may mai mayo maggio maio мая",
    6: "june jun juni juin junio giugno junho июня",
    7: "july jul juli juillet juil julio luglio julho июля",
    8: "august aug août aout agosto августа",
    9: "september sep sept septembre septiembre settembre setembro сентября",
    10: "october oct oktober octobre octubre ottobre outubro okt октября",
    11: "november nov novembre noviembre novembro ноября",
    12: "december dec dezember décembre decembre diciembre dicembre dezembro dez декабря",
}
_MONTH_NUMBERS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH_RE = "|".join(sorted(map(re.escape, _MONTH_NUMBERS), key=len, reverse=True))
# The written forms of a date, most specific first, with the order of their groups.
_DATE_FORMS: tuple[tuple[re.Pattern[str], tuple[str, str, str]], ...] = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?({_MONTH_RE})\.?,?\s+"
                r"(?:de\s+)?(\d{4})\b"), ("d", "m", "y")),
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"),
     ("m", "d", "y")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    (re.compile(r"\b(\d{4})/(\d{1,2})/(\d{1,2})\b"), ("y", "m", "d")),
)  # fmt: skip
# A time after the date: "09:30", "9.30 am", "09時30分", "at 3:10 p.m.".
_CLOCK = re.compile(r"[^\d]{0,8}?(\d{1,2})\s*[:.時h]\s*(\d{2})\s*分?\s*([ap]\.?m\.?)?")
# Dates in URL paths: /2024/10/25/, /2024-10-25, /20241025/ (year 19xx-20xx).
URL_DATE = re.compile(
    r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)|[/_-]((?:19|20)\d{2})-(\d{2})-(\d{2})(?:[/_.-]|$)"
    r"|/((?:19|20)\d{2})(\d{2})(\d{2})(?:/|$)"
)
# Credits that name no organisation of their own: "Staff", "Agencies".
NEWSROOM_LABELS = frozenset(("staff", "agencies", "wire services"))
# Meta names of the section and of the tags or keywords.
SECTION_META = ("article:section", "section", "parsely-section", "sailthru.section", "category")
# Files that are no article's picture, and the least width or height of one.
NOT_A_PICTURE = re.compile(r"logo|icon|spacer|sprite|avatar|pixel|blank\.gif|/ads?/", re.I)
MIN_PICTURE_PIXELS = 100
TAG_META = ("article:tag", "news_keywords", "keywords", "parsely-tags", "sailthru.tags")
MAX_TAGS = 30  # keyword lists past this are SEO stuffing, not the article's tags


def _parts_run(vocabulary: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any entry as a run of "-"-joined parts inside a token."""
    return re.compile(r"(?:^|-)(?:" + "|".join(map(re.escape, vocabulary)) + r")(?:-|$)")


_BYLINE_RE = _parts_run(BYLINE_TOKENS)
_ELSEWHERE_RE = _parts_run(t for group in ELSEWHERE_GROUPS for t in BOILERPLATE_TOKENS[group])
_ROLE_RE = _parts_run(ROLE_TOKENS)
_DATE_CLASS_RE = _parts_run(DATE_CLASS_TOKENS)
_MODIFIED_CLASS_RE = _parts_run(MODIFIED_CLASS_TOKENS)
_STANDFIRST_RE = _parts_run(STANDFIRST_TOKENS)
_LEAD_RE = _parts_run(LEAD_TOKENS)
_STANDFIRST_ANY_RE = _parts_run((*STANDFIRST_TOKENS, *STANDFIRST_EXACT))


#: A value and where it came from: "json-ld", "opengraph", "meta", "page" or "url".
Found = tuple[str, str] | None


def read(tree: HtmlElement, url: str | None) -> Metadata:
    """Read what the page says about its article. `tree` is not modified."""
    meta = _meta_tags(tree)
    ld, ld_site = _linked_data(tree)
    site = _site_name(meta, ld, ld_site, tree)
    index = token_index(tree)  # the class/id tokens of the page, read once for every scan
    main = main_paragraph_parent(tree)  # the article's text, found once for every rule
    around = {main, *main.iterancestors()} if main is not None else set()
    authors = _authors(meta, ld, tree, index, around, site[0] if site else None)
    language = _language(meta, ld, tree)
    found: dict[str, Found] = {
        "title": _title(meta, ld, tree, site[0] if site else None, url),
        "authors": authors[1],
        "description": _description(meta, ld, index),
        "published_at": _published(meta, ld, tree, index, url),
        "modified_at": _modified(meta, ld, tree, index),
        "language": language,
        "site_name": site,
        "canonical_url": _canonical(tree, meta, url),
        "image_url": _image(meta, ld, tree, main, url),
        "section": _section(meta, ld),
        "organisation": None if authors[0] else _organisation(meta, ld, tree, index, around, site),
    }
    found["original_url"] = _original(tree, url, _value(found["canonical_url"]))
    tags = _tags(tree, ld)
    names = authors[0]
    return Metadata(
        title=_value(found["title"]),
        byline=_byline(names, _value(language)),
        authors=names,
        description=_value(found["description"]),
        published_at=_value(found["published_at"]),
        modified_at=_value(found["modified_at"]),
        language=_value(language),
        site_name=_value(site),
        canonical_url=_value(found["canonical_url"]),
        image_url=_value(found["image_url"]),
        section=_value(found["section"]),
        tags=tags[0],
        organisation=_value(found["organisation"]),
        sources=_sources(found, tags[1]),
        original_url=_value(found["original_url"]),
    )


#: Anchor texts with which republishers and aggregators link the story's original ("Source
#: Link" on the seed's WordPress aggregator, "Read the original article on X" on portals).
ORIGINAL_LINK_TEXT = re.compile(
    r"^(source link|original article|read (the )?original( article)?( on .+)?|"
    r"lire l['’]article original( sur .+)?|leer (el )?art[ií]culo original( en .+)?|"
    r"originalartikel( lesen)?|اقرأ الخبر من المصدر|читать (в )?первоисточник[еа]?)$",
    re.IGNORECASE,
)

#: Labels written just before a link to the original: "Source: <a>Agency</a>".
ORIGINAL_LINK_LABEL = re.compile(
    r"(^|\s)(source|sources|quelle|fuente|fonte|источник|المصدر)\s*:\s*$", re.IGNORECASE
)


# The longest anchor text ORIGINAL_LINK_TEXT can match is a "Read the original article on
# <site>" line; longer anchor text is a headline or a sentence, not worth normalising.
MAX_ORIGINAL_LINK_CHARS = 200


def _original(tree: HtmlElement, url: str | None, canonical: str | None) -> Found:
    """The original publisher's URL, when the page names it: a "Source Link" / "Read the
    original" anchor to another site, else a canonical URL on another site."""
    for anchor in tree.iter("a"):
        if not _names_original(anchor):
            continue
        href = _absolute(anchor.get("href"), url)
        if href is None or urlsplit(href).scheme not in ("http", "https"):
            continue
        if url is None or not same_site(href, url):
            return href, "page"
    if canonical and url and not same_site(canonical, url):
        return canonical, "meta"
    return None


def _names_original(anchor: HtmlElement) -> bool:
    """True for an anchor worded, or labelled, as a link to the original ("Source Link",
    "Source: <a>")."""
    text = anchor.text_content()
    if len(text) <= MAX_ORIGINAL_LINK_CHARS and ORIGINAL_LINK_TEXT.match(normalize_space(text)):
        return True
    return bool(ORIGINAL_LINK_LABEL.search(_text_before(anchor)))


def _text_before(anchor: HtmlElement) -> str:
    """The text of the anchor's parent that comes right before it (its label, if any)."""
    previous = anchor.getprevious()
    if previous is not None:
        return normalize_space(previous.tail or "")
    parent = anchor.getparent()
    return normalize_space(parent.text or "") if parent is not None else ""


def _value(found: Found) -> str | None:
    return found[0] if found else None


def _sources(found: dict[str, Found], tags_source: str | None) -> tuple[str, ...]:
    pairs = [f"{name}:{f[1]}" for name, f in found.items() if f]
    return (*pairs, f"tags:{tags_source}") if tags_source else tuple(pairs)


def _pick(*candidates: tuple[str | None, str]) -> Found:
    """The first (value, source) candidate with a value."""
    return next(((v, src) for v, src in candidates if v), None)


# --- <meta> tags ---------------------------------------------------------------------------------


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta> key (property, name, itemprop, http-equiv)."""
    found: dict[str, str] = {}
    for key, content in _meta_pairs(tree):
        found.setdefault(key, content)
    return found


def _meta_pairs(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    """(key, content) of every <meta>, in page order. RDFa lets one property attribute name
    several properties ("dc:creator twitter:site_name"): each is a key."""
    for el in tree.iter("meta"):
        content = normalize_space(el.get("content") or "")
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            raw = (el.get(attr) or "").lower()
            for key in raw.split() if attr == "property" else [raw.strip()]:
                if key:
                    yield key, content


def _first_found(meta: dict[str, str], keys: Iterable[str]) -> Found:
    """The first key present, with "opengraph" for og:/article: keys and "meta" otherwise."""
    key = next((k for k in keys if meta.get(k)), None)
    return (meta[key], meta_source(key)) if key else None


def meta_source(key: str) -> str:
    """OpenGraph's og: and article: properties are "opengraph"; other <meta> names "meta"."""
    return "opengraph" if key.startswith(("og:", "article:")) else "meta"


def _meta_values(tree: HtmlElement, keys: Iterable[str]) -> list[tuple[str, str]]:
    """Every non-empty (content, key) of <meta> elements with one of `keys` (article:tag
    repeats once per tag)."""
    wanted = set(keys)
    found = []
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        content = normalize_space(el.get("content") or "")
        if key in wanted and content:
            found.append((content, key))
    return found


# --- JSON-LD -------------------------------------------------------------------------------------


def _linked_data(tree: HtmlElement) -> tuple[dict[str, Any], str | None]:
    """(the JSON-LD object describing the article, @id references resolved; the WebSite name)."""
    objects = [obj for script in _ld_scripts(tree) for obj in _walk_ld(_parse_json(script))]
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    ranked = sorted((o for o in objects if _ld_rank(o) < len(ARTICLE_TYPES)), key=_ld_rank)
    article = _resolve(ranked[0], by_id, depth=2) if ranked else {}
    return (article if isinstance(article, dict) else {}), _ld_site(objects)


def _ld_scripts(tree: HtmlElement) -> Iterator[str]:
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            yield script.text


def _parse_json(text: str) -> Any:
    """json.loads, forgiving what CMSs get wrong: comments, CDATA, trailing commas, raw
    newlines inside strings, several objects in one script."""
    text = re.sub(
        r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$", "", text
    )
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
    return _parse_concatenated(text)


def _parse_concatenated(text: str) -> list[Any]:
    """Parse `{...}{...}` or a valid prefix; what cannot be read is dropped."""
    decoder, pos = json.JSONDecoder(strict=False), 0
    found: list[Any] = []
    while True:
        start = text.find("{", pos)
        if start < 0:
            return found
        try:
            obj, pos = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            return found
        found.append(obj)


def _walk_ld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document: top level, lists, @graph and nested values."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
                yield from _walk_ld(value, depth + 1)


def _ld_types(obj: dict[str, Any]) -> list[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k).rsplit("/", 1)[-1].lower() for k in kinds if k]


def _ld_rank(obj: dict[str, Any]) -> int:
    ranks = [ARTICLE_TYPES.index(k) for k in _ld_types(obj) if k in ARTICLE_TYPES]
    return min(ranks, default=len(ARTICLE_TYPES))


def _resolve(node: Any, by_id: dict[str, dict[str, Any]], depth: int) -> Any:
    """Replace {"@id": ...} references with the objects they name, `depth` levels deep."""
    if isinstance(node, list):
        return [_resolve(item, by_id, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) <= {"@id", "@type"} and node.get("@id") in by_id:
        node = by_id[node["@id"]]
    if depth <= 0:
        return node
    return {k: _resolve(v, by_id, depth - 1) for k, v in node.items()}


def _ld_site(objects: list[dict[str, Any]]) -> str | None:
    """The site's own name, from a WebSite object."""
    for obj in objects:
        if "website" in _ld_types(obj) and isinstance(obj.get("name"), str):
            return normalize_space(obj["name"])
    return None


def _ld_text(ld: dict[str, Any], key: str) -> str | None:
    value = ld.get(key)
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return normalize_space(str(value)) if isinstance(value, (str, int, float)) else None


def _ld_image(ld: dict[str, Any]) -> str | None:
    image = ld.get("image") or ld.get("thumbnailUrl")
    if isinstance(image, list) and image:
        image = image[0]
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return image if isinstance(image, str) and image.strip() else None


# --- title and site name -------------------------------------------------------------------------


def _title(
    meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement, site: str | None, url: str | None
) -> Found:
    """The visible headline when <title> or JSON-LD says the same; else og:title, JSON-LD
    headline, the <h1>, <title>; without a " - Site" suffix.

    An <h1> that <title> repeats (less its site name, section labels or a bracketed group;
    the <h1> perhaps behind a badge) is the headline readers see, and wins over og:title,
    which sites often word differently for sharing; so does an <h1> that the JSON-LD headline
    repeats, even when <title> and og:title agree on a search title. Otherwise og:title is the
    page's own choice; any other candidate that shares too few words with <title> is passed
    over: JSON-LD "headline" sometimes holds a description, and an <h1> can be the site's logo.
    """
    raw = normalize_space(tree.findtext(".//title") or "")
    page_title = _strip_site(raw, site, url, loose=True) if raw else None
    h1 = _single_h1(tree)
    if h1 and page_title and _key(h1) == _key(page_title):
        return h1, "page"
    agreed = _headline_in_title(raw, h1, _h1_badge(tree)) if h1 and raw else None
    if agreed:
        return agreed, "page"
    og_title = _first_found(meta, TITLE_META)
    # The headline readers see, confirmed by the publisher's structured data, wins even when
    # <title> and og:title agree on another: those two are often one search-engine title.
    if h1 and _key(h1) == _key(_ld_text(ld, "headline") or ""):
        return h1, "page"
    if og_title:
        shared = _shared_suffix(og_title[0], raw)
        return _strip_site(og_title[0], site, url, loose=shared), og_title[1]
    candidates = (
        (_ld_text(ld, "headline"), "json-ld"), (_ld_text(ld, "name"), "json-ld"), (h1, "page")
    )  # fmt: skip
    for candidate, source in candidates:
        if candidate and (not page_title or _similar(candidate, page_title)):
            return _strip_site(candidate, site, url, loose=False), source
    return _pick((page_title, "page"), *candidates)


def _h1_badge(tree: HtmlElement) -> str | None:
    """The text of an element that opens the first <h1> (a "Plus" or "Live" badge), if any."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None or normalize_space(h1.text or ""):
        return None
    first = next((c for c in h1 if isinstance(c.tag, str)), None)
    if first is None:
        return None
    return normalize_space(first.text_content()) or None


def _headline_in_title(page_title: str, h1: str, badge: str | None = None) -> str | None:
    """The headline that <title> and the <h1> agree on, when <title> is the headline and at
    most a few short labels ("H1 | Section - Site") and the <h1> is the headline, perhaps
    behind a badge of a word or two ("Plus H1"), which is not part of it."""
    parts = [_unmask(p) for p in TITLE_SEPARATORS.split(_mask_brackets(page_title))]
    for count in range(1, len(parts) + 1):
        rest = parts[count:]
        if len(rest) > MAX_TITLE_LABELS or any(len(p.split()) > MAX_SITE_WORDS for p in rest):
            continue
        head = _rejoin(page_title, parts[:count])
        if _key(head) == _key(h1) or _key(BRACKETED_END.sub("", head)) == _key(h1):
            return h1
        if badge and _badged(h1, head, badge):
            return head
    return None


def _mask_brackets(text: str) -> str:
    """Spaces inside (…) made unbreakable, so that " - " in "(1938 - 2025)" is no separator."""
    return re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\x00"), text)


def _unmask(text: str) -> str:
    return text.replace("\x00", " ")


def _badged(h1: str, headline: str, badge: str) -> bool:
    """True when the <h1> is the badge (its own element, a word or two) then the headline."""
    if len(headline.split()) < MIN_BADGED_WORDS or len(badge.split()) > MAX_BADGE_WORDS:
        return False
    return _key(h1) == _key(badge) + _key(headline)


def _similar(candidate: str, page_title: str) -> bool:
    words = re.findall(r"\w+", candidate.casefold())
    known = set(re.findall(r"\w+", page_title.casefold()))
    return sum(w in known for w in words) >= MIN_TITLE_OVERLAP * len(words)


def _single_h1(tree: HtmlElement) -> str | None:
    """The page's one <h1> text (the same text twice counts once); a dialog's is not one."""
    shown = (h for h in tree.iter("h1") if not in_dialog(h))
    texts = [t for t in (normalize_space(h.text_content()) for h in shown) if t]
    return texts[0] if len(set(texts)) == 1 else None


def _strip_site(title: str, site: str | None, url: str | None, *, loose: bool) -> str:
    """Drop a leading or trailing part naming the site ("Title - Site", "Site | Title").

    With `loose`, a short trailing part after a separator goes even when it names no site we
    know: <title> carries one far more often than a headline contains " | ". It must not be
    longer than what stays ("Biden - Putin summit ends" is a headline).
    """
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = _site_keys(site, url)
    if _key(parts[-1]) in names:
        return _rejoin(title, parts[:-1])
    if _key(parts[0]) in names:
        return _rejoin(title, parts[1:])
    return _rejoin(title, parts[:-1]) if loose and _looks_like_site(parts) else title


def _shared_suffix(title: str, page_title: str) -> bool:
    """True when a title ends with the same " | Part" as <title>: a name the site adds to
    every title, even when no og:site_name says what it is."""
    ours, theirs = TITLE_SEPARATORS.split(title), TITLE_SEPARATORS.split(page_title)
    return len(ours) > 1 and len(theirs) > 1 and _key(ours[-1]) == _key(theirs[-1])


def _looks_like_site(parts: list[str]) -> bool:
    tail = len(parts[-1].split())
    return tail <= MAX_SITE_WORDS and sum(len(p.split()) for p in parts[:-1]) >= tail


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of `title` from the first to the last of `parts` (separators kept inside)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip()


def _site_keys(site: str | None, url: str | None) -> set[str]:
    keys = {_key(site)} if site else set()
    host = urlsplit(url).hostname if url else None
    if host:
        bare = host.removeprefix("www.")
        keys |= {_key(bare), _key(bare.split(".")[0])}
    return keys


def _key(text: str) -> str:
    """Letters and digits only, case-folded, accents dropped: "Aktuálně.cz" -> "aktualnecz"."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in bare if not unicodedata.combining(c)))


def _site_name(
    meta: dict[str, str], ld: dict[str, Any], ld_site: str | None, tree: HtmlElement
) -> Found:
    """og:site_name, the JSON-LD WebSite's name, the article's publisher; else the end of
    <title> that the site's feed titles or its logo also name."""
    return (
        _first_found(meta, SITE_NAME_META)
        or _pick((ld_site, "json-ld"), (_ld_text(ld, "publisher"), "json-ld"))
        or _pick((_named_site(tree), "page"))
    )


def _named_site(tree: HtmlElement) -> str | None:
    """The first or last part of <title> ("Site: Post", "Site | Print | Headline") that the
    page names again as its feeds' title ("Site - Atom", "Site » Feed") or its logo's alt
    text: Blogger and print views carry no site meta at all."""
    raw = normalize_space(tree.findtext(".//title") or "")
    parts = TITLE_SEPARATORS.split(raw)
    ends = [parts[0], parts[-1]] if len(parts) > 1 else []
    if ": " in raw:
        ends.append(raw.split(": ", 1)[0])
    if not ends:
        return None
    by_key = {_key(end): end for end in ends if end and _key(end) != _key(raw)}
    for name in _site_names_shown(tree):
        if _key(name) in by_key:
            return by_key[_key(name)]
    return None


def _site_names_shown(tree: HtmlElement) -> Iterator[str]:
    for link in tree.xpath(FEED_LINKS):
        title = normalize_space(link.get("title") or "")
        yield FEED_TITLE_END.sub("", title)
    for img in tree.iter("img"):
        marks = " ".join(filter(None, (img.get("class"), img.get("id"), img.get("src"))))
        if LOGO_WORDS.search(marks) or LOGO_WORDS.search(" ".join(tokens(img.getparent()))):
            yield normalize_space(img.get("alt") or "")


# --- authors and byline --------------------------------------------------------------------------


def _authors(
    meta: dict[str, str],
    ld: dict[str, Any],
    tree: HtmlElement,
    index: TokenIndex,
    around: set[HtmlElement],
    site: str | None,
) -> tuple[tuple[str, ...], Found]:
    """People who wrote the article, and where they were found; organisations and agencies
    are left out."""
    # A name the structured data calls an organisation (an Organization author, the
    # publisher) is no person, whichever source repeats it: <meta name="author"> often does.
    # The site's name is no author either, unless JSON-LD says a person publishes the site.
    people = {_key(n) for n in _ld_names(ld, PERSON_TYPES)}
    organisations = [site] if site and _key(site) not in people else []
    organisations += _ld_names(ld, ORGANISATION_TYPES)
    sources = (
        (_ld_authors(ld), "json-ld"), (_meta_authors(tree), "meta"),
        (_marked_authors(tree, around), "page"),
    )  # fmt: skip

    def credited() -> tuple[str, ...]:
        return _dedupe(n for raw in _credit_lines(tree) for n in split_names(raw, organisations))

    for raws, source in sources:
        names = _dedupe(n for raw in raws for n in split_names(raw, organisations))
        if names and all(n.casefold() in ACCOUNT_NAMES for n in names) and (found := credited()):
            return found, ("; ".join(found), "page")
        if names:
            return names, ("; ".join(names), source)
    for raw in _byline_texts(index, around):
        names = _dedupe(split_names(raw, organisations))
        if names:
            return names, ("; ".join(names), "page")
    found = credited() or _by_line_names(tree, organisations)
    return found, ("; ".join(found), "page") if found else None


def _by_line_names(tree: HtmlElement, organisations: list[str]) -> tuple[str, ...]:
    """The people of the first short plain-text line that opens with "By" ("By MARGARET
    HOLLOWAY, Staff Writer"): how pages made before bylines had markup credit the writer.
    Only names that look like a person's count ("By the numbers" names nobody)."""
    for node in tree.xpath(BY_TEXT):
        parent = node.getparent()
        if parent is None or not node.is_text or parent.tag in ("script", "style", "title"):
            continue
        text = normalize_space(parent.text_content())
        if len(text) > MAX_CREDIT_LINE_CHARS:
            continue
        names = split_names(text, organisations)
        if names and all(_person_like(n) for n in names):
            return _dedupe(names)
    return ()


def _person_like(name: str) -> bool:
    """A name of two to four words, each capitalised but for particles ("Ana de la Cruz")."""
    parts = name.split()
    if not MIN_PERSON_WORDS <= len(parts) <= MAX_PERSON_WORDS:
        return False
    return all(p[0].isupper() or p in NAME_PARTICLES for p in parts)


def _credit_lines(tree: HtmlElement) -> list[str]:
    """Short paragraphs that credit the writer in words ("Story and photos by X")."""
    found = []
    for p in tree.iter("p"):
        text = normalize_space(p.text_content())
        if len(text) <= MAX_CREDIT_LINE_CHARS and CREDIT_LINE.match(text):
            found.append(CREDIT_LINE.sub("", text))
    return found


def _organisation(
    meta: dict[str, str],
    ld: dict[str, Any],
    tree: HtmlElement,
    index: TokenIndex,
    around: set[HtmlElement],
    site: Found,
) -> Found:
    """The organisation credited when no person is: a JSON-LD author of an organisation type,
    else a wire agency named in the byline or the author <meta>."""
    for item in _ld_list(ld.get("author") or ld.get("creator")):
        if isinstance(item, dict) and set(_ld_types(item)) & ORGANISATION_TYPES:
            name = item.get("name")
            if isinstance(name, str) and name.strip():
                return normalize_space(name), "json-ld"
    candidates = [(raw, "meta") for raw in _meta_authors(tree)]
    page = (*_marked_authors(tree, around), *_byline_texts(index, around))
    candidates += [(raw, "page") for raw in page]
    for raw, source in candidates:
        agency = AGENCY_NAMES.search(raw)
        if agency and agency.group(0).casefold() not in NEWSROOM_LABELS:
            return agency.group(0), source
        if site and _key(BYLINE_PREFIX.sub("", raw)) == _key(site[0]):
            return site[0], source
    return None


def _ld_names(ld: dict[str, Any], types: frozenset[str]) -> list[str]:
    """Names of the JSON-LD author, creator and publisher items of one of these types."""
    items = _ld_list(ld.get("author") or ld.get("creator")) + _ld_list(ld.get("publisher"))
    found = [i for i in items if isinstance(i, dict) and set(_ld_types(i)) & types]
    return [normalize_space(n) for i in found if isinstance(n := i.get("name"), str) and n.strip()]


def _ld_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ld_authors(ld: dict[str, Any]) -> list[str]:
    raw = ld.get("author") or ld.get("creator") or []
    items = raw if isinstance(raw, list) else [raw]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and not set(_ld_types(item)) & ORGANISATION_TYPES:
            name = item.get("name")
            names += [name] if isinstance(name, str) else []
    return names


def _meta_authors(tree: HtmlElement) -> list[str]:
    """Every value of the first author <meta> key the page has (scholarly pages repeat the
    tag once per author), surname-first names turned around."""
    pairs = [(k, v) for k, v in _meta_pairs(tree) if k in AUTHOR_META and not _is_url(v)]
    key = min((k for k, _ in pairs), key=AUTHOR_META.index, default=None)
    return [_uninvert(v) if key in INVERTED_NAME_META else v for k, v in pairs if k == key]


def _uninvert(value: str) -> str:
    """Turn "Jong, Michiel de" into "Michiel de Jong"; anything else stays as it is."""
    match = INVERTED_NAME.fullmatch(value)
    if not match or any(len(g.split()) > MAX_INVERTED_PART_WORDS for g in match.groups()):
        return value
    return f"{match.group(2)} {match.group(1)}"


def _marked_authors(tree: HtmlElement, around: set[HtmlElement]) -> list[str]:
    """The text of each element marked as an author (itemprop="author", rel="author") in the
    byline of the first one: teasers for other stories mark their authors the same way."""
    marked = [el for el in tree.xpath(AUTHOR_XPATH) if not _elsewhere(el, around)]
    if not marked:
        return []
    line = _byline_line(marked[0])
    chosen = [el for el in marked if el is line or line in el.iterancestors()]
    return [text for text in map(_element_text, chosen) if text]


def _byline_line(el: HtmlElement) -> HtmlElement:
    """The largest ancestor of an author element that is still one byline line long."""
    line = el
    for parent in el.iterancestors():
        if len(normalize_space(parent.text_content())) > MAX_BYLINE_CHARS:
            break
        line = parent
    return line


def _byline_texts(index: TokenIndex, around: set[HtmlElement]) -> Iterator[str]:
    """Short texts of elements classed as a byline, in page order."""
    for el in marked_elements(index, _BYLINE_RE):
        if _elsewhere(el, around):
            continue
        text = _element_text(_without_roles(el))
        if 0 < len(text) <= MAX_BYLINE_CHARS:
            yield text


def _elsewhere(el: HtmlElement, around: set[HtmlElement]) -> bool:
    """True for an element inside a comment thread, a teaser list, an ad or an <aside>,
    unless that block is one of `around`, the elements around the article's paragraphs."""
    for node in (el, *el.iterancestors()):
        if node in around:
            return False
        if node.tag in ELSEWHERE_TAGS or has_token(node, _ELSEWHERE_RE):
            return True
    return False


def _without_roles(el: HtmlElement) -> HtmlElement:
    """The byline element less its parts marked as a job title ("Games Editor")."""
    roles = [d for d in el.iterdescendants() if isinstance(d.tag, str) and has_token(d, _ROLE_RE)]
    if not roles:
        return el
    bare = copy.deepcopy(el)
    for d in [
        d for d in bare.iterdescendants() if isinstance(d.tag, str) and has_token(d, _ROLE_RE)
    ]:
        d.drop_tree()
    return bare


def _is_standfirst(token: str) -> bool:
    return token in STANDFIRST_EXACT or bool(_STANDFIRST_RE.search(token))


def _element_text(el: HtmlElement) -> str:
    name = el.xpath('.//*[@itemprop="name"]')
    source = name[0] if name else el
    return normalize_space(source.get("content") or source.text_content())


def split_names(raw: str, organisations: Iterable[str] = ()) -> list[str]:
    """Names in a byline: "By Jane Doe and John Roe, Reuters" -> ["Jane Doe", "John Roe"].

    Agencies and the given organisation names (the site's own) are left out; names written
    in capitals are title-cased.
    """
    text = normalize_space(BYLINE_PREFIX.sub("", _URL_IN_TEXT.sub(" ", raw)))
    text = CO_AUTHORS.sub(r", \1", text)
    text = DATE_IN_TEXT.sub("", BYLINE_NOISE.sub("", text)).strip(" ,;|-–—·:")
    skip = {_key(o) for o in organisations}
    parts = (_clean_name(p) for p in AUTHOR_SPLIT.split(text))
    return [p for p in parts if p and _key(p) not in skip and len(p.split()) <= MAX_NAME_WORDS]


def _clean_name(part: str) -> str:
    name = normalize_space(_EMPTY_BRACKETS.sub(" ", AGENCY_NAMES.sub(" ", part)))
    name = name.strip(" ,;|-–—·:.：")
    if _is_url(name) or name.casefold().strip(".") in CREDENTIALS or _NOT_A_NAME.search(name):
        return ""
    if all(w.casefold() in NAME_LEFTOVERS for w in name.split()):
        return ""
    if name.isupper() and len(name) > 3:
        return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), name.lower())
    return name


def _byline(authors: tuple[str, ...], language: str | None) -> str | None:
    """The authors as one line in the page's language: "A", "A and B", "A, B et C"."""
    if not authors:
        return None
    if len(authors) == 1:
        return authors[0]
    # "pt-BR" joins as "pt"; a language with no known conjunction gets commas, never English.
    base = (language or "en").split("-")[0].casefold()
    if base in NAME_SEPARATORS:
        return NAME_SEPARATORS[base].join(authors)
    comma = LIST_COMMAS.get(base, ", ")
    head = comma.join(authors[:-1])
    if base in PREFIX_CONJUNCTIONS:
        return f"{head} {PREFIX_CONJUNCTIONS[base]}{authors[-1]}"
    if base in CONJUNCTIONS:
        return f"{head} {CONJUNCTIONS[base]} {authors[-1]}"
    return comma.join(authors)


def _dedupe(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


# --- description ---------------------------------------------------------------------------------


def _description(meta: dict[str, str], ld: dict[str, Any], index: TokenIndex) -> Found:
    """og:description, else the other description tags, JSON-LD, the marked standfirst; but
    the standfirst when a description tag or JSON-LD says the same and og:description does
    not, and when the first found is visibly cut ("… a gauge of stoc...") and another goes
    on from it, the whole one."""
    found = _first_found(meta, DESCRIPTION_META)
    if found is None:
        return _pick((_ld_text(ld, "description"), "json-ld"), (standfirst(index), "page"))
    others: list[tuple[str | None, str]] = [(meta.get(k), meta_source(k)) for k in DESCRIPTION_META]
    others.append((_ld_text(ld, "description"), "json-ld"))
    # The standfirst readers see, confirmed by a description tag or JSON-LD, over a sharing
    # text worded apart (as a visible <h1> over og:title). Looked for only when some other
    # description differs from og:description: else nothing could confirm it.
    differing = {_key(text) for text, _ in others if text} - {_key(found[0])}
    deck = standfirst(index) if differing else None
    if deck and _key(deck) in differing:
        return deck, "page"
    longer = [(text, source) for text, source in others if text and _shortens(found[0], text)]
    return max(longer, key=lambda pair: len(pair[0]), default=found)


def _shortens(short: str, whole: str) -> bool:
    """True when `whole` starts with `short` and goes on: after a visible cut (an ellipsis,
    or mid-sentence), by anything; else by a few words more, within a standfirst's length
    (" — www.site.ru" is a name tacked on, and a whole first paragraph is not a standfirst).
    A `whole` with HTML entities in it was escaped twice by its site, and is not better."""
    head = _key(short.rstrip(" .…"))
    if HTML_ENTITY.search(whole) or len(head) < MIN_CUT_DESCRIPTION:
        return False
    if not _key(whole).startswith(head) or len(_key(whole)) == len(head):
        return False
    if CUT_TEXT_END.search(short):
        return True
    added = len(whole.split()) - len(short.split())
    return added >= MIN_ADDED_WORDS and len(whole) <= MAX_DESCRIPTION_CHARS


def standfirst_texts(tree: HtmlElement) -> list[str]:
    """Texts of every element marked as a standfirst or lead, by the vocabulary of LEAD_TOKENS
    as parts ("b-news-full__lead", "chapo", "leadtext"), and of paragraphs set all in bold.
    Broad on purpose: a caller trusts them only where they repeat the description."""
    bold = [p for p in tree.xpath("//p[count(*) = 1][b or strong]") if _is_bold_paragraph(p)]
    marked = marked_elements(token_index(tree), _LEAD_RE)
    texts = (normalize_space(el.text_content()) for el in (*bold, *marked))
    return [text for text in texts if text]


def _is_bold_paragraph(el: HtmlElement) -> bool:
    """A <p> set wholly in bold: how WordPress editors mark a lead by hand."""
    if el.tag != "p" or len(el) != 1 or el[0].tag not in ("strong", "b"):
        return False
    return not (el.text or "").strip() and not (el[0].tail or "").strip()


def standfirst(index: TokenIndex) -> str | None:
    """The standfirst under the headline, marked by its class (dek, standfirst, subtitle...)."""
    for el in marked_elements(index, _STANDFIRST_ANY_RE):
        if any(_is_standfirst(t) for t in tokens(el)):
            text = normalize_space(el.text_content())
            if text:
                return text
    return None


# --- dates ---------------------------------------------------------------------------------------


def _published(
    meta: dict[str, str],
    ld: dict[str, Any],
    tree: HtmlElement,
    index: TokenIndex,
    url: str | None,
) -> Found:
    """JSON-LD datePublished, the article:published_time family, a marked or <time> date,
    a visible date line, a date in the URL; the first that reads as a date."""
    meta_date = _first_found(meta, PUBLISHED_META)
    found = _date(
        (_ld_text(ld, "datePublished"), "json-ld"),
        meta_date or (None, "meta"),
        (_time_element(tree, published=True), "page"),
    )
    # Reading date lines is the costly part: only when the markup said nothing.
    return found or _date((_visible_date(index), "page"), (url_date(url), "url"))


def _modified(
    meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement, index: TokenIndex
) -> Found:
    """JSON-LD dateModified, the article:modified_time family, an itemprop date, a visible
    update stamp."""
    meta_date = _first_found(meta, MODIFIED_META)
    found = _date(
        (_ld_text(ld, "dateModified"), "json-ld"),
        meta_date or (None, "meta"),
        (_time_element(tree, published=False), "page"),
    )
    return found or _date((_visible_update(index), "page"))


def _date(*candidates: tuple[str | None, str]) -> Found:
    """The first candidate that reads as a date, as ISO-8601 (with its offset when given)."""
    for candidate, source in candidates:
        parsed = parse_date(candidate) if candidate else None
        if parsed:
            return parsed, source
    return None


def parse_date(text: str) -> str | None:
    """ISO-8601 for a date string in ISO, RFC 2822 or a few common numeric forms."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    for parse in (_parse_iso, _parse_rfc2822, _parse_numeric):
        parsed = parse(text)
        if parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
            return parsed.isoformat()
    return None


def date_in_text(text: str) -> str | None:
    """The first date written out in a line of text, as ISO-8601 ("YYYY-MM-DD", with the
    time when one follows): "21 July 2025", "July 21, 2025 at 3:10 pm", "18 ноября 2025",
    "2025年11月21日 09時30分", "21.11.2025", "2025-11-21"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for pattern, order in _DATE_FORMS:
        found = pattern.search(text)
        if found:
            parts = dict(zip(order, found.groups()[:3], strict=True))
            day = _make_date(parts["y"], parts["m"], parts["d"])
            if day:
                return day + _time_after(text[found.end() : found.end() + 20])
    return None


def _make_date(year: str, month: str, day: str) -> str | None:
    number = int(month) if month.isdigit() else _MONTH_NUMBERS.get(month.strip(".").casefold())
    if number is None:
        return None
    try:
        value = datetime(int(year), number, int(day))
    except ValueError:
        return None
    return value.date().isoformat() if MIN_YEAR <= value.year <= MAX_YEAR else None


def _time_after(text: str) -> str:
    found = _CLOCK.match(text)
    if not found:
        return ""
    hour, minute = int(found.group(1)), int(found.group(2))
    if found.group(3) and found.group(3).startswith("p") and hour < 12:
        hour += 12
    return f"T{hour:02d}:{minute:02d}:00" if hour < 24 and minute < 60 else ""


def url_date(url: str | None) -> str | None:
    """A date in the URL's path: /2024/10/25/, /2024-10-25-, /20241025/."""
    if not url:
        return None
    found = URL_DATE.search(urlsplit(url).path)
    if not found:
        return None
    year, month, day = (g for g in found.groups() if g is not None)
    return _make_date(year, month, day)


def _visible_date(index: TokenIndex) -> str | None:
    """A short line classed as a date or time stamp ("post-date", "newsDate") that reads as one.
    The first counts: the article's own date line comes before teasers' dates."""
    for el in marked_elements(index, _DATE_CLASS_RE):
        if el.tag in ("script", "style", "meta"):
            continue
        text = normalize_space(el.text_content())
        day = date_in_text(text) if 0 < len(text) <= MAX_DATE_LINE_CHARS else None
        if day:
            return day
    return None


def _visible_update(index: TokenIndex) -> str | None:
    """A short line marked as the update stamp, or a date line that opens with "Updated"."""
    stamps = marked_elements(index, _MODIFIED_CLASS_RE)
    marked = set(stamps)
    for el in (*stamps, *marked_elements(index, _DATE_CLASS_RE)):
        if el.tag in ("script", "style", "meta"):
            continue
        text = normalize_space(el.text_content())
        if not 0 < len(text) <= MAX_DATE_LINE_CHARS:
            continue
        if el in marked or UPDATED_LINE.match(text):
            day = date_in_text(text)
            if day:
                return day
    return None


def _parse_iso(text: str) -> datetime | None:
    text = re.sub(r"(\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(?:UTC|GMT)$", r"\1+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_numeric(text: str) -> datetime | None:
    for form in ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y%m%d"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def _time_element(tree: HtmlElement, *, published: bool) -> str | None:
    """A <time datetime> (or itemprop date) on the page; the first one counts as published."""
    prop = "datePublished" if published else "dateModified"
    marked = tree.xpath(f'//*[@itemprop="{prop}"]')
    for el in marked:
        value = str(el.get("datetime") or el.get("content") or el.text_content()).strip()
        if value:
            return value
    if not published:
        return None
    times = [t.get("datetime") for t in tree.iter("time") if t.get("datetime")]
    return times[0] if times else None


# --- language, canonical URL, image --------------------------------------------------------------


def _language(meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement) -> Found:
    """Primary language subtag, lower case: "en-US" -> "en"."""
    meta_language = _first_found(meta, LANGUAGE_META) or (None, "meta")
    candidates = ((tree.get("lang"), "page"), (tree.get("xml:lang"), "page"), meta_language,
                  (_ld_text(ld, "inLanguage"), "json-ld"))  # fmt: skip
    for value, source in candidates:
        code = re.split(r"[-_,;\s]", (value or "").strip(), maxsplit=1)[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code, source
    return None


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> Found:
    found = _pick((_link(tree, "canonical"), "meta"), (meta.get("og:url"), "opengraph"))
    return (_absolute(found[0], url) or "", found[1]) if found else None


def _image(
    meta: dict[str, str],
    ld: dict[str, Any],
    tree: HtmlElement,
    main: HtmlElement | None,
    url: str | None,
) -> Found:
    """og:image and its kin, the JSON-LD image, <link rel=image_src>; else the article's lead
    picture (the first <figure> with an image in or beside the text, `main`)."""
    found = (
        _first_found(meta, IMAGE_META)
        or _pick((_ld_image(ld), "json-ld"), (_link(tree, "image_src"), "meta"))
        or _pick((_lead_picture(main), "page"))
    )
    return (_absolute(found[0], url) or "", found[1]) if found else None


def _lead_picture(main: HtmlElement | None) -> str | None:
    """The first picture set in a <figure> in the article or beside it (a print view, an old
    page: no image meta at all); icons, logos and spacers are no lead picture."""
    if main is None:
        return None
    region = main.getparent() if main.getparent() is not None else main
    for img in region.xpath(".//figure//img[@src]"):
        src = img.get("src") or ""
        if NOT_A_PICTURE.search(src) or _too_small(img):
            continue
        return src
    return None


def _too_small(img: HtmlElement) -> bool:
    sizes = [img.get("width") or "", img.get("height") or ""]
    return any(size.isdigit() and int(size) < MIN_PICTURE_PIXELS for size in sizes)


def _section(meta: dict[str, str], ld: dict[str, Any]) -> Found:
    """JSON-LD articleSection, else article:section and its kin."""
    return _pick((_ld_text(ld, "articleSection"), "json-ld")) or _first_found(meta, SECTION_META)


def _tags(tree: HtmlElement, ld: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """The article's tags: JSON-LD keywords, else article:tag, else news keywords."""
    keywords = [k for item in _ld_list(ld.get("keywords")) if isinstance(item, str)
                for k in item.split(",")]  # fmt: skip
    if keywords:
        return _tag_list(keywords), "json-ld"
    values = _meta_values(tree, TAG_META)
    for key in TAG_META:
        chosen = [v for v, k in values if k == key]
        if chosen:
            split = [part for v in chosen for part in v.split(",")]
            return _tag_list(split), meta_source(key)
    return (), None


def _tag_list(raw: Iterable[str]) -> tuple[str, ...]:
    tags = _dedupe(t for t in (normalize_space(r) for r in raw) if t)
    return tags if len(tags) <= MAX_TAGS else tags[:MAX_TAGS]


def _link(tree: HtmlElement, rel: str) -> str | None:
    for link in tree.iter("link"):
        if rel in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return str(link.get("href")).strip()
    return None


def _absolute(href: str | None, url: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith("//") and not url:
        return "https:" + href
    return urljoin(url, href) if url else href


def _is_url(text: str) -> bool:
    return bool(re.match(r"^(?:https?:)?//|^www\.", text.strip(), re.I))
