"""Compare fixture pages with their .expected.json as tests/test_fixtures.py does, and say
every difference: for pages being written (fixtures/pending/), before they become tests.

Usage: python tests/check_fixtures.py DIR_OR_HTML [...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import article_fields
from newsvault.article import extract_with_blocks
from newsvault.errors import NotAnArticle

# Keys an .expected.json may hold: the fields of conftest.article_fields and the rest.
KEYS = frozenset(
    (
        "title", "byline", "authors", "description", "published", "modified", "language",
        "site_name", "canonical_url", "image_url", "original_url", "url", "style",
        "not_article", "paragraphs", "first_paragraph", "last_paragraph", "headings",
        "min_paragraphs", "contains", "not_contains",
    )
)  # fmt: skip


def check(html_path: Path) -> list[str]:
    expected = json.loads(html_path.with_suffix(".expected.json").read_text())
    problems = [f"unknown key {k}" for k in set(expected) - KEYS]
    html = html_path.read_bytes()
    try:
        got = extract_with_blocks(html, expected.get("url"))
    except NotAnArticle as exc:
        if expected.get("not_article"):
            return problems
        return [*problems, f"raised NotAnArticle: {exc}"]
    if expected.get("not_article"):
        return [*problems, "expected NotAnArticle, got an article"]
    a = got.article
    actual = article_fields(a)
    for k, v in actual.items():
        if k in expected and expected[k] != v:
            problems.append(f"field {k}: expected {expected[k]!r}, got {v!r}")
    texts = [b.text for b in got.blocks]
    prose = [b.text for b in got.blocks if b.kind != "h"]
    if "paragraphs" in expected and texts != expected["paragraphs"]:
        want, have = expected["paragraphs"], texts
        for i in range(max(len(want), len(have))):
            w = want[i] if i < len(want) else None
            h = have[i] if i < len(have) else None
            if w != h:
                problems.append(f"paragraph {i}: expected {w!r}\n      got {h!r}")
                break
        extra = [t for t in have if t not in want]
        lost = [t for t in want if t not in have]
        if extra:
            problems.append(f"blocks not expected: {extra}")
        if lost:
            problems.append(f"expected blocks missing: {lost}")
    if "first_paragraph" in expected and prose[:1] != [expected["first_paragraph"]]:
        problems.append(f"first paragraph: got {prose[:1]}")
    if "last_paragraph" in expected and prose[-1:] != [expected["last_paragraph"]]:
        problems.append(f"last paragraph: got {prose[-1:]}")
    heads = [b.text for b in got.blocks if b.kind == "h"]
    if "headings" in expected and heads != expected["headings"]:
        problems.append(f"headings: expected {expected['headings']}, got {heads}")
    if len(texts) < expected.get("min_paragraphs", 0):
        problems.append(f"only {len(texts)} blocks")
    missing = [s for s in expected.get("contains", []) if s not in a.text]
    if missing:
        problems.append(f"missing from text: {missing}")
    present = [s for s in expected.get("not_contains", []) if s in a.text or s in a.markdown]
    if present:
        problems.append(f"boilerplate in the output: {present}")
    return problems


def main() -> None:
    paths = []
    for arg in sys.argv[1:]:
        p = Path(arg)
        paths += sorted(p.glob("*.html")) if p.is_dir() else [p]
    bad = 0
    for p in paths:
        problems = check(p)
        print(f"{'FAIL' if problems else 'ok  '} {p.stem}")
        for line in problems:
            print("   ", line)
        bad += bool(problems)
    print(f"{len(paths) - bad}/{len(paths)} pass")


if __name__ == "__main__":
    main()
