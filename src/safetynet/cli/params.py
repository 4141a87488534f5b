"""``safetynet params``: the law's numbers, with their dates, regions and sources; and their
governance: a policy officer proposes a value, a second one approves it (maker-checker).

Governance commands act as the user named by ``SAFETYNET_USER`` (like the record commands);
``show`` and ``list`` read the database's effective law when a database is configured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from safetynet.cli.acting import run_as_user
from safetynet.cli.errors import reported
from safetynet.cli.law import database_law
from safetynet.cli.records import _print
from safetynet.policy.parameters import Parameter
from safetynet.policy.regions import NATIONAL
from safetynet.services import parameters as governance
from safetynet.store.parameters import ParameterValue

params_app = typer.Typer(
    help="Browse the law's parameters and their legal sources; propose and approve values.",
    no_args_is_help=True,
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
    params = database_law()[1]
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
    version, law = database_law()
    with reported():
        parameter = law[name]
    typer.echo(
        json.dumps(
            {
                "name": name,
                "description": parameter.description,
                "unit": parameter.unit,
                "file": parameter.file,
                **({"law_version": version} if version is not None else {}),
                "carry_forward": parameter.carry_forward,
                "values": _values(parameter),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )


def _report(value: ParameterValue, as_json: bool, what: str) -> None:
    if as_json:
        _print(governance.describe(value))
        return
    typer.echo(
        f"{what} value {value.id}: {value.parameter} {value.region} from "
        f"{value.effective.isoformat()} = {value.value} {value.unit} [{value.status}"
        + (f", law version {value.approved_version}" if value.status == "approved" else "")
        + "]"
    )


JsonFlag = Annotated[bool, typer.Option("--json", help="print the value as JSON")]


@params_app.command("propose")
def propose(
    name: Annotated[str, typer.Argument(help="dotted parameter name")],
    region: Annotated[str, typer.Option("--region", help="'national' or a 6-digit code")],
    effective: Annotated[str, typer.Option("--from", help="effective date YYYY-MM-DD")],
    value: Annotated[str, typer.Option("--value", help="a number, or a JSON table")],
    source: Annotated[str, typer.Option("--source", help="title of the source document")],
    grade: Annotated[str, typer.Option("--grade", help="A official, B corroborated, C uncertain")],
    number: Annotated[str | None, typer.Option("--number", help="document number")] = None,
    url: Annotated[str | None, typer.Option("--url", help="where the document is")] = None,
    article: Annotated[str | None, typer.Option("--article", help="article cited")] = None,
    note: Annotated[str | None, typer.Option("--note", help="remark")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="default: the parameter's")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose a value; it takes effect once a second policy officer approves it."""
    proposal = governance.Proposal(
        parameter=name,
        region=region,
        effective=effective,
        value=value,
        source=source,
        grade=grade,
        unit=unit,
        source_number=number,
        url=url,
        article=article,
        note=note,
    )
    _report(
        run_as_user(lambda uow, actor: governance.propose(uow, actor, proposal)),
        as_json,
        "proposed",
    )


@params_app.command("approve")
def approve(value_id: Annotated[int, typer.Argument()], as_json: JsonFlag = False) -> None:
    """Approve a proposal (never one's own); the law moves to the next version."""
    _report(
        run_as_user(lambda uow, actor: governance.approve(uow, actor, value_id)),
        as_json,
        "approved",
    )


@params_app.command("reject")
def reject(
    value_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", help="why (required)")],
    as_json: JsonFlag = False,
) -> None:
    """Reject a proposal, with the reason."""
    rejected = run_as_user(lambda uow, actor: governance.reject(uow, actor, value_id, reason))
    _report(rejected, as_json, "rejected")


@params_app.command("withdraw")
def withdraw(
    value_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", help="why (required)")],
    as_json: JsonFlag = False,
) -> None:
    """Withdraw a proposal or an approved value (it stays in the history)."""
    withdrawn = run_as_user(lambda uow, actor: governance.withdraw(uow, actor, value_id, reason))
    _report(withdrawn, as_json, "withdrew")


@params_app.command("proposals")
def proposals(
    status: Annotated[str | None, typer.Option("--status", help="proposed, approved ...")] = None,
) -> None:
    """Values proposed in the database, in order, optionally of one status."""
    rows = run_as_user(
        lambda uow, actor: governance.list_values(uow, actor, status=status, limit=500)
    )
    _print([governance.describe(v) for v in rows])


@params_app.command("history")
def history(name: Annotated[str, typer.Argument(help="dotted parameter name")]) -> None:
    """Every value proposed for a parameter, its decisions, and the law versions."""
    _print(run_as_user(lambda uow, actor: governance.history(uow, actor, name)))


@params_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="directory to write the files to")
    ] = None,
) -> None:
    """The approved overlay as YAML in the package's own layout (references.yaml and the
    parameter files), to upstream into policy/parameters/."""
    files = run_as_user(governance.export)
    if out is None:
        for path, text in files.items():
            typer.echo(f"# --- {path}\n{text}")
        return
    for path, text in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {', '.join(str(out / p) for p in files)}")
