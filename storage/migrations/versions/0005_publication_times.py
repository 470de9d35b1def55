"""articles.published_at, articles.modified and articles.modified_at: when an article was
published and last modified, as instants in UTC wherever the page gives a time with its
zone (JSON-LD, article:published_time, feed and news-sitemap dates); `published` and
`modified` keep what the page wrote. Existing rows are kept, and their published_at is
filled in from `published` where it has a time and zone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.times import utc_instant

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("published_at", sa.DateTime()),
    ("modified", sa.String(length=32)),
    ("modified_at", sa.DateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    # a database made before migrations is completed from the current models first
    present = {c["name"] for c in sa.inspect(connection).get_columns("articles")}
    with op.batch_alter_table("articles", schema=None) as batch_op:
        for name, kind in COLUMNS:
            if name not in present:
                batch_op.add_column(sa.Column(name, kind, nullable=True))
    articles = sa.table("articles", sa.column("id", sa.Integer()),
                        sa.column("published", sa.String()),
                        sa.column("published_at", sa.DateTime()))  # fmt: skip
    rows = connection.execute(sa.select(articles.c.id, articles.c.published).where(
        articles.c.published.is_not(None), articles.c.published_at.is_(None)))  # fmt: skip
    for article_id, published in list(rows):
        instant = utc_instant(published)
        if instant is not None:
            connection.execute(
                articles.update().where(articles.c.id == article_id).values(published_at=instant)
            )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
