"""Benefits: awards, payroll runs and payment lines, life events, overpayments, medical
claims and pension transfers (issue 4).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "awards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.String(length=7), nullable=False),
        sa.Column("end_month", sa.String(length=7), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("adjust_from_month", sa.String(length=7), nullable=True),
        sa.Column("account_balance_fen", sa.BigInteger(), nullable=True),
        sa.Column("verified_month", sa.String(length=7), nullable=True),
        sa.Column("recompute_from", sa.String(length=7), nullable=True),
        sa.Column("suspended_reason", sa.String(length=30), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_awards_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_awards_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_awards_region_status", ["region_code", "status"], unique=False)

    op.create_table(
        "life_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_life_events_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_life_events_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")),
    )
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.create_index("uq_life_events_person_kind", ["person_id", "kind"], unique=True)

    op.create_table(
        "medical_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=10), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("setting", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("assistance_category", sa.String(length=10), nullable=False),
        sa.Column("policy_cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("other_cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("basic_fen", sa.BigInteger(), nullable=False),
        sa.Column("critical_illness_fen", sa.BigInteger(), nullable=False),
        sa.Column("assistance_fen", sa.BigInteger(), nullable=False),
        sa.Column("out_of_pocket_fen", sa.BigInteger(), nullable=False),
        sa.Column("year_to_date", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("settled_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_medical_claims_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_medical_claims_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_claims")),
    )
    with op.batch_alter_table("medical_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medical_claims_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            "uq_medical_claims_person_reference", ["person_id", "reference"], unique=True
        )
        batch_op.create_index(
            "uq_medical_claims_person_year_sequence", ["person_id", "year", "sequence"], unique=True
        )

    op.create_table(
        "pension_transfers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("from_region_code", sa.Integer(), nullable=False),
        sa.Column("to_region_code", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_fen", sa.BigInteger(), nullable=False),
        sa.Column("pooled_fen", sa.BigInteger(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_region_code"],
            ["regions.code"],
            name=op.f("fk_pension_transfers_from_region_code_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_pension_transfers_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["to_region_code"],
            ["regions.code"],
            name=op.f("fk_pension_transfers_to_region_code_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pension_transfers")),
    )
    with op.batch_alter_table("pension_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pension_transfers_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "uq_pension_transfers_open",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("status = 'requested'"),
            postgresql_where=sa.text("status = 'requested'"),
        )

    op.create_table(
        "overpayments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("award_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("from_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_overpayments_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_overpayments_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overpayments")),
    )
    with op.batch_alter_table("overpayments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_overpayments_award_id"), ["award_id"], unique=False)

    op.create_table(
        "payroll_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region_code", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("regular_fen", sa.BigInteger(), nullable=False),
        sa.Column("arrears_fen", sa.BigInteger(), nullable=False),
        sa.Column("award_count", sa.Integer(), nullable=False),
        sa.Column("unknown_count", sa.Integer(), nullable=False),
        sa.Column("last_award_id", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_payroll_runs_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_payroll_runs_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_runs")),
    )
    with op.batch_alter_table("payroll_runs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_payroll_runs_award_month",
            ["award_id", "month"],
            unique=True,
            sqlite_where=sa.text("award_id IS NOT NULL"),
            postgresql_where=sa.text("award_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_payroll_runs_region_month",
            ["region_code", "month"],
            unique=True,
            sqlite_where=sa.text("award_id IS NULL"),
            postgresql_where=sa.text("award_id IS NULL"),
        )

    op.create_table(
        "payment_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("award_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("for_month", sa.String(length=7), nullable=False),
        sa.Column("pay_month", sa.String(length=7), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("bank_note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_payment_lines_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_payment_lines_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payroll_runs.id"], name=op.f("fk_payment_lines_run_id_payroll_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_lines")),
    )
    with op.batch_alter_table("payment_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_lines_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_lines_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            "uq_payment_lines_award_for_month_pay_month",
            ["award_id", "for_month", "pay_month"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_lines", schema=None) as batch_op:
        batch_op.drop_index("uq_payment_lines_award_for_month_pay_month")
        batch_op.drop_index(batch_op.f("ix_payment_lines_run_id"))
        batch_op.drop_index(batch_op.f("ix_payment_lines_person_id"))

    op.drop_table("payment_lines")
    with op.batch_alter_table("payroll_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payroll_runs_region_month",
            sqlite_where=sa.text("award_id IS NULL"),
            postgresql_where=sa.text("award_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_payroll_runs_award_month",
            sqlite_where=sa.text("award_id IS NOT NULL"),
            postgresql_where=sa.text("award_id IS NOT NULL"),
        )

    op.drop_table("payroll_runs")
    with op.batch_alter_table("overpayments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overpayments_award_id"))

    op.drop_table("overpayments")
    with op.batch_alter_table("pension_transfers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pension_transfers_open",
            sqlite_where=sa.text("status = 'requested'"),
            postgresql_where=sa.text("status = 'requested'"),
        )
        batch_op.drop_index(batch_op.f("ix_pension_transfers_person_id"))

    op.drop_table("pension_transfers")
    with op.batch_alter_table("medical_claims", schema=None) as batch_op:
        batch_op.drop_index("uq_medical_claims_person_year_sequence")
        batch_op.drop_index("uq_medical_claims_person_reference")
        batch_op.drop_index(batch_op.f("ix_medical_claims_region_code"))

    op.drop_table("medical_claims")
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.drop_index("uq_life_events_person_kind")

    op.drop_table("life_events")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index("ix_awards_region_status")
        batch_op.drop_index(batch_op.f("ix_awards_person_id"))

    op.drop_table("awards")
