"""Article body: clean the page, find the article, walk it into ordered Blocks (pure)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
from lxml.html import HtmlElement
from readability import Document
from readability.readability import Unparseable

from newsvault import clean
from newsvault.errors import ExtractError, NotAnArticle
from newsvault.records import Block, BlockKind

# ---------------------------------------------------------------------------------------------
# Thresholds. Calibrated together on fixtures/pages and the shared benchmark pages.
# ---------------------------------------------------------------------------------------------

# A CMS container (entry-content, itemprop=articleBody...) is trusted as the whole body only when
# it still holds this much text after cleaning; paywalled stubs and empty wrappers hold less.
MIN_CONTAINER_CHARS = 250

# Below this much body text there is no article, whatever the page looks like: error pages,
# galleries, video pages with a one-line caption. (150 characters of Japanese are a paragraph.)
MIN_BODY_CHARS = 150

# On a link-dense page (a homepage, a section front) a body of fewer paragraphs than this must
# be long to count: readability then found two or three teaser sentences, not a story. A short
# text on a quiet page (a brief, a notice) is still an article.
MIN_PARAGRAPHS = 3
MIN_SHORT_BODY_CHARS = 400
LINK_DENSE_PAGE = 0.4  # share of the page's text inside links; fixture articles are <= 0.26

# A paragraph, list item or heading that is nearly all link text is a teaser or a "read more"
# link, not prose. 0.9 leaves sentences with a few linked names alone.
MAX_LINK_DENSITY = 0.9

# ...and a body whose text is mostly links overall is a list of links (a homepage).
MAX_BODY_LINK_DENSITY = 0.5
# A block before the article's first kept part is its key points when lists are this share.
MIN_LEAD_LIST_SHARE = 0.7

# A page that calls itself a website (og:type) and yields less text than this is a front or
# section page whose lead teaser readability took for an article; real stories are longer.
MAX_FRONT_PAGE_CHARS = 1000

# A data table's cells are values and labels; a cell longer than this holds prose, and the
# table lays out a page rather than data.
MAX_CELL_CHARS = 300
# A note's link back to its marker: an arrow or a caret, nothing else.
BACK_LINK = re.compile(r"[↩↑⤴⬆^\ufe0e\ufe0f]+")
# Notes set after the body are kept with their heading when the heading is all else there.
MAX_NOTES_HEADING_CHARS = 40
# A wire story's closing credits ("Reporting by A; Editing by B") or a correction of the
# story, kept when the page sets them just after the body container: at most this long,
# and the container or its parent must be what they follow.
CREDITS_LINE = re.compile(
    r"^(?:(?:additional )?(?:reporting|writing|editing) by\b|corrections?\b|editor['’]s note\b"
    r"|this (?:article|story) (?:was|has been) (?:amended|updated|corrected)\b)",
    re.I,
)
MAX_CREDITS_CHARS = 500
CREDIT_CLIMB = 2
# A footnote marker's text: a number or a letter or two ("12", "iv", "a").
NOTE_NUMBER = re.compile(r"\d{1,3}|[a-z]{1,2}|[ivx]{1,5}", re.I)

# A block repeating the one before it is dropped when shorter than this: a doubled label or
# pull quote is a line or two; a repeated long paragraph is the writer's choice.
MAX_REPEATED_CHARS = 200

# A heading that is all link is a teaser, unless a paragraph of at least this much prose follows
# it: then it titles a section. Teaser lists put a line of standfirst under a headline, rarely
# two sentences.
MIN_SECTION_PROSE = 150

# How many leading blocks are searched for a repeated title: the title sits at the top, under
# at most a kicker or a date line.
TITLE_SEARCH_BLOCKS = 3

# Tags that start a new block of text; everything else is inline and flows into the current one.
_BLOCK_TAG_NAMES = (
    "address article aside blockquote body caption center dd details div dl dt fieldset"
    " figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre"
    " section summary table tbody td tfoot th thead tr ul"
)
BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
LIST_TAGS = frozenset(("ul", "ol"))
# What readability leaves out between the parts of an article it keeps, and we put back.
SPLIT_BODY_TAGS = HEADING_TAGS | LIST_TAGS | frozenset(("blockquote", "table", "pre"))
# MathML's leaves: identifiers, numbers, operators, text. Each is a token of the formula, so
# each is spaced from the next ("a ≠ 0", not "a≠0"; "x 2" for x², not the word "x2").
MATH_TOKEN_TAGS = frozenset(("mi", "mn", "mo", "mtext", "ms"))

_ID = "data-nv-id"  # stamped on every element so readability's picks map back to our tree
_BREAK = "\x1e"  # stands for <br> inside a block until the block is flushed
_PARAGRAPH_BREAK = re.compile(_BREAK + r"\s*(?:" + _BREAK + r"\s*)+")
_PAGE_TEXT = "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
_LINK_TEXT = "//body//a//text()[not(ancestor::script or ancestor::style)]"
_WORD_CHARS = re.compile(r"[^\W_]")
_WHOLE_BODY = re.compile(r"<div><body\b")  # readability's summary of a page it took whole
_ARTICLE_LD = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|\w*Posting|Report)"')


def extract_blocks(tree: HtmlElement, url: str | None) -> tuple[Block, ...]:
    """The article body of a parsed page, as ordered blocks.

    `tree` is not modified (the stage cleans a copy). `url` is the page's address; the body
    does not depend on it today, but the stage signature keeps it for link handling. Raises
    NotAnArticle when the page holds no article, ExtractError when readability cannot read it.
    """
    work = copy.deepcopy(tree)
    container = clean.clean(work)
    if container is not None and _text_length(container) >= MIN_CONTAINER_CHARS:
        walked = _walk_all(container)
    else:
        walked = _walk_readability(work)
    blocks = _tidy(walked, page_titles(tree))
    _check_article(blocks, tree)
    return tuple(b.block for b in blocks)


# --- the walk ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Walked:
    """A block with the share of its text that was link text."""

    block: Block
    link_density: float


@dataclass
class _Flow:
    """Collects inline text into blocks of the current kind as the walk goes."""

    keep: Callable[[HtmlElement], bool]
    blocks: list[_Walked] = field(default_factory=list)
    kind: BlockKind = "p"
    ordered: bool = False
    parts: list[tuple[str, bool]] = field(default_factory=list)
    in_link: int = 0

    def add_text(self, text: str | None) -> None:
        if text:
            self.parts.append((text, self.in_link > 0))

    def flush(self) -> None:
        raw = "".join(t for t, _ in self.parts)
        linked = sum(_word_chars(t) for t, is_link in self.parts if is_link)
        self.parts = []
        for chunk in _PARAGRAPH_BREAK.split(raw):
            self.add_block(self.kind, chunk, linked / max(1, _word_chars(raw)))

    def add_block(self, kind: BlockKind, text: str, density: float = 0.0, level: int = 0) -> None:
        text = clean.normalize_space(text.replace(_BREAK, " "))
        if text:
            block = Block(kind, text, level=level, ordered=self.ordered and kind == "li")
            self.blocks.append(_Walked(block, density))


def _walk_all(container: HtmlElement) -> list[_Walked]:
    flow = _Flow(keep=_not_back_link)
    _emit(container, flow)
    flow.flush()
    notes = _notes_outside(container)
    if notes is not None:
        _emit(notes, flow)
        flow.flush()
    credits = _credits_after(container, notes)
    if credits is not None:
        _emit(credits, flow)
        flow.flush()
    return flow.blocks


def _credits_after(container: HtmlElement, notes: HtmlElement | None) -> HtmlElement | None:
    """A story's closing credits or its correction set just after its body container
    ("Reporting by A; Editing by B" in an attribution box, "Correction, Nov. 18: ..."): the
    first element with text after the container (or its endnotes), or after its parent when
    the container is its parent's last."""
    node: HtmlElement | None = container
    for _ in range(CREDIT_CLIMB):
        if node is None:
            return None
        after = node.getnext()
        while after is not None and (
            not isinstance(after.tag, str) or after is notes or not _text_length(after)
        ):
            after = after.getnext()
        if after is not None:
            text = clean.normalize_space(after.text_content())
            fits = len(text) <= MAX_CREDITS_CHARS and CREDITS_LINE.match(text)
            return after if fits else None
        node = node.getparent()
    return None


def _notes_outside(container: HtmlElement) -> HtmlElement | None:
    """The notes that the article's footnote markers point to, when the page sets them after
    its body container (an endnotes section in the same <article>): the smallest element
    holding every note, with the heading over them when it is all else its parent holds."""
    root = container.getroottree().getroot()
    ids = [
        (a.get("href") or "")[1:]
        for el in container.iter("sup", "span", "a")
        if _is_note_ref(el)
        for a in el.iter("a")
    ]
    targets = [t for i in dict.fromkeys(ids) if i for t in root.xpath("//*[@id=$i]", i=i)[:1]]
    if not targets or any(container in t.iterancestors() or t is container for t in targets):
        return None
    notes = targets[0].getparent()
    while notes is not None and not all(notes in t.iterancestors() for t in targets):
        notes = notes.getparent()
    if notes is None or notes in container.iterancestors() or notes.tag in ("html", "body"):
        return None
    parent = notes.getparent()
    if parent is not None and parent is not container and parent not in container.iterancestors():
        others = _text_length(parent) - _text_length(notes)
        if others <= MAX_NOTES_HEADING_CHARS:
            return parent
    return notes


def _not_back_link(el: HtmlElement) -> bool:
    """False for a note's link back to its marker ("↩"): a sign, not text."""
    if el.tag != "a" or not (el.get("href") or "").startswith("#"):
        return True
    return BACK_LINK.fullmatch(clean.normalize_space(el.text_content())) is None


def _emit(el: HtmlElement, flow: _Flow) -> None:
    """Emit a kept element: its own text, its kept children and their tails."""
    tag = el.tag
    if tag in HEADING_TAGS:
        _emit_heading(el, flow)
    elif tag == "pre":
        flow.flush()
        flow.blocks.append(_Walked(Block("pre", el.text_content().strip("\n")), 0.0))
    elif tag == "br":
        flow.add_text(_BREAK)
    elif tag == "math" and el.get("display") == "block":
        flow.flush()
        _emit_children(el, flow)
        flow.flush()
    elif tag in MATH_TOKEN_TAGS:
        flow.add_text(" ")
        _emit_children(el, flow)
        flow.add_text(" ")
    elif tag == "table" and _is_data_table(el):
        _emit_table(el, flow)
    elif tag in LIST_TAGS or tag == "li" or tag == "blockquote":
        _emit_nested(el, flow)
    elif tag in BLOCK_TAGS:
        flow.flush()
        _emit_children(el, flow)
        flow.flush()
    elif _is_note_ref(el):
        flow.add_text(f"[{clean.normalize_space(el.text_content())}]")
    else:
        _emit_inline(el, flow)


def _is_note_ref(el: HtmlElement) -> bool:
    """A footnote marker: a <sup> (or an element with role doc-noteref) around a link to a
    place in the page, whose text is a short number. Written "[1]" so it does not run into
    the word before it ("cities,1")."""
    if el.tag != "sup" and el.get("role") != "doc-noteref":
        return False
    links = list(el.iter("a"))
    text = clean.normalize_space(el.text_content())
    return (
        len(links) == 1
        and (links[0].get("href") or "").startswith("#")
        and (NOTE_NUMBER.fullmatch(text) is not None)
    )


def _emit_children(el: HtmlElement, flow: _Flow) -> None:
    flow.add_text(el.text)
    for child in el:
        if isinstance(child.tag, str) and flow.keep(child):
            _emit(child, flow)
        flow.add_text(child.tail)


def _emit_inline(el: HtmlElement, flow: _Flow) -> None:
    is_link = el.tag == "a"
    flow.in_link += is_link
    _emit_children(el, flow)
    flow.in_link -= is_link


def _is_data_table(table: HtmlElement) -> bool:
    """A table of data, not of layout: no table inside, short cells, two columns or more.
    Old sites lay whole pages out in tables; those are walked like any other element."""
    if table.find(".//table") is not None:
        return False
    cells = table.xpath(".//td | .//th")
    if not cells or any(_text_length(c) > MAX_CELL_CHARS for c in cells):
        return False
    return any(len(row.xpath("./td | ./th")) >= 2 for row in table.iter("tr"))


def _emit_table(table: HtmlElement, flow: _Flow) -> None:
    """A caption as a paragraph, then one "row" block per row with text in it."""
    flow.flush()
    for caption in table.iter("caption"):
        flow.add_block("p", caption.text_content())
    for row in table.iter("tr"):
        found = row.xpath("./td | ./th")
        cells = tuple(clean.normalize_space(c.text_content()) for c in found)
        if any(cells):
            header = all(c.tag == "th" for c in found)
            block = Block("row", " | ".join(cells), cells=cells, header=header)
            flow.blocks.append(_Walked(block, _link_density(row)))


def _emit_heading(el: HtmlElement, flow: _Flow) -> None:
    flow.flush()
    text = clean.normalize_space(el.text_content())
    if text:
        level = int(el.tag[1])
        flow.blocks.append(_Walked(Block("h", text, level=level), _link_density(el)))


def _emit_nested(el: HtmlElement, flow: _Flow) -> None:
    """Lists, list items and quotes: the text inside takes their kind, then the old kind returns."""
    flow.flush()
    saved = (flow.kind, flow.ordered)
    if el.tag in LIST_TAGS:
        flow.ordered = el.tag == "ol"
    elif el.tag == "li":
        flow.kind = "li"
    else:
        flow.kind = "quote"
    _emit_children(el, flow)
    flow.flush()
    flow.kind, flow.ordered = saved


# --- readability as the scorer -------------------------------------------------------------------


def _walk_readability(work: HtmlElement) -> list[_Walked]:
    """Let readability choose the article, then walk our own tree under its choice.

    Readability's summary drops headings and lists it dislikes; walking our tree with its
    picks as the guide keeps those when they sit inside a kept element.
    """
    kept = _readability_picks(work)
    ancestors = {a for el in work.iter() if el.get(_ID) in kept for a in el.iterancestors()}
    roots = list(_roots(work, kept, ancestors))
    # A root we added (a heading between kept parts, a sibling entry) is kept whole.
    kept |= {d.get(_ID) for r in roots if r.get(_ID) not in kept for d in r.iter()} - {None}
    flow = _Flow(keep=lambda el: (el.get(_ID) in kept or _restorable(el)) and _not_back_link(el))
    for root in roots:
        _emit(root, flow)
        flow.flush()
    return flow.blocks


def _readability_picks(work: HtmlElement) -> set[str]:
    for number, el in enumerate(work.iter()):
        if isinstance(el.tag, str):
            el.set(_ID, str(number))
    try:
        summary = Document(copy.deepcopy(work)).summary(html_partial=True)
        picked = lxml.html.document_fromstring(summary)
    except (Unparseable, lxml.etree.ParserError) as exc:
        raise ExtractError(f"readability could not read the page: {exc}") from exc
    kept = {el.get(_ID) for el in picked.iter() if el.get(_ID)}
    body = work.find("body")
    if _WHOLE_BODY.match(summary) and body is not None:
        # Readability took the whole body (a page of loose text and equations, no containers);
        # the parser drops a <body> nested in its <div>, and with it the text between tags.
        kept.add(body.get(_ID))
    return kept


def _roots(el: HtmlElement, kept: set[str], ancestors: set[HtmlElement]) -> Iterator[HtmlElement]:
    """The outermost kept elements, in document order, and the headings, lists, quotes and
    tables between two of them: an article split into one container per paragraph (React
    CMSs) keeps its subheadings and lists as siblings, which readability leaves out."""
    children = [c for c in el if isinstance(c.tag, str)]
    marked = [i for i, c in enumerate(children) if c.get(_ID) in kept or c in ancestors]
    templates = {_template(children[i]) for i in marked} - {None}
    for i, child in enumerate(children):
        if child.get(_ID) in kept:
            yield child
        elif child in ancestors:
            yield from _roots(child, kept, ancestors)
        elif marked and _restored(child, el, i, marked, templates):
            yield child


def _restored(
    child: HtmlElement,
    parent: HtmlElement,
    i: int,
    marked: list[int],
    templates: set[tuple[str, str] | None],
) -> bool:
    """A sibling readability left out that belongs to the article: between two kept parts,
    a heading, list, quote or table; before the first, a list of key points."""
    if marked[0] < i < marked[-1]:
        return _between_kept(child, templates)
    return i < marked[0] and _leads_article(child, parent)


def _leads_article(child: HtmlElement, parent: HtmlElement) -> bool:
    """A list of key points (with its heading) set before the first kept part of an
    <article>: live blogs and explainers open with one. Mostly list, hardly any links (a
    list of links there is a teaser carousel)."""
    if parent.tag != "article" and next(parent.iterancestors("article"), None) is None:
        return False
    size = _text_length(child)
    listed = sum(_text_length(found) for found in child.iter(*LIST_TAGS))
    if not size or listed < MIN_LEAD_LIST_SHARE * size:
        return False
    return _link_density(child) < MAX_BODY_LINK_DENSITY


def _template(el: HtmlElement) -> tuple[str, str] | None:
    """Tag and class: siblings between kept elements and made from the same template (the
    entries of a live blog, one container per paragraph) are more of the article, though
    readability scored them too low to keep."""
    cls = el.get("class")
    return (el.tag, cls) if cls else None


def _between_kept(el: HtmlElement, templates: set[tuple[str, str] | None]) -> bool:
    """A heading, list, quote or table, or an element made from the same template as a kept
    one, that sits between parts of the article. A heading that is all link comes back too:
    tidying keeps it only where it heads prose."""
    if el.tag not in SPLIT_BODY_TAGS and _template(el) not in templates:
        return False
    if clean.is_boilerplate(el):
        return False
    return el.tag in HEADING_TAGS or _link_density(el) < MAX_LINK_DENSITY


def _restorable(el: HtmlElement) -> bool:
    """Headings and lists readability dropped from inside a kept element come back (linked
    headings as above)."""
    if el.tag in HEADING_TAGS:
        return True
    if el.tag not in LIST_TAGS and el.tag != "li":
        return False
    return _link_density(el) < MAX_LINK_DENSITY


# --- tidying and the article check ---------------------------------------------------------------


def _tidy(walked: list[_Walked], titles: set[str]) -> list[_Walked]:
    following = [*walked[1:], None][: len(walked)]
    kept = [w for w, after in zip(walked, following, strict=True) if not _is_noise(w, after)]
    kept = _dedupe(_drop_empty_sections(kept))
    return _drop_leading_title(kept, titles)


def _drop_empty_sections(walked: list[_Walked]) -> list[_Walked]:
    """Drop a heading with nothing under it once the boilerplate is gone (a recipe card's
    "Nutrition" over a removed table): the next block is a heading of its level or above,
    or there is none."""
    out: list[_Walked] = []
    for i, w in enumerate(walked):
        after = walked[i + 1].block if i + 1 < len(walked) else None
        if w.block.kind == "h" and (after is None or _closes(w.block, after)):
            continue
        out.append(w)
    return out


def _closes(heading: Block, after: Block) -> bool:
    return after.kind == "h" and after.level <= heading.level


def _is_noise(w: _Walked, after: _Walked | None) -> bool:
    text = w.block.text
    if w.block.kind == "row":  # a row of figures or dates is data, not a label or a stamp
        return w.link_density >= MAX_LINK_DENSITY
    if clean.is_cruft(text) or clean.is_link_trailer(text, w.link_density):
        return True
    if clean.is_date_line(text) or clean.is_share_line(text):
        return True
    if w.block.kind == "p" and (
        clean.is_counter(text) or clean.is_divider(text) or clean.is_agency_credit(text)
    ):
        return True
    if w.block.kind == "h" and _heads_prose(after):
        return False
    return w.block.kind != "pre" and w.link_density >= MAX_LINK_DENSITY


def _heads_prose(after: _Walked | None) -> bool:
    """A linked heading over a paragraph of prose titles a section (a product in a buyer's
    guide, a bill in a roundup); a linked heading over another one is a teaser list."""
    if after is None or after.block.kind != "p":
        return False
    return len(after.block.text) >= MIN_SECTION_PROSE and after.link_density < MAX_BODY_LINK_DENSITY


def _dedupe(walked: list[_Walked]) -> list[_Walked]:
    """Drop a short block that repeats the one before it: templates print a heading, a label
    or a pull quote twice (once per screen size). Long paragraphs may repeat on purpose."""
    out: list[_Walked] = []
    for w in walked:
        if not out or out[-1].block != w.block or len(w.block.text) > MAX_REPEATED_CHARS:
            out.append(w)
    return out


def _drop_leading_title(walked: list[_Walked], titles: set[str]) -> list[_Walked]:
    for i, w in enumerate(walked[:TITLE_SEARCH_BLOCKS]):
        if w.block.kind in ("h", "p") and _title_key(w.block.text) in titles:
            return walked[:i] + walked[i + 1 :]
    return walked


def page_titles(tree: HtmlElement) -> set[str]:
    """Every form of the title the page gives: <title> and its parts, og:title, each <h1>."""
    found = [*tree.xpath("//title/text()"), *tree.xpath('//meta[@property="og:title"]/@content')]
    found += [h.text_content() for h in tree.iter("h1")]
    keys = {_title_key(t) for t in found}
    keys |= {_title_key(part) for t in found for part in re.split(r"\s[|\-–—·»]\s", t)}
    return keys - {""}


def _title_key(text: str) -> str:
    return clean.normalize_space(text).casefold()


def declares_front_page(tree: HtmlElement) -> bool:
    """True when the page calls itself a website (og:type) and no JSON-LD names an article."""
    og_type = tree.xpath('string(//meta[@property="og:type"]/@content)').strip().lower()
    scripts = " ".join(tree.xpath('//script[contains(@type, "ld+json")]/text()'))
    return og_type == "website" and not _ARTICLE_LD.search(scripts)


def _check_article(walked: list[_Walked], tree: HtmlElement) -> None:
    """Raise NotAnArticle, with the reason, when the blocks are not an article body."""
    prose = [w for w in walked if w.block.kind in ("p", "quote", "li", "pre")]
    chars = sum(len(w.block.text) for w in prose)
    paragraphs = sum(1 for w in prose if w.block.kind in ("p", "quote"))
    links = sum(w.link_density * len(w.block.text) for w in prose)
    if chars < MIN_BODY_CHARS:
        raise NotAnArticle(f"body has only {chars} characters of text")
    if links > MAX_BODY_LINK_DENSITY * chars:
        raise NotAnArticle("body is mostly links (a list page, not an article)")
    short = paragraphs < MIN_PARAGRAPHS and chars < MIN_SHORT_BODY_CHARS
    if short and page_link_density(tree) > LINK_DENSE_PAGE:
        raise NotAnArticle(f"{paragraphs} short paragraphs on a page of links")
    if chars < MAX_FRONT_PAGE_CHARS and declares_front_page(tree):
        raise NotAnArticle(f"a front page (og:type website) with {chars} characters of teasers")


def page_link_density(tree: HtmlElement) -> float:
    """Share of the page's visible text that sits inside links."""
    text = len(clean.normalize_space("".join(tree.xpath(_PAGE_TEXT))))
    links = len(clean.normalize_space("".join(tree.xpath(_LINK_TEXT))))
    return links / max(1, text)


def _link_density(el: HtmlElement) -> float:
    links = sum(_text_length(a) for a in el.iter("a"))
    return links / max(1, _text_length(el))


def _word_chars(text: str) -> int:
    """Letters and digits: link density counts these, so the separators of a line of links
    ("Region · Islands", "News | Sport") do not pass it off as prose."""
    return len(_WORD_CHARS.findall(text))


def _text_length(el: HtmlElement) -> int:
    return len(clean.normalize_space(el.text_content()))
