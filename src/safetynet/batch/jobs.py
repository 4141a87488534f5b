"""The population jobs: pure functions from a chunk of persons to output rows and rejects.

One skeleton runs every job (:meth:`RowJob.process`): read the columns the job names, select
the rows in its scope (the contributors of the month, the pensioners...), check them
(:mod:`safetynet.batch.validate`, plus the job's own checks), compute, and split the rows the
law could not compute (an unknown parameter) from the others. A law job (:class:`KernelJob`) is
then only its kernel call: the inputs it takes from the columns, the call, and the output
columns it makes of the results; the engines write the rows and rejects and summarise them.
Both engines -- local streaming and Spark -- call the same :meth:`Job.process` on Arrow
tables, so they produce the same rows. Every chunk reconciles:
``rows in = processed + skipped (outside the scope) + rejected``.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from safetynet.batch.cohort import statutory_months
from safetynet.batch.guard import guarded
from safetynet.batch.validate import check_rows
from safetynet.policy.errors import ParameterLookupError
from safetynet.policy.money import UNKNOWN_FEN
from safetynet.policy.overlay import from_mapping
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.periods import month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.account import credit_year
from safetynet.policy.rules.contribution import contributions, pension_contributions
from safetynet.policy.rules.pension import adjust_pension, employee_pension
from safetynet.policy.rules.resident import resident_pension
from safetynet.policy.rules.retirement import CATEGORIES

REJECT_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("resident_id", pa.string()),
        ("province", pa.int64()),
        ("reason", pa.string()),
    ]
)
PERSON = ("person_id", "resident_id", "province", "region", "sex", "birth_month")
"""What every job reads of a person: who, where, and what the identity number must match."""
SCHEMES = ("employment_type", "pension_scheme")
"""What decides most jobs' scope: the kind of work and the pension scheme."""
CONTRIBUTORS = ("employee", "flexible")
RESIDENTS = ("urban_resident", "rural_resident")
AGE_BANDS = (0, 16, 30, 45, 60)
AGE_BAND_LABELS = ("0-15", "16-29", "30-44", "45-59", "60+")


@dataclass(frozen=True)
class JobContext:
    """What a job needs besides the rows: the month, and a reform's parameter overrides.

    It holds no parameter objects, only what rebuilds them, so that it pickles small for Spark
    executors; each process loads the law once."""

    month: int
    reform_overrides: Mapping[str, Any] | None = None
    law_overlay: Mapping[str, Any] | None = None
    """A database's approved overlay (``--parameters-from-db``), as plain data."""

    def __getstate__(self) -> dict[str, Any]:
        """Pickle what rebuilds the parameters, never the parameter objects themselves."""
        return {
            "month": self.month,
            "reform_overrides": self.reform_overrides,
            "law_overlay": self.law_overlay,
        }

    @cached_property
    def params(self) -> ParameterSet:
        if self.law_overlay is None:
            return default_parameters()
        return from_mapping(default_parameters(), self.law_overlay)

    @cached_property
    def reform(self) -> ParameterSet:
        if self.reform_overrides is None:
            raise ValueError("reform: this job needs a reform parameter file")
        return self.params.with_overrides(self.reform_overrides)


@dataclass
class ChunkResult:
    rows: pa.Table
    rejects: pa.Table
    rows_in: int
    skipped: int

    @property
    def processed(self) -> int:
        return self.rows_in - self.skipped - int(self.rejects.num_rows)


@dataclass(frozen=True)
class Computed:
    """A job's output for the in-scope, valid rows it was given, and the rows it had to
    reject (unknown parameters) as positions into them with their reason."""

    rows: pa.Table
    rejected: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    reasons: npt.NDArray[np.object_] = field(default_factory=lambda: np.zeros(0, object))


def numbers(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy())


def frame(table: pa.Table) -> pl.DataFrame:
    """An Arrow table as a Polars data frame (zero-copy where the types allow)."""
    result = pl.from_arrow(table)
    assert isinstance(result, pl.DataFrame)
    return result


def _contributors(table: pa.Table) -> npt.NDArray[np.bool_]:
    """Employees and flexible workers insured in the employees' pension scheme."""
    return np.asarray(
        (label_codes(table, "employment_type", CONTRIBUTORS) >= 0)
        & (label_codes(table, "pension_scheme", ("employee",)) == 0)
    )


def label_codes(table: pa.Table, name: str, labels: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Index into ``labels`` of each value of a text column, -1 for anything else; the
    comparison runs on each chunk's few distinct values (its dictionary, as the engine reads
    such columns), not on every row."""
    pieces = [np.zeros(0, dtype=np.int64)]
    for chunk in table.column(name).chunks:
        encoded = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
        dictionary = encoded.dictionary.to_pylist()
        lookup = np.array(
            [labels.index(v) if v in labels else -1 for v in dictionary] + [-1], dtype=np.int64
        )
        pieces.append(lookup[encoded.indices.fill_null(len(dictionary)).to_numpy()])
    return np.concatenate(pieces)


def fen_column(values: np.ndarray) -> pa.Array:
    """Money in fen with the kernels' 'unknown' marker as null."""
    values = np.asarray(values, dtype=np.int64)
    return pa.array(values, mask=values == UNKNOWN_FEN, type=pa.int64())


class Job(ABC):
    """A population job: what it reads, what it writes, and how one chunk is processed."""

    name: ClassVar[str]
    summary: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    rows_schema: ClassVar[pa.Schema]
    summary_keys: ClassVar[tuple[str, ...]]
    summary_sums: ClassVar[tuple[str, ...]]

    @abstractmethod
    def process(self, table: pa.Table, ctx: JobContext) -> ChunkResult:
        """One chunk (an Arrow table with at least ``columns``) to rows and rejects."""


class RowJob(Job):
    """A job computing output rows for the persons in its scope."""

    unchecked: ClassVar[tuple[str, ...]] = ()
    """Columns the row checks leave alone, for a job that reports their problems itself."""

    @abstractmethod
    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        """Which rows the job is about (the others are skipped, unchecked)."""

    def own_checks(
        self, table: pa.Table, ctx: JobContext
    ) -> Iterable[tuple[npt.NDArray[np.bool_], str]]:
        """The job's checks beyond :func:`check_rows`: rows failing each, and the reason."""
        return ()

    @abstractmethod
    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        """Output rows for the in-scope, checked rows."""

    def process(self, table: pa.Table, ctx: JobContext) -> ChunkResult:
        """Scope, check and compute one chunk (an Arrow table with at least ``columns``)."""
        table = table.select(list(self.columns))
        in_scope = self.scope(table, ctx)
        chosen = table.filter(pa.array(in_scope))
        problems = check_rows(chosen.drop_columns(list(self.unchecked)), ctx.month)
        for failed, reason in self.own_checks(chosen, ctx):
            problems.add(failed, reason)
        valid = chosen.filter(pa.array(problems.ok))
        computed = self.compute(valid, ctx)
        bad = chosen.filter(pa.array(~problems.ok))
        failed = valid.take(pa.array(computed.rejected, type=pa.int64()))
        rejects = pa.concat_tables(
            [
                _rejects(bad, problems.reasons(~problems.ok)),
                _rejects(failed, computed.reasons),
            ]
        )
        return ChunkResult(
            rows=computed.rows.cast(self.rows_schema),
            rejects=rejects,
            rows_in=table.num_rows,
            skipped=int((~in_scope).sum()),
        )


Inputs = dict[str, np.ndarray]
"""A kernel call's row inputs by name, one element per row."""


class KernelJob(RowJob):
    """A job that is one call of the law's kernels per chunk: it names the inputs it takes
    from the columns, makes the call, and turns the results into its output columns. Rows whose
    call fails on an unknown parameter are rejected with the law's reason, by groups of rows
    sharing the parameters (:func:`~safetynet.batch.guard.guarded`), and the rest computed."""

    @abstractmethod
    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        """The kernel's row inputs from the checked rows' columns (``region`` among them)."""

    @abstractmethod
    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        """The law's kernel call on the inputs of some rows."""

    @abstractmethod
    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """The output columns besides ``person_id``, ``province`` and ``region``, for the
        computed rows (``rows`` and ``result`` hold only those)."""

    def groups(self, rows: Inputs) -> npt.NDArray[np.int64]:
        """Rows that use the same parameter values (tried together when a call fails)."""
        return rows["region"]

    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        inputs = self.inputs(table, ctx)
        result, reasons = self._call(ctx, inputs)
        ok = np.asarray(reasons == "")
        failed = np.flatnonzero(~ok)
        if failed.size:
            inputs = {name: v[ok] for name, v in inputs.items()}
            result = {name: np.asarray(v)[ok] for name, v in result.items()}
        kept = pa.array(ok)
        base = {
            "person_id": table.column("person_id").filter(kept),
            "province": table.column("province").cast(pa.int64()).filter(kept),
            "region": table.column("region").filter(kept),
        }
        columns = {
            **{name: v for name, v in base.items() if name in self.rows_schema.names},
            **self.outputs(inputs, _Results(result, int(ok.sum()))),
        }
        return Computed(pa.table(columns), failed, reasons[failed])

    def _call(
        self, ctx: JobContext, inputs: Inputs
    ) -> tuple[dict[str, np.ndarray], npt.NDArray[np.object_]]:
        """The guarded kernel call over all rows: in as many slices as there are cores, each
        in a thread (numpy computes without holding the GIL), the results joined in order."""
        rows = len(inputs["region"])
        parts = min(_CORES, rows // _ROWS_PER_THREAD) or 1
        bounds = np.linspace(0, rows, parts + 1).astype(int)

        def call(part: int) -> tuple[dict[str, np.ndarray], npt.NDArray[np.object_]]:
            chosen = slice(bounds[part], bounds[part + 1])
            mine = {name: v[chosen] for name, v in inputs.items()}
            return guarded(
                lambda some: self.kernel(ctx, {name: v[some] for name, v in mine.items()}),
                self.groups(mine),
            )

        if parts == 1:
            return call(0)
        outcomes = list(_kernel_threads().map(call, range(parts)))
        sizes = np.diff(bounds)
        names = dict.fromkeys(name for result, _ in outcomes for name in result)
        joined = {}
        for name in names:
            pieces = [result.get(name) for result, _ in outcomes]
            dtype = next(p for p in pieces if p is not None).dtype
            joined[name] = np.concatenate(
                [
                    np.asarray(p) if p is not None else np.zeros(size, dtype=dtype)
                    for p, size in zip(pieces, sizes, strict=True)
                ]
            )
        return joined, np.concatenate([reasons for _, reasons in outcomes])


_CORES = os.cpu_count() or 1
_ROWS_PER_THREAD = 25_000
"""Below this many rows a slice is not worth a thread of its own."""


@cache
def _kernel_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="kernel")


class _Results(dict[str, np.ndarray]):
    """A kernel's results; zeros for a result absent because no row could be computed."""

    def __init__(self, values: Mapping[str, np.ndarray], rows: int) -> None:
        super().__init__(values)
        self.rows = rows

    def __missing__(self, name: str) -> np.ndarray:
        return np.zeros(self.rows, dtype=np.int64)


def _rejects(table: pa.Table, reasons: npt.NDArray[np.object_]) -> pa.Table:
    return pa.table(
        {
            "person_id": table.column("person_id"),
            "resident_id": table.column("resident_id").cast(pa.string()),
            "province": table.column("province").cast(pa.int64()),
            "reason": pa.array(np.asarray(reasons, dtype=object), type=pa.string()),
        },
        schema=REJECT_SCHEMA,
    )


class ContributionsJob(KernelJob):
    name = "contributions"
    summary = "The monthly contributions of every insured employee and flexible worker."
    columns = (*PERSON, *SCHEMES, "monthly_wage_fen", "risk_class")
    money = (
        "base",
        "pension_employer",
        "pension_employee",
        "pension_account",
        "pension_pooled",
        "medical_employer",
        "medical_employee",
        "medical_account",
        "unemployment_employer",
        "unemployment_employee",
        "work_injury_employer",
        "employer_total",
        "employee_total",
        "total",
    )
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("worker_type", pa.string()),
            *[(f"{m}_fen", pa.int64()) for m in money],
            ("complete", pa.bool_()),
            ("provisional", pa.bool_()),
        ]
    )
    summary_keys = ("province", "worker_type")
    summary_sums = tuple(f"{m}_fen" for m in money)

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        return _contributors(table)

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        return {
            "region": numbers(table, "region"),
            "monthly_wage": numbers(table, "monthly_wage_fen") / 100.0,
            "worker_type": _worker_types(table),
            "risk_class": numbers(table, "risk_class").astype(np.int64),
        }

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        return contributions(
            ctx.params,
            monthly_wage=rows["monthly_wage"],
            region=rows["region"],
            month=ctx.month,
            worker_type=rows["worker_type"],
            risk_class=rows["risk_class"],
        )

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {
            "worker_type": pa.array(rows["worker_type"], type=pa.string()),
            **{f"{name}_fen": fen_column(result[name]) for name in self.money},
            "complete": result["complete"].astype(bool),
            "provisional": result["provisional"].astype(bool),
        }


def _worker_types(table: pa.Table) -> npt.NDArray[np.str_]:
    """Each contributor's worker type, "employee" or "flexible"."""
    return np.asarray(CONTRIBUTORS)[label_codes(table, "employment_type", CONTRIBUTORS)]


class CreditJob(KernelJob):
    name = "credit"
    summary = (
        "Year-end crediting of every contributor's personal account for the calendar "
        "year of --month, with the twelve monthly credits of that year."
    )
    columns = (*PERSON, *SCHEMES, "monthly_wage_fen", "account_balance_fen")
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("opening_balance_fen", pa.int64()),
            ("credits_fen", pa.int64()),
            ("interest_fen", pa.int64()),
            ("closing_balance_fen", pa.int64()),
            ("rate", pa.float64()),
        ]
    )
    summary_keys = ("province",)
    summary_sums = ("opening_balance_fen", "credits_fen", "interest_fen", "closing_balance_fen")

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        return _contributors(table)

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        return {
            "region": numbers(table, "region"),
            "monthly_wage": numbers(table, "monthly_wage_fen") / 100.0,
            "worker_type": _worker_types(table),
            "opening": numbers(table, "account_balance_fen"),
        }

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        """The twelve monthly account credits of the year, then the year's crediting."""
        year = ctx.month // 12
        monthly = np.empty((len(rows["region"]), 12), dtype=np.float64)
        for month_of_year in range(12):
            account = pension_contributions(
                ctx.params,
                monthly_wage=rows["monthly_wage"],
                region=rows["region"],
                month=year * 12 + month_of_year,
                worker_type=rows["worker_type"],
            )["pension_account"]
            if (account == UNKNOWN_FEN).any():
                raise ParameterLookupError(
                    "contribution.pension_employee_rate",
                    f"the personal-account rate is unknown in {year}-{month_of_year + 1:02d}",
                )
            monthly[:, month_of_year] = account / 100.0
        return credit_year(
            ctx.params,
            account_balance=rows["opening"] / 100.0,
            year=np.full(len(rows["region"]), year),
            monthly_credits=monthly,
        )

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {
            "opening_balance_fen": rows["opening"],
            "credits_fen": result["credits"],
            "interest_fen": result["interest"],
            "closing_balance_fen": result["balance"],
            "rate": result["rate"].astype(np.float64),
        }


class RetirementJob(KernelJob):
    name = "retirement"
    summary = (
        "The retirement cohort of --month: contributors reaching the statutory age, "
        "their eligibility and their pension awards."
    )
    columns = (
        *PERSON,
        *SCHEMES,
        "retirement_category",
        "contribution_months",
        "deemed_months",
        "avg_contribution_index",
        "account_balance_fen",
    )
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("retirement_category", pa.string()),
            ("retirement_month", pa.int64()),
            ("contribution_months", pa.int64()),
            ("min_contribution_months", pa.int64()),
            ("eligible", pa.bool_()),
            ("shortfall_months", pa.int64()),
            ("calc_base_fen", pa.int64()),
            ("basic_fen", pa.int64()),
            ("account_fen", pa.int64()),
            ("transitional_fen", pa.int64()),
            ("award_fen", pa.int64()),
        ]
    )
    summary_keys = ("province", "eligible")
    summary_sums = ("basic_fen", "account_fen", "transitional_fen", "award_fen")

    def __init__(self, params: str = "params") -> None:
        self.params_name = params  # "params" (the law) or "reform"

    def parameters(self, ctx: JobContext) -> ParameterSet:
        return ctx.reform if self.params_name == "reform" else ctx.params

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        contributor = _contributors(table)
        category = label_codes(table, "retirement_category", CATEGORIES)
        # a contributor without a known category is in scope, to be rejected by the check
        known = contributor & (category >= 0)
        statutory = np.full(table.num_rows, -1, dtype=np.int64)
        statutory[known] = statutory_months(
            self.parameters(ctx), numbers(table, "birth_month")[known], category[known]
        )
        return np.asarray((known & (statutory == ctx.month)) | (contributor & (category < 0)))

    def own_checks(
        self, table: pa.Table, ctx: JobContext
    ) -> Iterable[tuple[npt.NDArray[np.bool_], str]]:
        unknown = label_codes(table, "retirement_category", CATEGORIES) < 0
        yield unknown, "retirement_category: not one of " + ", ".join(CATEGORIES)

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        return {
            "region": numbers(table, "region"),
            "birth_month": numbers(table, "birth_month"),
            "contribution_months": numbers(table, "contribution_months"),
            "avg_contribution_index": numbers(table, "avg_contribution_index"),
            "account_balance": numbers(table, "account_balance_fen") / 100.0,
            "deemed_months": numbers(table, "deemed_months"),
            "category": np.asarray(CATEGORIES)[
                label_codes(table, "retirement_category", CATEGORIES)
            ],
        }

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        award = employee_pension(
            self.parameters(ctx),
            region=rows["region"],
            birth_month=rows["birth_month"],
            retirement_month=ctx.month,
            contribution_months=rows["contribution_months"],
            avg_contribution_index=rows["avg_contribution_index"],
            account_balance=rows["account_balance"],
            deemed_months=rows["deemed_months"],
        )
        return {**award, "retirement_month": np.full(len(rows["region"]), ctx.month)}

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        eligible = result["eligible"].astype(bool)
        return {
            "retirement_category": pa.array(rows["category"], type=pa.string()),
            "retirement_month": result["retirement_month"],
            "contribution_months": rows["contribution_months"],
            "min_contribution_months": result["min_contribution_months"],
            "eligible": eligible,
            "shortfall_months": result["shortfall_months"],
            "calc_base_fen": result["calc_base"],
            **{f"{part}_fen": result[part] for part in ("basic", "account", "transitional")},
            "award_fen": np.where(eligible, result["total"], 0),
        }


class PayrollJob(KernelJob):
    name = "payroll"
    summary = (
        "The pension payroll of --month: employee pensions with every annual "
        "adjustment since retirement, and residents' pensions from the pension age."
    )
    columns = (*PERSON, *SCHEMES, "retirement_month", "pension_award_fen", "resident_account_fen")
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("scheme", pa.string()),
            ("award_fen", pa.int64()),
            ("amount_fen", pa.int64()),
        ]
    )
    summary_keys = ("province", "scheme")
    summary_sums = ("amount_fen",)

    def __init__(self, params: str = "params") -> None:
        self.params_name = params

    def parameters(self, ctx: JobContext) -> ParameterSet:
        return ctx.reform if self.params_name == "reform" else ctx.params

    def _kinds(
        self, table: pa.Table, ctx: JobContext
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        employment = label_codes(table, "employment_type", ("retired", *RESIDENTS))
        retirement = numbers(table, "retirement_month")
        retired = (employment == 0) & (retirement <= ctx.month)
        age = (ctx.month - numbers(table, "birth_month")) // 12
        pension_age = self.parameters(ctx).at(
            "resident.pension_age", month_start(ctx.month), NATIONAL
        )
        resident = (
            (employment >= 1)
            & (label_codes(table, "pension_scheme", ("resident",)) == 0)
            & (age >= pension_age)
        )
        return retired, resident

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        retired, resident = self._kinds(table, ctx)
        return retired | resident

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        retired, _ = self._kinds(table, ctx)
        return {
            "region": numbers(table, "region"),
            "retired": retired,
            "award": numbers(table, "pension_award_fen"),
            "retirement_month": numbers(table, "retirement_month"),
            "resident_account": numbers(table, "resident_account_fen") / 100.0,
        }

    def groups(self, rows: Inputs) -> npt.NDArray[np.int64]:
        """A region's employee pensioners and its residents use different parameters."""
        return rows["region"] * 2 + rows["retired"]

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        """Employee pensions with every adjustment since retirement; residents' pensions
        (basic plus account) as of the month."""
        p = self.parameters(ctx)
        employee = rows["retired"]
        resident = ~employee
        amount = np.zeros(len(employee), dtype=np.int64)
        award = rows["award"].copy()
        amount[employee] = adjust_pension(
            p,
            award[employee],
            rows["retirement_month"][employee],
            ctx.month,
            rows["region"][employee],
        )
        if resident.any():
            total = resident_pension(
                p,
                region=rows["region"][resident],
                month=ctx.month,
                account_balance=rows["resident_account"][resident],
            )["total"]
            amount[resident] = total
            award[resident] = total
        return {"amount": amount, "award": award}

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {
            "scheme": pa.array(np.where(rows["retired"], "employee", "resident")),
            "award_fen": result["award"],
            "amount_fen": result["amount"],
        }


class CoverageJob(RowJob):
    name = "coverage"
    summary = (
        "The universal-participation gap: who should be insured and is not, by age "
        "band, province, urban or rural, and employment type."
    )
    columns = (*PERSON, "urban", *SCHEMES, "medical_scheme")
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("resident_id", pa.string()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("age_band", pa.string()),
            ("urban", pa.bool_()),
            ("employment_type", pa.string()),
            ("pension_gap", pa.bool_()),
            ("medical_gap", pa.bool_()),
            ("gap", pa.string()),
        ]
    )
    summary_keys = ("age_band", "province", "urban", "employment_type")
    summary_sums = ("pension_gap", "medical_gap")

    def scope(self, table: pa.Table, ctx: JobContext) -> npt.NDArray[np.bool_]:
        return np.ones(table.num_rows, dtype=bool)

    def compute(self, table: pa.Table, ctx: JobContext) -> Computed:
        """Pension: everyone from 16 outside school must be in a scheme, employees in the
        employees' scheme (SIL art. 10; 国发〔2014〕8号). Medical: everyone in a scheme,
        employees in the employees' scheme (SIL art. 23)."""
        kinds = (
            "employee",
            "flexible",
            "urban_resident",
            "rural_resident",
            "student_child",
            "retired",
        )
        employment = label_codes(table, "employment_type", kinds)
        pension = label_codes(table, "pension_scheme", ("employee", "resident"))
        medical = label_codes(table, "medical_scheme", ("employee", "resident"))
        age = (ctx.month - numbers(table, "birth_month")) // 12
        employee = employment == 0
        must_insure_pension = (age >= 16) & (employment != 4) & (employment != -1)
        pension_gap = must_insure_pension & ((pension < 0) | (employee & (pension != 0)))
        medical_gap = (medical < 0) | (employee & (medical != 0))
        gap = np.where(
            pension_gap & medical_gap,
            "pension and medical",
            np.where(pension_gap, "pension", "medical"),
        )
        chosen = pension_gap | medical_gap
        kept = pa.array(chosen)
        band = np.asarray(AGE_BAND_LABELS)[np.searchsorted(AGE_BANDS, age, side="right") - 1]
        rows = pa.table(
            {
                "person_id": table.column("person_id").filter(kept),
                "resident_id": table.column("resident_id").filter(kept),
                "province": table.column("province").cast(pa.int64()).filter(kept),
                "region": table.column("region").filter(kept),
                "age_band": pa.array(band[chosen]),
                "urban": table.column("urban").filter(kept),
                "employment_type": table.column("employment_type").filter(kept),
                "pension_gap": pension_gap[chosen],
                "medical_gap": medical_gap[chosen],
                "gap": pa.array(gap[chosen]),
            }
        )
        return Computed(rows)


class ReformJob(Job):
    name = "reform"
    summary = (
        "Re-run the retirement awards and the payroll of --month under a reform's "
        "parameters (--reform FILE): per person and total differences."
    )
    columns = tuple(dict.fromkeys(RetirementJob.columns + PayrollJob.columns))
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("province", pa.int64()),
            ("region", pa.int64()),
            ("part", pa.string()),
            ("baseline_fen", pa.int64()),
            ("reform_fen", pa.int64()),
            ("difference_fen", pa.int64()),
        ]
    )
    summary_keys = ("province", "part")
    summary_sums = ("baseline_fen", "reform_fen", "difference_fen")

    def process(self, table: pa.Table, ctx: JobContext) -> ChunkResult:
        """Both parameter sets over the same chunk; a person rejected under either is
        rejected once, with the first reason."""
        table = table.select(list(self.columns))
        runs = {
            (part, variant): job.process(table, ctx)
            for part, make in (("award", RetirementJob), ("payroll", PayrollJob))
            for variant in ("params", "reform")
            for job in (make(variant),)
        }
        rejects = pl.concat([frame(r.rejects) for r in runs.values()]).unique(
            subset="person_id", keep="first", maintain_order=True
        )
        rejected = rejects["person_id"]
        frames = []
        for part, amount in (("award", "award_fen"), ("payroll", "amount_fen")):
            base = frame(runs[(part, "params")].rows)
            reform = frame(runs[(part, "reform")].rows)
            joined = base.select(
                "person_id", "province", "region", pl.col(amount).alias("baseline_fen")
            ).join(
                reform.select(
                    "person_id", "province", "region", pl.col(amount).alias("reform_fen")
                ),
                on=["person_id", "province", "region"],
                how="full",
                coalesce=True,
            )
            frames.append(
                joined.with_columns(
                    pl.lit(part).alias("part"),
                    pl.col("baseline_fen").fill_null(0),
                    pl.col("reform_fen").fill_null(0),
                ).filter(~pl.col("person_id").is_in(rejected.implode()))
            )
        rows = (
            pl.concat(frames)
            .with_columns((pl.col("reform_fen") - pl.col("baseline_fen")).alias("difference_fen"))
            .select(self.rows_schema.names)
            .sort("person_id", "part")
        )
        reject_table = rejects.to_arrow().cast(REJECT_SCHEMA)
        persons_out = rows["person_id"].n_unique()
        return ChunkResult(
            rows=rows.to_arrow().cast(self.rows_schema),
            rejects=reject_table,
            rows_in=table.num_rows,
            skipped=table.num_rows - persons_out - reject_table.num_rows,
        )


JOBS: dict[str, type[Job]] = {
    job.name: job
    for job in (ContributionsJob, CreditJob, RetirementJob, PayrollJob, CoverageJob, ReformJob)
}


def reform_overrides_from_yaml(text: str, origin: str) -> dict[str, Any]:
    """Parse a reform file: ``{parameter name: {region: [entries in the file format]}}``."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"reform: {origin} is not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f"reform: {origin} must map parameter names to their new values")
    params = default_parameters()
    for name, by_region in data.items():
        if name not in params:
            raise ValueError(f"reform: {origin}: unknown parameter {name!r}")
        if not isinstance(by_region, dict):
            raise ValueError(f"reform: {origin}: {name} must map regions to lists of values")
    try:
        params.with_overrides(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"reform: {origin}: {exc}") from None
    return data
