"""The one migration builds exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select

from safetynet.store.base import Base
from safetynet.store.db import load_regions, upgrade
from safetynet.store.registry import Region


def test_migration_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_repeatable_and_loads_regions_once(engine: Engine) -> None:
    upgrade(engine)
    assert load_regions(engine) == 0
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Region))
        beijing = conn.scalar(select(Region.level).where(Region.code == 110105))
    assert count is not None and count > 3000
    assert beijing == "county"


def test_upgrade_corrects_the_historical_flag_of_current_codes(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(Region.__table__.update().where(Region.code == 510104).values(historical=True))
    assert load_regions(engine) == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(Region.code, Region.historical).where(Region.code.in_([510104, 110103]))
        )
        flags = {code: historical for code, historical in rows}
    assert flags == {510104: False, 110103: True}  # 锦江区 is current, 崇文区 merged in 2010
