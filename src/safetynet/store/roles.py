"""PostgreSQL roles: the application's role may read and write the record but only append to
the audit log.

The schema belongs to an owner role, which runs ``safetynet db upgrade``; the server connects
as an application role that owns nothing. ``app_role_statements`` grants that role every table
of the schema for SELECT, INSERT, UPDATE and DELETE, its sequences, and on ``audit_log`` only
SELECT and INSERT, so that the server, or anyone holding its credentials, cannot UPDATE,
DELETE or TRUNCATE audit rows. Run it again after each upgrade (new tables need grants).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY_TABLES = ("audit_log",)


class RoleSetupError(RuntimeError):
    """The role setup cannot be applied here (a bad name, or not PostgreSQL)."""


def _identifier(name: str, what: str) -> str:
    if not ROLE_NAME.match(name):
        raise RoleSetupError(f"{what} {name!r} must be lower-case letters, digits and _")
    return f'"{name}"'


def app_role_statements(role: str, schema: str, *, create: bool = False) -> list[str]:
    """The SQL that sets up ``role`` on ``schema`` (idempotent)."""
    r, s = _identifier(role, "role"), _identifier(schema, "schema")
    statements = []
    if create:
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {r} LOGIN; END IF; END $$"
        )
    statements += [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.{table} FROM {r}")
    statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {s}.alembic_version FROM {r}")
    return statements


def apply_app_role(engine: Engine, role: str, *, create: bool = False) -> list[str]:
    """Set up ``role`` on the connection's current schema; returns the statements run. Run it
    as the schema's owner."""
    if engine.dialect.name != "postgresql":
        raise RoleSetupError("roles apply to PostgreSQL; SQLite has no roles")
    with engine.begin() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
        statements = app_role_statements(role, str(schema), create=create)
        for statement in statements:
            conn.execute(text(statement))
    return statements
