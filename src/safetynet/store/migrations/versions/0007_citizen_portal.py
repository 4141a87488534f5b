"""Citizen portal: activation codes and statement verification (issue 12).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "activation_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("failed_attempts", sa.SmallInteger(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_activation_codes_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_codes")),
    )
    op.create_index(
        op.f("ix_activation_codes_person_id"), "activation_codes", ["person_id"], unique=False
    )
    op.create_index(
        "uq_activation_codes_open",
        "activation_codes",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "issued_statements",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("as_of_month", sa.String(length=7), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_issued_statements_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_statements")),
        sa.UniqueConstraint("code", name=op.f("uq_issued_statements_code")),
    )
    op.create_index(
        op.f("ix_issued_statements_person_id"), "issued_statements", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_issued_statements_person_id"), table_name="issued_statements")
    op.drop_table("issued_statements")
    op.drop_index("uq_activation_codes_open", table_name="activation_codes")
    op.drop_index(op.f("ix_activation_codes_person_id"), table_name="activation_codes")
    op.drop_table("activation_codes")
