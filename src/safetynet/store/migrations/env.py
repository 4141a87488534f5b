"""Alembic environment: runs on the engine handed over by ``safetynet.store.db.upgrade`` (or,
from the ``alembic`` command line, on ``SAFETYNET_DATABASE_URL``).

Every module of ``safetynet.store`` is imported so that each model registers on the shared
``Base`` and autogenerate sees every table.
"""

from __future__ import annotations

import importlib
import pkgutil

from alembic import context

import safetynet.store
from safetynet.store.base import Base

for module in pkgutil.walk_packages(safetynet.store.__path__, "safetynet.store."):
    if ".migrations" not in module.name:
        importlib.import_module(module.name)

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from safetynet.store.db import make_engine

    engine = make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
