"""Article metadata from JSON-LD, OpenGraph, <meta> tags and the page itself (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from newsvault.clean import normalize_space, tokens, words
from newsvault.records import Metadata

# ---------------------------------------------------------------------------------------------
# Where each field is looked for, best source first. <meta> names are matched lower-cased
# against the `property`, `name` and `itemprop` attributes.
# ---------------------------------------------------------------------------------------------

TITLE_META = ("og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title")
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
SITE_NAME_META = ("og:site_name", "application-name", "al:android:app_name")
IMAGE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "thumbnail")
AUTHOR_META = ("author", "article:author", "dc.creator", "sailthru.author", "parsely-author",
               "byl", "citation_author")  # fmt: skip
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

# Class/id tokens of the visible byline (matched as a run of parts, like clean.py's rules).
BYLINE_TOKENS = words("byline author author-name authors writer contributor by-author")
# Class/id tokens of the standfirst under the headline: the first group as a run of parts
# ("article__standfirst"), the second, more common words, only as whole tokens.
STANDFIRST_TOKENS = words(
    "standfirst dek deck subtitle sub-title subheadline sub-headline article-summary"
    " article-intro article-lead"
)
STANDFIRST_EXACT = frozenset(words("summary lead lede intro excerpt"))

# Elements that hold one author's name each.
AUTHOR_XPATH = '//*[@itemprop="author"] | //a[@rel="author"]'
# A visible byline is one line; a longer "author" element is a bio box.
MAX_BYLINE_CHARS = 120

# Words around names in bylines: "By", "Von", dates, roles and wire agencies.
BYLINE_PREFIX = re.compile(
    r"^(?:written |posted |reported )?(?:by|von|par|por|di|door)\b[:\s]*", re.I
)
BYLINE_NOISE = re.compile(
    r"\b(?:staff(?: writer| reporter)?|correspondent|contributor|editor|reporter|columnist"
    r"|(?:last )?(?:updated|published|posted))\b.*$",
    re.I,
)
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\||/|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
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
_NOT_A_NAME = re.compile(r"[\d$€£%@#]")  # amounts, handles and dates are not names
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_URL_IN_TEXT = re.compile(r"\(?\s*(?:https?://|www\.)[^\s)]*\s*\)?")

# "and" in the byline's language, to join several authors as the page itself does.
CONJUNCTIONS = {
    "en": "and", "fr": "et", "de": "und", "es": "y", "it": "e", "pt": "e", "nl": "en",
    "sv": "och", "da": "og", "no": "og", "nb": "og", "pl": "i", "cs": "a", "ca": "i",
}  # fmt: skip
MAX_NAME_WORDS = 5  # a person's name is a few words; more is a sentence that matched by accident

# <title> suffixes: " - Site", " | Site" and their kin.
# An underscore separates only after a space or between CJK characters ("新台阶_科技_腾讯网"),
# so "Using __init__ in Python" keeps its name.
TITLE_SEPARATORS = re.compile(
    r"\s+[|\-–—·•»›/]\s+|\s+::\s+|\s+_(?=\s|[^\x00-\x7f])\s*"
    r"|(?<=[^\x00-\x7f])_(?=[^\x00-\x7f])"
)
# A headline candidate must share this share of its words with <title> to be believed.
MIN_TITLE_OVERLAP = 0.5
MAX_SITE_WORDS = 4  # a trailing title part this short, after a bar, is a site name


def _parts_run(vocabulary: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any entry as a run of "-"-joined parts inside a token."""
    return re.compile(r"(?:^|-)(?:" + "|".join(map(re.escape, vocabulary)) + r")(?:-|$)")


_BYLINE_RE = _parts_run(BYLINE_TOKENS)
_STANDFIRST_RE = _parts_run(STANDFIRST_TOKENS)


def read(tree: HtmlElement, url: str | None) -> Metadata:
    """Read what the page says about its article. `tree` is not modified."""
    meta = _meta_tags(tree)
    ld, ld_site = _linked_data(tree)
    site = _site_name(meta, ld, ld_site)
    authors = _authors(meta, ld, tree, site)
    language = _language(meta, ld, tree)
    return Metadata(
        title=_title(meta, ld, tree, site, url),
        byline=_byline(authors, language),
        authors=authors,
        description=_description(meta, ld, tree),
        published_at=_date(_ld_text(ld, "datePublished"), _first(meta, PUBLISHED_META),
                           _time_element(tree, published=True)),
        modified_at=_date(_ld_text(ld, "dateModified"), _first(meta, MODIFIED_META),
                          _time_element(tree, published=False)),
        language=language,
        site_name=site,
        canonical_url=_canonical(tree, meta, url),
        image_url=_image(meta, ld, tree, url),
    )  # fmt: skip


# --- <meta> tags ---------------------------------------------------------------------------------


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta> key (property, name, itemprop, http-equiv)."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = normalize_space(el.get("content") or "")
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key and content and key not in found:
                found[key] = content
    return found


def _first(meta: dict[str, str], keys: Iterable[str]) -> str | None:
    return next((meta[k] for k in keys if meta.get(k)), None)


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
) -> str | None:
    """og:title, JSON-LD headline, the <h1>, <title>; without a " - Site" suffix.

    og:title is the page's own choice; any other candidate that shares too few words with
    <title> is passed over: JSON-LD "headline" sometimes holds a description, and an <h1> can
    be the site's logo.
    """
    raw = normalize_space(tree.findtext(".//title") or "")
    page_title = _strip_site(raw, site, url, loose=True) if raw else None
    og_title = _first(meta, TITLE_META)
    if og_title:
        return _strip_site(og_title, site, url, loose=False)
    candidates = (_ld_text(ld, "headline"), _ld_text(ld, "name"), _single_h1(tree))
    for candidate in candidates:
        if candidate and (not page_title or _similar(candidate, page_title)):
            return _strip_site(candidate, site, url, loose=False)
    return page_title or next((c for c in candidates if c), None)


def _similar(candidate: str, page_title: str) -> bool:
    words = re.findall(r"\w+", candidate.casefold())
    known = set(re.findall(r"\w+", page_title.casefold()))
    return sum(w in known for w in words) >= MIN_TITLE_OVERLAP * len(words)


def _single_h1(tree: HtmlElement) -> str | None:
    texts = [t for t in (normalize_space(h.text_content()) for h in tree.iter("h1")) if t]
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
    return re.sub(r"[\W_]+", "", text.casefold())


def _site_name(meta: dict[str, str], ld: dict[str, Any], ld_site: str | None) -> str | None:
    """og:site_name, the JSON-LD WebSite's name, the article's publisher."""
    return _first(meta, SITE_NAME_META) or ld_site or _ld_text(ld, "publisher")


# --- authors and byline --------------------------------------------------------------------------


def _authors(
    meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement, site: str | None
) -> tuple[str, ...]:
    """People who wrote the article; organisations and agencies are left out."""
    organisations = [site] if site else []
    for source in (_ld_authors(ld), _meta_authors(meta), _marked_authors(tree)):
        names = _dedupe(n for raw in source for n in split_names(raw, organisations))
        if names:
            return names
    for raw in _byline_texts(tree):
        names = _dedupe(split_names(raw, organisations))
        if names:
            return names
    return ()


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


def _meta_authors(meta: dict[str, str]) -> list[str]:
    value = _first(meta, AUTHOR_META)
    return [value] if value and not _is_url(value) else []


def _marked_authors(tree: HtmlElement) -> list[str]:
    """The text of each element marked as an author (itemprop="author", rel="author")."""
    return [text for text in map(_element_text, tree.xpath(AUTHOR_XPATH)) if text]


def _byline_texts(tree: HtmlElement) -> Iterator[str]:
    """Short texts of elements classed as a byline, in page order."""
    for el in tree.iter():
        if isinstance(el.tag, str) and any(_BYLINE_RE.search(t) for t in tokens(el)):
            text = _element_text(el)
            if 0 < len(text) <= MAX_BYLINE_CHARS:
                yield text


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
    text = DATE_IN_TEXT.sub("", BYLINE_NOISE.sub("", text)).strip(" ,;|-–—·:")
    skip = {_key(o) for o in organisations}
    parts = (_clean_name(p) for p in AUTHOR_SPLIT.split(text))
    return [p for p in parts if p and _key(p) not in skip and len(p.split()) <= MAX_NAME_WORDS]


def _clean_name(part: str) -> str:
    name = normalize_space(_EMPTY_BRACKETS.sub(" ", AGENCY_NAMES.sub(" ", part)))
    name = name.strip(" ,;|-–—·:.")
    if _is_url(name) or name.casefold().strip(".") in CREDENTIALS or _NOT_A_NAME.search(name):
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
    conjunction = CONJUNCTIONS.get(language or "", "and")
    return f"{', '.join(authors[:-1])} {conjunction} {authors[-1]}"


def _dedupe(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


# --- description ---------------------------------------------------------------------------------


def _description(meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement) -> str | None:
    return _first(meta, DESCRIPTION_META) or _ld_text(ld, "description") or standfirst(tree)


def standfirst(tree: HtmlElement) -> str | None:
    """The standfirst under the headline, marked by its class (dek, standfirst, subtitle...)."""
    for el in tree.iter():
        if isinstance(el.tag, str) and any(_is_standfirst(t) for t in tokens(el)):
            text = normalize_space(el.text_content())
            if text:
                return text
    return None


# --- dates ---------------------------------------------------------------------------------------


def _date(*candidates: str | None) -> str | None:
    """The first candidate that reads as a date, as ISO-8601 (with its offset when given)."""
    for candidate in candidates:
        parsed = parse_date(candidate) if candidate else None
        if parsed:
            return parsed
    return None


def parse_date(text: str) -> str | None:
    """ISO-8601 for a date string in ISO, RFC 2822 or a few common numeric forms."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    for parse in (_parse_iso, _parse_rfc2822, _parse_numeric):
        parsed = parse(text)
        if parsed is not None:
            return parsed.isoformat()
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


def _language(meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement) -> str | None:
    """Primary language subtag, lower case: "en-US" -> "en"."""
    candidates = (tree.get("lang"), tree.get("xml:lang"), _first(meta, LANGUAGE_META),
                  _ld_text(ld, "inLanguage"))  # fmt: skip
    for value in candidates:
        code = re.split(r"[-_,;\s]", (value or "").strip(), maxsplit=1)[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return None


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    return _absolute(_link(tree, "canonical") or meta.get("og:url"), url)


def _image(
    meta: dict[str, str], ld: dict[str, Any], tree: HtmlElement, url: str | None
) -> str | None:
    return _absolute(_first(meta, IMAGE_META) or _ld_image(ld) or _link(tree, "image_src"), url)


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
