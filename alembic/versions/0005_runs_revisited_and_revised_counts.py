"""runs: revisited and revised counts (article revisits, schema 0005)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 03:09:57.033183
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("articles_revisited", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("articles_revised", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("articles_revised")
        batch_op.drop_column("articles_revisited")
