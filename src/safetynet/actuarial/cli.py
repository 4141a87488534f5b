"""``safetynet project``: run reform scenarios and write their tables, charts and HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from tqdm import tqdm

from safetynet.actuarial.assumptions import Scenario, builtin_scenarios, load_scenario
from safetynet.actuarial.projection import (
    DEFAULT_END_YEAR,
    MonteCarlo,
    run_monte_carlo,
    run_scenario,
)
from safetynet.actuarial.sensitivity import sensitivity_table
from safetynet.cli.errors import fail, reported
from safetynet.cli.law import database_law

CHUNK = 250  # Monte Carlo paths per vectorised batch (one progress step)


def monte_carlo_in_chunks(scenario: Scenario, paths: int, end_year: int) -> MonteCarlo:
    """``paths`` stochastic paths in batches, so the progress bar moves; seeds per batch."""
    seed = int(scenario.assumptions.number("monte_carlo.seed"))
    batches = []
    sizes = [min(CHUNK, paths - start) for start in range(0, paths, CHUNK)]
    for i, size in enumerate(tqdm(sizes, desc=f"Monte Carlo {scenario.name}", unit="batch")):
        batches.append(run_monte_carlo(scenario, size, end_year, seed=seed + i))
    first = batches[0]
    return MonteCarlo(
        scenario=scenario.name,
        years=first.years,
        reserve=np.concatenate([b.reserve for b in batches]),
        depletion_year=np.concatenate([b.depletion_year for b in batches]),
        population=first.population,
    )


def project_command(
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="built-in scenario name or a scenario YAML file; "
            "repeat to compare (default: every built-in scenario)",
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="name the built-in scenarios")] = False,
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("projections"),
    paths: Annotated[
        int, typer.Option("--paths", help="Monte Carlo paths per scenario (0: none)")
    ] = 0,
    end_year: Annotated[int, typer.Option("--end-year", help="last projection year")] = (
        DEFAULT_END_YEAR
    ),
    parameters_from_db: Annotated[
        bool,
        typer.Option(
            "--parameters-from-db",
            help="project under the database's effective law (packaged + approved overlay)",
        ),
    ] = False,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="also run the one-at-a-time sensitivity table and tornado chart for the "
            "first scenario",
        ),
    ] = False,
) -> None:
    """Project population, pension and medical funds to END_YEAR for each scenario."""
    if list_:
        for name, description in builtin_scenarios().items():
            typer.echo(f"{name}: {description}")
        return
    if paths < 0:
        fail("--paths: must be 0 or more")
    with reported():
        law = database_law(required=True)[1] if parameters_from_db else None
        scenarios = [
            load_scenario(s, parameters=law) for s in (scenario or list(builtin_scenarios()))
        ]
        results = [
            run_scenario(s, end_year) for s in tqdm(scenarios, desc="Scenarios", unit="scenario")
        ]
        runs = [monte_carlo_in_chunks(s, paths, end_year) for s in scenarios] if paths else []
        table = sensitivity_table(scenarios[0], end_year) if sensitivity else None
    # matplotlib loads only when charts are drawn, not with every ``safetynet`` command
    from safetynet.actuarial.report import (
        write_charts,
        write_html,
        write_monte_carlo,
        write_sensitivity,
        write_tables,
    )

    write_tables(results, out)
    for mc in runs:
        write_monte_carlo(mc, out)
    write_charts(results, out / "charts", runs)
    if table is not None:
        write_sensitivity(table, scenarios[0].name, out)
    write_html(results, out, runs, table)
    for r in results:
        typer.echo(
            f"{r.scenario}: first deficit {r.first_deficit_year or 'none'}, reserve peak "
            f"{r.reserve_peak_year}, depletion {r.depletion_year or 'none by ' + str(end_year)}, "
            f"actuarial balance {100 * r.measures['actuarial_balance']:.2f} % of covered wages"
        )
    typer.echo(
        f"wrote {out}/<scenario>.csv|.parquet, <scenario>_new_retirees.csv, summary.csv, "
        "charts/*.png, index.html" + (", sensitivity_<scenario>.csv" if sensitivity else "")
    )
