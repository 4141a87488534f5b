"""Parameter governance: a policy officer proposes a dated, sourced value; a second officer
approves it (maker-checker) and the effective law of the database moves to a new version.

Every change is one transaction with its audit row. Nothing is deleted: a rejected, withdrawn or
superseded value stays in the history with who decided, when and why. The approved overlay can
be exported in the package's own file format, so that it can be upstreamed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safetynet.policy.errors import InputError
from safetynet.policy.overlay import check_value
from safetynet.policy.parameters import default_parameters
from safetynet.services import audit
from safetynet.services.law import effective_law, reference_key, reference_of, values_in_force
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.parameters import LawVersion, ParameterValue

OFFICERS = (Role.POLICY_OFFICER, Role.ADMIN)
READERS = (Role.POLICY_OFFICER, Role.ADMIN, Role.AUDITOR, Role.OPERATOR)
MAX_TEXT = {
    "source": 300,
    "source_number": 100,
    "url": 500,
    "article": 100,
    "note": 1000,
    "reason": 1000,
}


@dataclass(frozen=True)
class Proposal:
    """A proposed value as given (the CLI's and the API's text), before validation."""

    parameter: str
    region: str
    effective: str
    value: Any
    source: str
    grade: str
    unit: str | None = None
    source_number: str | None = None
    url: str | None = None
    article: str | None = None
    note: str | None = None


def parse_value(raw: Any) -> float | dict[str, float]:
    """A number (JSON number or decimal text) or, for a table parameter, a JSON object of
    numbers; names the field ``value``."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("{"):
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidInput.one("value", f"not a valid JSON table ({exc.msg})") from None
        else:
            try:
                raw = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise InvalidInput.one("value", f"expected a number, got {raw!r}") from None
    if isinstance(raw, dict):
        return {str(k): _number(v, f"value.{k}") for k, v in raw.items()}
    return _number(raw, "value")


def _number(raw: Any, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise InvalidInput.one(field, f"expected a number, got {raw!r}")
    number = float(raw)
    if not math.isfinite(number):
        raise InvalidInput.one(field, "must be finite")
    if number < 0:
        raise InvalidInput.one(field, f"must not be negative, got {raw}")
    return number


def _effective(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput.one("effective", f"expected a date YYYY-MM-DD, got {raw!r}") from None


def _text(raw: str | None, field: str, *, required: bool = False) -> str | None:
    text = " ".join(str(raw or "").split())
    if not text:
        if required:
            raise InvalidInput.one(field, "is required")
        return None
    if len(text) > MAX_TEXT[field]:
        raise InvalidInput.one(field, f"is longer than {MAX_TEXT[field]} characters")
    return text


def _reason(raw: str) -> str:
    why = _text(raw, "reason")
    if why is None:
        raise InvalidInput.one("reason", "is required")
    return why


def validate(proposal: Proposal) -> ParameterValue:
    """The proposal checked exactly as a parameter file entry (unit, type, known parameter,
    region code, grade, source); :class:`InvalidInput` names the field."""
    packaged = default_parameters()
    source = _text(proposal.source, "source", required=True)
    number = _text(proposal.source_number, "source_number")
    url = _text(proposal.url, "url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput.one("url", f"expected an http(s) address, got {url!r}")
    article = _text(proposal.article, "article")
    note = _text(proposal.note, "note")
    name = str(proposal.parameter or "").strip()
    if name not in packaged:
        raise InvalidInput.one("parameter", f"no such parameter {name!r}")
    unit = proposal.unit if proposal.unit else packaged[name].unit
    value = parse_value(proposal.value)
    effective = _effective(proposal.effective)
    try:
        dated = check_value(
            packaged,
            name,
            region=proposal.region,
            effective=effective,
            value=value,
            unit=unit,
            source=source or "",
            confidence=str(proposal.grade).strip().upper(),
            article=article,
            note=note,
        )
    except InputError as exc:
        raise InvalidInput.one(exc.field, exc.problem) from None
    return ParameterValue(
        parameter=name,
        region=dated.region,
        effective=effective,
        value=value,
        unit=unit,
        source_title=source,
        source_number=number,
        url=url,
        article=article,
        grade=dated.entry.confidence,
        note=note or "",
        status="proposed",
        reason="",
    )


def describe(value: ParameterValue) -> dict[str, Any]:
    return {
        "id": value.id,
        "parameter": value.parameter,
        "region": value.region,
        "effective": value.effective.isoformat(),
        "value": value.value,
        "unit": value.unit,
        "source": value.source_title,
        "source_number": value.source_number,
        "url": value.url,
        "article": value.article,
        "grade": value.grade,
        "note": value.note,
        "status": value.status,
        "proposed_by": value.proposed_by,
        "proposed_at": value.proposed_at.isoformat() if value.proposed_at else None,
        "decided_by": value.decided_by,
        "decided_at": value.decided_at.isoformat() if value.decided_at else None,
        "reason": value.reason,
        "approved_version": value.approved_version,
        "retired_version": value.retired_version,
        "superseded_by": value.superseded_by_id,
    }


def _audit(
    uow: UnitOfWork, actor: Principal, action: str, value: ParameterValue, **kw: Any
) -> None:
    audit.record(
        uow.session,
        actor,
        action,
        "parameter_value",
        value.id,
        region_code=None if value.region == "national" else int(value.region),
        **kw,
    )


def propose(uow: UnitOfWork, actor: Principal, proposal: Proposal) -> ParameterValue:
    """Record a proposed value; it has no effect until a second officer approves it."""
    actor.require_role(*OFFICERS)
    value = validate(proposal)
    value.proposed_by = actor.username
    value.proposed_at = utcnow()
    with uow:
        uow.session.add(value)
        uow.session.flush()
        _audit(uow, actor, "parameter.propose", value, after=describe(value))
        uow.commit()
        return value


def _load(uow: UnitOfWork, value_id: int) -> ParameterValue:
    """The value, locked until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
    value = uow.session.scalar(
        select(ParameterValue).where(ParameterValue.id == value_id).with_for_update()
    )
    if value is None:
        raise NotFound("parameter value", value_id)
    return value


def _next_version(uow: UnitOfWork, actor: Principal, action: str, value_id: int) -> int:
    latest = uow.session.scalar(select(func.max(LawVersion.version)))
    version = int(latest or 0) + 1
    uow.session.add(
        LawVersion(version=version, action=action, value_id=value_id, actor=actor.username)
    )
    return version


def _commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except IntegrityError:
        raise Conflict(
            "another change of the law was recorded at the same moment; nothing was changed, "
            "try again"
        ) from None


def approve(uow: UnitOfWork, actor: Principal, value_id: int) -> ParameterValue:
    """Approve a proposal (never its own maker's): the law moves to the next version; an
    approved value for the same parameter, region and date is superseded, and kept."""
    actor.require_role(*OFFICERS)
    with uow:
        value = _load(uow, value_id)
        if value.status != "proposed":
            raise Conflict(f"parameter value {value_id} is {value.status}, not proposed")
        if value.proposed_by == actor.username:
            raise Forbidden(
                "maker-checker: the officer who proposed a value may not approve it; "
                "a second officer must"
            )
        version = _next_version(uow, actor, "approve", value.id)
        previous = uow.session.scalar(
            select(ParameterValue).where(
                ParameterValue.parameter == value.parameter,
                ParameterValue.region == value.region,
                ParameterValue.effective == value.effective,
                ParameterValue.status == "approved",
            )
        )
        if previous is not None:
            previous.status = "superseded"
            previous.retired_version = version
            previous.superseded_by_id = value.id
            uow.session.flush()
            _audit(uow, actor, "parameter.supersede", previous, after=describe(previous))
        before = describe(value)
        value.status = "approved"
        value.decided_by = actor.username
        value.decided_at = utcnow()
        value.approved_version = version
        uow.session.flush()
        _audit(uow, actor, "parameter.approve", value, before=before, after=describe(value))
        _commit(uow)
        return value


def reject(uow: UnitOfWork, actor: Principal, value_id: int, reason: str) -> ParameterValue:
    """Refuse a proposal, with the reason (a decision: never by its maker, who withdraws)."""
    actor.require_role(*OFFICERS)
    why = _reason(reason)
    with uow:
        value = _load(uow, value_id)
        if value.status != "proposed":
            raise Conflict(f"parameter value {value_id} is {value.status}, not proposed")
        if value.proposed_by == actor.username:
            raise Forbidden(
                "maker-checker: the maker withdraws a proposal, a second officer rejects it"
            )
        before = describe(value)
        value.status = "rejected"
        value.decided_by = actor.username
        value.decided_at = utcnow()
        value.reason = why
        uow.session.flush()
        _audit(
            uow, actor, "parameter.reject", value, before=before, after=describe(value), reason=why
        )
        uow.commit()
        return value


def withdraw(uow: UnitOfWork, actor: Principal, value_id: int, reason: str) -> ParameterValue:
    """Withdraw a proposal, or an approved value (the law moves to the next version without
    it, and the packaged value, if any, applies again)."""
    actor.require_role(*OFFICERS)
    why = _reason(reason)
    with uow:
        value = _load(uow, value_id)
        if value.status not in ("proposed", "approved"):
            raise Conflict(f"parameter value {value_id} is {value.status}; nothing to withdraw")
        before = describe(value)
        if value.status == "approved":
            value.retired_version = _next_version(uow, actor, "withdraw", value.id)
        value.status = "withdrawn"
        value.decided_by = actor.username
        value.decided_at = utcnow()
        value.reason = why
        uow.session.flush()
        _audit(
            uow,
            actor,
            "parameter.withdraw",
            value,
            before=before,
            after=describe(value),
            reason=why,
        )
        _commit(uow)
        return value


def list_values(
    uow: UnitOfWork,
    actor: Principal,
    *,
    status: str | None = None,
    parameter: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[ParameterValue]:
    """Values in the order proposed, optionally of one status or parameter."""
    actor.require_role(*READERS)
    query = select(ParameterValue).order_by(ParameterValue.id).limit(limit)
    if status is not None:
        allowed = ("proposed", "approved", "rejected", "withdrawn", "superseded")
        if status not in allowed:
            raise InvalidInput.one(
                "status", f"expected one of {', '.join(allowed)}, got {status!r}"
            )
        query = query.where(ParameterValue.status == status)
    if parameter is not None:
        query = query.where(ParameterValue.parameter == parameter)
    if after_id is not None:
        query = query.where(ParameterValue.id > after_id)
    with uow:
        return list(uow.session.scalars(query))


def history(uow: UnitOfWork, actor: Principal, parameter: str) -> dict[str, Any]:
    """Every value ever proposed for a parameter, with its decisions, and the law versions
    that changed it (recorded dates beside effective dates)."""
    actor.require_role(*READERS)
    if parameter not in default_parameters():
        raise InvalidInput.one("parameter", f"no such parameter {parameter!r}")
    with uow:
        values = list(
            uow.session.scalars(
                select(ParameterValue)
                .where(ParameterValue.parameter == parameter)
                .order_by(ParameterValue.id)
            )
        )
        ids = [v.id for v in values]
        versions = (
            list(
                uow.session.scalars(
                    select(LawVersion)
                    .where(LawVersion.value_id.in_(ids))
                    .order_by(LawVersion.version)
                )
            )
            if ids
            else []
        )
        law = effective_law(uow.session)
    return {
        "parameter": parameter,
        "law_version": law.version,
        "values": [describe(v) for v in values],
        "versions": [
            {
                "version": v.version,
                "recorded_at": v.recorded_at.isoformat(),
                "action": v.action,
                "value_id": v.value_id,
                "actor": v.actor,
            }
            for v in versions
        ],
    }


def export(uow: UnitOfWork, actor: Principal) -> dict[str, str]:
    """The approved overlay as parameter files in the package's own layout (file path ->
    YAML text, with a ``references.yaml`` of every source cited), loadable by
    :func:`~safetynet.policy.parameters.load_parameters`."""
    actor.require_role(*READERS)
    packaged = default_parameters()
    with uow:
        law = effective_law(uow.session)
        values = values_in_force(uow.session, law.version)
    files: dict[str, dict[str, Any]] = {}
    references: dict[str, dict[str, Any]] = {}
    for value in sorted(values, key=lambda v: (v.parameter, v.region, v.effective)):
        parameter = packaged[value.parameter]
        key = reference_key(value, packaged)
        cited = packaged.references.get(key) or reference_of(value)
        references[key] = cited.model_dump(exclude_none=True)
        namespace = parameter.file.removesuffix(".yaml").replace("/", ".")
        short = value.parameter.removeprefix(namespace + ".")
        definition = files.setdefault(parameter.file, {}).setdefault(
            short, {"description": parameter.description, "unit": parameter.unit, "values": {}}
        )
        entry: dict[str, Any] = {"from": value.effective, "value": value.value, "source": key}
        if value.article:
            entry["article"] = value.article
        entry["confidence"] = value.grade
        note = f"{value.note + '; ' if value.note else ''}approved as law version " + str(
            value.approved_version
        )
        entry["note"] = note
        definition["values"].setdefault(value.region, []).append(entry)
    header = f"# Exported from the database: the approved overlay of law version {law.version}.\n"
    out = {"references.yaml": header + _dump(references)}
    for path, content in sorted(files.items()):
        out[path] = header + _dump(content)
    return out


def _dump(content: dict[str, Any]) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, default_flow_style=False)
