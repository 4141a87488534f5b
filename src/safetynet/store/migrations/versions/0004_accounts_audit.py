"""Accounts and audit: lockout, password policy, tamper-evident audit chain (issue 9).

- ``users``: ``demo`` (created by the demo seed; production refuses them) and
  ``credentials_version`` (tokens issued before a password change are refused).
- ``login_throttle``: failed sign-ins per account name and per client address.
- ``audit_log``: ``seq``, ``prev_hash``, ``row_hash`` (the hash chain of
  ``safetynet.domain.audit_chain``), filled in for the rows already present, in id order;
  ``audit_chain_head`` keeps the chain's last link.
- ``settings``: the token secret that older versions generated and kept in clear is deleted;
  secrets now come from the environment or a file only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from safetynet.domain.audit_chain import GENESIS, AuditContent, row_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "credentials_version", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=150), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    seq, last_hash = _chain_existing_rows()
    op.get_bind().execute(
        sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, :seq, :hash)"),
        {"seq": seq, "hash": last_hash},
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    op.get_bind().execute(sa.text("DELETE FROM settings WHERE key = 'jwt_secret'"))


def _chain_existing_rows() -> tuple[int, str]:
    """Give the rows already in the log their place in the chain, in id order."""
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", Id),
        sa.column("at", sa.DateTime()),
        sa.column("actor", sa.String()),
        sa.column("role", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("region_code", sa.Integer()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("reason", sa.Text()),
        sa.column("seq", sa.BigInteger()),
        sa.column("prev_hash", sa.String()),
        sa.column("row_hash", sa.String()),
    )
    seq, last_hash, after_id = 0, GENESIS, -1
    while True:
        rows = bind.execute(
            sa.select(log).where(log.c.id > after_id).order_by(log.c.id).limit(CHUNK)
        ).all()
        if not rows:
            return seq, last_hash
        updates = []
        for row in rows:
            seq += 1
            content = AuditContent(
                at=row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at,
                actor=row.actor,
                role=row.role,
                action=row.action,
                entity=row.entity,
                entity_id=row.entity_id,
                region_code=row.region_code,
                before=row.before,
                after=row.after,
                reason=row.reason,
            )
            digest = row_hash(seq, last_hash, content)
            updates.append({"row_id": row.id, "s": seq, "p": last_hash, "h": digest})
            last_hash = digest
        bind.execute(
            log.update()
            .where(log.c.id == sa.bindparam("row_id"))
            .values(seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"), row_hash=sa.bindparam("h")),
            updates,
        )
        after_id = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")
    op.drop_table("login_throttle")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("credentials_version")
        batch_op.drop_column("demo")
