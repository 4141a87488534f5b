"""Schemes, worker types and which schemes the law applies to whom (Social Insurance Law).

Employees join the four employee schemes (maternity is merged into medical since 2019);
flexible workers join the employee pension and medical schemes on their own account; everyone
else may join the residents' pension and medical schemes. A person is never in the employee and
the residents' scheme of the same branch at once.
"""

from __future__ import annotations

from enum import StrEnum


class Scheme(StrEnum):
    EMPLOYEE_PENSION = "employee_pension"
    EMPLOYEE_MEDICAL = "employee_medical"
    UNEMPLOYMENT = "unemployment"
    WORK_INJURY = "work_injury"
    RESIDENT_PENSION = "resident_pension"
    RESIDENT_MEDICAL = "resident_medical"


class WorkerType(StrEnum):
    EMPLOYEE = "employee"
    FLEXIBLE = "flexible"
    RESIDENT = "resident"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class HukouType(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


SCHEMES_BY_WORKER_TYPE: dict[WorkerType, tuple[Scheme, ...]] = {
    WorkerType.EMPLOYEE: (
        Scheme.EMPLOYEE_PENSION,
        Scheme.EMPLOYEE_MEDICAL,
        Scheme.UNEMPLOYMENT,
        Scheme.WORK_INJURY,
    ),
    WorkerType.FLEXIBLE: (Scheme.EMPLOYEE_PENSION, Scheme.EMPLOYEE_MEDICAL),
    WorkerType.RESIDENT: (Scheme.RESIDENT_PENSION, Scheme.RESIDENT_MEDICAL),
}

EXCLUSIVE_WITH: dict[Scheme, Scheme] = {
    Scheme.EMPLOYEE_PENSION: Scheme.RESIDENT_PENSION,
    Scheme.RESIDENT_PENSION: Scheme.EMPLOYEE_PENSION,
    Scheme.EMPLOYEE_MEDICAL: Scheme.RESIDENT_MEDICAL,
    Scheme.RESIDENT_MEDICAL: Scheme.EMPLOYEE_MEDICAL,
}
"""Branches where the employee and the residents' scheme exclude each other."""

RESIDENT_PENSION_GRADES_YUAN = (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000)
"""Annual contribution grades of the residents' pension (国发〔2014〕8号, REFERENCE §3)."""

MAX_RESIDENT_MEDICAL_PREMIUM_YUAN = 5000
"""Sanity bound on one annual residents' medical premium; the notices set about 400 yuan."""


class Account(StrEnum):
    """Personal accounts kept in the ledger."""

    EMPLOYEE_PENSION = "employee_pension"
    RESIDENT_PENSION = "resident_pension"


class EntryKind(StrEnum):
    CONTRIBUTION = "contribution"
    INTEREST = "interest"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    PAYOUT = "payout"
    REVERSAL = "reversal"
    TRUE_UP = "true_up"


def schemes_for(worker_type: WorkerType) -> tuple[Scheme, ...]:
    return SCHEMES_BY_WORKER_TYPE[worker_type]
