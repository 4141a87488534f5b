"""``safetynet params``: the law's numbers, with their dates, regions and sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from safetynet.cli.errors import reported
from safetynet.policy.parameters import Parameter, default_parameters
from safetynet.policy.regions import NATIONAL

params_app = typer.Typer(
    help="Browse the law's parameters and their legal sources.", no_args_is_help=True
)


def _values(parameter: Parameter, only_uncertain: bool = False) -> list[dict[str, Any]]:
    rows = []
    for region, series in sorted(parameter.series.items()):
        for entry in series.entries:
            if only_uncertain and entry.confidence != "C":
                continue
            use = parameter.use(entry, series)
            rows.append(
                {
                    "region": "national" if region == NATIONAL else f"{region:06d}",
                    "from": entry.effective.isoformat(),
                    "value": entry.value,
                    "confidence": entry.confidence,
                    "reference": use.reference,
                    **({"article": entry.article} if entry.article else {}),
                    **({"note": entry.note} if entry.note else {}),
                }
            )
    return rows


@params_app.command("list")
def list_parameters(
    uncertain: Annotated[bool, typer.Option(help="only values graded C (uncertain)")] = False,
) -> None:
    """List every parameter (name, unit, description); --uncertain lists the C values."""
    params = default_parameters()
    for name in params:
        parameter = params[name]
        if uncertain:
            for row in _values(parameter, only_uncertain=True):
                typer.echo(
                    f"{name}\t{row['region']}\t{row['from']}\t{row['value']}\t{row.get('note', '')}"
                )
        else:
            typer.echo(f"{name}\t{parameter.unit}\t{parameter.description}")


@params_app.command("show")
def show_parameter(name: Annotated[str, typer.Argument(help="dotted parameter name")]) -> None:
    """Show one parameter's values by region and date, each with its source and grade."""
    with reported():
        parameter = default_parameters()[name]
    typer.echo(
        json.dumps(
            {
                "name": name,
                "description": parameter.description,
                "unit": parameter.unit,
                "file": parameter.file,
                "carry_forward": parameter.carry_forward,
                "values": _values(parameter),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )
