"""Canonical URLs in their new form (storage.urls: w3lib's canonicalisation after our
tracker filter): `a%7Eb` is `a~b`, `/x/../a` is `/a`, `bücher.de` is `xn--bcher-kva.de`.
Stored canonical URLs are rewritten, and articles that turn out to be one are merged
into the one stored first, keeping every version, alias, fetch and claim
(storage.merge). The old URLs stay as aliases.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from storage.merge import recanonicalize

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    recanonicalize(op.get_bind())


def downgrade() -> None:
    pass  # merged articles stay merged: nothing to undo that loses nothing
