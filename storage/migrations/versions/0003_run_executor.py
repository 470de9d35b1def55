"""For crawl workers: crawl_runs.executor, who carries out a run, this process
("local") or the Redis workers ("workers"); signature_log, the order signatures were
stored in, which workers read to catch up on each other's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made before migrations is completed from the current models and then
    # stamped at 0001 (storage.migrate.upgrade): it may have the column already.
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("crawl_runs")}
    indexes = {i["name"] for i in inspector.get_indexes("crawl_runs")}
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        if "executor" not in columns:
            batch_op.add_column(
                sa.Column("executor", sa.String(length=16), nullable=False, server_default="local")
            )
        if "ix_crawl_runs_status_executor" not in indexes:
            batch_op.create_index("ix_crawl_runs_status_executor", ["status", "executor"])
    if not inspector.has_table("signature_log"):
        op.create_table(
            "signature_log",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("version_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["version_id"], ["signatures.version_id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("version_id"),
        )


def downgrade() -> None:
    op.drop_table("signature_log")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_runs_status_executor")
        batch_op.drop_column("executor")
