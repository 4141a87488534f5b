"""Money safety: natural keys under unique constraints for every posting and payment (issue 9).

- ``posting_keys``: one row per natural key of an own contribution (a flexible worker's month,
  a resident's scheme and year); its primary key is the guarantee that the month or year is
  posted once, whatever number of requests race for it.
- ``payment_lines.attempt``: the how-manieth line of an award's month paid for; unique on
  (award, month paid for, attempt), so two payments computed from the same state (two off-cycle
  payments for different payroll months) cannot both pay a month.
- ``idempotency_keys``: the first response to a POST carrying an ``Idempotency-Key`` header.

Existing data: rows written before this revision get their keys in id order. A month that was
already posted or paid twice keeps its history (the ledger is append-only): the first record
gets the key, later duplicates none, and they stay visible to the query in docs/security.md
so that an operator can reverse them; the constraint guards every posting from now on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_KEY_EXISTING = """
INSERT INTO posting_keys (key, contribution_id, created_at)
SELECT {key}, MIN(id), MIN(created_at)
FROM contribution_records
WHERE kind = 'contribution' AND {where}
GROUP BY person_id, month
"""


def _concat(*parts: str) -> str:
    return " || ".join(parts)


def upgrade() -> None:
    op.create_table(
        "posting_keys",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("contribution_id", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_posting_keys")),
    )
    person = "CAST(person_id AS VARCHAR(20))"
    year = "SUBSTR(month, 1, 4)"
    for key, where in (
        (_concat("'flexible:'", person, "':'", "month"), "worker_type = 'flexible'"),
        (
            _concat("'resident_pension:'", person, "':'", year),
            "worker_type = 'resident' AND resident_pension_fen <> 0",
        ),
        (
            _concat("'resident_medical:'", person, "':'", year),
            "worker_type = 'resident' AND resident_medical_fen <> 0",
        ),
    ):
        op.execute(_KEY_EXISTING.format(key=key, where=where))

    with op.batch_alter_table("payment_lines") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE payment_lines SET attempt = (
            SELECT COUNT(*) FROM payment_lines AS earlier
            WHERE earlier.award_id = payment_lines.award_id
              AND earlier.for_month = payment_lines.for_month
              AND earlier.id <= payment_lines.id)
        """
    )
    with op.batch_alter_table("payment_lines") as batch:
        batch.alter_column("attempt", existing_type=sa.Integer(), nullable=False)
    op.create_index(
        "uq_payment_lines_award_for_month_attempt",
        "payment_lines",
        ["award_id", "for_month", "attempt"],
        unique=True,
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", _ID, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        "uq_idempotency_keys_username_key", "idempotency_keys", ["username", "key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_idempotency_keys_username_key", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("uq_payment_lines_award_for_month_attempt", table_name="payment_lines")
    with op.batch_alter_table("payment_lines") as batch:
        batch.drop_column("attempt")
    op.drop_table("posting_keys")
