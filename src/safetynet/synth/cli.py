"""``safetynet synth``: write a synthetic population as Parquet partitioned by province."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safetynet.cli.errors import fail, reported
from safetynet.policy.periods import parse_month
from safetynet.synth.writer import write_population


def synth_command(
    persons: Annotated[int, typer.Option("--persons", help="number of persons (1 to 10^9)")],
    out: Annotated[Path, typer.Option("--out", help="output directory (empty or absent)")],
    seed: Annotated[int, typer.Option("--seed", help="random seed; same seed, same persons")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="reference month of ages and histories, YYYY-MM")
    ] = "2025-12",
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="persons per chunk (memory per worker)")
    ] = 1_000_000,
    invalid_share: Annotated[
        float,
        typer.Option(
            "--invalid-share",
            help="share of deliberately corrupted rows, to exercise the reject path (default none)",
        ),
    ] = 0.0,
    fraud_rate: Annotated[
        float | None,
        typer.Option(
            "--fraud-rate",
            help="also write registers (deaths, identities, claims, declarations) with "
            "irregularities of every kind planted at this rate, and labels.parquet",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="processes (default: one per core)")
    ] = None,
    load_sample: Annotated[
        int,
        typer.Option(
            "--load-sample",
            help="then register this many persons (at most "
            "10,000) in the system-of-record database, for the demo",
        ),
    ] = 0,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="database URL for --load-sample "
            "(default: SAFETYNET_DATABASE_URL, else ./var/safetynet.db)",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Generate a deterministic synthetic population (census ages, provinces, wages, insurance
    histories, valid identity numbers) as Parquet partitioned by province."""
    with reported():
        month = parse_month(as_of, "--as-of")
    try:
        manifest = write_population(
            out,
            persons=persons,
            seed=seed,
            as_of=month,
            chunk_size=chunk_size,
            invalid_share=invalid_share,
            fraud_rate=fraud_rate,
            workers=workers,
            progress=progress,
        )
    except ValueError as exc:
        fail(f"--{exc}")
    typer.echo(f"wrote {manifest.persons:,} persons in {manifest.chunks} chunks to {out}")
    if load_sample:
        from safetynet.store.db import make_engine
        from safetynet.synth.sample import load_sample as load

        try:
            loaded = load(out, load_sample, make_engine(database))
        except ValueError as exc:
            fail(f"--{exc}")
        typer.echo(
            f"registered {loaded.registered:,} persons ({loaded.enrolled:,} enrolled, "
            f"{loaded.already_present:,} already present) in the database"
        )
