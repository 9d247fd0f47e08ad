"""The public extractor: HTML in, Article out; composes the metadata and content stages (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from newsvault import content, metadata, render
from newsvault.clean import normalize_space
from newsvault.config import VERSION
from newsvault.encoding import decode_html
from newsvault.errors import ExtractError, NotAnArticle
from newsvault.records import Article, Block, Metadata

#: Stored with every archived article, so rows made by an older extractor can be found and
#: extracted again from their raw pages. Bump the suffix when extraction output changes.
EXTRACTOR_VERSION = f"{VERSION}+x7"

# Text with more than this share of control characters (NUL, etc.) is binary, not HTML.
MAX_CONTROL_SHARE = 0.01
# How many leading blocks may repeat a metadata field (title, byline, standfirst, date line).
FIELD_SEARCH_BLOCKS = 5
# A byline line ("By Ann Lee, Reuters") is short; a longer block naming the authors is prose.
MAX_BYLINE_LINE_CHARS = 100
# How many closing blocks may be a sign-off repeating the byline with an e-mail address.
SIGNOFF_SEARCH_BLOCKS = 3
# A wire story's closing credits name who did what ("Reporting by A; Editing by B"): part of
# the copy, not the byline repeated, even when its reporters are the authors.
WIRE_CREDIT = re.compile(
    r"\b(?:(?:additional )?reporting|writing|editing|edited|compiled|contributed|fact-checking)"
    r" by\b|;",
    re.I,
)

# Every element an HtmlElement, chosen in C. lxml.html's own lookup is a Python method run
# each time an element is touched from Python (cProfile: ~8 % of extraction), to give form
# fields their own classes, which extraction never uses.
_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters XML forbids: lxml keeps them in parsed text, then refuses them (ValueError) when
# a stage sets that text on an element, so a stray \x01 would break extraction of a page.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # either of the two


@dataclass(frozen=True, slots=True)
class Extraction:
    """An Article together with the body blocks it was rendered from."""

    article: Article
    blocks: tuple[Block, ...]

    @property
    def html(self) -> str:
        """The body as sanitised HTML: our own tags only, every text escaped."""
        return render.to_html(self.blocks)


def extract(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article of one HTML page.

    `html` as bytes is decoded with newsvault.encoding; `url` is the page's address, used to
    absolutise links. Raises NotAnArticle when the page holds no article, ExtractError when it
    cannot be parsed at all.
    """
    return extract_with_blocks(html, url).article


def extract_with_blocks(html: str | bytes, url: str | None = None) -> Extraction:
    """Like `extract`, and also return the body blocks (for callers that render them)."""
    tree = parse(html)
    meta = metadata.read(tree, url)
    blocks = content.extract_blocks(tree, url)
    # Looking for marked standfirsts costs a scan of the page: only when one may be there.
    leads = metadata.standfirst_texts(tree) if _repeats_description(blocks, meta) else ()
    blocks = drop_field_blocks(blocks, meta, leads)
    if not blocks:
        raise NotAnArticle("body is empty once title, byline and standfirst are taken out")
    return Extraction(_article(meta, blocks, url), blocks)


def parse(html: str | bytes) -> HtmlElement:
    """Parse a page once; the tree is shared by every stage. Raises ExtractError."""
    text = decode_html(html)[0] if isinstance(html, bytes) else html
    if not text.strip():
        raise ExtractError("the page is empty")
    if _ODD.search(text):  # one scan of the page; most pages have none of these
        if len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
            raise ExtractError("the page is binary data, not HTML")
        text = _NOT_XML.sub("", text)
    # lxml refuses a str that declares an encoding, so it gets UTF-8 bytes and says so; a
    # parser per call keeps concurrent extractions apart.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    try:
        root: HtmlElement = lxml.html.document_fromstring(
            text.encode("utf-8", "replace"), parser=parser
        )
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractError(f"the page could not be parsed: {exc}") from exc
    return root


def drop_field_blocks(
    blocks: tuple[Block, ...], meta: Metadata, leads: Iterable[str] = ()
) -> tuple[Block, ...]:
    """Drop leading blocks that repeat a field: the title, the byline line, the standfirst.

    A standfirst is the description set apart from the prose: in a heading, or in an element
    marked as a standfirst or lead (`leads`, their texts) with the same text. A plain
    paragraph equal to the description stays: sites copy their first paragraph into
    <meta name="description">, and it is the article's lead.
    """
    deck = _key(meta.description) if meta.description else None
    marked = deck is not None and deck in {_key(lead) for lead in leads}
    fields = {_key(v) for v in (meta.title, meta.byline, deck if marked else None) if v}
    head = [b for b in blocks[:FIELD_SEARCH_BLOCKS] if not _is_field(b, fields, deck, meta)]
    rest = list(blocks[FIELD_SEARCH_BLOCKS:])
    tail = [b for b in rest[-SIGNOFF_SEARCH_BLOCKS:] if not _is_signoff(b, meta)]
    return (*head, *rest[: max(0, len(rest) - SIGNOFF_SEARCH_BLOCKS)], *tail)


def _repeats_description(blocks: tuple[Block, ...], meta: Metadata) -> bool:
    deck = _key(meta.description) if meta.description else None
    return deck is not None and any(_key(b.text) == deck for b in blocks[:FIELD_SEARCH_BLOCKS])


def _is_field(block: Block, fields: set[str], deck: str | None, meta: Metadata) -> bool:
    if block.kind not in ("p", "h"):
        return False
    if _key(block.text) in fields or (block.kind == "h" and _key(block.text) == deck):
        return True
    if not meta.authors or len(block.text) > MAX_BYLINE_LINE_CHARS:
        return False
    line = metadata.CREDIT_LINE.sub("", block.text)  # "Story and photos by X"
    names = metadata.split_names(line, [meta.site_name] if meta.site_name else [])
    return {_key(n) for n in names} == {_key(a) for a in meta.authors}


def _is_signoff(block: Block, meta: Metadata) -> bool:
    """A closing line that is the byline again: the authors' names alone ("Nguyễn Văn An",
    as Vietnamese papers sign), or a name and an e-mail address ("박서연 기자
    seoyeon@paper.example")."""
    if block.kind != "p" or not meta.authors or len(block.text) > MAX_BYLINE_LINE_CHARS:
        return False
    if WIRE_CREDIT.search(block.text):  # "Reporting by A; Editing by B": the wire's sign-off
        return False
    rest = _EMAIL.sub(" ", block.text)
    names = metadata.split_names(rest, [meta.site_name] if meta.site_name else [])
    found = {_key(n) for n in names}
    authors = {_key(a) for a in meta.authors}
    return bool(found) and (found == authors or (rest != block.text and found <= authors))


def _key(text: str) -> str:
    return normalize_space(text).casefold()


def _article(meta: Metadata, blocks: tuple[Block, ...], url: str | None) -> Article:
    return Article(
        url=url,
        canonical_url=meta.canonical_url,
        title=meta.title,
        byline=meta.byline,
        authors=meta.authors,
        description=meta.description,
        published_at=meta.published_at,
        modified_at=meta.modified_at,
        language=meta.language,
        site_name=meta.site_name,
        image_url=meta.image_url,
        text=render.to_text(blocks),
        markdown=render.to_markdown(blocks),
        section=meta.section,
        tags=meta.tags,
        organisation=meta.organisation,
        sources=meta.sources,
        original_url=meta.original_url,
    )
