"""Benefits from the command line: ``safetynet benefits ...``.

Commands act as the console administrator, or as the user named by ``SAFETYNET_USER``; the
maker-checker rule applies, so the approver must be another user than the proposer. Output is
JSON (the API's shapes); bad input prints one line per problem on stderr and exits with 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from safetynet.api.benefits import AwardOut, ClaimOut, LifeEventOut, LineOut, RunOut, TransferOut
from safetynet.cli.acting import run_as_user
from safetynet.domain.access import Principal
from safetynet.policy.money import fen_to_decimal
from safetynet.services.benefits import (
    awards,
    claims,
    layers,
    life_events,
    payroll,
    resident,
    transfers,
)
from safetynet.services.uow import UnitOfWork

benefits_app = typer.Typer(
    help="Retirement, payroll, life events, transfers, claims and assistance.",
    no_args_is_help=True,
)


def _print(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    elif isinstance(value, list):
        value = [
            v.model_dump(mode="json", exclude_none=True) if isinstance(v, BaseModel) else v
            for v in value
        ]
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


Person = Annotated[int, typer.Argument(help="person id")]
Month = Annotated[str, typer.Option(help="YYYY-MM")]
Region = Annotated[str, typer.Option(help="6-digit region code")]


@benefits_app.command("check-retirement")
def check_retirement(
    person_id: Person,
    scheme: Annotated[str, typer.Option(help="employee or resident")] = "employee",
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: statutory)")] = None,
    category: Annotated[str | None, typer.Option(help="male, female_55, female_50")] = None,
    deemed_months: Annotated[int, typer.Option(help="deemed contribution months")] = 0,
    average_index: Annotated[
        float | None, typer.Option(help="average contribution index (when not on record)")
    ] = None,
) -> None:
    """Eligibility and amount, explained; changes nothing."""
    decision = run_as_user(
        lambda u, a: awards.check_retirement(
            u,
            a,
            person_id=person_id,
            scheme=scheme,
            retirement_month=month,
            category=category,
            deemed_months=deemed_months,
            average_index=average_index,
        )
    )
    _print(
        {
            "eligible": decision.eligible,
            "start_month": decision.start_month,
            "monthly_amount": str(fen_to_decimal(decision.amount_fen))
            if decision.amount_fen is not None
            else None,
            "reasons": decision.reasons,
            "options": decision.options,
            "facts": decision.facts,
            "references": decision.references,
        }
    )


@benefits_app.command("propose-retirement")
def propose_retirement(
    person_id: Person,
    scheme: Annotated[str, typer.Option(help="employee or resident")] = "employee",
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: statutory)")] = None,
    category: Annotated[str | None, typer.Option(help="male, female_55, female_50")] = None,
    deemed_months: Annotated[int, typer.Option(help="deemed contribution months")] = 0,
    average_index: Annotated[
        float | None, typer.Option(help="average contribution index (when not on record)")
    ] = None,
) -> None:
    """The maker's step: propose the pension award."""
    award = run_as_user(
        lambda u, a: awards.propose_retirement(
            u,
            a,
            person_id=person_id,
            scheme=scheme,
            retirement_month=month,
            category=category,
            deemed_months=deemed_months,
            average_index=average_index,
        )
    )
    _print(AwardOut.of(award))


@benefits_app.command("approve")
def approve(award_id: Annotated[int, typer.Argument(help="award id")]) -> None:
    """The checker's step (another user than the proposer)."""
    _print(AwardOut.of(run_as_user(lambda u, a: awards.approve(u, a, award_id))))


@benefits_app.command("reject")
def reject(
    award_id: Annotated[int, typer.Argument(help="award id")],
    reason: Annotated[str, typer.Option(help="why")],
) -> None:
    """Reject a proposed award, with the reason."""
    _print(AwardOut.of(run_as_user(lambda u, a: awards.reject(u, a, award_id, reason=reason))))


@benefits_app.command("end-award")
def end_award(
    award_id: Annotated[int, typer.Argument(help="award id")],
    last_month: Annotated[str, typer.Option(help="last month paid, YYYY-MM")],
    reason: Annotated[str, typer.Option(help="why")],
) -> None:
    """End an award; what was paid for later months becomes an overpayment."""
    award = run_as_user(
        lambda u, a: awards.end_award(u, a, award_id, last_month=last_month, reason=reason)
    )
    _print(AwardOut.of(award))


@benefits_app.command("award")
def show_award(award_id: Annotated[int, typer.Argument(help="award id")]) -> None:
    """An award with the explanation of its amount and the legal references."""
    _print(AwardOut.of(run_as_user(lambda u, a: awards.get_award(u, a, award_id)), explain=True))


@benefits_app.command("awards")
def list_awards(
    person_id: Annotated[int | None, typer.Option(help="only this person's")] = None,
    status: Annotated[str | None, typer.Option(help="proposed, active, suspended ...")] = None,
) -> None:
    """Awards in your scope."""
    rows = run_as_user(lambda u, a: awards.list_awards(u, a, person_id=person_id, status=status))
    _print([AwardOut.of(x) for x in rows])


@benefits_app.command("payroll")
def run_payroll(
    region: Region,
    month: Month,
    chunk_size: Annotated[int, typer.Option(help="awards per transaction")] = 2000,
) -> None:
    """Pay a region's month: idempotent; a crashed run resumes where it stopped."""

    def progress(chunk: int, lines: int) -> None:
        typer.echo(f"chunk {chunk}: {lines} lines", err=True)

    outcome = run_as_user(
        lambda u, a: payroll.run_payroll(
            u, a, region=region, month=month, chunk_size=chunk_size, progress=progress
        )
    )
    _print(RunOut.of(outcome.run, outcome))


@benefits_app.command("pay-award")
def pay_award(award_id: Annotated[int, typer.Argument(help="award id")], month: Month) -> None:
    """Off-cycle payment of one active award up to the month."""
    outcome = run_as_user(lambda u, a: payroll.pay_award(u, a, award_id, month=month))
    _print(RunOut.of(outcome.run, outcome))


@benefits_app.command("payment-file")
def payment_file(
    run_id: Annotated[int, typer.Argument(help="payroll run id")],
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
) -> None:
    """The bank's CSV with the control-total trailer."""
    text = run_as_user(lambda u, a: payroll.payment_file(u, a, run_id))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@benefits_app.command("bank-return")
def bank_return(
    run_id: Annotated[int, typer.Argument(help="payroll run id")],
    path: Annotated[Path, typer.Argument(help="CSV: line_id,amount,status,note")],
) -> None:
    """Reconcile the bank's return file (all rows checked, then all or nothing)."""
    result = run_as_user(lambda u, a: payroll.reconcile(u, a, run_id, path.read_bytes()))
    _print(result.__dict__)


@benefits_app.command("lines")
def lines(
    run_id: Annotated[int | None, typer.Option(help="a payroll run")] = None,
    award_id: Annotated[int | None, typer.Option(help="an award")] = None,
    person_id: Annotated[int | None, typer.Option(help="a person")] = None,
) -> None:
    """Payment lines of a run, an award or a person."""
    rows = run_as_user(
        lambda u, a: payroll.lines_of(u, a, run_id=run_id, award_id=award_id, person_id=person_id)
    )
    _print([LineOut.of(x) for x in rows])


@benefits_app.command("report-death")
def report_death(
    person_id: Person,
    date: Annotated[str, typer.Option(help="date of death, YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="source of the report")] = "",
) -> None:
    """Stop payments after the month of death; overpayment and death benefits."""
    event = run_as_user(
        lambda u, a: life_events.report_death(
            u, a, person_id=person_id, death_date=date, reason=reason
        )
    )
    _print(LifeEventOut.of(event))


@benefits_app.command("verify")
def verify(person_id: Person, month: Month) -> None:
    """Record the annual existence verification (reinstates a suspended pension)."""
    rows = run_as_user(
        lambda u, a: life_events.verify_existence(u, a, person_id=person_id, month=month)
    )
    _print([AwardOut.of(x) for x in rows])


@benefits_app.command("suspend-overdue")
def suspend_overdue(region: Region, month: Month) -> None:
    """Suspend pensions whose existence verification is a year overdue."""
    ids = run_as_user(lambda u, a: life_events.suspend_unverified(u, a, region=region, month=month))
    _print({"suspended": ids})


@benefits_app.command("medical-claim")
def medical_claim(
    person_id: Person,
    reference: Annotated[str, typer.Option(help="the facility's claim number")],
    date: Annotated[str, typer.Option(help="service date, YYYY-MM-DD")],
    setting: Annotated[str, typer.Option(help="outpatient or inpatient")],
    tier: Annotated[str, typer.Option(help="community, tier1, tier2, tier3")],
    policy_cost: Annotated[str, typer.Option(help="policy-range cost, yuan")],
    other_cost: Annotated[str, typer.Option(help="cost outside the policy range")] = "0",
    assistance_category: Annotated[
        str | None, typer.Option(help="none, low_income, dibao, tekun (default from awards)")
    ] = None,
) -> None:
    """Settle a medical claim (a reference submitted again returns the first settlement)."""
    settled = run_as_user(
        lambda u, a: claims.submit_claim(
            u,
            a,
            person_id=person_id,
            reference=reference,
            service_date=date,
            setting=setting,
            tier=tier,
            policy_cost=policy_cost,
            other_cost=other_cost,
            assistance_category=assistance_category,
        )
    )
    _print(ClaimOut.of(settled.claim, duplicate=settled.duplicate))


@benefits_app.command("transfer")
def transfer(person_id: Person, to_region: Region, month: Month) -> None:
    """Request the transfer of the employee pension to another province."""
    _print(
        TransferOut.of(
            run_as_user(
                lambda u, a: transfers.request_transfer(
                    u, a, person_id=person_id, to_region=to_region, month=month
                )
            )
        )
    )


@benefits_app.command("complete-transfer")
def complete_transfer(transfer_id: Annotated[int, typer.Argument(help="transfer id")]) -> None:
    """The receiving province takes the pension relation over."""
    _print(TransferOut.of(run_as_user(lambda u, a: transfers.complete_transfer(u, a, transfer_id))))


@benefits_app.command("unemployment")
def unemployment(
    person_id: Person,
    month: Month,
    monthly_amount: Annotated[str | None, typer.Option(help="the province's benefit")] = None,
) -> None:
    """Propose the unemployment benefit the contribution record allows."""
    award = run_as_user(
        lambda u, a: layers.claim_unemployment(
            u, a, person_id=person_id, month=month, monthly_amount=monthly_amount
        )
    )
    _print(AwardOut.of(award))


@benefits_app.command("dibao")
def dibao(
    person_id: Person,
    month: Month,
    area: Annotated[str, typer.Option(help="urban or rural")],
    household_size: Annotated[int, typer.Option(help="members")],
    income: Annotated[str, typer.Option(help="household monthly income, yuan")],
    local_line: Annotated[str | None, typer.Option(help="local line per person")] = None,
) -> None:
    """Propose the household's dibao top-up."""
    award = run_as_user(
        lambda u, a: layers.apply_dibao(
            u,
            a,
            person_id=person_id,
            month=month,
            area=area,
            household_size=household_size,
            household_monthly_income=income,
            local_dibao_line=local_line,
        )
    )
    _print(AwardOut.of(award))


@benefits_app.command("childcare")
def childcare(
    child_person_id: Annotated[int, typer.Argument(help="the child's person id")],
) -> None:
    """Propose the childcare subsidy for a child under 3."""
    _print(
        AwardOut.of(
            run_as_user(lambda u, a: layers.apply_childcare(u, a, child_person_id=child_person_id))
        )
    )


@benefits_app.command("subsidy")
def subsidy(
    person_id: Person, year: Annotated[int, typer.Option(help="contribution year")]
) -> None:
    """Credit the government subsidy of a residents' pension contribution."""
    entry = run_as_user(lambda u, a: resident.credit_subsidy(u, a, person_id=person_id, year=year))
    _print({"entry_id": entry.id, "amount": str(fen_to_decimal(entry.amount_fen))})


@benefits_app.command("statement")
def statement(person_id: Person) -> None:
    """A person's awards, payments, overpayments and medical claims."""

    def gather(u: UnitOfWork, a: Principal) -> dict[str, Any]:
        return {
            "awards": [
                AwardOut.of(x).model_dump(mode="json", exclude_none=True)
                for x in awards.list_awards(u, a, person_id=person_id, limit=500)
            ],
            "payments": [
                LineOut.of(x).model_dump(mode="json")
                for x in payroll.lines_of(u, a, person_id=person_id)
            ],
            "overpayments": [
                {"award_id": o.award_id, "amount": str(fen_to_decimal(o.amount_fen))}
                for o in life_events.overpayments(u, a, person_id)
            ],
            "medical_claims": [
                ClaimOut.of(c).model_dump(mode="json", exclude_none=True)
                for c in claims.claims_of(u, a, person_id)
            ],
        }

    _print(run_as_user(gather))
