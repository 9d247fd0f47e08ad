"""Decode stage: HTML bytes to text via BOM, HTTP charset, <meta>, detection (pure, no I/O)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

import charset_normalizer

#: How far into the body a <meta charset> is looked for. The HTML standard's prescan reads
#: 1024 bytes; real pages put long <script>/<link> blocks first, so we allow a few KB.
META_SCAN_BYTES = 4096

#: Byte-order marks, longest first; a BOM beats every declaration (HTML standard, "BOM sniff").
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Labels the WHATWG Encoding standard maps to windows-1252: servers say latin-1 or ascii
#: but send curly quotes and euro signs from the 0x80-0x9F range.
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp819"}
    | {"windows-1252", "cp1252", "x-cp1252", "iso_8859-1", "iso-ir-100", "ibm819"}
)

#: Shift_JIS as served on the web is Microsoft's superset (cp932), as the WHATWG standard says.
_SHIFT_JIS_LABELS = frozenset(
    {"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis"}
)

#: Single-byte Western encodings a detector cannot tell apart on a short page; when it guesses
#: one of these, windows-1252 (by far the most common on the web) is the better answer.
_WESTERN_GUESSES = frozenset(
    {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman", "cp850", "cp437"}
    | {"iso8859_9", "cp1254", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_16"}
    | {"cp1257", "mac_latin2", "iso8859_4", "iso8859_3", "cp858", "hp_roman8", "latin-1"}
)

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_:.+\-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+\-]+)""", re.IGNORECASE
)

#: windows-1252 as the WHATWG standard defines it: bytes 0x80-0x9F that cp1252 leaves
#: undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become the C1 control of the same number, so
#: decoding never fails and never needs U+FFFD.
_C1_TO_WINDOWS_1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode_html(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name) for an HTML body.

    Evidence in order: a BOM; the charset of the HTTP Content-Type; a <meta> charset in the
    first META_SCAN_BYTES; charset_normalizer's detection; windows-1252. A declared charset
    that does not decode the bytes strictly is skipped, so the result has no U+FFFD and no
    mojibake from a wrong declaration. NUL characters are removed.
    """
    bom = _from_bom(content)
    if bom is not None:
        return bom
    for label in _declared_labels(content, content_type):
        decoded = _try_label(content, label)
        if decoded is not None:
            return decoded
    return _detect(content)


def _from_bom(content: bytes) -> tuple[str, str] | None:
    for bom, name in _BOMS:
        if content.startswith(bom):
            try:
                return _clean(content[len(bom) :].decode(name)), name
            except UnicodeDecodeError:
                return None
    return None


def _declared_labels(content: bytes, content_type: str | None) -> Iterator[str]:
    if content_type:
        match = _CHARSET_PARAM.search(content_type)
        if match:
            yield match.group(1)
    meta = _META_CHARSET.search(content[:META_SCAN_BYTES])
    if meta:
        label = meta.group(1).decode("ascii").lower()
        # A <meta> cannot honestly declare UTF-16: the bytes it was read from were ASCII.
        yield "utf-8" if label.startswith("utf-16") else label


def _try_label(content: bytes, label: str) -> tuple[str, str] | None:
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        # windows-1252 decodes any bytes, so a wrong declaration cannot fail; but non-ASCII
        # bytes that form valid UTF-8 practically never occur in real windows-1252 text,
        # while servers announcing latin-1 for UTF-8 pages are common. Read them as UTF-8.
        return _utf8_if_non_ascii(content) or _windows_1252(content)
    codec, name = _codec_for(label)
    if codec is None:
        return None
    try:
        return _clean(content.decode(codec)), name
    except UnicodeDecodeError:
        return None


def _codec_for(label: str) -> tuple[str | None, str]:
    if label in _SHIFT_JIS_LABELS:
        return "cp932", "shift_jis"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None, label
    return info.name, _display_name(info.name)


def _detect(content: bytes) -> tuple[str, str]:
    # Undeclared bytes that are valid UTF-8 are UTF-8: other encodings of non-ASCII text
    # practically never form valid UTF-8 sequences, and detectors can call pure ASCII "ascii".
    utf8 = _try_label(content, "utf-8")
    if utf8 is not None:
        return utf8
    best = charset_normalizer.from_bytes(content).best()
    if best is None or best.encoding in _WESTERN_GUESSES:
        return _windows_1252(content)
    decoded = _try_label(content, best.encoding)
    return decoded if decoded is not None else _windows_1252(content)


def _utf8_if_non_ascii(content: bytes) -> tuple[str, str] | None:
    if content.isascii():
        return None
    try:
        return _clean(content.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        return None


def _windows_1252(content: bytes) -> tuple[str, str]:
    return _clean(content.decode("latin-1").translate(_C1_TO_WINDOWS_1252)), "windows-1252"


def _display_name(codec_name: str) -> str:
    """Turn Python's codec name into the label the web uses (cp1251 -> windows-1251)."""
    if codec_name == "cp932":
        return "shift_jis"
    if codec_name.startswith("cp125"):
        return f"windows-{codec_name[2:]}"
    if codec_name.startswith("iso8859-"):
        return f"iso-8859-{codec_name[8:]}"
    return codec_name.replace("_", "-") if codec_name.startswith("utf") else codec_name


def _clean(text: str) -> str:
    return text.replace("\x00", "")


#: How much of the body is sniffed for binary signatures, NULs and HTML tags
#: (the HTML standard's sniffing algorithm looks at the first 1445 bytes; 1 KB is plenty).
SNIFF_BYTES = 1024

#: Signatures of formats that are sometimes served as text/html by broken servers.
BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP, WAV or AVI)"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
)

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def binary_kind(content: bytes) -> str | None:
    """What binary format the bytes start with ("a PNG image"...), or None if they may be text."""
    head = content[:SNIFF_BYTES]
    for signature, what in BINARY_SIGNATURES:
        if head.startswith(signature):
            return what
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        return "binary data (it contains NUL bytes)"
    return None
