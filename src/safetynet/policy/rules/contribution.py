"""Monthly contributions of employees, employers and flexible workers (REFERENCE §1.1, §4.1,
§5).

The base is the monthly wage clamped to the region's floor and ceiling for the month. The floor
and ceiling are one pair, 60 % and 300 % of one average wage: where the region's own floor and
ceiling for the month come from different documents (one recorded, the other not yet), both are
taken from the wider region that has the pair (the national stand-in, flagged provisional)
rather than mixing sources. Each component is base x rate rounded half-up to the fen (a fixed
premium, where a city charges one, is taken as published). A component whose rate is unknown
for the region and month (a ``null`` parameter that is not carried forward) is reported as
unknown (:data:`UNKNOWN`), left out of the totals, and flagged by ``complete = False``; nothing
is invented.

Every row also says whether it used a provisional value (``provisional``): a floor, ceiling or
rate carried forward until the new one is approved, or a stand-in (REFERENCE §1.1); only the
parameters a row actually uses count (a flexible worker's premium does not make an employee's
row provisional).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.policy.catalogue import Field, register
from safetynet.policy.errors import InputError
from safetynet.policy.money import UNKNOWN_FEN, round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.provisional import capture, relevant_to
from safetynet.policy.trace import NO_TRACE, Trace

UNKNOWN = UNKNOWN_FEN

WORKER_TYPES = ("employee", "flexible")
COMPONENTS = (
    "pension_employer",
    "pension_employee",
    "medical_employer",
    "medical_employee",
    "unemployment_employer",
    "unemployment_employee",
    "work_injury_employer",
)
EMPLOYER_PARTS = (
    "pension_employer",
    "medical_employer",
    "unemployment_employer",
    "work_injury_employer",
)


def _part(base: np.ndarray, rate: np.ndarray) -> np.ndarray:
    known = ~np.isnan(rate)
    return np.where(known, to_fen(np.where(known, base * rate, 0.0)), UNKNOWN)


class _Rates:
    """Rates in force for the rows; each counts (for the provisional flag) only on the rows
    that use it, and the explanation cites only those of the case's own worker type."""

    def __init__(
        self,
        p: ParameterSet,
        day: np.ndarray,
        regions: np.ndarray,
        flexible: np.ndarray,
        trace: Trace,
    ) -> None:
        self.p, self.day, self.regions, self.trace = p, day, regions, trace
        self.flexible = flexible
        self.first_is_flexible = bool(flexible.reshape(-1)[0]) if flexible.size else False

    def __call__(self, name: str, used_by: np.ndarray | None = None) -> np.ndarray:
        """The rate ``contribution.NAME``; ``used_by`` the rows that use it (default: the
        flexible workers for a flexible rate, the employees otherwise)."""
        cited = (
            name.startswith("flexible")
            or name.endswith("flexible_rate")
            or name.endswith("flexible_fixed")
        )
        rows = used_by if used_by is not None else (self.flexible if cited else ~self.flexible)
        relevant = self.trace if bool(rows.reshape(-1)[0]) else NO_TRACE
        with relevant_to(rows):
            return self.p.at(
                f"contribution.{name}", self.day, self.regions, trace=relevant, strict=False
            )


def base_bounds(
    p: ParameterSet, day: np.ndarray, regions: np.ndarray, trace: Trace
) -> tuple[np.ndarray, np.ndarray]:
    """The floor and ceiling of each row, as one pair: where the region's floor and ceiling
    cite different documents, both come from the wider region (the lower code of the two
    sources' regions: national 0 below province below prefecture)."""
    floor_region, floor_source = p["contribution.base_floor"].origin(day, regions)
    ceiling_region, ceiling_source = p["contribution.base_ceiling"].origin(day, regions)
    mixed = (floor_source != ceiling_source) & (floor_source >= 0) & (ceiling_source >= 0)
    lookup = np.where(mixed, np.minimum(floor_region, ceiling_region), regions)
    behalf = regions if mixed.any() else None
    floor = p.at("contribution.base_floor", day, lookup, trace=trace, on_behalf_of=behalf)
    ceiling = p.at("contribution.base_ceiling", day, lookup, trace=trace, on_behalf_of=behalf)
    return floor, ceiling


def _prepare(
    p: ParameterSet,
    monthly_wage: npt.ArrayLike,
    region: npt.ArrayLike,
    month: npt.ArrayLike,
    worker_type: npt.ArrayLike,
    trace: Trace,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, _Rates]:
    """Broadcast the inputs and clamp the base: regions, first days of the months, the
    flexible flags, the base (yuan), the floor and ceiling, and the rates in force."""
    wage = np.asarray(monthly_wage, dtype=np.float64)
    regions = np.asarray(region, dtype=np.int64)
    day = month_start(month)
    flexible = np.asarray(np.asarray(worker_type) == "flexible")
    wage, regions, day, flexible = np.broadcast_arrays(wage, regions, day, flexible)
    floor, ceiling = base_bounds(p, day, regions, trace)
    base = round_half_up(np.clip(wage, floor, ceiling), 2)
    trace.step(
        "base",
        "monthly wage clamped to the region's floor and ceiling (one pair from one source)",
        base,
    )
    return regions, day, flexible, base, floor, ceiling, _Rates(p, day, regions, flexible, trace)


def _pension_parts(
    base: np.ndarray, flexible: np.ndarray, rate: _Rates, trace: Trace
) -> dict[str, np.ndarray]:
    pension_employee = np.where(
        flexible,
        _part(base, rate("flexible_pension_rate")),
        _part(base, rate("pension_employee_rate")),
    )
    out: dict[str, np.ndarray] = {
        "pension_employer": np.where(flexible, 0, _part(base, rate("pension_employer_rate"))),
        "pension_employee": pension_employee,
        "pension_account": np.where(
            flexible, _part(base, rate("flexible_pension_account_rate")), pension_employee
        ),
    }
    out["pension_pooled"] = (
        out["pension_employer"] + out["pension_employee"] - out["pension_account"]
    )
    trace.step(
        "pension",
        "employees: employer rate to the pooled fund, own 8 % to the personal account; "
        "flexible workers: 20 % of the base, 8 % of it to the account, the rest pooled",
        out["pension_employee"] + out["pension_employer"],
        "fen",
    )
    return out


def pension_contributions(
    p: ParameterSet,
    *,
    monthly_wage: npt.ArrayLike,
    region: npt.ArrayLike,
    month: npt.ArrayLike,
    worker_type: npt.ArrayLike,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """The pension parts only (fen), for jobs that need no other scheme: the same rule as
    :func:`contributions`, without computing medical, unemployment and injury."""
    with capture() as log:
        _, _, flexible, base, _, _, rate = _prepare(
            p, monthly_wage, region, month, worker_type, trace
        )
        out = {**_pension_parts(base, flexible, rate, trace), "base": to_fen(base)}
    log.forward()
    out["provisional"] = log.rows(base.size).reshape(base.shape)
    return out


def contributions(
    p: ParameterSet,
    *,
    monthly_wage: npt.ArrayLike,
    region: npt.ArrayLike,
    month: npt.ArrayLike,
    worker_type: npt.ArrayLike,
    risk_class: npt.ArrayLike | None = None,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    """Contributions of a month for each (wage, region, month, worker type), in fen, with
    ``complete`` (every component known) and ``provisional`` (a provisional value used)."""
    with capture() as log:
        out = _all_parts(p, monthly_wage, region, month, worker_type, risk_class, trace)
    log.forward()
    out["provisional"] = log.rows(out["base"].size).reshape(out["base"].shape)
    return out


def _all_parts(
    p: ParameterSet,
    monthly_wage: npt.ArrayLike,
    region: npt.ArrayLike,
    month: npt.ArrayLike,
    worker_type: npt.ArrayLike,
    risk_class: npt.ArrayLike | None,
    trace: Trace,
) -> dict[str, np.ndarray]:
    regions, day, flexible, base, floor, ceiling, rate = _prepare(
        p, monthly_wage, region, month, worker_type, trace
    )
    risk = np.broadcast_to(
        np.asarray(1 if risk_class is None else risk_class, dtype=np.int64), base.shape
    )
    first_is_flexible = rate.first_is_flexible
    out = _pension_parts(base, flexible, rate, trace)

    flex_medical_fixed = rate("medical_flexible_fixed")
    flex_medical = np.where(
        np.isnan(flex_medical_fixed),
        _part(base, rate("medical_flexible_rate", flexible & np.isnan(flex_medical_fixed))),
        to_fen(np.nan_to_num(flex_medical_fixed)),
    )
    medical_employee = np.where(flexible, flex_medical, _part(base, rate("medical_employee_rate")))
    out["medical_employer"] = np.where(flexible, 0, _part(base, rate("medical_employer_rate")))
    out["medical_employee"] = medical_employee
    out["medical_account"] = np.where(flexible, 0, medical_employee)
    trace.step(
        "medical",
        "employees: employer rate to the pooled fund, own 2 % to the medical account "
        "(2021 reform); flexible workers: the city's fixed premium or rate, pooled",
        np.where(medical_employee == UNKNOWN, np.nan, medical_employee),
        "fen",
    )

    out["unemployment_employer"] = np.where(
        flexible, 0, _part(base, rate("unemployment_employer_rate"))
    )
    out["unemployment_employee"] = np.where(
        flexible,
        _part(base, rate("unemployment_flexible_rate")),
        _part(base, rate("unemployment_employee_rate")),
    )
    with relevant_to(~flexible):
        injury_rate = p["contribution.work_injury_rate"].table_at(
            day, regions, risk, trace=NO_TRACE if first_is_flexible else trace, strict=False
        )
    out["work_injury_employer"] = np.where(flexible, 0, _part(base, injury_rate))
    trace.step(
        "unemployment and work injury",
        "unemployment: employer and employee rates (flexible workers only where admitted); "
        "work injury: employer only, by industry risk class",
        out["unemployment_employer"] + out["unemployment_employee"],
        "fen",
    )

    known = {name: out[name] != UNKNOWN for name in COMPONENTS}
    complete = np.logical_and.reduce([known[name] for name in COMPONENTS])
    employer_total = sum(np.where(known[n], out[n], 0) for n in EMPLOYER_PARTS)
    employee_total = sum(
        np.where(known[n], out[n], 0) for n in COMPONENTS if n not in EMPLOYER_PARTS
    )
    out["employer_total"] = np.asarray(employer_total, dtype=np.int64)
    out["employee_total"] = np.asarray(employee_total, dtype=np.int64)
    out["total"] = out["employer_total"] + out["employee_total"]
    trace.step("total", "sum of the known components", out["total"], "fen")
    out["base"] = to_fen(base)
    out["base_floor"] = to_fen(floor)
    out["base_ceiling"] = to_fen(ceiling)
    out["complete"] = complete
    return out


_MONEY_OUT = [
    ("base", "contribution base after clamping"),
    ("base_floor", "the region's floor for the month"),
    ("base_ceiling", "the region's ceiling for the month"),
    ("pension_employer", "employer pension contribution (pooled)"),
    ("pension_employee", "employee (or flexible worker's) pension contribution"),
    ("pension_account", "part credited to the personal account"),
    ("pension_pooled", "part to the pooled fund"),
    ("medical_employer", "employer medical contribution (pooled, maternity merged)"),
    ("medical_employee", "employee's (or flexible worker's) medical contribution"),
    ("medical_account", "part to the medical individual account"),
    ("unemployment_employer", "employer unemployment contribution"),
    ("unemployment_employee", "employee's unemployment contribution"),
    ("work_injury_employer", "employer work-injury contribution"),
    ("employer_total", "employer's total of the known components"),
    ("employee_total", "employee's total of the known components"),
    ("total", "total of the known components"),
]


@register(
    "contribution",
    "Monthly social insurance contributions for a wage in a region and month: the clamped "
    "base, employer and employee parts by scheme, and the pooled vs personal-account split.",
    inputs=[
        Field(
            "monthly_wage",
            "money",
            "own average monthly wage of the previous year (yuan), "
            "or the flexible worker's chosen base",
        ),
        Field("region", "region", "6-digit GB/T 2260 code of the place of insurance"),
        Field("month", "month", "contribution month, YYYY-MM"),
        Field(
            "worker_type",
            "choice",
            "employee or flexible",
            required=False,
            default="employee",
            choices=WORKER_TYPES,
        ),
        Field(
            "risk_class", "int", "work-injury industry risk class 1-8", required=False, default=1
        ),
    ],
    outputs=[
        *[Field(name, "money", doc) for name, doc in _MONEY_OUT],
        Field("complete", "bool", "false when some component's rate is unknown (shown null)"),
    ],
    references=("GB2019-13", "GF2005-38", "GF1998-44", "UI1999", "WI2015-71"),
)
def contribution(
    p: ParameterSet,
    *,
    monthly_wage: np.ndarray,
    region: np.ndarray,
    month: np.ndarray,
    worker_type: np.ndarray,
    risk_class: np.ndarray,
    trace: Trace = NO_TRACE,
) -> dict[str, np.ndarray]:
    if ((risk_class < 1) | (risk_class > 8)).any():
        raise InputError("risk_class", "must be between 1 and 8")
    return contributions(
        p,
        monthly_wage=monthly_wage,
        region=region,
        month=month,
        worker_type=worker_type,
        risk_class=risk_class,
        trace=trace,
    )
