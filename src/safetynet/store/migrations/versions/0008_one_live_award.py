"""One live award per person and kind, and one residents' subsidy per person and year, by
partial unique indexes (money safety).

Until now only a check before the insert kept a person to one proposed, active or suspended
award of a kind: two operators proposing at once could both pass it, and both awards would be
paid. A database that already holds such a pair cannot take the index: the upgrade stops and
names the persons, for an operator to end or reject the extra award first. The government's
subsidy to a resident's pension account was kept to one a year by a lock and a count; the
database now refuses a second one as it does a second year's interest.

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
    _refuse_if_doubled(
        f"SELECT person_id, kind, count(*) FROM awards WHERE {LIVE_AWARD} "
        "GROUP BY person_id, kind HAVING count(*) > 1 ORDER BY person_id, kind LIMIT 20",
        "end or reject the extra live awards",
    )
    _refuse_if_doubled(
        "SELECT person_id, year, count(*) FROM account_entries WHERE kind = 'subsidy' "
        "GROUP BY person_id, account, year HAVING count(*) > 1 ORDER BY person_id LIMIT 20",
        "reverse the extra residents' subsidies",
    )
    op.create_index(
        "uq_account_entries_subsidy",
        "account_entries",
        ["person_id", "account", "year"],
        unique=True,
        sqlite_where=sa.text("kind = 'subsidy'"),
        postgresql_where=sa.text("kind = 'subsidy'"),
    )
    op.create_index(
        "uq_awards_live_person_kind",
        "awards",
        ["person_id", "kind"],
        unique=True,
        sqlite_where=sa.text(LIVE_AWARD),
        postgresql_where=sa.text(LIVE_AWARD),
    )


def _refuse_if_doubled(query: str, remedy: str) -> None:
    """Stop the upgrade, naming the first persons, when rows the index forbids already exist."""
    doubled = op.get_bind().execute(sa.text(query)).all()
    if doubled:
        listed = ", ".join(f"person {p} ({what}: {n} rows)" for p, what, n in doubled)
        raise RuntimeError(f"migration 0008: {remedy} before upgrading: {listed}")


def downgrade() -> None:
    op.drop_index("uq_awards_live_person_kind", table_name="awards")
    op.drop_index("uq_account_entries_subsidy", table_name="account_entries")
