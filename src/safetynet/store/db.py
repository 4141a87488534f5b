"""Which database, how to connect, and how to bring its schema up to date."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from safetynet.domain.regions import level_of, parent_of
from safetynet.policy.regions import known_regions
from safetynet.store.registry import Region

DATABASE_URL_ENV = "SAFETYNET_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("var") / "safetynet.db"


def database_url() -> str:
    """``SAFETYNET_DATABASE_URL``, else the SQLite file ``./var/safetynet.db``."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or database_url()
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    package = resources.files("safetynet.store")
    config = Config(str(package.joinpath("alembic.ini")))
    config.set_main_option("script_location", str(package.joinpath("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema (Alembic), then load the region list."""
    command.upgrade(alembic_config(engine), revision)
    load_regions(engine)


def load_regions(engine: Engine) -> int:
    """Insert the GB/T 2260 codes missing from ``regions`` and correct the ``historical`` flag
    of those present where the bundled table says otherwise (older versions read it wrongly);
    returns how many were added."""
    with Session(engine) as session, session.begin():
        flags = dict(session.execute(select(Region.code, Region.historical)).tuples().all())
        present = set(flags)
        corrected = [
            {"code": info.code, "historical": info.historical}
            for info in known_regions().values()
            if info.code in flags and flags[info.code] != info.historical
        ]
        if corrected:
            session.execute(update(Region), corrected)
        rows = [
            {
                "code": info.code,
                "name": info.name,
                "level": level_of(info.code).value,
                "parent_code": parent_of(info.code),
                "historical": info.historical,
            }
            for info in known_regions().values()
            if info.code not in present
        ]
        if rows:
            session.execute(insert(Region), rows)
        return len(rows)
