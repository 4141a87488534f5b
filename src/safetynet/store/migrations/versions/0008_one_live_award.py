"""One live award per person and kind, by a partial unique index (money safety).

Until now only a check before the insert kept a person to one proposed, active or suspended
award of a kind: two operators proposing at once could both pass it, and both awards would be
paid. A database that already holds such a pair cannot take the index: the upgrade stops and
names the persons, for an operator to end or reject the extra award first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE_AWARD = "status IN ('proposed', 'active', 'suspended')"


def upgrade() -> None:
    doubled = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT person_id, kind, count(*) FROM awards WHERE {LIVE_AWARD} "
                "GROUP BY person_id, kind HAVING count(*) > 1 ORDER BY person_id, kind LIMIT 20"
            )
        )
        .all()
    )
    if doubled:
        listed = ", ".join(f"person {p} ({kind}: {n} live awards)" for p, kind, n in doubled)
        raise RuntimeError(
            "migration 0008: end or reject the extra live awards before upgrading: " + listed
        )
    op.create_index(
        "uq_awards_live_person_kind",
        "awards",
        ["person_id", "kind"],
        unique=True,
        sqlite_where=sa.text(LIVE_AWARD),
        postgresql_where=sa.text(LIVE_AWARD),
    )


def downgrade() -> None:
    op.drop_index("uq_awards_live_person_kind", table_name="awards")
