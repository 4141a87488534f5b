"""How far a region's payroll run for a month has got, for a page that watches it: the run, the
payment lines written so far, and the awards passed out of those the run will consider."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from safetynet.domain.access import Principal, Role
from safetynet.domain.benefits import AwardStatus
from safetynet.domain.regions import subtree_bounds
from safetynet.services import validation
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award, PaymentLine, PayrollRun


@dataclass
class RunProgress:
    region_code: int
    month: str
    run: PayrollRun | None
    lines_written: int
    awards_passed: int
    awards_total: int

    @property
    def percent(self) -> int:
        if self.run is not None and self.run.status == "completed":
            return 100
        if not self.awards_total:
            return 0
        return min(99, self.awards_passed * 100 // self.awards_total)


def run_progress(uow: UnitOfWork, actor: Principal, *, region: str, month: str) -> RunProgress:
    actor.require_role(Role.OPERATOR, Role.ADMIN, Role.AUDITOR)
    region_code = validation.region(region)
    actor.require_region(region_code)
    period = validation.month(month, allow_future=True)
    live = (
        Award.region_code.between(*subtree_bounds(region_code)),
        Award.status == AwardStatus.ACTIVE.value,
        Award.start_month <= period,
    )
    with uow:
        session = uow.session
        run = session.scalar(
            select(PayrollRun).where(
                PayrollRun.region_code == region_code,
                PayrollRun.month == period,
                PayrollRun.award_id.is_(None),
            )
        )
        total = int(session.scalar(select(func.count()).select_from(Award).where(*live)) or 0)
        if run is None:
            return RunProgress(region_code, period, None, 0, 0, total)
        lines = session.scalar(
            select(func.count()).select_from(PaymentLine).where(PaymentLine.run_id == run.id)
        )
        passed = session.scalar(
            select(func.count()).select_from(Award).where(*live, Award.id <= run.last_award_id)
        )
        return RunProgress(region_code, period, run, int(lines or 0), int(passed or 0), total)
