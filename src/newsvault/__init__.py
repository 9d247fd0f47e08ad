"""newsvault: a news-article scraper and archiver with a documented SQLite archive."""

from __future__ import annotations

from newsvault.article import extract
from newsvault.config import VERSION
from newsvault.errors import ExtractError, FetchError, NewsvaultError, NotAnArticle
from newsvault.records import Article, Block

__version__ = VERSION

__all__ = [
    "Article",
    "Block",
    "ExtractError",
    "FetchError",
    "NewsvaultError",
    "NotAnArticle",
    "__version__",
    "extract",
]
