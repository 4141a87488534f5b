"""Batch benchmark: one rule set, four implementations, the same Parquet population.

The rule set (employee pension with per-region parameters and a personal account rolled
forward year by year): for every contributor of the employees' pension scheme aged 40-59 in
2025-12, credit the personal account for each year 2020-2024 -- the year's July base (the wage
clamped to the region's floor and ceiling), 8 % of it for 12 months, the year's crediting rate
on the opening balance and the monthly-product rate on the credits -- then price the pension
as if retiring in 2025-12: basic (region's calculation base), account (balance / divisor by
age) and transitional (Beijing's own formula, the general one elsewhere).

Implementations, each in its own process (wall time and peak RSS of that process):

- ``safetynet``: the local batch engine, streaming chunks through the law's kernels;
- ``openfisca``: the same rules as an OpenFisca tax-benefit system (one simulation, a
  yearly account variable computed recursively, per-region parameter nodes);
- ``loop``: a plain per-person Python loop over the same rules and parameter values;
- ``floor``: a numpy pass that only reads the same input columns once, as the engine reads
  them (text columns of few values as Arrow dictionaries);
- ``floor-strings``: the same pass reading every text column as strings (the floor as the
  issue first measured it).

Usage::

    python benchmarks/bench_batch.py --sizes 1000000 10000000 [--work /tmp/sn_bench]
    python benchmarks/bench_batch.py --payroll 100000000 [--work /tmp/sn_bench]

Populations are generated once into ``--work`` (seed 1, reference month 2025-12); results are
appended to ``benchmarks/out/bench_batch.jsonl``. Outputs of the runs are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from safetynet.batch.jobs import Inputs, JobContext, KernelJob, PayrollJob, label_codes, numbers
from safetynet.batch.local import population_dataset, run_local
from safetynet.policy.money import round_half_up, to_fen
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.policy.periods import month_start
from safetynet.policy.regions import NATIONAL
from safetynet.policy.rules.account import credit_year
from safetynet.policy.rules.contribution import base_bounds, pension_contributions
from safetynet.policy.rules.pension import BEIJING, employee_pension
from safetynet.policy.trace import NO_TRACE
from safetynet.synth.writer import write_population

RETIRE = 2025 * 12 + 11
YEARS = tuple(range(2020, 2025))
COLUMNS = [
    "person_id",
    "resident_id",
    "province",
    "region",
    "birth_month",
    "employment_type",
    "pension_scheme",
    "monthly_wage_fen",
    "contribution_months",
    "deemed_months",
    "avg_contribution_index",
    "account_balance_fen",
]
IMPLEMENTATIONS = (
    "safetynet",
    "safetynet-all-cores",
    "openfisca",
    "loop",
    "floor",
    "floor-strings",
)
RESULTS = Path(__file__).parent / "out" / "bench_batch.jsonl"


def in_scope(table: pa.Table) -> np.ndarray:
    """Contributors of the employees' scheme aged 40-59 at the retirement month (the batch
    jobs' own test of a text column: on its few distinct values, not on every row)."""
    age = RETIRE - numbers(table, "birth_month")
    worker = label_codes(table, "employment_type", ("employee", "flexible")) >= 0
    scheme = label_codes(table, "pension_scheme", ("employee",)) == 0
    return np.asarray(worker & scheme & (age >= 40 * 12) & (age < 60 * 12))


class PensionEstimateJob(KernelJob):
    """The benchmark's rule set on the safetynet kernels."""

    name = "pension_estimate"
    summary = "Account rolled forward 2020-2024, pension priced at 2025-12."
    columns = tuple(COLUMNS)
    rows_schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("region", pa.int64()),
            ("balance_fen", pa.int64()),
            ("total_fen", pa.int64()),
        ]
    )
    summary_keys = ("region",)
    summary_sums = ("balance_fen", "total_fen")

    def scope(self, table: pa.Table, ctx: JobContext) -> np.ndarray:
        return in_scope(table)

    def inputs(self, table: pa.Table, ctx: JobContext) -> Inputs:
        return {
            "region": numbers(table, "region"),
            "wage": numbers(table, "monthly_wage_fen") / 100.0,
            "worker": np.asarray(("employee", "flexible"))[
                label_codes(table, "employment_type", ("employee", "flexible"))
            ],
            "balance": numbers(table, "account_balance_fen"),
            "birth_month": numbers(table, "birth_month"),
            "contribution_months": numbers(table, "contribution_months"),
            "avg_contribution_index": numbers(table, "avg_contribution_index"),
            "deemed_months": numbers(table, "deemed_months"),
        }

    def kernel(self, ctx: JobContext, rows: Inputs) -> dict[str, np.ndarray]:
        p, region, balance = ctx.params, rows["region"], rows["balance"]
        for year in YEARS:
            monthly = pension_contributions(
                p,
                monthly_wage=rows["wage"],
                region=region,
                month=year * 12 + 6,
                worker_type=rows["worker"],
            )["pension_account"]
            balance = credit_year(
                p, account_balance=balance / 100.0, year=year, year_credits=12 * monthly / 100.0
            )["balance"]
        pension = employee_pension(
            p,
            region=region,
            birth_month=rows["birth_month"],
            retirement_month=RETIRE,
            contribution_months=rows["contribution_months"],
            avg_contribution_index=rows["avg_contribution_index"],
            account_balance=balance / 100.0,
            deemed_months=rows["deemed_months"],
        )
        return {"balance": balance, "total": pension["total"]}

    def outputs(self, rows: Inputs, result: Mapping[str, np.ndarray]) -> dict[str, Any]:
        return {"balance_fen": result["balance"], "total_fen": result["total"]}


class RuleValues:
    """The parameter values the rules need, resolved once per (region, year) from the law, so
    that OpenFisca and the loop use exactly the numbers the kernels use."""

    def __init__(self, p: ParameterSet, regions: list[int]) -> None:
        def at(name: str, when: np.datetime64, region: int) -> float:
            return float(p.at(name, when, region))

        july = {y: np.datetime64(f"{y}-07-01") for y in YEARS}
        retire = month_start(RETIRE)
        # the floor and ceiling as one pair from one source, as the contribution rule takes them
        pairs = {
            (r, y): base_bounds(p, np.array([july[y]]), np.array([r]), NO_TRACE)
            for r in regions
            for y in YEARS
        }
        self.floor = {key: float(floor[0]) for key, (floor, _) in pairs.items()}
        self.ceiling = {key: float(ceiling[0]) for key, (_, ceiling) in pairs.items()}
        self.account_rate = {
            y: at("contribution.pension_employee_rate", july[y], NATIONAL) for y in YEARS
        }
        self.interest = {
            y: at("pension.account.interest_rate", np.datetime64(f"{y}-01-01"), NATIONAL)
            for y in YEARS
        }
        self.factor = at("pension.account.monthly_product_factor", retire, NATIONAL)
        self.calc_base = {r: at("pension.employee.calculation_base", retire, r) for r in regions}
        self.transitional = {
            r: at("pension.employee.transitional_rate", retire, r) for r in regions
        }
        self.accrual = at("pension.employee.accrual_rate", retire, NATIONAL)
        self.leftover = {
            r: at("pension.employee.leftover_month_accrual", retire, r) for r in regions
        }
        self.places = {r: int(at("pension.employee.rounding_places", retire, r)) for r in regions}
        table = p.table("pension.employee.account_divisor", retire)
        self.divisor = {int(k): float(v) for k, v in table.items()}


def _round(x: float, decimals: int) -> float:
    """Scalar twin of money.round_half_up."""
    scale = 10.0**decimals
    scaled = round(x * scale * 1e6) / 1e6
    return math.copysign(math.floor(abs(scaled) + 0.5), scaled) / scale


def _fen(yuan: float) -> int:
    return int(_round(yuan * 100.0, 0))


def loop_pension(v: RuleValues, person: dict[str, Any]) -> tuple[int, int]:
    """The rule set for one person, in plain Python."""
    region, wage = person["region"], person["monthly_wage_fen"] / 100.0
    balance = person["account_balance_fen"]
    for year in YEARS:
        base = _round(min(max(wage, v.floor[region, year]), v.ceiling[region, year]), 2)
        credits = 12 * _fen(base * v.account_rate[year])
        rate = v.interest[year]
        opening = balance / 100.0
        interest = _fen(opening * rate * 12 / 12.0 + credits / 100.0 * rate * v.factor / 2.0)
        balance = _fen(opening) + credits + interest
    base_c = v.calc_base[region]
    index = person["avg_contribution_index"]
    months = person["contribution_months"]
    per_month = v.leftover[region]
    if math.isclose(per_month * 12.0, v.accrual, rel_tol=1e-9):  # months as a decimal year
        accrued = months / 12.0 * v.accrual
    else:
        accrued = months // 12 * v.accrual + months % 12 * per_month
    places = v.places[region]
    basic = _fen(_round((base_c + base_c * index) / 2.0 * accrued, places))
    age = RETIRE - person["birth_month"]
    lower, upper = v.divisor[age // 12], v.divisor[age // 12 + 1]
    if age % 12 == 0:
        upper = lower
    divisor = _round(lower - (lower - upper) * (age % 12) / 12.0, 1)
    account = _fen(_round(balance / 100.0 / divisor, places))
    deemed = person["deemed_months"] / 12.0
    rate = v.transitional[region]
    if region // 10000 * 10000 == BEIJING:
        transitional_yuan = base_c * deemed * rate + base_c * 1.0 * 0.0 * rate
    else:
        transitional_yuan = base_c * index * deemed * rate
    transitional = _fen(_round(transitional_yuan, places))
    return balance, basic + account + transitional


def read_input(population: Path) -> pa.Table:
    return ds.dataset(population, format="parquet", partitioning="hive").to_table(columns=COLUMNS)


def run_loop(population: Path, out: Path) -> dict[str, int]:
    table = read_input(population)
    table = table.filter(pa.array(in_scope(table)))
    values = RuleValues(default_parameters(), sorted(set(numbers(table, "region").tolist())))
    ids, balances, totals = [], [], []
    for person in table.to_pylist():
        balance, total = loop_pension(values, person)
        ids.append(person["person_id"])
        balances.append(balance)
        totals.append(total)
    result = pa.table({"person_id": ids, "balance_fen": balances, "total_fen": totals})
    pq.write_table(result, out / "rows.parquet")
    return {"in_scope": len(ids), "total_fen": int(sum(totals))}


def openfisca_system(values: RuleValues) -> Any:
    """A TaxBenefitSystem with the rule set, its parameters taken from ``values``."""
    from openfisca_core import periods
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person_entity = build_entity(key="person", plural="persons", label="Person", is_person=True)
    system = TaxBenefitSystem([person_entity])
    regions = sorted(values.calc_base)

    def by_region(table: dict[tuple[int, int], float]) -> dict[str, Any]:
        return {
            f"r{r}": {"values": {f"{y}-07-01": {"value": table[r, y]} for y in YEARS}}
            for r in regions
        }

    system.parameters = ParameterNode(
        "",
        data={
            "floor": by_region(values.floor),
            "ceiling": by_region(values.ceiling),
            "account_rate": {
                "values": {f"{y}-07-01": {"value": values.account_rate[y]} for y in YEARS}
            },
            "interest": {"values": {f"{y}-01-01": {"value": values.interest[y]} for y in YEARS}},
            "factor": {"values": {"1998-01-01": {"value": values.factor}}},
            "accrual": {"values": {"2006-01-01": {"value": values.accrual}}},
            "calc_base": {
                f"r{r}": {"values": {"2025-01-01": {"value": values.calc_base[r]}}} for r in regions
            },
            "transitional": {
                f"r{r}": {"values": {"2006-01-01": {"value": values.transitional[r]}}}
                for r in regions
            },
            "leftover": {
                f"r{r}": {"values": {"2006-01-01": {"value": values.leftover[r]}}} for r in regions
            },
            "places": {
                f"r{r}": {"values": {"2006-01-01": {"value": values.places[r]}}} for r in regions
            },
            "divisor": {
                f"a{age}": {"values": {"2006-01-01": {"value": months}}}
                for age, months in values.divisor.items()
            },
        },
    )

    def eternal(name: str, kind: type) -> None:
        system.add_variable(
            type(
                name,
                (Variable,),
                {
                    "value_type": kind,
                    "entity": person_entity,
                    "definition_period": periods.DateUnit.ETERNITY,
                    "label": name,
                },
            )
        )

    for name, kind in (
        ("region_key", str),
        ("wage", float),
        ("index", float),
        ("contribution_months", int),
        ("deemed_months", int),
        ("age_months", int),
        ("beijing", bool),
        ("opening_fen", int),
    ):
        eternal(name, kind)

    def balance_formula(person: Any, period: Any, parameters: Any) -> Any:
        if period.start.year <= YEARS[0] - 1:
            return person("opening_fen", periods.ETERNITY)
        opening = person("account_balance_fen", period.last_year) / 100.0
        region = person("region_key", periods.ETERNITY)
        july = parameters(period.start.offset(6, periods.DateUnit.MONTH))
        wage = person("wage", periods.ETERNITY).astype(np.float64)
        base = round_half_up(np.clip(wage, july.floor[region], july.ceiling[region]), 2)
        credits = 12 * to_fen(base * july.account_rate)
        january = parameters(period.start)
        rate = january.interest
        interest = to_fen(
            opening * rate * 12 / 12.0 + credits / 100.0 * rate * january.factor / 2.0
        )
        return to_fen(opening) + credits + interest

    system.add_variable(
        type(
            "account_balance_fen",
            (Variable,),
            {
                "value_type": int,
                "entity": person_entity,
                "definition_period": periods.DateUnit.YEAR,
                "label": "account balance at the end of the year (fen)",
                "formula": balance_formula,
            },
        )
    )

    def pension_formula(person: Any, period: Any, parameters: Any) -> Any:
        p = parameters(period)
        region = person("region_key", periods.ETERNITY)
        balance = person("account_balance_fen", periods.period(str(YEARS[-1])))
        base_c = p.calc_base[region]
        index = person("index", periods.ETERNITY).astype(np.float64)
        months = person("contribution_months", periods.ETERNITY)
        per_month = np.asarray(p.leftover[region], dtype=np.float64)
        accrual = float(p.accrual)
        accrued = np.where(
            np.isclose(per_month * 12.0, accrual, rtol=1e-6, atol=0.0),
            months / 12.0 * accrual,
            months // 12 * accrual + months % 12 * per_month,
        )
        places = p.places[region]

        def rounded(yuan: Any) -> Any:
            return np.where(places == 1, round_half_up(yuan, 1), round_half_up(yuan, 2))

        basic = to_fen(rounded((base_c + base_c * index) / 2.0 * accrued))
        age = person("age_months", periods.ETERNITY).astype(np.int64)
        lower = p.divisor[np.char.add("a", (age // 12).astype(str))]
        upper = p.divisor[np.char.add("a", (age // 12 + 1).astype(str))]
        upper = np.where(age % 12 == 0, lower, upper)
        divisor = round_half_up(lower - (lower - upper) * (age % 12) / 12.0, 1)
        account = to_fen(rounded(balance / 100.0 / divisor))
        deemed = person("deemed_months", periods.ETERNITY) / 12.0
        rate = p.transitional[region]
        transitional = to_fen(
            rounded(
                np.where(
                    person("beijing", periods.ETERNITY),
                    base_c * deemed * rate + base_c * 1.0 * 0.0 * rate,
                    base_c * index * deemed * rate,
                )
            )
        )
        return basic + account + transitional

    system.add_variable(
        type(
            "pension_total_fen",
            (Variable,),
            {
                "value_type": int,
                "entity": person_entity,
                "definition_period": periods.DateUnit.MONTH,
                "label": "monthly pension if retiring in the month (fen)",
                "formula": pension_formula,
            },
        )
    )
    return system


def run_openfisca(population: Path, out: Path) -> dict[str, int]:
    from openfisca_core.simulations import SimulationBuilder

    table = read_input(population)
    table = table.filter(pa.array(in_scope(table)))
    region = numbers(table, "region")
    values = RuleValues(default_parameters(), sorted(set(region.tolist())))
    system = openfisca_system(values)
    simulation = SimulationBuilder().build_default_simulation(system, table.num_rows)
    # the yearly account refers to the previous year: allow that recursion (a "spiral")
    simulation.max_spiral_loops = len(YEARS) + 1
    inputs = {
        "region_key": np.char.add("r", region.astype(str)),
        "wage": numbers(table, "monthly_wage_fen") / 100.0,
        "index": numbers(table, "avg_contribution_index"),
        "contribution_months": numbers(table, "contribution_months"),
        "deemed_months": numbers(table, "deemed_months"),
        "age_months": RETIRE - numbers(table, "birth_month"),
        "beijing": region // 10000 * 10000 == BEIJING,
        "opening_fen": numbers(table, "account_balance_fen"),
    }
    for name, array in inputs.items():
        simulation.set_input(name, "ETERNITY", array)
    totals = simulation.calculate("pension_total_fen", "2025-12").astype(np.int64)
    balances = simulation.calculate("account_balance_fen", str(YEARS[-1])).astype(np.int64)
    pq.write_table(
        pa.table(
            {"person_id": table.column("person_id"), "balance_fen": balances, "total_fen": totals}
        ),
        out / "rows.parquet",
    )
    return {"in_scope": table.num_rows, "total_fen": int(totals.sum())}


def run_safetynet(population: Path, out: Path, workers: int = 1) -> dict[str, int]:
    totals = run_local(
        PensionEstimateJob(), population, out, JobContext(RETIRE), workers=workers, progress=False
    )
    return {"in_scope": totals.processed, "total_fen": totals.sums["total_fen"]}


def run_safetynet_all_cores(population: Path, out: Path) -> dict[str, int]:
    return run_safetynet(population, out, workers=_cores())


def run_payroll(population: Path, out: Path) -> dict[str, int]:
    """The monthly payroll job of the batch engine in one process (Parquet in, Parquet out)."""
    totals = run_local(PayrollJob(), population, out, JobContext(RETIRE), progress=False)
    return {"in_scope": totals.processed, "total_fen": totals.sums["amount_fen"]}


def run_floor_strings(population: Path, out: Path) -> dict[str, int]:
    """The floor as first measured (issue 15): every text column read as a string per row."""
    return _touch_every_value(ds.dataset(population, format="parquet", partitioning="hive"))


def run_floor(population: Path, out: Path) -> dict[str, int]:
    """Read the same columns once, as the engine reads them (text columns of few values as
    dictionaries), touching every value (a sum per column)."""
    return _touch_every_value(population_dataset(population))


def _touch_every_value(dataset: ds.Dataset) -> dict[str, int]:
    touched = 0
    for batch in dataset.to_batches(columns=COLUMNS, batch_size=1 << 20):
        for column in batch.columns:
            if pa.types.is_dictionary(column.type):
                values = column.indices.to_numpy()
            elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                values = column.to_numpy(zero_copy_only=False)
            else:
                values = pc.utf8_length(column).to_numpy()
            touched += int(np.asarray(values).sum() != 0)
    return {"in_scope": 0, "total_fen": touched}


def child(implementation: str, population: Path, out: Path) -> None:
    """Run one implementation in this process and print its figures as JSON."""
    runner = {
        "safetynet": run_safetynet,
        "safetynet-all-cores": run_safetynet_all_cores,
        "openfisca": run_openfisca,
        "loop": run_loop,
        "floor": run_floor,
        "floor-strings": run_floor_strings,
        "payroll": run_payroll,
    }[implementation]
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures = runner(population, out)
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(
        json.dumps(
            {
                "implementation": implementation,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
                **figures,
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it restarts at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:], "args": args}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = round(time.perf_counter() - started, 2)
    return figures


def ensure_population(work: Path, persons: int) -> Path:
    population = work / f"pop{persons}"
    if not (population / "_population.json").exists():
        shutil.rmtree(population, ignore_errors=True)
        write_population(
            population, persons=persons, seed=1, as_of=RETIRE, chunk_size=2_000_000, progress=True
        )
    return population


def compare_outputs(work: Path, persons: int, done: list[str]) -> dict[str, int]:
    """Per-person differences in the pension total against the safetynet engine."""
    reference = (
        pq.read_table(work / f"out-safetynet-{persons}" / "rows")
        .select(["person_id", "total_fen"])
        .sort_by("person_id")
    )
    mismatches = {}
    for implementation in done:
        if implementation in ("safetynet", "floor", "floor-strings"):
            continue
        folder = work / f"out-{implementation}-{persons}"
        rows = folder / "rows" if (folder / "rows").is_dir() else folder / "rows.parquet"
        other = pq.read_table(rows).select(["person_id", "total_fen"]).sort_by("person_id")
        same_people = other.column("person_id").equals(reference.column("person_id"))
        differ = (
            int(
                np.sum(
                    other.column("total_fen").to_numpy() != reference.column("total_fen").to_numpy()
                )
            )
            if same_people
            else -1
        )
        mismatches[implementation] = differ
    return mismatches


def record(entry: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
    print(json.dumps(entry, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    parser.add_argument("--implementations", nargs="*", default=list(IMPLEMENTATIONS))
    parser.add_argument("--payroll", type=int, help="persons for the payroll run")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sn_bench"))
    parser.add_argument("--keep", action="store_true", help="keep the run outputs")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for persons in args.sizes:
        population = ensure_population(args.work, persons)
        # one untimed read first, so that every run finds the files in the page cache
        measure(["--child", "floor", str(population), str(args.work / "warm-up")])
        runs = {}
        for implementation in args.implementations:
            out = args.work / f"out-{implementation}-{persons}"
            shutil.rmtree(out, ignore_errors=True)
            runs[implementation] = measure(["--child", implementation, str(population), str(out)])
            print(implementation, runs[implementation], flush=True)
        done = [i for i, r in runs.items() if "error" not in r]
        mismatches = compare_outputs(args.work, persons, done) if "safetynet" in done else {}
        record(
            {
                "benchmark": "pension_estimate",
                "persons": persons,
                "machine": f"{_cores()} cores",
                "runs": runs,
                "mismatches": mismatches,
            }
        )
        if not args.keep:
            for implementation in args.implementations:
                shutil.rmtree(args.work / f"out-{implementation}-{persons}", ignore_errors=True)
    if args.payroll:
        population = ensure_population(args.work, args.payroll)
        out = args.work / f"out-payroll-{args.payroll}"
        shutil.rmtree(out, ignore_errors=True)
        measure(["--child", "floor", str(population), str(args.work / "warm-up")])
        figures = measure(["--child", "payroll", str(population), str(out)])
        record({"benchmark": "payroll", "persons": args.payroll, **figures})
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
