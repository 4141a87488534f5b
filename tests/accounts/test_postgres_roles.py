"""On PostgreSQL the application's role cannot UPDATE, DELETE or TRUNCATE audit rows, while
it inserts them and reads and writes the record: the documented setup (``safetynet db
roles``), applied in the test schema and checked by connecting as that role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from safetynet.domain.access import Principal, Role
from safetynet.services import audit
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade
from safetynet.store.roles import apply_app_role

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_engine(postgres_url: str, engine: Engine) -> Iterator[Engine]:
    """An engine connected as a fresh application role set up by ``apply_app_role``."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL roles")
    role = f"sn_app_{uuid.uuid4().hex[:8]}"
    apply_app_role(engine, role, create=True)
    url = make_url(postgres_url).set(username=role, password=None)
    app = make_engine(url.render_as_string(hide_password=False))
    yield app
    app.dispose()
    with engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_app_role_only_appends_to_the_audit_log(app_engine: Engine) -> None:
    uow = UnitOfWork(session_factory(app_engine))
    with uow:  # INSERT through the service, chain head included
        audit.record(
            uow.session, Principal("app", Role.ADMIN), "test.append", "thing", 1, region_code=None
        )
        uow.commit()
    with app_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_log")) == 1
        assert conn.scalar(text("SELECT current_user")).startswith("sn_app_")
    for statement in (
        "UPDATE audit_log SET reason = 'rewritten'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE alembic_version SET version_num = '0001'",
    ):
        with app_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
            conn.execute(text(statement))
    upgrade(app_engine)  # the server's start-up migration, at head, works as the role
    with app_engine.begin() as conn:  # the record itself stays writable
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('probe', 'x')"))
        conn.execute(text("UPDATE settings SET value = 'y' WHERE key = 'probe'"))
        conn.execute(text("DELETE FROM settings WHERE key = 'probe'"))
