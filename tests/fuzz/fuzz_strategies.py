"""Hypothesis strategies for hostile input: tag soup, mutated real pages, random encodings,
feeds and URLs. Shared by the property tests (tests/fuzz/) and bench/fuzz_campaign.py."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from newsvault.encoding import decode_html

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "fixtures" / "pages").glob("*.html"))
FEEDS = [*sorted((ROOT / "fixtures" / "feeds").glob("*.xml")), ROOT / "fixtures/feeds/rss10.rdf"]

#: Marks put inside <script>/<style>: they must never reach an article's text.
SCRIPT_MARK = "SCRIPTMARK"
STYLE_MARK = "STYLEMARK"

#: Text without the three characters that make markup, but with everything else that is
#: awkward: NUL and other controls, non-BMP characters, right-to-left text, odd spaces.
_ODD = "\x00\x01\x07\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\ufeff\ufffe\u200b\u202e𝔘😀ЖاΩ日"
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(
            blacklist_characters="<>&", blacklist_categories=("Cs",), max_codepoint=0x2FFFF
        ),
        st.sampled_from(_ODD),
    ),
    max_size=120,
)
_VOCABULARY = (
    "the", "council", "voted", "on", "a", "new", "bridge", "across", "river", "after", "long",
    "debate", "mayor", "said", "schools", "roads", "budget", "spring", "citizens",
)  # fmt: skip
WORDS = st.lists(
    st.sampled_from(_VOCABULARY),
    min_size=3,
    max_size=60,
).map(" ".join)

BLOCK_TAGS = ("p", "div", "article", "section", "main", "span", "b", "i", "em", "strong")
BLOCK_TAGS += ("h1", "h2", "h3", "blockquote", "pre", "ul", "ol", "li", "table", "tr", "td")
BLOCK_TAGS += ("th", "figure", "figcaption", "header", "footer", "nav", "aside", "form", "a")
VOID_TAGS = ("br", "hr", "img", "meta", "link", "input", "wbr")
ATTRIBUTE_NAMES = ("class", "id", "href", "src", "onclick", "onerror", "style", "itemprop")
ATTRIBUTE_NAMES += ("data-x", "role", "rel", "content", "name", "property", "lang")
ATTRIBUTE_VALUES = st.one_of(
    TEXT.map(lambda t: t.replace('"', "")),
    st.sampled_from(
        ("javascript:alert(1)", "article-body", "byline", "advert", "cookie-banner", "x")
    ),
)


def _attributes() -> st.SearchStrategy[str]:
    pair = st.tuples(st.sampled_from(ATTRIBUTE_NAMES), ATTRIBUTE_VALUES)
    return st.lists(pair, max_size=3).map(lambda ps: "".join(f' {k}="{v}"' for k, v in ps))


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    closed = st.tuples(
        st.sampled_from(BLOCK_TAGS), _attributes(), st.lists(children, max_size=5), st.booleans()
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else ""))
    void = st.tuples(st.sampled_from(VOID_TAGS), _attributes()).map(lambda t: f"<{t[0]}{t[1]}>")
    return st.one_of(closed, void)


_LEAVES = st.one_of(
    TEXT,
    WORDS,
    st.builds(lambda t: f"<script>{SCRIPT_MARK} {t}</script>", TEXT),
    st.builds(lambda t: f"<style>{STYLE_MARK} {t}</style>", TEXT),
    st.builds(lambda t: f"<!-- {t} -->", TEXT.map(lambda t: t.replace("-", ""))),
    st.sampled_from(
        ("&amp;", "&nbsp;", "&#0;", "&#xD800;", "&#99999999;", "&bogus;", "&#x1F600;", "</p>")
    ),
    st.sampled_from(("</div>", "</article>", "<![CDATA[x]]>", "<?php echo 1 ?>", "</html>")),
)

TAG_SOUP = st.recursive(_LEAVES, _element, max_leaves=60).map(
    lambda body: f"<!DOCTYPE html><html><head><title>T</title></head><body>{body}</body></html>"
)


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    """A real fixture page with a few random byte-level mutations."""
    data = bytearray(PAGES[draw(st.integers(0, len(PAGES) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("delete", "insert", "duplicate", "truncate", "flip")))
        if action == "delete":
            del data[at : at + draw(st.integers(1, 2000))]
        elif action == "insert":
            data[at:at] = draw(st.binary(max_size=64))
        elif action == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 4000))]
        elif action == "truncate":
            del data[at:]
        elif data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


ENCODINGS = ("utf-8", "utf-16", "utf-16-le", "cp1252", "cp1251", "koi8-r", "shift_jis")
ENCODINGS += ("euc-jp", "gb18030", "big5", "iso-8859-7", "iso-8859-2", "latin-1")


@st.composite
def encoded_page(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """(page bytes in a random encoding, a Content-Type that may lie about it)."""
    fixture = st.sampled_from(PAGES).map(lambda p: decode_html(p.read_bytes())[0])
    body = draw(st.one_of(TAG_SOUP, fixture))
    codec = draw(st.sampled_from(ENCODINGS))
    data = body.encode(codec, errors="ignore")
    if draw(st.booleans()):
        data = draw(st.sampled_from((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""))) + data
    declared = draw(st.one_of(st.none(), st.sampled_from((*ENCODINGS, "bogus", "utf-7"))))
    return data, f"text/html; charset={declared}" if declared else None


# --- URLs ------------------------------------------------------------------------------------

SCHEMES = st.sampled_from(
    ("http", "https", "HTTP", "hTTpS", "ftp", "file", "javascript", "data", "mailto", "ws", "")
)
HOSTS = st.one_of(
    st.sampled_from(
        (
            "news.example", "NEWS.Example.", "xn--bcher-kva.example", "bücher.example",
            "127.0.0.1", "2130706433", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]", "[fd00::1]",
            "169.254.169.254", "localhost", "a..b", "-x-.example", "exa mple.com", "",
            "例え.テスト", "xn--", "[::1", "host:99999",
        )
    ),
    st.from_regex(r"[a-z0-9\-]{1,20}(\.[a-z0-9\-]{1,10}){0,3}", fullmatch=True),
)  # fmt: skip
PATHS = st.one_of(
    st.just(""),
    st.from_regex(r"(/[A-Za-z0-9._~%!$'()*+,;=:@\-]{0,12}){0,4}", fullmatch=True),
    TEXT.map(lambda t: "/" + t),
)
QUERIES = st.lists(
    st.tuples(
        st.sampled_from(("utm_source", "UTM_Medium", "fbclid", "id", "page", "q", "a b", "")),
        st.from_regex(r"[A-Za-z0-9%+=]{0,8}", fullmatch=True),
    ),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


@st.composite
def urls(draw: st.DrawFn) -> str:
    """URL-shaped strings: mostly valid http(s), with every part sometimes hostile."""
    scheme = draw(SCHEMES)
    userinfo = draw(st.sampled_from(("", "user@", "user:secret@", "@", ":@")))
    port = draw(st.sampled_from(("", ":80", ":443", ":8080", ":0", ":65536", ":x")))
    query = draw(QUERIES)
    fragment = draw(st.sampled_from(("", "#top", "#", "#a?b")))
    url = f"{scheme}://{userinfo}{draw(HOSTS)}{port}{draw(PATHS)}"
    url += f"?{query}" if query or draw(st.booleans()) else ""
    url += fragment
    return draw(st.sampled_from(("", " ", "\t"))) + url


ANY_URL = st.one_of(urls(), st.text(max_size=80))


# --- feeds -------------------------------------------------------------------------------------


@st.composite
def generated_feed(draw: st.DrawFn) -> bytes:
    """An RSS, Atom or sitemap document with random links and text, sometimes broken."""
    kind = draw(st.sampled_from(("rss", "atom", "urlset", "sitemapindex")))
    links = draw(st.lists(ANY_URL, max_size=12))

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    if kind == "rss":
        items = "".join(
            f"<item><title>{esc(draw(TEXT))}</title><link>{esc(u)}</link></item>" for u in links
        )
        doc = f'<rss version="2.0"><channel><title>{esc(draw(TEXT))}</title>{items}</channel></rss>'
    elif kind == "atom":
        items = "".join(f'<entry><link href="{esc(u)}"/><id>{esc(u)}</id></entry>' for u in links)
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{items}</feed>'
    else:
        inner = "url" if kind == "urlset" else "sitemap"
        items = "".join(f"<{inner}><loc>{esc(u)}</loc></{inner}>" for u in links)
        ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
        doc = f'<{kind} xmlns="{ns}">{items}</{kind}>'
    data = ('<?xml version="1.0" encoding="utf-8"?>' + doc).encode("utf-8", "replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def mutated_feed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(FEEDS)).read_bytes())
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        if draw(st.booleans()):
            del data[at : at + draw(st.integers(1, 200))]
        else:
            data[at:at] = draw(st.binary(max_size=32))
    return bytes(data)


ANY_FEED = st.one_of(generated_feed(), mutated_feed(), st.binary(max_size=2000))
CONTENT_TYPES = st.sampled_from(
    (None, "application/rss+xml", "text/html", "text/xml; charset=utf-16", "application/json")
)
