"""SQL views (cluster_summary, claim_timeline, article_current) and full-text search
(article_search with its trigger, in each engine's own SQL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from storage import fulltext, views

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    views.install(connection)
    fulltext.install(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for name in views.VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    fulltext.uninstall(connection)
