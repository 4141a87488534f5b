"""Transfer and continuation of the employee pension between provinces (REFERENCE §6).

The sending province's operator requests the transfer: the rules engine's ``transfer`` computes
what moves (the whole personal account, 12 % of the contribution bases since 1998 from the
pooled fund) and the aggregated contribution months. The receiving province's operator
completes it: the personal account leaves the sending region and enters the receiving one in
the ledger (two entries, one transaction). The claim place at retirement follows the 10-year
rule of art. 6 over the months contributed in each province.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import TransferStatus
from safetynet.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from safetynet.domain.schemes import Account, EntryKind, Scheme
from safetynet.policy.catalogue import CalcResult
from safetynet.policy.money import decimal_to_fen, fen_to_decimal
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.regions import province_of
from safetynet.services import audit, validation
from safetynet.services.accounts import balances
from safetynet.services.benefits.common import (
    active_enrollment,
    explanation,
    person_in_scope,
    rule,
)
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.base import utcnow
from safetynet.store.benefits import PensionTransfer
from safetynet.store.contributions import AccountEntry, ContributionRecord
from safetynet.store.registry import Person

POOLED_FROM = "1998-01"
"""The pooled part moves for contribution bases from 1998-01-01 on (REFERENCE §6)."""


@dataclass
class ProvinceHistory:
    provinces: list[int]
    months: list[int]
    base_fen_since_1998: dict[int, int]


def _history(uow: UnitOfWork, person_id: int) -> ProvinceHistory:
    """Months of employee-pension contributions by province, in the order of each province's
    last contribution, and the bases since 1998 by province."""
    rows = uow.session.execute(
        select(
            ContributionRecord.month,
            func.max(ContributionRecord.region_code),
            func.sum(ContributionRecord.base_fen),
            func.sum(ContributionRecord.pension_employee_fen),
        )
        .where(
            ContributionRecord.person_id == person_id,
            ContributionRecord.worker_type.in_(("employee", "flexible")),
        )
        .group_by(ContributionRecord.month)
        .order_by(ContributionRecord.month)
    ).all()
    months: dict[int, int] = {}
    last: dict[int, str] = {}
    bases: dict[int, int] = {}
    for month, region, base, pension in rows:
        if not pension or pension <= 0:
            continue
        province = int(province_of(np.array([int(region)]))[0])
        months[province] = months.get(province, 0) + 1
        last[province] = month
        if month >= POOLED_FROM:
            bases[province] = bases.get(province, 0) + int(base or 0)
    order = sorted(months, key=lambda p: last[p])
    return ProvinceHistory(order, [months[p] for p in order], bases)


def _region_of_relation(uow: UnitOfWork, person: Person, month: str) -> int:
    enrollment = active_enrollment(uow, person.id, (Scheme.EMPLOYEE_PENSION.value,), month)
    return enrollment.region_code if enrollment is not None else person.region_code


def _transfer_calc(
    month: str,
    account_fen: int,
    base_fen: int,
    history: ProvinceHistory,
    hukou: int,
    current: int,
    params: ParameterSet,
) -> CalcResult:
    return rule(
        "transfer",
        {
            "month": month,
            "account_balance": str(fen_to_decimal(account_fen)),
            "contribution_base_total": str(fen_to_decimal(base_fen)),
            "provinces": [f"{p:06d}" for p in history.provinces],
            "province_months": history.months,
            "hukou_region": f"{hukou:06d}",
            "current_region": f"{current:06d}",
        },
        params,
    )


def claim_region(uow: UnitOfWork, person: Person, month: str) -> tuple[int, CalcResult | None]:
    """Where the pension is claimed: the region of the insurance relation, or, for a person who
    contributed in more than one province, the province art. 6 designates (with its
    explanation)."""
    current = _region_of_relation(uow, person, month)
    history = _history(uow, person.id)
    if len(history.provinces) < 2:
        return current, None
    result = _transfer_calc(
        month, 0, 0, history, person.hukou_region_code, current, effective_law(uow.session).params
    )
    claim = int(result.values["claim_region"])
    same_province = int(province_of(np.array([current]))[0]) == claim
    return (current if same_province else claim), result


def request_transfer(
    uow: UnitOfWork, actor: Principal, *, person_id: int, to_region: str, month: str
) -> PensionTransfer:
    """The sending province records what will move to ``to_region``."""
    actor.require_write()
    target = validation.region(to_region, "to_region")
    period = validation.month(month)
    with uow:
        session = uow.session
        person = person_in_scope(uow, actor, person_id)
        source = _region_of_relation(uow, person, period)
        actor.require_region(source)
        if province_of(np.array([source]))[0] == province_of(np.array([target]))[0]:
            raise Conflict("a move within the province is not a transfer", field="to_region")
        history = _history(uow, person.id)
        if not history.provinces:
            raise Conflict(f"person {person.id} has no employee-pension contributions to move")
        account = max(balances(uow, person.id).get(Account.EMPLOYEE_PENSION.value, 0), 0)
        province = int(province_of(np.array([source]))[0])
        law = effective_law(session)
        result = _transfer_calc(
            period,
            account,
            history.base_fen_since_1998.get(province, 0),
            history,
            person.hukou_region_code,
            target,
            law.params,
        )
        transfer = PensionTransfer(
            person_id=person.id,
            from_region_code=source,
            to_region_code=target,
            status=TransferStatus.REQUESTED.value,
            account_fen=account,
            pooled_fen=decimal_to_fen(result.values["pooled_fund_transfer"]),
            months=int(result.values["total_contribution_months"]),
            explanation=explanation(result),
            requested_by=actor.username,
            law_version=law.version,
        )
        session.add(transfer)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"person {person.id} already has an open transfer", field="person_id"
            ) from None
        audit.record(
            session,
            actor,
            "transfer.request",
            "pension_transfer",
            transfer.id,
            region_code=source,
            after=transfer_snapshot(transfer),
        )
        uow.commit()
        return transfer


def transfer_snapshot(transfer: PensionTransfer) -> dict[str, Any]:
    return {
        "person_id": transfer.person_id,
        "from": transfer.from_region_code,
        "to": transfer.to_region_code,
        "status": transfer.status,
        "account_fen": transfer.account_fen,
        "pooled_fen": transfer.pooled_fen,
        "months": transfer.months,
    }


def _require_either_side(actor: Principal, transfer: PensionTransfer) -> None:
    """The sending or the receiving region's operators (a citizen: their own transfer)."""
    try:
        actor.require_person(transfer.person_id, transfer.from_region_code)
    except Forbidden:
        if actor.role is Role.CITIZEN:
            raise
        actor.require_region(transfer.to_region_code)


def _transfer(uow: UnitOfWork, transfer_id: int) -> PensionTransfer:
    transfer = uow.session.get(PensionTransfer, transfer_id)
    if transfer is None:
        raise NotFound("transfer", transfer_id)
    return transfer


def complete_transfer(uow: UnitOfWork, actor: Principal, transfer_id: int) -> PensionTransfer:
    """The receiving province takes the relation over: the account moves in the ledger."""
    actor.require_write()
    with uow:
        session = uow.session
        transfer = _transfer(uow, transfer_id)
        actor.require_region(transfer.to_region_code)
        if transfer.status != TransferStatus.REQUESTED.value:
            raise Conflict(f"transfer {transfer.id} is {transfer.status}", field="status")
        before = transfer_snapshot(transfer)
        # the database decides who completes it: a request that read "requested" while
        # another was completing it finds no row to claim here (the row lock orders the two)
        claimed = session.execute(
            update(PensionTransfer)
            .where(
                PensionTransfer.id == transfer.id,
                PensionTransfer.status == TransferStatus.REQUESTED.value,
            )
            .values(status=TransferStatus.COMPLETED.value)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"transfer {transfer.id} was completed meanwhile", field="status")
        session.scalar(select(Person).where(Person.id == transfer.person_id).with_for_update())
        account = max(balances(uow, transfer.person_id).get(Account.EMPLOYEE_PENSION.value, 0), 0)
        transfer.account_fen = account
        now = utcnow()
        month = f"{now.year:04d}-{now.month:02d}"
        for kind, amount, region in (
            (EntryKind.TRANSFER_OUT, -account, transfer.from_region_code),
            (EntryKind.TRANSFER_IN, account, transfer.to_region_code),
        ):
            session.add(
                AccountEntry(
                    person_id=transfer.person_id,
                    account=Account.EMPLOYEE_PENSION.value,
                    kind=kind.value,
                    amount_fen=amount,
                    month=month,
                    year=now.year,
                    region_code=region,
                    note=f"transfer {transfer.id}",
                )
            )
        transfer.status = TransferStatus.COMPLETED.value
        transfer.completed_by = actor.username
        transfer.updated_at = now
        session.flush()
        audit.record(
            session,
            actor,
            "transfer.complete",
            "pension_transfer",
            transfer.id,
            region_code=transfer.to_region_code,
            before=before,
            after=transfer_snapshot(transfer),
        )
        uow.commit()
        return transfer


def cancel_transfer(
    uow: UnitOfWork, actor: Principal, transfer_id: int, *, reason: str
) -> PensionTransfer:
    actor.require_write()
    if not reason.strip():
        raise InvalidInput.one("reason", "a cancellation needs a reason")
    with uow:
        transfer = _transfer(uow, transfer_id)
        _require_either_side(actor, transfer)
        if transfer.status != TransferStatus.REQUESTED.value:
            raise Conflict(f"transfer {transfer.id} is {transfer.status}", field="status")
        before = transfer_snapshot(transfer)
        transfer.status = TransferStatus.CANCELLED.value
        transfer.updated_at = utcnow()
        audit.record(
            uow.session,
            actor,
            "transfer.cancel",
            "pension_transfer",
            transfer.id,
            region_code=transfer.from_region_code,
            before=before,
            after=transfer_snapshot(transfer),
            reason=reason,
        )
        uow.commit()
        return transfer


def get_transfer(uow: UnitOfWork, actor: Principal, transfer_id: int) -> PensionTransfer:
    """Either side's operators (and the person) may follow a transfer."""
    with uow:
        transfer = _transfer(uow, transfer_id)
        _require_either_side(actor, transfer)
        return transfer


def claim_place(uow: UnitOfWork, actor: Principal, *, person_id: int, month: str) -> CalcResult:
    """Where the person would claim the pension in ``month`` (art. 6), explained."""
    period = validation.month(month, allow_future=True)
    with uow:
        person = person_in_scope(uow, actor, person_id)
        history = _history(uow, person.id)
        if not history.provinces:
            raise Conflict(f"person {person.id} has no employee-pension contributions")
        current = _region_of_relation(uow, person, period)
        return _transfer_calc(
            period,
            0,
            0,
            history,
            person.hukou_region_code,
            current,
            effective_law(uow.session).params,
        )
