"""``safetynet demo`` (what ``make run`` runs): a short tour of the law, then the platform."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from safetynet.cli.records import start_platform
from safetynet.policy.catalogue import calc

TOUR: list[tuple[str, str, dict[str, Any]]] = [
    (
        "A man born in January 1965 under the 2024 retirement reform",
        "retirement_age",
        {"birth_month": "1965-01", "category": "male"},
    ),
    (
        "A Beijing flexible worker's contributions at the floor, August 2025",
        "contribution",
        {"monthly_wage": "5000", "region": "110105", "month": "2025-08", "worker_type": "flexible"},
    ),
    (
        "A Beijing retiree of February 2025: 35 years, index 1.0, account 150,000",
        "employee_pension",
        {
            "region": "110000",
            "birth_month": "1965-01",
            "retirement_month": "2025-02",
            "contribution_months": 420,
            "avg_contribution_index": 1.0,
            "account_balance": "150000",
        },
    ),
    (
        "A rural resident's pension in Sichuan, 2025, account 50,000",
        "resident_pension",
        {"region": "510100", "month": "2025-06", "account_balance": "50000"},
    ),
    ("The standard's sample identity number", "id_check", {"id": "11010519491231002X"}),
]


def _show_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}" for k, v in value.items()
        )
    return str(value)


def print_tour() -> None:
    """Evaluate a handful of calculations and print each with its explanation."""
    for title, name, inputs in TOUR:
        result = calc(name, inputs, explain=True)
        typer.secho(f"\n== {title}", bold=True)
        typer.echo(f"   safetynet calc {name} --explain")
        for step in result.trace or []:
            typer.echo(f"   - {step['step']}: {_show_value(step['value'])}  ({step['formula']})")
            for used in step["parameters"]:
                typer.echo(
                    f"       {used['name']} = {_show_value(used['value'])} {used['unit']} "
                    f"[{used['region']}, from {used['effective_from']}; {used['reference']}"
                    f"{'; ' + used['article'] if used.get('article') else ''}; "
                    f"confidence {used['confidence']}]"
                )
        shown = ", ".join(f"{k} = {v}" for k, v in result.values.items() if v is not None)
        typer.echo(f"   => {shown}")


def demo_command(
    tour_only: Annotated[bool, typer.Option("--tour-only", help="only print the tour")] = False,
    host: Annotated[str, typer.Option(help="address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port the API listens on")] = 8000,
) -> None:
    """Tour the rules with explanations, then migrate the database named by
    SAFETYNET_DATABASE_URL (default ./var/safetynet.db), add the demo records once, print the
    demo users and serve the web pages and the API."""
    print_tour()
    if tour_only:
        return
    start_platform(host, port)
