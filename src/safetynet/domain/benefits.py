"""Benefits' vocabulary and state machines: which award, claim or transfer may move where.

An award is proposed by one operator and approved by another (maker-checker); only an active
award is paid; a suspended one (existence not verified) is paid its arrears once reinstated; an
ended one (death, end of entitlement) is never paid for a month after its end.
"""

from __future__ import annotations

from enum import StrEnum

from safetynet.domain.errors import Conflict


class AwardKind(StrEnum):
    EMPLOYEE_PENSION = "employee_pension"
    RESIDENT_PENSION = "resident_pension"
    UNEMPLOYMENT = "unemployment"
    INJURY_MONTHLY = "injury_monthly"
    INJURY_LUMP_SUM = "injury_lump_sum"
    DIBAO = "dibao"
    CHILDCARE = "childcare"
    DISABILITY_LIVING = "disability_living"
    DISABILITY_NURSING = "disability_nursing"


PENSIONS = (AwardKind.EMPLOYEE_PENSION, AwardKind.RESIDENT_PENSION)
"""Awards that need the annual existence verification and the maker-checker approval."""


class AwardStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    ENDED = "ended"


class AwardAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    END = "end"
    PAY = "pay"


AWARD_TRANSITIONS: dict[tuple[AwardStatus, AwardAction], AwardStatus] = {
    (AwardStatus.PROPOSED, AwardAction.APPROVE): AwardStatus.ACTIVE,
    (AwardStatus.PROPOSED, AwardAction.REJECT): AwardStatus.REJECTED,
    (AwardStatus.ACTIVE, AwardAction.SUSPEND): AwardStatus.SUSPENDED,
    (AwardStatus.SUSPENDED, AwardAction.REINSTATE): AwardStatus.ACTIVE,
    (AwardStatus.ACTIVE, AwardAction.END): AwardStatus.ENDED,
    (AwardStatus.SUSPENDED, AwardAction.END): AwardStatus.ENDED,
    (AwardStatus.ACTIVE, AwardAction.PAY): AwardStatus.ACTIVE,
}


def next_award_status(award_id: int, status: str, action: AwardAction) -> AwardStatus:
    """The status after ``action``, or a Conflict naming the award and its status."""
    target = AWARD_TRANSITIONS.get((AwardStatus(status), action))
    if target is None:
        raise Conflict(f"award {award_id} is {status}: cannot {action.value} it", field="status")
    return target


class LineStatus(StrEnum):
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"


class LineKind(StrEnum):
    REGULAR = "regular"
    ARREARS = "arrears"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


VERIFICATION_INTERVAL_MONTHS = 12
"""Existence verification (生存认证) is annual: an award not verified for 12 months is overdue."""

SUSPENDED_UNVERIFIED = "not_verified"

SUBSIDY_ENTRY = "subsidy"
"""Ledger entry kind of the government subsidy credited to a residents' pension account."""
