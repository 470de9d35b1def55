"""crawl_runs.resumed_from: the run a crawl carried on from, when the one before it
was cut short (interrupted, or found dead at the next start); fetches.depth: a page's
distance from the seeds, so that the run that carries on fetches the pages of the
cut-short one again at their depth, within that run's page budget.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a database made before migrations is completed from the current models first
    inspector = sa.inspect(op.get_bind())
    for table, column in (("crawl_runs", "resumed_from"), ("fetches", "depth")):
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    for table, column in (("crawl_runs", "resumed_from"), ("fetches", "depth")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
