"""Months and dates as integer arrays.

A month is held as a *month index* ``year * 12 + (month - 1)`` (int64), which makes month
arithmetic (retirement month = birth month + statutory age) plain integer addition. Dates for
parameter lookups are numpy ``datetime64[D]``.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import numpy.typing as npt

from safetynet.policy.errors import InputError

MonthArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, field: str = "month") -> int:
    """'YYYY-MM' to a month index; raises :class:`InputError` naming ``field``."""
    match = _MONTH.match(str(text).strip())
    if not match:
        raise InputError(field, f"expected a month as YYYY-MM, got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise InputError(field, f"month {month} is not between 01 and 12")
    if not 1900 <= year <= 2200:
        raise InputError(field, f"year {year} is outside 1900-2200")
    return year * 12 + month - 1


def format_month(index: int) -> str:
    year, month0 = divmod(int(index), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: npt.ArrayLike) -> DateArray:
    """First day of each month index, as datetime64[D]."""
    idx = np.asarray(index, dtype=np.int64)
    years = idx // 12
    months = idx % 12
    as_months = (years - 1970) * 12 + months
    return as_months.astype("datetime64[M]").astype("datetime64[D]")
