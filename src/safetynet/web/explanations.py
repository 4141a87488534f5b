"""Headings of the rules' explanations in the page's language: each calculation's name and each
step's label (the formulas and legal references are shown as the rules give them)."""

from __future__ import annotations

from typing import Any

from safetynet.web.i18n import Translator, mark

CALCULATIONS: dict[str, str] = {
    "account_interest": mark("Personal account interest"),
    "annuity_divisor": mark("Annuity divisor"),
    "childcare_subsidy": mark("Childcare subsidy"),
    "contribution": mark("Contribution"),
    "dibao": mark("Minimum living guarantee (dibao)"),
    "disability_subsidies": mark("Disability subsidies"),
    "employee_pension": mark("Employee basic pension"),
    "id_check": mark("Identity number check"),
    "medical_reimbursement": mark("Medical reimbursement"),
    "resident_pension": mark("Resident basic pension"),
    "retirement_age": mark("Retirement age"),
    "supplementary_limits": mark("Supplementary pension limits"),
    "transfer": mark("Pension transfer"),
    "unemployment_benefit": mark("Unemployment insurance benefit"),
    "work_injury": mark("Work-injury benefits"),
    "work_injury_death": mark("Work-injury death benefits"),
}

STEPS: dict[str, str] = {
    label: label
    for label in (
        mark("account pension"),
        mark("annual adjustment"),
        mark("annual ceiling"),
        mark("annuity limits"),
        mark("base"),
        mark("basic before the ceiling"),
        mark("basic fund"),
        mark("basic pension"),
        mark("basic ratio"),
        mark("calculation base"),
        mark("claim province"),
        mark("closing balance"),
        mark("credit code"),
        mark("critical illness"),
        mark("critical-illness deductible"),
        mark("death subsidy"),
        mark("deductible"),
        mark("delay"),
        mark("dependants' pension"),
        mark("dibao line"),
        mark("divisor"),
        mark("due for the month"),
        mark("eligibility"),
        mark("eligibility span"),
        mark("eligible"),
        mark("flexible window"),
        mark("funeral grant"),
        mark("identity number"),
        mark("interest"),
        mark("interest on the opening balance"),
        mark("interest on the year's credits"),
        mark("local top-up"),
        mark("maximum months"),
        mark("maximum total"),
        mark("medical"),
        mark("medical assistance"),
        mark("minimum contribution"),
        mark("monthly allowance"),
        mark("monthly amount"),
        mark("monthly benefit"),
        mark("one-off allowance"),
        mark("original age"),
        mark("out of pocket"),
        mark("parameters"),
        mark("pension"),
        mark("personal pension"),
        mark("pooled transfer"),
        mark("rate"),
        mark("retirement month"),
        mark("statutory age"),
        mark("top-up"),
        mark("total"),
        mark("total transfer"),
        mark("transitional pension"),
        mark("unemployment and work injury"),
        mark("withdrawal tax"),
    )
}


def heading(t: Translator, step: dict[str, Any]) -> str:
    """The translated heading of one explanation entry (a calculation or a step)."""
    if "calculation" in step:
        name = str(step["calculation"])
        return t.gettext(CALCULATIONS[name]) if name in CALCULATIONS else name
    label = str(step.get("step", ""))
    return t.gettext(STEPS[label]) if label in STEPS else label
