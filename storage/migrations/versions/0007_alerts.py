"""Alerts and the outbox: `alerts`, what a watch's alert rules matched, once each;
`deliveries`, one row per alert (or day's digest) and target, pending until sent.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a database made before migrations is completed from the current models first
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("alerts"):
        op.create_table(
            "alerts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("watch_id", sa.Integer(), nullable=False),
            sa.Column("rule", sa.String(length=200), nullable=False),
            sa.Column("key", sa.String(length=400), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("url", sa.Text(), nullable=True),
            sa.Column("article_id", sa.Integer(), nullable=True),
            sa.Column("claim_id", sa.Integer(), nullable=True),
            sa.Column("run_id", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint(["watch_id"], ["watches.id"]),
            sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
            sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
            sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ux_alerts_watch_key", "alerts", ["watch_id", "key"], unique=True)
    if not inspector.has_table("deliveries"):
        op.create_table(
            "deliveries",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("watch_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("alert_id", sa.Integer(), nullable=True),
            sa.Column("day", sa.String(length=10), nullable=True),
            sa.Column("target_key", sa.String(length=64), nullable=False),
            sa.Column("target", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("batch", sa.String(length=36), nullable=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.Column("sent_at", sa.DateTime(), nullable=True),
            sa.ForeignKeyConstraint(["watch_id"], ["watches.id"]),
            sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_deliveries_alert_id", "deliveries", ["alert_id"])
        op.create_index("ix_deliveries_watch_status", "deliveries", ["watch_id", "status"])
        op.create_index("ix_deliveries_batch", "deliveries", ["batch"])
        op.create_index(
            "ux_deliveries_alert_target", "deliveries", ["alert_id", "target_key"], unique=True
        )
        op.create_index(
            "ux_deliveries_digest_target",
            "deliveries",
            ["watch_id", "kind", "day", "target_key"],
            unique=True,
        )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("alerts")
