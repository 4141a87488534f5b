"""Shared fixtures: the system-of-record tests run on SQLite and, when
``SAFETYNET_TEST_DATABASE_URL`` is set, on PostgreSQL.

SQLite: one migrated template file per session, copied for every test. PostgreSQL: one schema
per session (migrated once, dropped at the end), every table but the region list emptied
between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from safetynet.domain.access import Principal, Role
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry
from safetynet.services.demo import credit_code
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade
from safetynet.store.registry import Employer, Person

PG_ENV = "SAFETYNET_TEST_DATABASE_URL"
KEEP_TABLES = ("regions", "alembic_version")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"sn_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    upgrade(engine)
    engine.dispose()
    yield rendered
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        # DELETE with the foreign-key triggers off is much faster than TRUNCATE for small tables.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        tables = (
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            .scalars()
            .all()
        )
        for name in tables:
            if name not in KEEP_TABLES:
                conn.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database (regions loaded) for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine))


ADMIN = Principal("admin-test", Role.ADMIN)


class Actors:
    admin = ADMIN
    auditor = Principal("auditor-test", Role.AUDITOR)
    beijing = Principal("op-bj", Role.OPERATOR, region_code=110000)
    sichuan = Principal("op-sc", Role.OPERATOR, region_code=510000)

    def citizen(self, person_id: int) -> Principal:
        return Principal("citizen-test", Role.CITIZEN, person_id=person_id)


@pytest.fixture
def who() -> Actors:
    """Principals of each role (operators scoped to Beijing and Sichuan)."""
    return Actors()


class Records:
    """Builds registry records for a test."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._serial = 0

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def id_number(self, region: int = 110105, birth: str = "1980-05-17", male: bool = True) -> str:
        serial = self.next_serial() * 2 + (1 if male else 0)
        return str(
            make_resident_ids(
                np.array([region]), np.array([birth], dtype="datetime64[D]"), np.array([serial])
            )[0]
        )

    def person(
        self,
        region: int = 110105,
        birth: str = "1980-05-17",
        male: bool = True,
        name: str = "Test Person",
    ) -> Person:
        return registry.register_person(
            self.uow,
            ADMIN,
            id_number=self.id_number(region, birth, male),
            name=name,
            hukou_type="urban",
        )

    def employer(self, region: int = 110105, risk_class: int = 2) -> Employer:
        return registry.register_employer(
            self.uow,
            ADMIN,
            credit_code=credit_code(region, 100 + self.next_serial()),
            name=f"Employer {self._serial}",
            risk_class=risk_class,
        )

    def employees(
        self, employer: Employer, count: int, start_month: str = "2025-01"
    ) -> list[Person]:
        people = [self.person(region=employer.region_code) for _ in range(count)]
        for p in people:
            registry.start_employment(
                self.uow, ADMIN, person_id=p.id, employer_id=employer.id, start_month=start_month
            )
        return people


@pytest.fixture
def records(uow: UnitOfWork) -> Records:
    return Records(uow)
