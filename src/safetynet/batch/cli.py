"""``safetynet batch JOB``: population jobs over a synthetic (or real) Parquet population."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from safetynet.batch.jobs import JOBS, JobContext, reform_overrides_from_yaml
from safetynet.batch.local import DEFAULT_CHUNK_ROWS, run_local
from safetynet.batch.outputs import ReconciliationError, Totals
from safetynet.cli.errors import fail, reported
from safetynet.cli.law import overlay_from_database
from safetynet.policy.periods import format_month, parse_month
from safetynet.synth.writer import read_manifest

batch_app = typer.Typer(
    help="Population jobs over Parquet: contributions, crediting, retirements, payroll, "
    "coverage and reform re-runs, on this machine or on Spark.",
    no_args_is_help=True,
)


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def run_job(
    name: str,
    population: Path,
    month_text: str,
    out: Path,
    *,
    engine: Engine = Engine.local,
    master: str = "local[*]",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    reform: Path | None = None,
    workers: int = 1,
    progress: bool = True,
    law_overlay: dict[str, Any] | None = None,
) -> Totals:
    """Check the arguments, then run job ``name``; raises ValueError naming the option."""
    month = parse_month(month_text, "--month")
    manifest = read_manifest(population)
    if month < parse_month(manifest.as_of):
        raise ValueError(
            f"month: {format_month(month)} is before the population's reference "
            f"month {manifest.as_of}"
        )
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out: {out} is not empty")
    if chunk_rows < 1:
        raise ValueError(f"chunk-rows: expected a positive number, got {chunk_rows}")
    if (reform is not None) != (name == "reform"):
        raise ValueError("reform: the reform job needs --reform FILE; other jobs take none")
    overrides = None
    if reform is not None:
        if not reform.is_file():
            raise ValueError(f"reform: {reform} is not a file")
        overrides = reform_overrides_from_yaml(reform.read_text(encoding="utf-8"), str(reform))
    job = JOBS[name]()
    ctx = JobContext(month=month, reform_overrides=overrides, law_overlay=law_overlay)
    if engine is Engine.spark:
        from safetynet.batch.spark import run_spark, spark_session

        return run_spark(job, population, out, ctx, spark_session(master))
    return run_local(
        job,
        population,
        out,
        ctx,
        chunk_rows=chunk_rows,
        workers=workers,
        progress=progress,
    )


def _command(name: str) -> Callable[..., None]:
    def command(
        population: Annotated[Path, typer.Option("--population", help="synth output dir")],
        month: Annotated[str, typer.Option("--month", help="job month, YYYY-MM")],
        out: Annotated[Path, typer.Option("--out", help="output directory (empty or absent)")],
        engine: Annotated[Engine, typer.Option("--engine", help="local or spark")] = (Engine.local),
        master: Annotated[
            str,
            typer.Option(
                "--master", help="Spark master URL (local[*], spark://host:7077, yarn...)"
            ),
        ] = "local[*]",
        chunk_rows: Annotated[
            int, typer.Option("--chunk-rows", help="rows per chunk of the local engine (memory)")
        ] = DEFAULT_CHUNK_ROWS,
        reform: Annotated[
            Path | None, typer.Option("--reform", help="reform job: YAML of parameter overrides")
        ] = None,
        workers: Annotated[
            int,
            typer.Option("--workers", help="local engine: worker processes over the files"),
        ] = 1,
        progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
        parameters_from_db: Annotated[
            bool,
            typer.Option(
                "--parameters-from-db",
                help="compute under the database's effective law (packaged + approved overlay)",
            ),
        ] = False,
    ) -> None:
        overlay = overlay_from_database() if parameters_from_db else None
        try:
            with reported():
                totals = run_job(
                    name,
                    population,
                    month,
                    out,
                    engine=engine,
                    master=master,
                    chunk_rows=chunk_rows,
                    reform=reform,
                    workers=workers,
                    progress=progress,
                    law_overlay=overlay,
                )
        except (ValueError, ReconciliationError) as exc:
            fail(f"--{exc}" if not isinstance(exc, ReconciliationError) else str(exc))
        typer.echo(json.dumps(asdict(totals), indent=2))

    command.__doc__ = JOBS[name].summary
    return command


for _name in JOBS:
    batch_app.command(_name)(_command(_name))
