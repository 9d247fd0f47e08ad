"""authors, urls, versions, near-duplicates, revisits, full-text search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 03:00:17.338042
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authors")),
        sa.UniqueConstraint("name", name=op.f("uq_authors__name")),
    )
    op.create_table(
        "article_authors",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_authors__article_id__articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["authors.id"],
            name=op.f("fk_article_authors__author_id__authors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "author_id", name=op.f("pk_article_authors")),
    )
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_authors__author_id"), ["author_id"], unique=False
        )

    op.create_table(
        "article_urls",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_urls__article_id__articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_article_urls")),
    )
    with op.batch_alter_table("article_urls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_urls__article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("byline", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("extractor_version", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_versions__article_id__articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint(
            "article_id", "version", name=op.f("uq_article_versions__article_id_version")
        ),
    )
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_versions__fetched_at"), ["fetched_at"], unique=False
        )

    op.create_table(
        "near_duplicates",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_near_duplicates__article_id__articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["articles.id"],
            name=op.f("fk_near_duplicates__other_id__articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "other_id", name=op.f("pk_near_duplicates")),
    )
    with op.batch_alter_table("near_duplicates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_near_duplicates__other_id"), ["other_id"], unique=False
        )

    op.create_table(
        "simhash_bands",
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_simhash_bands__article_id__articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "value", "article_id", name=op.f("pk_simhash_bands")),
    )
    with op.batch_alter_table("simhash_bands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_simhash_bands__article_id"), ["article_id"], unique=False
        )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("original_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("checks", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            batch_op.f("ix_articles__next_check_at"), ["next_check_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_articles__simhash"), ["simhash"], unique=False)
    _create_search()
    _create_views()
    _backfill()


def downgrade() -> None:
    _drop_views()
    _drop_search()
    with op.batch_alter_table("simhash_bands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simhash_bands__article_id"))
    op.drop_table("simhash_bands")

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles__simhash"))
        batch_op.drop_index(batch_op.f("ix_articles__next_check_at"))
        batch_op.drop_column("checks")
        batch_op.drop_column("next_check_at")
        batch_op.drop_column("original_url")
        batch_op.drop_column("simhash")

    with op.batch_alter_table("near_duplicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_near_duplicates__other_id"))

    op.drop_table("near_duplicates")
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_versions__fetched_at"))

    op.drop_table("article_versions")
    with op.batch_alter_table("article_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_urls__article_id"))

    op.drop_table("article_urls")
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_authors__author_id"))

    op.drop_table("article_authors")
    op.drop_table("authors")


# --- full-text search --------------------------------------------------------------------
# SQLite: an FTS5 index over title, byline, description and text, kept in step with
# `articles` by triggers, so an analyst's own inserts, updates and deletes keep it right.
# PostgreSQL: an expression GIN index over the same columns; newsvault.search queries it with
# the very same expression (SEARCH_DOCUMENT), which is what lets the planner use it.

SEARCH_DOCUMENT = (
    "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(byline, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce(text, ''))"
)

FTS_COLUMNS = "title, byline, description, text"

SQLITE_SEARCH = [
    f"CREATE VIRTUAL TABLE articles_fts USING fts5({FTS_COLUMNS}, content='articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.title, new.byline, new.description, new.text);
    END""",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.title, old.byline, old.description, old.text);
    END""",
    f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF {FTS_COLUMNS} ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.title, old.byline, old.description, old.text);
        INSERT INTO articles_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.title, new.byline, new.description, new.text);
    END""",
]


def _create_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        return
    op.execute(f"CREATE INDEX ix_articles__search ON articles USING gin ({SEARCH_DOCUMENT})")


def _drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
        return
    op.execute("DROP INDEX IF EXISTS ix_articles__search")


# --- views for the common joins ------------------------------------------------------------

VIEWS = {
    "article_list": """
        SELECT a.id, s.host AS source, a.site_name, a.title, a.byline, a.published_at,
               a.language, a.word_count, a.url, a.canonical_url, a.first_seen_at,
               a.updated_at, a.original_url
        FROM articles AS a JOIN sources AS s ON s.id = a.source_id""",
    "article_author_list": """
        SELECT a.id AS article_id, au.name AS author, aa.position, s.host AS source,
               a.title, a.published_at
        FROM article_authors AS aa
        JOIN authors AS au ON au.id = aa.author_id
        JOIN articles AS a ON a.id = aa.article_id
        JOIN sources AS s ON s.id = a.source_id""",
    "failed_fetches": """
        SELECT f.started_at, f.url, f.status, f.error_kind, f.message
        FROM fetches AS f WHERE f.outcome = 'failed'""",
}


def _create_views() -> None:
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def _drop_views() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")


# --- what existing archives already hold ---------------------------------------------------


def _backfill() -> None:
    """Give archived articles their URL aliases, authors, first version and search entries."""
    bind = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("url", sa.Text),
        sa.column("canonical_url", sa.Text),
        sa.column("final_url", sa.Text),
        sa.column("authors", sa.JSON),
        sa.column("title", sa.Text),
        sa.column("byline", sa.Text),
        sa.column("description", sa.Text),
        sa.column("text", sa.Text),
        sa.column("content_hash", sa.String),
        sa.column("extractor_version", sa.String),
        sa.column("first_seen_at", sa.DateTime),
        sa.column("fetched_at", sa.DateTime),
    )
    urls = sa.table(
        "article_urls",
        sa.column("url", sa.Text),
        sa.column("article_id", sa.Integer),
        sa.column("first_seen_at", sa.DateTime),
    )
    authors = sa.table(
        "authors",
        sa.column("id", sa.Integer),
        sa.column("name", sa.Text),
        sa.column("first_seen_at", sa.DateTime),
    )
    links = sa.table(
        "article_authors",
        sa.column("article_id", sa.Integer),
        sa.column("author_id", sa.Integer),
        sa.column("position", sa.Integer),
    )
    versions = sa.table(
        "article_versions",
        sa.column("article_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("fetched_at", sa.DateTime),
        sa.column("title", sa.Text),
        sa.column("byline", sa.Text),
        sa.column("description", sa.Text),
        sa.column("text", sa.Text),
        sa.column("content_hash", sa.String),
        sa.column("extractor_version", sa.String),
    )
    seen_urls: set[str] = set()
    author_ids: dict[str, int] = {}
    for row in bind.execute(sa.select(articles)).mappings():
        for url in (row["url"], row["canonical_url"], row["final_url"]):
            if url and url not in seen_urls:
                seen_urls.add(url)
                bind.execute(
                    urls.insert().values(
                        url=url, article_id=row["id"], first_seen_at=row["first_seen_at"]
                    )
                )
        for position, name in enumerate(row["authors"] or []):
            if name not in author_ids:
                bind.execute(authors.insert().values(name=name, first_seen_at=row["first_seen_at"]))
                author_ids[name] = bind.scalar(
                    sa.select(authors.c.id).where(authors.c.name == name)
                )
            bind.execute(
                links.insert().values(
                    article_id=row["id"], author_id=author_ids[name], position=position
                )
            )
        bind.execute(
            versions.insert().values(
                article_id=row["id"],
                version=1,
                fetched_at=row["fetched_at"],
                title=row["title"],
                byline=row["byline"],
                description=row["description"],
                text=row["text"],
                content_hash=row["content_hash"],
                extractor_version=row["extractor_version"],
            )
        )
    if bind.dialect.name == "sqlite":
        op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
