"""One effective law per database: the packaged parameter tree plus the approved overlay.

Every service that computes from the law takes it from :func:`effective_law` inside its own
transaction and records ``law.version`` on what it stores. The version is read with one small
query (the highest row of ``law_versions``); the parameter set built for it is cached per
process and database engine, so a calculation costs no more than with the packaged law until
an approval or withdrawal opens the next version.

:func:`law_as_of` reproduces the law as it was known at a version or at a recorded time
(effective dates and recorded dates are kept apart: a value effective from 2026-07-01 that was
approved on 2026-12-01 is part of the law as of any version since, never of one before).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Integer, or_, select, text
from sqlalchemy.orm import Session

from safetynet.domain.errors import InvalidInput, NotFound
from safetynet.policy.errors import PolicyError
from safetynet.policy.overlay import DatedValue, as_mapping, check_value, with_values
from safetynet.policy.parameters import ParameterSet, Reference, default_parameters
from safetynet.store.base import UtcDateTime
from safetynet.store.parameters import LawVersion, ParameterValue

PACKAGED = 0
"""The law version of a database where nothing was ever approved: the package alone."""


@dataclass(frozen=True)
class Law:
    version: int
    recorded_at: datetime | None
    params: ParameterSet


_CACHE: weakref.WeakKeyDictionary[Engine, Law] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def reference_key(value: ParameterValue, packaged: ParameterSet) -> str:
    """The source key a value cites: a packaged reference with the same title and number, or
    its own ``DB-<id>``."""
    for key, reference in packaged.references.items():
        if reference.title == value.source_title and reference.number == value.source_number:
            return key
    return f"DB-{value.id}"


def reference_of(value: ParameterValue) -> Reference:
    return Reference(
        title=value.source_title,
        number=value.source_number,
        url=value.url,
        note=f"approved in the database by {value.decided_by}" if value.decided_by else None,
    )


def dated_value(value: ParameterValue, packaged: ParameterSet) -> DatedValue:
    """A stored value as a parameter file entry (validated again, as the files are)."""
    try:
        return check_value(
            packaged,
            value.parameter,
            region=value.region,
            effective=value.effective,
            value=value.value,
            unit=value.unit,
            source=reference_key(value, packaged),
            confidence=value.grade,
            article=value.article,
            note=value.note,
        )
    except PolicyError as exc:  # a stored value the package no longer accepts
        field = getattr(exc, "field", "parameter")
        raise InvalidInput.one(field, f"parameter value {value.id}: {exc}") from None


def _overlay(
    values: Iterable[ParameterValue], base: ParameterSet
) -> tuple[list[DatedValue], dict[str, Reference]]:
    rows = list(values)
    references = {
        key: reference_of(v) for v in rows if (key := reference_key(v, base)) not in base.references
    }
    return [dated_value(v, base) for v in rows], references


def build(values: Iterable[ParameterValue], packaged: ParameterSet | None = None) -> ParameterSet:
    """The packaged law with ``values`` added."""
    base = packaged if packaged is not None else default_parameters()
    return with_values(base, *_overlay(values, base))


def overlay_mapping(session: Session) -> dict[str, Any]:
    """The overlay of the law in force as plain data, for batch jobs and projections run with
    ``--parameters-from-db`` (see :func:`safetynet.policy.overlay.from_mapping`)."""
    version, recorded_at = _latest(session)
    values = values_in_force(session, version) if version != PACKAGED else []
    mapping = as_mapping(*_overlay(values, default_parameters()))
    mapping["version"] = version
    mapping["recorded_at"] = recorded_at.isoformat() if recorded_at else None
    return mapping


_LATEST = text(
    "SELECT version, recorded_at FROM law_versions ORDER BY version DESC LIMIT 1"
).columns(version=Integer(), recorded_at=UtcDateTime())
"""The one query every transaction that computes runs (plain SQL: half the ORM's cost)."""


def _latest(session: Session, at_most: int | None = None) -> tuple[int, datetime | None]:
    if at_most is None:
        row = session.execute(_LATEST).first()
    else:
        row = session.execute(
            select(LawVersion.version, LawVersion.recorded_at)
            .where(LawVersion.version <= at_most)
            .order_by(LawVersion.version.desc())
            .limit(1)
        ).first()
    return (PACKAGED, None) if row is None else (int(row[0]), row[1])


def values_in_force(session: Session, version: int) -> list[ParameterValue]:
    """The overlay of law version ``version``: approved at or before it, not retired by it."""
    return list(
        session.scalars(
            select(ParameterValue)
            .where(
                ParameterValue.approved_version.is_not(None),
                ParameterValue.approved_version <= version,
                or_(
                    ParameterValue.retired_version.is_(None),
                    ParameterValue.retired_version > version,
                ),
            )
            .order_by(ParameterValue.approved_version)
        )
    )


def effective_law(session: Session) -> Law:
    """The law in force in this database now (cached per process until the version moves)."""
    version, recorded_at = _latest(session)
    if version == PACKAGED:
        return Law(PACKAGED, None, default_parameters())
    engine = session.get_bind().engine
    with _LOCK:
        cached = _CACHE.get(engine)
    if cached is not None and (cached.version, cached.recorded_at) == (version, recorded_at):
        return cached
    law = Law(version, recorded_at, build(values_in_force(session, version)))
    with _LOCK:
        _CACHE[engine] = law
    return law


def law_as_of(
    session: Session, *, version: int | None = None, recorded_at: datetime | None = None
) -> Law:
    """The law as it was known at ``version``, or at the instant ``recorded_at`` (the latest
    version recorded by then); with neither, the law now."""
    if version is not None and recorded_at is not None:
        raise InvalidInput.one("version", "give a law version or a recorded time, not both")
    if recorded_at is not None:
        row = session.execute(
            select(LawVersion.version)
            .where(LawVersion.recorded_at <= recorded_at)
            .order_by(LawVersion.version.desc())
            .limit(1)
        ).first()
        version = PACKAGED if row is None else int(row[0])
    if version is None:
        return effective_law(session)
    if version < PACKAGED:
        raise InvalidInput.one("version", f"must be 0 or more, got {version}")
    latest, _ = _latest(session)
    if version > latest:
        raise NotFound("law version", version)
    if version == PACKAGED:
        return Law(PACKAGED, None, default_parameters())
    _, at = _latest(session, version)
    return Law(version, at, build(values_in_force(session, version)))
