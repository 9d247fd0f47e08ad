"""Tests for newsvault.encoding.decode_html with real byte strings."""

from __future__ import annotations

import codecs

import pytest

from newsvault.encoding import binary_kind, decode_html

RUSSIAN = (
    "<html><head><title>Новости</title></head><body><p>Президент заявил сегодня, что "
    "экономика страны продолжает расти, несмотря на санкции и трудности.</p></body></html>"
)
JAPANESE = (
    "<html><head><title>ニュース</title></head><body><p>東京都は今日、新しい経済対策を"
    "発表しました。専門家は効果を疑問視しています。</p></body></html>"
)
FRENCH = "<html><body><p>L’été à Paris – « café » coûte 3 €, déjà vu.</p></body></html>"


def test_utf8_declared_in_header() -> None:
    text, name = decode_html("<p>café ☕</p>".encode(), "text/html; charset=UTF-8")
    assert (text, name) == ("<p>café ☕</p>", "utf-8")


def test_header_charset_wins_over_meta() -> None:
    body = '<meta charset="utf-8"><p>Привет</p>'.encode("cp1251")
    text, name = decode_html(body, "text/html; charset=windows-1251")
    assert "Привет" in text
    assert name == "windows-1251"


def test_meta_charset_used_without_header_charset() -> None:
    body = '<html><head><meta charset="windows-1251"></head><p>Привет мир</p>'.encode("cp1251")
    text, name = decode_html(body, "text/html")
    assert "Привет мир" in text
    assert name == "windows-1251"


def test_meta_http_equiv_content_type() -> None:
    body = (
        '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Привет</p>'
    ).encode("koi8-r")
    text, name = decode_html(body)
    assert "Привет" in text
    assert name == "koi8-r"


def test_meta_beyond_the_scan_window_is_ignored() -> None:
    body = b"<!--" + b"x" * 5000 + b'--><meta charset="koi8-r"><p>abc</p>'
    assert decode_html(body)[1] == "utf-8"


def test_cp1251_russian_with_nothing_declared() -> None:
    text, name = decode_html(RUSSIAN.encode("cp1251"))
    assert text == RUSSIAN
    assert name == "windows-1251"


def test_shift_jis_declared() -> None:
    text, name = decode_html(JAPANESE.encode("shift_jis"), "text/html; charset=Shift_JIS")
    assert text == JAPANESE
    assert name == "shift_jis"


def test_shift_jis_undeclared_is_detected() -> None:
    text, name = decode_html(JAPANESE.encode("shift_jis"))
    assert text == JAPANESE
    assert name == "shift_jis"


def test_utf8_declared_but_cp1252_bytes_gives_no_mojibake() -> None:
    body = ('<meta charset="utf-8">' + FRENCH).encode("cp1252")
    text, name = decode_html(body, "text/html; charset=utf-8")
    assert text == '<meta charset="utf-8">' + FRENCH
    assert "\ufffd" not in text
    assert name == "windows-1252"


def test_cp1252_undeclared_falls_back_to_windows_1252() -> None:
    text, name = decode_html(FRENCH.encode("cp1252"))
    assert text == FRENCH
    assert name == "windows-1252"


def test_latin1_label_means_windows_1252() -> None:
    body = "<p>“Quoted” – 5 €</p>".encode("cp1252")
    text, name = decode_html(body, "text/html; charset=ISO-8859-1")
    assert text == "<p>“Quoted” – 5 €</p>"
    assert name == "windows-1252"


def test_us_ascii_label_means_windows_1252() -> None:
    text, name = decode_html("<p>naïve</p>".encode("cp1252"), "text/html; charset=us-ascii")
    assert (text, name) == ("<p>naïve</p>", "windows-1252")


def test_latin1_label_on_utf8_bytes_is_read_as_utf8() -> None:
    text, name = decode_html("<p>café</p>".encode(), "text/html; charset=iso-8859-1")
    assert (text, name) == ("<p>café</p>", "utf-8")


def test_windows_1252_undefined_bytes_never_give_replacement_chars() -> None:
    text, _ = decode_html(b"<p>a\x81b\x9dc \xe9</p>", "text/html; charset=windows-1252")
    assert text == "<p>a\x81b\x9dc é</p>"


def test_bom_beats_the_header() -> None:
    body = codecs.BOM_UTF8 + "<p>café</p>".encode()
    text, name = decode_html(body, "text/html; charset=windows-1252")
    assert (text, name) == ("<p>café</p>", "utf-8")


def test_utf16_bom() -> None:
    body = codecs.BOM_UTF16_LE + "<p>Привет</p>".encode("utf-16-le")
    text, name = decode_html(body, "text/html; charset=iso-8859-1")
    assert (text, name) == ("<p>Привет</p>", "utf-16-le")


def test_unknown_declared_charset_is_skipped() -> None:
    text, name = decode_html("<p>café</p>".encode(), "text/html; charset=x-no-such-thing")
    assert (text, name) == ("<p>café</p>", "utf-8")


def test_nul_characters_are_removed() -> None:
    text, _ = decode_html(b"<p>a\x00b</p>", "text/html; charset=utf-8")
    assert text == "<p>ab</p>"


def test_empty_body() -> None:
    assert decode_html(b"") == ("", "utf-8")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "a PDF document"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "gzip-compressed data"),
        (b"<html>\x00\x00\x00</html>", "binary data (it contains NUL bytes)"),
        (b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", None),
        ("\ufeff<p>caf\u00e9</p>".encode("utf-16"), None),
    ],
)
def test_binary_kind(content: bytes, what: str | None) -> None:
    assert binary_kind(content) == what
