"""``safetynet calc``: the rules catalogue from the command line."""

from __future__ import annotations

import json
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
) -> None:
    """Evaluate one calculation of the law and print the result as JSON.

    With a database configured (SAFETYNET_DATABASE_URL, or ./var/safetynet.db present) the law
    is the packaged parameters plus the approved overlay, and the output names its
    ``law_version``."""
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
    version, params = database_law(packaged=packaged)
    with reported():
        result = run_calc(name, inputs, explain=explain, parameters=params)
    out = result.as_json()
    if version is not None:
        out["law_version"] = version
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
