"""What the archive derives from an article's text: word count, content hash, SimHash (pure).

Computed where the article is extracted (in `run`, an extraction process), so that the one
thread that writes the archive only stores them; archive.save_article computes them itself
when it is not given them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsvault import similarity
from newsvault.records import Article

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An article's `word_count`, `content_hash` and `simhash` columns (see similarity.py)."""

    word_count: int
    content_hash: str
    simhash: int | None


def fingerprint(article: Article) -> Fingerprint:
    """The derived columns of an article, exactly as the archive stores them."""
    return Fingerprint(
        word_count=len(_WORD.findall(article.text)),
        content_hash=similarity.content_hash(article.title, article.text),
        simhash=similarity.simhash(article.text),
    )
