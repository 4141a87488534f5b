"""Which law a command computes under: the database's effective law (the packaged parameters
plus the approved overlay) when a database is configured, else the package alone."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from safetynet.cli.errors import fail
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.services.law import PACKAGED, effective_law, overlay_mapping
from safetynet.store.db import DATABASE_URL_ENV, DEFAULT_SQLITE_PATH, make_engine


def database_configured() -> bool:
    """``SAFETYNET_DATABASE_URL`` is set, or the default SQLite file exists."""
    return bool(os.environ.get(DATABASE_URL_ENV, "").strip()) or DEFAULT_SQLITE_PATH.is_file()


def _unreadable(exc: SQLAlchemyError) -> None:
    first = " ".join(str(exc.orig if hasattr(exc, "orig") else exc).split())[:200]
    fail(f"cannot read the law from the database ({first}); run `safetynet db upgrade`")


def _require_database() -> None:
    if not database_configured():
        fail(
            f"--parameters-from-db: no database configured (set {DATABASE_URL_ENV}, or run "
            "from the directory of ./var/safetynet.db)"
        )


def database_law(
    *, packaged: bool = False, required: bool = False
) -> tuple[int | None, ParameterSet]:
    """The law version (None: the package, no database) and the parameters to compute with;
    ``required`` refuses to run without a database."""
    if required:
        _require_database()
    if packaged or not database_configured():
        return None, default_parameters()
    engine = make_engine()
    try:
        with Session(engine) as session:
            law = effective_law(session)
    except SQLAlchemyError as exc:
        _unreadable(exc)
    finally:
        engine.dispose()
    return law.version, law.params


def overlay_from_database() -> dict[str, Any]:
    """The approved overlay as plain data for ``--parameters-from-db``."""
    _require_database()
    engine = make_engine()
    try:
        with Session(engine) as session:
            return overlay_mapping(session)
    except SQLAlchemyError as exc:
        _unreadable(exc)
        return {"version": PACKAGED}
    finally:
        engine.dispose()
