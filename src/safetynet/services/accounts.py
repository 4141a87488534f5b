"""Flexible workers' and residents' own contributions, the personal-account ledger, and the
year-end crediting of interest.

The ledger is append-only: the balance of an account is the sum of its entries. Year-end
crediting posts one interest entry per person, account and year (a unique index), so a re-run
or a run resumed after a crash never credits twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, func, insert, select

from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import Conflict, InvalidInput, NotFound
from safetynet.domain.schemes import (
    MAX_RESIDENT_MEDICAL_PREMIUM_YUAN,
    RESIDENT_PENSION_GRADES_YUAN,
    Account,
    EnrollmentStatus,
    EntryKind,
    Scheme,
)
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.rules.account import credit_year as credit_year_kernel
from safetynet.services import audit, validation
from safetynet.services.contributions import compute
from safetynet.services.law import effective_law
from safetynet.services.uow import UnitOfWork
from safetynet.store.contributions import AccountEntry, ContributionRecord
from safetynet.store.registry import Enrollment, Person


@dataclass
class Posting:
    record: ContributionRecord
    entries: list[AccountEntry]


def _person(uow: UnitOfWork, actor: Principal, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    actor.require_person(person.id, person.region_code)
    return person


def _active(uow: UnitOfWork, person_id: int, scheme: Scheme, month: str) -> Enrollment | None:
    return uow.session.scalar(
        select(Enrollment).where(
            Enrollment.person_id == person_id,
            Enrollment.scheme == scheme.value,
            Enrollment.status == EnrollmentStatus.ACTIVE.value,
            Enrollment.start_month <= month,
        )
    )


def pay_flexible(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    month: str,
    monthly_base: str,
) -> Posting:
    """A flexible worker's month on a chosen base: pension (8 % of the base to the account)
    and, where enrolled, medical; once per person and month."""
    actor.require_write()
    period = validation.month(month)
    wage = validation.monthly_wage(monthly_base, "monthly_base")
    with uow:
        session = uow.session
        person = _person(uow, actor, person_id)
        pension = _active(uow, person.id, Scheme.EMPLOYEE_PENSION, period)
        if pension is None or pension.worker_type != "flexible":
            raise Conflict(
                f"person {person.id} has no active flexible-worker pension enrollment in {period}",
                field="person_id",
            )
        medical = _active(uow, person.id, Scheme.EMPLOYEE_MEDICAL, period)
        branches = (
            ("pension", "medical")
            if medical is not None and (medical.worker_type == "flexible")
            else ("pension",)
        )
        already = session.scalar(
            select(func.count())
            .select_from(ContributionRecord)
            .where(
                ContributionRecord.person_id == person.id,
                ContributionRecord.month == period,
                ContributionRecord.worker_type == "flexible",
            )
        )
        if already:
            raise Conflict(f"person {person.id} has already paid for {period}", field="month")
        law = effective_law(session)
        amounts = compute(
            law.params,
            wage_fen=np.array([wage]),
            region_code=pension.region_code,
            month=period,
            worker_type="flexible",
            branches=branches,
        )
        record = ContributionRecord(
            person_id=person.id,
            month=period,
            region_code=pension.region_code,
            worker_type="flexible",
            kind="contribution",
            wage_fen=wage,
            law_version=law.version,
            **{column: int(values[0]) for column, values in amounts.items()},
        )
        session.add(record)
        session.flush()
        entry = AccountEntry(
            person_id=person.id,
            account=Account.EMPLOYEE_PENSION.value,
            kind=EntryKind.CONTRIBUTION.value,
            amount_fen=record.pension_account_fen,
            month=period,
            year=int(period[:4]),
            region_code=pension.region_code,
            contribution_id=record.id,
        )
        session.add(entry)
        session.flush()
        audit.record(
            session,
            actor,
            "contribution.flexible",
            "contribution",
            record.id,
            region_code=pension.region_code,
            after={
                "person_id": person.id,
                "month": period,
                "base_fen": record.base_fen,
                "pension_fen": record.pension_employee_fen,
                "account_fen": record.pension_account_fen,
                "medical_fen": record.medical_employee_fen,
                "law_version": law.version,
            },
        )
        uow.commit()
        return Posting(record, [entry])


def pay_resident(
    uow: UnitOfWork,
    actor: Principal,
    *,
    person_id: int,
    year: int,
    pension_grade: int | None = None,
    medical_premium: str | None = None,
) -> Posting:
    """A resident's annual contribution: a pension grade (all to the personal account) and/or
    the medical premium; once per person, scheme and year."""
    actor.require_write()
    paid_year = validation.year(year)
    if pension_grade is None and medical_premium is None:
        raise InvalidInput.one("pension_grade", "give a pension grade, a medical premium or both")
    if pension_grade is not None and pension_grade not in RESIDENT_PENSION_GRADES_YUAN:
        raise InvalidInput.one(
            "pension_grade",
            "expected one of the grades "
            + ", ".join(str(g) for g in RESIDENT_PENSION_GRADES_YUAN)
            + f" yuan, got {pension_grade!r}",
        )
    premium_fen = 0
    if medical_premium is not None:
        premium_fen = validation.amount_fen(
            medical_premium, "medical_premium", maximum_yuan=MAX_RESIDENT_MEDICAL_PREMIUM_YUAN
        )
    month = f"{paid_year}-01"
    with uow:
        session = uow.session
        person = _person(uow, actor, person_id)
        schemes = [Scheme.RESIDENT_PENSION] if pension_grade is not None else []
        if medical_premium is not None:
            schemes.append(Scheme.RESIDENT_MEDICAL)
        regions = []
        for scheme in schemes:
            enrollment = _active(uow, person.id, scheme, f"{paid_year}-12")
            if enrollment is None:
                raise Conflict(
                    f"person {person.id} is not enrolled in {scheme} in {paid_year}",
                    field="person_id",
                )
            regions.append(enrollment.region_code)
            column = (
                ContributionRecord.resident_pension_fen
                if scheme is Scheme.RESIDENT_PENSION
                else ContributionRecord.resident_medical_fen
            )
            paid = session.scalar(
                select(func.coalesce(func.sum(column), 0)).where(
                    ContributionRecord.person_id == person.id,
                    ContributionRecord.month == month,
                    ContributionRecord.worker_type == "resident",
                )
            )
            if paid:
                raise Conflict(
                    f"person {person.id} has already paid {scheme} for {paid_year}", field="year"
                )
        region_code = regions[0]
        pension_fen = (pension_grade or 0) * 100
        record = ContributionRecord(
            person_id=person.id,
            month=month,
            region_code=region_code,
            worker_type="resident",
            kind="contribution",
            resident_pension_fen=pension_fen,
            resident_medical_fen=premium_fen,
        )
        session.add(record)
        session.flush()
        entries = []
        if pension_fen:
            entries.append(
                AccountEntry(
                    person_id=person.id,
                    account=Account.RESIDENT_PENSION.value,
                    kind=EntryKind.CONTRIBUTION.value,
                    amount_fen=pension_fen,
                    month=month,
                    year=paid_year,
                    region_code=region_code,
                    contribution_id=record.id,
                )
            )
            session.add_all(entries)
            session.flush()
        audit.record(
            session,
            actor,
            "contribution.resident",
            "contribution",
            record.id,
            region_code=region_code,
            after={
                "person_id": person.id,
                "year": paid_year,
                "pension_fen": pension_fen,
                "medical_fen": premium_fen,
            },
        )
        uow.commit()
        return Posting(record, entries)


def balances(uow: UnitOfWork, person_id: int) -> dict[str, int]:
    """Each account's balance in fen: the sum of its entries."""
    rows = uow.session.execute(
        select(AccountEntry.account, func.sum(AccountEntry.amount_fen))
        .where(AccountEntry.person_id == person_id)
        .group_by(AccountEntry.account)
    ).all()
    return {str(account): int(total) for account, total in rows}


def list_entries(
    uow: UnitOfWork,
    actor: Principal,
    person_id: int,
    *,
    after_id: int | None = None,
    limit: int = 100,
) -> list[AccountEntry]:
    query = (
        select(AccountEntry)
        .where(AccountEntry.person_id == person_id)
        .order_by(AccountEntry.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(AccountEntry.id > after_id)
    with uow:
        _person(uow, actor, person_id)
        return list(uow.session.scalars(query))


@dataclass
class CreditRun:
    year: int
    credited: int
    """Persons credited by this run."""
    already: int
    """Persons credited by an earlier run (skipped)."""
    interest_fen: int


def credit_year(uow: UnitOfWork, actor: Principal, *, year: int) -> CreditRun:
    """Credit the year's interest to every employee-pension account in the actor's scope
    (``account_interest`` of the rules engine, on the year's opening balance and credits)."""
    actor.require_role(Role.OPERATOR, Role.ADMIN)
    credited_year = validation.year(year)
    if credited_year >= validation.current_month() // 12:
        raise InvalidInput.one("year", f"{credited_year} has not ended yet")
    account = Account.EMPLOYEE_PENSION.value
    with uow:
        session = uow.session
        opening = func.coalesce(
            func.sum(AccountEntry.amount_fen).filter(AccountEntry.year < credited_year), 0
        )
        credits = func.coalesce(
            func.sum(AccountEntry.amount_fen).filter(
                and_(
                    AccountEntry.year == credited_year,
                    AccountEntry.kind != EntryKind.INTEREST.value,
                )
            ),
            0,
        )
        done = func.count().filter(
            and_(AccountEntry.kind == EntryKind.INTEREST.value, AccountEntry.year == credited_year)
        )
        query = (
            select(AccountEntry.person_id, opening, credits, done, func.max(Person.region_code))
            .join(Person, Person.id == AccountEntry.person_id)
            .where(AccountEntry.account == account, AccountEntry.year <= credited_year)
            .group_by(AccountEntry.person_id)
            .order_by(AccountEntry.person_id)
        )
        bounds = actor.region_bounds
        if bounds is not None:
            query = query.where(Person.region_code.between(*bounds))
        rows = session.execute(query).all()
        todo = [r for r in rows if not r[3]]
        already = len(rows) - len(todo)
        if not todo:
            return CreditRun(credited_year, 0, already, 0)
        person_ids = np.array([r[0] for r in todo], dtype=np.int64)
        opening_fen = np.array([int(r[1]) for r in todo], dtype=np.int64)
        credit_fen = np.array([int(r[2]) for r in todo], dtype=np.int64)
        law = effective_law(session)
        try:
            result = credit_year_kernel(
                law.params,
                account_balance=opening_fen / 100.0,
                year=np.full(len(todo), credited_year),
                year_credits=credit_fen / 100.0,
            )
        except ParameterLookupError as exc:
            raise InvalidInput.one("year", f"cannot credit interest: {exc}") from None
        interest = np.asarray(result["interest"], dtype=np.int64)
        region_by_person = {r[0]: int(r[4]) for r in todo}
        session.execute(
            insert(AccountEntry),
            [
                {
                    "person_id": int(pid),
                    "account": account,
                    "kind": EntryKind.INTEREST.value,
                    "amount_fen": int(amount),
                    "month": f"{credited_year}-12",
                    "year": credited_year,
                    "region_code": region_by_person[int(pid)],
                    "note": f"interest {credited_year}",
                }
                for pid, amount in zip(person_ids, interest, strict=True)
            ],
        )
        total = int(interest.sum())
        audit.record(
            session,
            actor,
            "account.credit_year",
            "account_run",
            credited_year,
            region_code=actor.region_code if bounds else None,
            after={
                "year": credited_year,
                "persons": len(todo),
                "interest_fen": total,
                "skipped_already_credited": already,
                "law_version": law.version,
            },
        )
        uow.commit()
        return CreditRun(credited_year, len(todo), already, total)
