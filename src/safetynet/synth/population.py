"""A synthetic, internally consistent population of insured persons, generated in chunks.

Each chunk is a pure function of (seed, chunk number, size, reference month): the same
arguments give the same persons on any machine and in any order, so chunks can be generated
and written independently with bounded memory.

Drawn from the bundled data: province, age group and sex (2020 census; ages uniform within the
five-year groups, as the single-year table is a documented gap), relative wage levels by
province (NBS 2021) scaled to the law's calculation base of the reference year. Everything else
is an assumption, stated where it is drawn (see ``docs/batch.md``): the national urban share
for every province, a log-normal wage spread, the shares of employment types and of insurance
take-up, and the contribution histories. Awards of those already retired come from the pension
rule itself (with the earliest recorded calculation base for retirements before it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from safetynet.batch.cohort import statutory_months
from safetynet.policy.money import to_fen
from safetynet.policy.parameters import ParameterSet
from safetynet.policy.periods import month_start
from safetynet.policy.rules.identity import ID_LENGTH, make_resident_ids
from safetynet.policy.rules.pension import employee_pension
from safetynet.policy.rules.retirement import CATEGORIES
from safetynet.synth.census import URBAN_SHARE, address_codes, census_cells, province_table

EMPLOYMENT_TYPES = (
    "employee",
    "flexible",
    "urban_resident",
    "rural_resident",
    "student_child",
    "retired",
)
SCHEMES = ("employee", "resident", "none")

SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("resident_id", pa.string()),
        ("region", pa.int64()),
        ("sex", pa.int8()),
        ("birth_month", pa.int64()),
        ("urban", pa.bool_()),
        ("employment_type", pa.string()),
        ("retirement_category", pa.string()),
        ("pension_scheme", pa.string()),
        ("medical_scheme", pa.string()),
        ("monthly_wage_fen", pa.int64()),
        ("risk_class", pa.int8()),
        ("contribution_months", pa.int64()),
        ("deemed_months", pa.int64()),
        ("avg_contribution_index", pa.float64()),
        ("account_balance_fen", pa.int64()),
        ("resident_account_fen", pa.int64()),
        ("retirement_month", pa.int64()),
        ("pension_award_fen", pa.int64()),
    ]
)
"""Columns of the population files (the province is the Hive partition key, not a column)."""

WAGE_SIGMA = 0.55
"""Log-normal spread of monthly wages around the province mean (assumption)."""
ACCOUNTS_START = 1996 * 12
"""Personal accounts and contribution records run from about 1996 (国发〔1997〕26号 unified the
scheme in 1997; provinces started 1993-1996): service before that is deemed (assumption)."""
RESIDENT_SCHEME_START = 2009 * 12 + 9
"""The new rural pension pilot (新农保) began in late 2009: residents' accounts start then."""
FIRST_CALC_BASE = "2017-01-01"
FIRST_FORMULA_MONTH = 2006 * 12
"""国发〔2005〕38号's benefit formula applies to retirements from 2006-01."""
BAD_ROW_KINDS = ("checksum", "negative_amount", "impossible_date")


@dataclass(frozen=True)
class ChunkSpec:
    seed: int
    chunk: int
    size: int
    first_person_id: int
    as_of: int  # month index of the reference month
    invalid_share: float = 0.0
    fraud_rate: float | None = None
    """With a rate, the chunk also gets its registers and planted irregularities
    (:mod:`safetynet.synth.fraud`)."""


def _choose(rng: np.random.Generator, shares: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Row-wise categorical draw: ``shares`` is (n, k) with rows summing to one."""
    cumulative = np.cumsum(shares, axis=1)
    draw = rng.random(len(shares))[:, None]
    return np.asarray(np.minimum((draw > cumulative).sum(axis=1), shares.shape[1] - 1), np.int64)


def _employment(
    rng: np.random.Generator,
    age: npt.NDArray[np.int64],
    urban: npt.NDArray[np.bool_],
    past_statutory_age: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """Index into EMPLOYMENT_TYPES. Shares are assumptions calibrated to the scale facts of
    REFERENCE §9 (about 380 m contributors and 140 m retirees in the employees' scheme)."""
    n = len(age)
    working = np.where(
        urban[:, None],
        np.array([[0.55, 0.20, 0.25, 0.0, 0.0, 0.0]]),
        np.array([[0.20, 0.10, 0.0, 0.70, 0.0, 0.0]]),
    )
    retired = np.where(
        urban[:, None],
        np.array([[0.0, 0.0, 0.30, 0.0, 0.0, 0.70]]),
        np.array([[0.0, 0.0, 0.0, 0.88, 0.0, 0.12]]),
    )
    shares = np.where(past_statutory_age[:, None], retired, working)
    kind = _choose(rng, shares)
    in_school = (age < 16) | ((age < 22) & (rng.random(n) < 0.55))
    return np.where(in_school, EMPLOYMENT_TYPES.index("student_child"), kind)


def generate_chunk(p: ParameterSet, spec: ChunkSpec) -> pa.Table:
    """One chunk of persons as an Arrow table with a ``province`` column."""
    rng = np.random.default_rng([spec.seed, spec.chunk])
    n = spec.size
    cells = census_cells()
    cell = np.searchsorted(cells.cumulative_share, rng.random(n), side="right")
    cell = np.minimum(cell, len(cells.province) - 1)
    province = cells.province[cell]
    sex = cells.sex[cell]
    age = rng.integers(cells.age_start[cell], cells.age_end[cell] + 1)
    age_months = age * 12 + rng.integers(0, 12, n)
    birth_month = spec.as_of - age_months
    birth_date = month_start(birth_month) + rng.integers(0, 28, n).astype("timedelta64[D]")

    table = province_table()
    province_row = np.searchsorted(table.code, province)
    counties, start, end = address_codes()
    pick = start[province_row] + (rng.random(n) * (end - start)[province_row]).astype(np.int64)
    sequence = rng.integers(0, 500, n) * 2 + (sex == 1)
    resident_id = make_resident_ids(counties[pick], birth_date, sequence)

    urban = rng.random(n) < URBAN_SHARE
    # women: about half in worker posts (original age 50), half cadres (55) -- assumption
    category = np.where(sex == 1, 0, np.where(rng.random(n) < 0.5, 2, 1)).astype(np.int8)
    statutory = statutory_months(p, birth_month, category)
    kind = _employment(rng, age, urban, statutory < spec.as_of)
    is_ = {name: kind == i for i, name in enumerate(EMPLOYMENT_TYPES)}
    employee_scheme_member = is_["employee"] | is_["flexible"] | is_["retired"]
    resident_type = is_["urban_resident"] | is_["rural_resident"]

    as_of_day = month_start(spec.as_of)
    mean_wage = (
        p.at("pension.employee.calculation_base", as_of_day, 0) * table.relative_wage[province_row]
    )
    relative = rng.lognormal(-(WAGE_SIGMA**2) / 2, WAGE_SIGMA, n)
    # flexible workers choose their base: most the 60 % floor, the rest the average (assumption)
    chosen = np.where(rng.random(n) < 0.7, 0.6, 1.0)
    wage = np.where(is_["flexible"], chosen, relative) * mean_wage
    wage = np.where(is_["employee"] | is_["flexible"], wage, 0.0)
    index = np.clip(np.where(is_["flexible"], chosen, relative**0.7), 0.6, 3.0)

    start_age = np.where(urban, rng.integers(18, 24, n), rng.integers(16, 21, n))
    work_start = birth_month + start_age * 12
    work_end = np.where(is_["retired"], statutory, spec.as_of)
    potential = np.maximum(work_end - np.maximum(work_start, ACCOUNTS_START), 0)
    take_up = np.where(is_["flexible"], rng.uniform(0.4, 0.9, n), rng.uniform(0.75, 1.0, n))
    paid_months = np.where(employee_scheme_member, (potential * take_up).astype(np.int64), 0)
    # service before the accounts began is deemed for every retiree and about 60 % of those
    # still working (state units) -- assumption
    deemed = np.where(
        is_["retired"] | (employee_scheme_member & (rng.random(n) < 0.6)),
        np.clip(np.minimum(ACCOUNTS_START, work_end) - work_start, 0, None),
        0,
    )
    contribution_months = paid_months + deemed
    # account credits at 8 % of the base, with interest taken to have kept pace with wages, so
    # past credits are worth about today's base (assumption)
    account_yuan = 0.08 * index * mean_wage * paid_months * rng.uniform(0.85, 1.1, n)

    retired = is_["retired"]
    award = np.zeros(n, dtype=np.int64)
    if retired.any():
        # the 2005 formula and its parameters start in 2006 (the calculation base in 2017):
        # earlier retirements are priced as if made then, at the same age (assumption)
        shift = np.maximum(FIRST_FORMULA_MONTH - statutory[retired], 0)
        formula_month = statutory[retired] + shift
        base_day = np.maximum(month_start(formula_month), np.datetime64(FIRST_CALC_BASE))
        base = (
            p.at("pension.employee.calculation_base", base_day, 0)
            * table.relative_wage[province_row[retired]]
        )
        award[retired] = employee_pension(
            p,
            region=province[retired],
            birth_month=birth_month[retired] + shift,
            retirement_month=formula_month,
            contribution_months=contribution_months[retired],
            avg_contribution_index=index[retired],
            account_balance=account_yuan[retired],
            deemed_months=deemed[retired],
            calc_base=base,
        )["total"]

    pension_scheme = _schemes(rng, is_, employee_scheme_member, resident_type, pension=True)
    medical_scheme = _schemes(rng, is_, employee_scheme_member, resident_type, pension=False)
    in_employee_pension = pension_scheme == SCHEMES.index("employee")
    in_resident_pension = pension_scheme == SCHEMES.index("resident")
    grade = rng.choice([100.0, 200.0, 300.0, 500.0, 1000.0], n, p=[0.5, 0.2, 0.1, 0.12, 0.08])
    resident_years = np.clip(
        (
            np.minimum(spec.as_of, birth_month + 60 * 12)
            - np.maximum(birth_month + 16 * 12, RESIDENT_SCHEME_START)
        )
        // 12,
        0,
        None,
    )
    resident_account = np.where(in_resident_pension, (grade + 30.0) * resident_years, 0.0)

    columns: dict[str, npt.ArrayLike | pa.Array] = {
        "person_id": spec.first_person_id + np.arange(n, dtype=np.int64),
        "resident_id": _id_array(resident_id),
        "region": province,
        "sex": sex,
        "birth_month": birth_month,
        "urban": urban,
        "employment_type": _labels(kind, EMPLOYMENT_TYPES),
        "retirement_category": _labels(category, CATEGORIES),
        "pension_scheme": _labels(pension_scheme, SCHEMES),
        "medical_scheme": _labels(medical_scheme, SCHEMES),
        "monthly_wage_fen": to_fen(wage),
        "risk_class": rng.choice(
            np.arange(1, 9, dtype=np.int8), n, p=[0.35, 0.25, 0.15, 0.1, 0.06, 0.04, 0.03, 0.02]
        ),
        "contribution_months": np.where(in_employee_pension | retired, contribution_months, 0),
        "deemed_months": np.where(in_employee_pension | retired, deemed, 0),
        "avg_contribution_index": np.where(employee_scheme_member, np.round(index, 4), 0.0),
        "account_balance_fen": np.where(in_employee_pension | retired, to_fen(account_yuan), 0),
        "resident_account_fen": to_fen(resident_account),
        "retirement_month": np.where(retired, statutory, -1),
        "pension_award_fen": award,
    }
    if spec.invalid_share > 0:
        _spoil(rng, columns, spec.invalid_share)
    arrays = [
        column if isinstance(column, pa.Array) else pa.array(column, type=field.type)
        for field, column in ((f, columns[f.name]) for f in SCHEMA)
    ]
    return pa.Table.from_arrays([*arrays, pa.array(province)], names=[*SCHEMA.names, "province"])


def _schemes(
    rng: np.random.Generator,
    is_: dict[str, npt.NDArray[np.bool_]],
    employee_member: npt.NDArray[np.bool_],
    resident_type: npt.NDArray[np.bool_],
    *,
    pension: bool,
) -> npt.NDArray[np.int8]:
    """Scheme membership (index into SCHEMES) with take-up gaps (assumptions, to give the
    coverage job work): pension -- employees 95 %, flexible workers 70 % (else half in the
    residents' scheme), residents 85 %, students none; medical -- employee-scheme members 97 %,
    others 95 % in the residents' scheme."""
    n = len(employee_member)
    draw = rng.random(n)
    employee, resident = SCHEMES.index("employee"), SCHEMES.index("resident")
    scheme = np.full(n, SCHEMES.index("none"), dtype=np.int8)
    if pension:
        scheme[is_["retired"]] = employee
        scheme[is_["employee"] & (draw < 0.95)] = employee
        scheme[is_["flexible"] & (draw < 0.70)] = employee
        scheme[is_["flexible"] & (draw >= 0.70) & (draw < 0.85)] = resident
        scheme[resident_type & (draw < 0.85)] = resident
    else:
        scheme[employee_member & (draw < 0.97)] = employee
        scheme[~employee_member & (draw < 0.95)] = resident
    return scheme


def _labels(codes: npt.NDArray[np.integer], names: tuple[str, ...]) -> pa.Array:
    """Category codes as an Arrow string column (built in C++, no Python objects)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), pa.array(names)).cast(
        pa.string()
    )


def _id_array(ids: npt.NDArray[np.str_]) -> pa.Array:
    """Fixed-width identity numbers as an Arrow string column straight from their bytes."""
    ascii_bytes = np.ascontiguousarray(ids).view(np.uint32).astype(np.uint8)
    offsets = np.arange(0, ascii_bytes.size + 1, ID_LENGTH, dtype=np.int32)
    return pa.StringArray.from_buffers(
        len(ids), pa.py_buffer(offsets), pa.py_buffer(ascii_bytes.tobytes())
    )


def _spoil(rng: np.random.Generator, columns: dict[str, npt.ArrayLike], share: float) -> None:
    """Corrupt a share of rows (for demonstrating and testing the reject path): a wrong
    check character, a negative amount, or a retirement before birth."""
    n = len(np.asarray(columns["person_id"]))
    rows = np.flatnonzero(rng.random(n) < share)
    kind = rng.integers(0, len(BAD_ROW_KINDS), len(rows))
    ids = np.array(columns["resident_id"], dtype=f"<U{ID_LENGTH}")
    points = ids.view(np.uint32).reshape(n, ID_LENGTH)
    checksum = rows[kind == 0]
    last = points[checksum, ID_LENGTH - 1]
    points[checksum, ID_LENGTH - 1] = np.where(last == ord("0"), ord("1"), ord("0"))
    columns["resident_id"] = ids
    wage = np.array(columns["monthly_wage_fen"], dtype=np.int64)
    wage[rows[kind == 1]] = -wage[rows[kind == 1]] - 100
    columns["monthly_wage_fen"] = wage
    retirement = np.array(columns["retirement_month"], dtype=np.int64)
    birth = np.asarray(columns["birth_month"], dtype=np.int64)
    retirement[rows[kind == 2]] = birth[rows[kind == 2]] - 12
    columns["retirement_month"] = retirement
