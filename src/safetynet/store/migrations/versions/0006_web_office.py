"""The operator back office on the web (issue 11): indexes for the person search.

``ix_persons_name`` serves name-prefix search (pattern operators on PostgreSQL, so LIKE 'x%'
uses it under any collation); ``ix_persons_id_number_reversed`` (PostgreSQL only) serves search
by the last digits of the identity number as a prefix of its reverse.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_persons_name", "persons", ["name"], postgresql_ops={"name": "text_pattern_ops"}
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_persons_id_number_reversed "
            "ON persons (reverse(id_number) text_pattern_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_persons_id_number_reversed")
    op.drop_index("ix_persons_name", table_name="persons")
