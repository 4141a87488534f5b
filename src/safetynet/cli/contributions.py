"""``safetynet contributions``: settling contributions and pensions after the law changed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safetynet.cli.acting import run_as_user
from safetynet.cli.errors import fail
from safetynet.cli.records import _print
from safetynet.services import true_up

contributions_app = typer.Typer(
    help="Settle contributions and pensions after the law changed.", no_args_is_help=True
)


@contributions_app.command("true-up")
def true_up_command(
    region: Annotated[str, typer.Option("--region", help="6-digit region (its subtree)")],
    from_month: Annotated[str, typer.Option("--from", help="first month YYYY-MM")],
    to_month: Annotated[
        str | None, typer.Option("--to", help="last month YYYY-MM (default: this month)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report only, post nothing")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="write every line to FILE.csv or FILE.xlsx")
    ] = None,
) -> None:
    """Recompute each person, month and payer under the law in force and post the
    differences (idempotent); pension shortfalls go to the next payroll as arrears, excesses
    are recorded as overpayments."""
    if report is not None and report.suffix.lower() not in (".csv", ".xlsx"):
        fail("--report: expected a file name ending in .csv or .xlsx")
    result = run_as_user(
        lambda uow, actor: true_up.true_up(
            uow,
            actor,
            region=region,
            from_month=from_month,
            to_month=to_month,
            dry_run=dry_run,
        )
    )
    if report is not None:
        if report.suffix.lower() == ".csv":
            report.write_text(true_up.report_csv(result), encoding="utf-8")
        else:
            report.write_bytes(true_up.report_xlsx(result))
    _print(
        {
            "posted": result.posted,
            "run_id": result.run_id,
            "region": f"{result.region_code:06d}",
            "months": f"{result.from_month} to {result.to_month}",
            "law_version": result.law_version,
            "lines": result.lines.height,
            "awards_marked": result.awards_marked,
            "totals_fen": result.totals,
            **({"report": str(report)} if report is not None else {}),
        }
    )
