"""Which law a command computes under: the database's effective law (the packaged parameters
plus the approved overlay) when a database is configured, else the package alone."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from safetynet.cli.errors import fail
from safetynet.domain.errors import DomainError
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.services.law import PACKAGED, effective_law, law_as_of, overlay_mapping
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
            f"no database configured for the law (set {DATABASE_URL_ENV}, or run from the "
            "directory of ./var/safetynet.db)"
        )


def database_law(
    *,
    packaged: bool = False,
    required: bool = False,
    version: int | None = None,
    recorded_at: datetime | None = None,
) -> tuple[int | None, ParameterSet]:
    """The law version (None: the package, no database) and the parameters to compute with:
    the law now, or as it was known at ``version`` or at the instant ``recorded_at``;
    ``required`` refuses to run without a database."""
    as_of = version is not None or recorded_at is not None
    if required or as_of:
        _require_database()
    if packaged or not database_configured():
        return None, default_parameters()
    engine = make_engine()
    try:
        with Session(engine) as session:
            law = (
                law_as_of(session, version=version, recorded_at=recorded_at)
                if as_of
                else effective_law(session)
            )
    except SQLAlchemyError as exc:
        _unreadable(exc)
    except DomainError as exc:
        fail(f"--law-version: {exc}")
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
