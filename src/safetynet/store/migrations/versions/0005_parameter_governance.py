"""Parameter governance: the approved overlay on the packaged law, with its history (issue 10).

Adds the proposed and approved parameter values, the law's versions, true-up runs and lines;
the law version on every stored decision (declarations, contribution records, awards, payroll
runs, medical claims, pension transfers); the declared wage on contribution records (so a
true-up can recompute the base); and room for the ``policy_officer`` role.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import safetynet.store.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_DECISIONS = (
    "declarations",
    "contribution_records",
    "awards",
    "payroll_runs",
    "medical_claims",
    "pension_transfers",
)


def upgrade() -> None:
    _governance_tables()
    _true_up_tables()
    for table in _DECISIONS:
        op.add_column(table, sa.Column("law_version", sa.Integer(), nullable=True))
    op.add_column("contribution_records", sa.Column("wage_fen", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        for table in ("users", "audit_log"):
            op.alter_column(
                table,
                "role",
                existing_type=sa.String(length=10),
                type_=sa.String(length=20),
                existing_nullable=False,
            )


def _governance_tables() -> None:
    op.create_table(
        "parameter_values",
        sa.Column("id", _ID, nullable=False),
        sa.Column("parameter", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("source_title", sa.String(length=300), nullable=False),
        sa.Column("source_number", sa.String(length=100), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("article", sa.String(length=100), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", safetynet.store.base.UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", safetynet.store.base.UtcDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_version", sa.Integer(), nullable=True),
        sa.Column("retired_version", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_values")),
    )
    op.create_index(
        "ix_parameter_values_parameter", "parameter_values", ["parameter", "region"], unique=False
    )
    op.create_index(
        "uq_parameter_values_approved",
        "parameter_values",
        ["parameter", "region", "effective"],
        unique=True,
        sqlite_where=sa.text("status = 'approved'"),
        postgresql_where=sa.text("status = 'approved'"),
    )
    op.create_table(
        "law_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", safetynet.store.base.UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("value_id", _ID, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_law_versions")),
    )


def _true_up_tables() -> None:
    op.create_table(
        "true_up_runs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("to_month", sa.String(length=7), nullable=False),
        sa.Column("law_version", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("run_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", safetynet.store.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_true_up_runs")),
    )
    op.create_index("ix_true_up_runs_region_code", "true_up_runs", ["region_code"], unique=False)
    op.create_table(
        "true_up_lines",
        sa.Column("id", _ID, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("payer_id", _ID, nullable=False),
        sa.Column("law_version", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("worker_type", sa.String(length=10), nullable=False),
        sa.Column("collected_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("employer_delta_fen", sa.BigInteger(), nullable=False),
        sa.Column("employee_delta_fen", sa.BigInteger(), nullable=False),
        sa.Column("account_delta_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", safetynet.store.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_true_up_lines")),
    )
    op.create_index("ix_true_up_lines_run_id", "true_up_lines", ["run_id"], unique=False)
    op.create_index(
        "uq_true_up_lines_key",
        "true_up_lines",
        ["person_id", "month", "payer_id", "law_version"],
        unique=True,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in ("users", "audit_log"):
            op.alter_column(
                table,
                "role",
                existing_type=sa.String(length=20),
                type_=sa.String(length=10),
                existing_nullable=False,
            )
    with op.batch_alter_table("contribution_records") as batch:
        batch.drop_column("wage_fen")
    for table in _DECISIONS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("law_version")
    for table in ("true_up_lines", "true_up_runs", "law_versions", "parameter_values"):
        op.drop_table(table)
