"""Checks of single input fields, each raising :class:`InvalidInput` naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np

from safetynet.domain.errors import InvalidInput
from safetynet.policy.errors import InputError
from safetynet.policy.money import decimal_to_fen, parse_yuan
from safetynet.policy.periods import format_month, month_of, parse_month
from safetynet.policy.regions import parse_region
from safetynet.policy.rules.identity import (
    CREDIT_PROBLEMS,
    ID_PROBLEMS,
    check_credit_codes,
    check_resident_ids,
)

MAX_MONTHLY_WAGE_YUAN = Decimal("1000000")
"""A monthly wage above a million yuan is a typing error, not a wage (the ceiling is ~37,000)."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str
    region_code: int


def resident_id(value: object, field: str = "id_number") -> ResidentId:
    text = str(value or "").strip().upper()
    if not text:
        raise InvalidInput.one(field, "is required")
    checked = check_resident_ids(np.array([text]))
    if not checked["valid"][0]:
        raise InvalidInput.one(field, ID_PROBLEMS[str(checked["reason"][0])])
    birth = checked["birth_date"][0].astype("datetime64[D]").item()
    sex = "male" if int(checked["sex"][0]) == 1 else "female"
    return ResidentId(text, birth, sex, int(checked["region"][0]))


def credit_code(value: object, field: str = "credit_code") -> tuple[str, int]:
    """The normalised code and its division code."""
    text = str(value or "").strip().upper()
    if not text:
        raise InvalidInput.one(field, "is required")
    checked = check_credit_codes(np.array([text]))
    if not checked["valid"][0]:
        raise InvalidInput.one(field, CREDIT_PROBLEMS[str(checked["reason"][0])])
    return text, int(checked["region"][0])


def region(value: object, field: str = "region") -> int:
    try:
        return parse_region(value, field)
    except InputError as exc:
        raise InvalidInput.one(field, exc.problem) from None


def current_month() -> int:
    return month_of(datetime.now(UTC).date())


def month(value: object, field: str = "month", *, allow_future: bool = False) -> str:
    """A period ``YYYY-MM``; not after the current month unless ``allow_future``."""
    try:
        index = parse_month(str(value or ""), field)
    except InputError as exc:
        raise InvalidInput.one(field, exc.problem) from None
    if not allow_future and index > current_month():
        raise InvalidInput.one(
            field,
            f"{format_month(index)} is in the future (now {format_month(current_month())})",
            code="future_month",
            month=format_month(index),
        )
    return format_month(index)


def year(value: object, field: str = "year") -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInput.one(field, f"expected a year, got {value!r}") from None
    if not 1990 <= number <= datetime.now(UTC).year:
        raise InvalidInput.one(field, f"year {number} is outside 1990 to this year")
    return number


def wage_problem(value: object) -> tuple[int, str]:
    """A monthly wage in fen, or 0 and the problem (negative, zero, absurd, malformed)."""
    amount = parse_yuan(value)
    if isinstance(amount, str):
        return 0, amount
    if amount <= 0:
        return 0, f"wage must be positive, got {amount}"
    if amount > MAX_MONTHLY_WAGE_YUAN:
        return 0, f"wage {amount} is absurdly large (over {MAX_MONTHLY_WAGE_YUAN} a month)"
    return decimal_to_fen(amount), ""


def monthly_wage(value: object, field: str = "monthly_wage") -> int:
    fen, problem = wage_problem(value)
    if problem:
        raise InvalidInput.one(field, problem)
    return fen


def amount_fen(value: object, field: str, *, maximum_yuan: int) -> int:
    amount = parse_yuan(value)
    if isinstance(amount, str):
        raise InvalidInput.one(field, amount)
    if amount <= 0:
        raise InvalidInput.one(field, f"amount must be positive, got {amount}")
    if amount > maximum_yuan:
        raise InvalidInput.one(field, f"amount {amount} is above {maximum_yuan}")
    return decimal_to_fen(amount)


def name(value: object, field: str = "name") -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise InvalidInput.one(field, "is required")
    if len(text) > 100:
        raise InvalidInput.one(field, "is longer than 100 characters")
    return text


def choice(value: object, allowed: tuple[str, ...], field: str) -> str:
    text = str(value or "").strip()
    if text not in allowed:
        raise InvalidInput.one(
            field,
            f"expected one of {', '.join(allowed)}, got {value!r}",
            code="choice",
            allowed=", ".join(allowed),
        )
    return text
