"""A region's figures at a glance: insured persons by scheme, a month's contributions, awards by
state and payroll totals. Aggregated in the database (one GROUP BY each), within the actor's
region scope (an operator's subtree; auditors and admins see every region)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import RunStatus
from safetynet.domain.schemes import EnrollmentStatus
from safetynet.policy.periods import format_month
from safetynet.services import validation
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award, PayrollRun
from safetynet.store.contributions import ContributionRecord
from safetynet.store.registry import Enrollment


@dataclass
class RegionSummary:
    month: str
    insured_by_scheme: dict[str, int] = field(default_factory=dict)
    contributions_fen: dict[str, int] = field(default_factory=dict)
    contributors: int = 0
    awards_by_status: dict[str, int] = field(default_factory=dict)
    awards_by_kind: dict[str, int] = field(default_factory=dict)
    payroll_by_month: list[tuple[str, int, int]] = field(default_factory=list)
    """(month, lines, total fen) of the latest completed runs, oldest first."""


def _scoped(query: Any, column: Any, actor: Principal) -> Any:
    bounds = actor.region_bounds
    return query.where(column.between(*bounds)) if bounds is not None else query


def region_summary(uow: UnitOfWork, actor: Principal, *, month: str | None = None) -> RegionSummary:
    actor.require_role(Role.OPERATOR, Role.ADMIN, Role.AUDITOR)
    period = validation.month(month) if month else format_month(validation.current_month())
    summary = RegionSummary(month=period)
    c = ContributionRecord
    with uow:
        session = uow.session
        insured = _scoped(
            select(Enrollment.scheme, func.count(func.distinct(Enrollment.person_id)))
            .where(Enrollment.status == EnrollmentStatus.ACTIVE.value)
            .group_by(Enrollment.scheme),
            Enrollment.region_code,
            actor,
        )
        summary.insured_by_scheme = {k: int(v) for k, v in session.execute(insured).all()}
        sums = _scoped(
            select(
                func.count(func.distinct(c.person_id)),
                func.coalesce(func.sum(c.pension_employer_fen + c.pension_employee_fen), 0),
                func.coalesce(func.sum(c.medical_employer_fen + c.medical_employee_fen), 0),
                func.coalesce(
                    func.sum(c.unemployment_employer_fen + c.unemployment_employee_fen), 0
                ),
                func.coalesce(func.sum(c.work_injury_employer_fen), 0),
                func.coalesce(func.sum(c.resident_pension_fen + c.resident_medical_fen), 0),
            ).where(c.month == period),
            c.region_code,
            actor,
        )
        row = session.execute(sums).one()
        summary.contributors = int(row[0])
        names = ("pension", "medical", "unemployment", "work_injury", "resident")
        summary.contributions_fen = {n: int(v) for n, v in zip(names, row[1:], strict=True)}
        by_status = _scoped(
            select(Award.status, func.count()).group_by(Award.status), Award.region_code, actor
        )
        summary.awards_by_status = {k: int(v) for k, v in session.execute(by_status).all()}
        by_kind = _scoped(
            select(Award.kind, func.count()).group_by(Award.kind), Award.region_code, actor
        )
        summary.awards_by_kind = {k: int(v) for k, v in session.execute(by_kind).all()}
        runs = _scoped(
            select(
                PayrollRun.month, func.sum(PayrollRun.line_count), func.sum(PayrollRun.total_fen)
            )
            .where(PayrollRun.status == RunStatus.COMPLETED.value)
            .group_by(PayrollRun.month)
            .order_by(PayrollRun.month.desc())
            .limit(12),
            PayrollRun.region_code,
            actor,
        )
        summary.payroll_by_month = [
            (m, int(n or 0), int(t or 0)) for m, n, t in reversed(session.execute(runs).all())
        ]
    return summary
