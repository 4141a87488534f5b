"""``safetynet analyze JOB``: coverage, fairness, pooling and risk over a Parquet population
(or the system of record, ``--from-db``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from safetynet.analytics.base import Analysis, run_analysis
from safetynet.analytics.coverage import Coverage
from safetynet.analytics.fairness import Fairness
from safetynet.analytics.pooling import Pooling
from safetynet.analytics.risk import DEFAULT_WARNING_MONTHS, Risk
from safetynet.batch.cli import Engine
from safetynet.batch.local import DEFAULT_CHUNK_ROWS
from safetynet.batch.outputs import ReconciliationError
from safetynet.cli.errors import fail, reported

ANALYSES: dict[str, type[Analysis]] = {a.name: a for a in (Coverage, Fairness, Pooling, Risk)}

analyze_app = typer.Typer(
    help="Analyses over the population: coverage, fairness, pooling and risk; Parquet and CSV "
    "tables, an HTML report with charts, a console summary.",
    no_args_is_help=True,
)


def _command(name: str) -> Callable[..., None]:
    def command(
        month: Annotated[str, typer.Option("--month", help="analysis month, YYYY-MM")],
        out: Annotated[Path, typer.Option("--out", help="output directory (empty or absent)")],
        population: Annotated[
            Path | None, typer.Option("--population", help="synth output dir")
        ] = None,
        from_db: Annotated[
            bool,
            typer.Option(
                "--from-db",
                help="analyse the system of record (SAFETYNET_DATABASE_URL or --database) instead",
            ),
        ] = False,
        database: Annotated[
            str | None, typer.Option("--database", help="database URL for --from-db")
        ] = None,
        engine: Annotated[Engine, typer.Option("--engine", help="local or spark")] = Engine.local,
        master: Annotated[str, typer.Option("--master", help="Spark master URL")] = "local[*]",
        chunk_rows: Annotated[
            int, typer.Option("--chunk-rows", help="rows per chunk of the local engine")
        ] = DEFAULT_CHUNK_ROWS,
        workers: Annotated[
            int, typer.Option("--workers", help="local engine: worker processes")
        ] = 1,
        warning_months: Annotated[
            float,
            typer.Option(
                "--warning-months", help="risk: early warning below this many months of spending"
            ),
        ] = DEFAULT_WARNING_MONTHS,
        progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
    ) -> None:
        if (population is None) == (not from_db):
            fail("--population: give either --population DIR or --from-db")
        try:
            with reported(), tempfile.TemporaryDirectory(prefix="safetynet-db-") as scratch:
                source = population
                if from_db:
                    from safetynet.analytics.records import export_population

                    source = export_population(Path(scratch) / "pop", month, database)
                assert source is not None
                outcome = run_analysis(
                    ANALYSES[name](),
                    source,
                    month,
                    out,
                    engine=engine,
                    master=master,
                    chunk_rows=chunk_rows,
                    workers=workers,
                    progress=progress,
                    options={"warning_months": warning_months},
                )
        except (ValueError, ReconciliationError) as exc:
            fail(f"--{exc}" if not isinstance(exc, ReconciliationError) else str(exc))
        typer.echo(f"{outcome.name} {outcome.month} ({outcome.engine}, {outcome.seconds:.1f} s)")
        for line in outcome.lines:
            typer.echo(line)
        typer.echo(f"tables in {out / 'tables'}; report {out / 'report.html'}")

    command.__doc__ = ANALYSES[name].summary
    return command


for _name in ANALYSES:
    analyze_app.command(_name)(_command(_name))
