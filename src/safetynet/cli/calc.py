"""``safetynet calc``: the rules catalogue from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from safetynet.cli.errors import fail, reported
from safetynet.cli.law import database_law
from safetynet.policy.catalogue import calc as run_calc
from safetynet.policy.catalogue import catalogue


def calc_command(
    name: Annotated[str | None, typer.Argument(help="calculation name (see --list)")] = None,
    json_inputs: Annotated[
        str, typer.Option("--json", help="inputs as a JSON object, e.g. '{\"age_years\": 60}'")
    ] = "{}",
    explain: Annotated[bool, typer.Option("--explain", help="add the explanation trace")] = False,
    list_: Annotated[
        bool, typer.Option("--list", help="list the catalogue with each input's type and meaning")
    ] = False,
    packaged: Annotated[
        bool,
        typer.Option("--packaged", help="the packaged law only, ignoring the database's overlay"),
    ] = False,
    law_version: Annotated[
        int | None,
        typer.Option("--law-version", help="the database's law as it was at this version"),
    ] = None,
    recorded_at: Annotated[
        datetime | None,
        typer.Option(
            "--recorded-at",
            help="the database's law as known at this UTC instant (YYYY-MM-DDTHH:MM:SS)",
            formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        ),
    ] = None,
) -> None:
    """Evaluate one calculation of the law and print the result as JSON.

    With a database configured (SAFETYNET_DATABASE_URL, or ./var/safetynet.db present) the law
    is the packaged parameters plus the approved overlay, and the output names its
    ``law_version``; --law-version or --recorded-at reproduce a decision under the law as it
    was known then."""
    if list_:
        typer.echo(
            json.dumps([c.describe() for c in catalogue().values()], ensure_ascii=False, indent=2)
        )
        return
    if not name:
        fail("name a calculation, or use --list")
    try:
        inputs: Any = json.loads(json_inputs)
    except json.JSONDecodeError as exc:
        fail(f"--json: not valid JSON ({exc.msg} at position {exc.pos})")
    if not isinstance(inputs, dict):
        fail("--json: expected a JSON object of named inputs")
    if packaged and (law_version is not None or recorded_at is not None):
        fail("--packaged: give it alone, or --law-version / --recorded-at alone")
    version, params = database_law(
        packaged=packaged,
        version=law_version,
        recorded_at=recorded_at.replace(tzinfo=UTC) if recorded_at is not None else None,
    )
    with reported():
        result = run_calc(name, inputs, explain=explain, parameters=params)
    out = result.as_json()
    if version is not None:
        out["law_version"] = version
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
