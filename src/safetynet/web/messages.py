"""The words of the services as the pages say them: domain errors by code, field names, states.

A service error carries a ``code`` and ``params`` (``safetynet.domain.errors``); here each code
has an English message whose translation lives in the catalogues. A code without an entry falls
back to its class's general message followed by the service's own words, so nothing is hidden.
"""

from __future__ import annotations

from safetynet.domain.errors import DomainError, InvalidInput, Problem
from safetynet.policy.errors import InputError, PolicyError
from safetynet.web.i18n import Translator, mark

ERRORS: dict[str, str] = {
    "wrong_credentials": mark("Wrong username or password."),
    "too_many_attempts": mark("Too many failed sign-ins. Try again in {seconds} seconds."),
    "account_locked": mark("This account is locked. Ask an administrator to unlock it."),
    "out_of_scope": mark("Region {region} is outside your scope."),
    "own_record_only": mark("Citizens may only see their own record."),
    "read_only": mark("Your role may not change the record."),
    "role": mark("Your role may not do this."),
    "four_eyes": mark("You proposed award {award}: another operator must approve it."),
    "id_registered": mark("This identity number is already registered."),
    "credit_registered": mark("This unified social credit code is already registered."),
    "not_found": mark("Not found: {what} {key}."),
    "invalid_input": mark("Please correct the fields marked below."),
    "future_month": mark("{month} is in the future."),
    "choice": mark("Choose one of: {allowed}."),
    "not_employed": mark("Not employed by employer {employer} in {month}."),
    "file_encoding": mark("The file is neither UTF-8 nor GBK/GB18030 text."),
    "file_too_large": mark("The file is larger than 20 MB."),
    "csrf": mark("The form had expired or did not come from this site. Please try again."),
    "live_award": mark("Person {person} already has a {kind} award in progress."),
    "award_months_covered": mark(
        "An earlier {kind} award covered the months to {month}: a new one must start after it."
    ),
}

KNOWN_PROBLEMS = (
    mark("is required"),
    mark("is empty"),
    mark("has a header but no rows"),
    mark("must be a whole number"),
    mark("must be 18 characters"),
    mark("must be 17 digits and a check character 0-9 or X"),
    mark("check character does not match (GB 11643, ISO 7064 MOD 11-2)"),
    mark("birth date is not a real date in the past"),
    mark("address code is not a GB/T 2260 region"),
    mark("must use only 0-9 and A-Y without I, O, S, V, Z"),
    mark("check character does not match (GB 32100, MOD 31)"),
    mark("appears more than once in the declaration"),
    mark("no person with this identity number is registered"),
    mark("does not match the registered name"),
    mark("expected an amount in yuan"),
    mark("is not a valid wage"),
    mark("a correction needs a reason"),
    mark("nothing to correct"),
    mark("an operator needs a region scope"),
    mark("no employee-pension contributions on record"),
    mark("expected a day YYYY-MM-DD"),
    mark("is required (at most 64 characters)"),
    mark("must not be negative"),
    mark("must be positive"),
    mark("wage must be positive"),
    mark("expected YYYY-MM-DD"),
    mark("must be a whole number 1-8"),
    mark("must be 1-100 characters without spaces"),
    mark("is longer than 100 characters"),
    mark("is longer than 50 characters"),
    mark("must be between 0 and 600"),
)
"""Problems the services state in fixed words: translated by their English text."""

GENERAL: dict[str, str] = {
    "conflict": mark("The request conflicts with the record:"),
    "forbidden": mark("Not allowed:"),
    "unauthenticated": mark("Please sign in again."),
    "refused": mark("The request was refused:"),
}

FIELDS: dict[str, str] = {
    "id_number": mark("ID number"),
    "name": mark("Name"),
    "hukou_type": mark("Hukou type"),
    "hukou_region": mark("Hukou region"),
    "region": mark("Region"),
    "household_id": mark("Household"),
    "credit_code": mark("Unified social credit code"),
    "risk_class": mark("Industry risk class"),
    "employer_id": mark("Employer"),
    "person_id": mark("Person"),
    "start_month": mark("Start month"),
    "end_month": mark("End month"),
    "month": mark("Month"),
    "since": mark("From"),
    "reference": mark("Reference"),
    "until": mark("To"),
    "service_date": mark("Service date"),
    "policy_cost": mark("Policy-covered cost"),
    "other_cost": mark("Other cost"),
    "setting": mark("Setting"),
    "tier": mark("Hospital level"),
    "assistance_category": mark("Assistance category"),
    "retirement_month": mark("Retirement month"),
    "scheme": mark("Scheme"),
    "address": mark("Address"),
    "version": mark("Version"),
    "q": mark("Search"),
    "monthly_wage": mark("Monthly contribution wage"),
    "username": mark("Username"),
    "password": mark("Password"),
    "reason": mark("Reason"),
    "file": mark("File"),
    "columns": mark("Columns"),
    "worker_type": mark("Worker type"),
    "amount": mark("Amount"),
    "total": mark("Total cost"),
}


def field_label(t: Translator, field: str) -> str:
    return t.gettext(FIELDS[field]) if field in FIELDS else field


def problem_message(t: Translator, problem: Problem) -> str:
    """What is wrong with one field, translated when the catalogue knows it. A message of the
    form "<fixed words>, got <value>" has its fixed words translated and the value kept."""
    if problem.code and problem.code in ERRORS:
        return t.gettext(ERRORS[problem.code], **dict(problem.params))
    if not problem.problem:
        return ""
    words, got, value = problem.problem.partition(", got ")
    if got:
        return t.gettext("{problem}, got {value}", problem=t.gettext(words), value=value)
    return t.gettext(problem.problem)


def problem_text(t: Translator, problem: Problem) -> str:
    """One bad field: its label and what is wrong (and its row, for a file)."""
    where = t.gettext("Row {row}: ", row=problem.row) if problem.row is not None else ""
    return f"{where}{field_label(t, problem.field)}: {problem_message(t, problem)}"


def error_text(t: Translator, exc: DomainError | PolicyError) -> str:
    """The sentence a page shows for a refused use case (or input the rules cannot take)."""
    if isinstance(exc, InputError):
        what = problem_message(t, Problem(exc.field, exc.problem))
        return f"{field_label(t, exc.field)}: {what}"
    if isinstance(exc, PolicyError):
        heading = t.gettext("The rules in force do not cover this case:")
        return f"{heading} {exc}"
    if exc.code in ERRORS:
        params = {k: award_kind(t, str(v)) if k == "kind" else v for k, v in exc.params.items()}
        return t.gettext(ERRORS[exc.code], **params)
    if exc.code in GENERAL:
        return f"{t.gettext(GENERAL[exc.code])} {exc}"
    return str(exc)


def problem_lines(t: Translator, exc: DomainError | PolicyError) -> list[str]:
    """Every bad field of an invalid input, one line each."""
    if isinstance(exc, InvalidInput):
        return [problem_text(t, p) for p in exc.problems]
    return []


ROLES: dict[str, str] = {
    "citizen": mark("citizen"),
    "operator": mark("operator"),
    "auditor": mark("auditor"),
    "admin": mark("administrator"),
    "analyst": mark("analyst"),
}


def role_name(t: Translator, role: str) -> str:
    return t.gettext(ROLES[role]) if role in ROLES else role


SCHEMES: dict[str, str] = {
    "employee_pension": mark("Employee pension"),
    "employee_medical": mark("Employee medical"),
    "unemployment": mark("Unemployment"),
    "work_injury": mark("Work injury"),
    "resident_pension": mark("Resident pension"),
    "resident_medical": mark("Resident medical"),
}

AWARD_KINDS: dict[str, str] = {
    "employee_pension": mark("Employee basic pension"),
    "resident_pension": mark("Resident basic pension"),
    "unemployment": mark("Unemployment insurance benefit"),
    "injury_monthly": mark("Work-injury monthly allowance"),
    "injury_lump_sum": mark("Work-injury lump sum"),
    "dibao": mark("Minimum living guarantee (dibao)"),
    "childcare": mark("Childcare subsidy"),
    "disability_living": mark("Living subsidy for people with disabilities"),
    "disability_nursing": mark("Nursing subsidy for severe disabilities"),
}

STATES: dict[str, str] = {
    "proposed": mark("proposed"),
    "active": mark("active"),
    "suspended": mark("suspended"),
    "rejected": mark("rejected"),
    "ended": mark("ended"),
    "running": mark("running"),
    "completed": mark("completed"),
    "accepted": mark("accepted"),
    "superseded": mark("superseded"),
    "posted": mark("posted"),
    "paid": mark("paid"),
    "failed": mark("failed"),
    "pending": mark("pending"),
    "male": mark("male"),
    "female": mark("female"),
    "urban": mark("urban"),
    "rural": mark("rural"),
    "employee": mark("employee"),
    "flexible": mark("flexible"),
    "resident": mark("resident"),
}

CONTRIBUTION_GROUPS: dict[str, str] = {
    "pension": mark("Pension"),
    "medical": mark("Medical"),
    "unemployment": mark("Unemployment"),
    "work_injury": mark("Work injury"),
    "resident": mark("Residents' schemes"),
}


def term(t: Translator, value: str | None) -> str:
    """A scheme, award kind, state or code value in the page's language."""
    if value is None:
        return "—"
    for table in (STATES, SCHEMES, AWARD_KINDS, CONTRIBUTION_GROUPS):
        if value in table:
            return t.gettext(table[value])
    return value


def award_kind(t: Translator, kind: str) -> str:
    return t.gettext(AWARD_KINDS[kind]) if kind in AWARD_KINDS else kind


COLUMNS = (
    mark("No."),
    mark("Time"),
    mark("User"),
    mark("Role"),
    mark("Action"),
    mark("Entity"),
    mark("Region"),
    mark("Reason"),
    mark("Before"),
    mark("After"),
    mark("Person"),
    mark("Kind"),
    mark("State"),
    mark("Start month"),
    mark("Monthly amount"),
    mark("Proposed by"),
    mark("Approved by"),
    mark("Employer"),
    mark("Month"),
    mark("Version"),
    mark("Rows"),
    mark("Employer part"),
    mark("Employee part"),
    mark("Award"),
    mark("For month"),
    mark("Amount"),
    mark("ID number"),
    mark("Name"),
    mark("Sex"),
    mark("Born"),
    mark("Row"),
    mark("Field"),
    mark("Problem"),
    mark("Errors"),
    mark("Declaration"),
)
"""Column headings of the Excel downloads (translated where each download is made)."""
