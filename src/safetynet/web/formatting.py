"""How the pages show amounts, months and dates, per language.

Chinese: ``12,049.00 元``, ``2026年8月``, ``2026年8月1日``. English: ``CNY 12,049.00``,
``Aug 2026``, ``1 Aug 2026``. Amounts are integer fen; nothing goes through a float.
"""

from __future__ import annotations

from datetime import date, datetime

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_chinese(locale: str) -> bool:
    return locale.startswith("zh")


def yuan(fen: int | None, locale: str) -> str:
    """An amount of integer fen, grouped by thousands with two decimals and the currency."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    number = f"{sign}{whole:,}.{cents:02d}"
    return f"{number} 元" if is_chinese(locale) else f"CNY {number}"


def month(value: str | None, locale: str) -> str:
    """A ``YYYY-MM`` month."""
    if not value:
        return "—"
    year, number = value[:4], int(value[5:7])
    return f"{year}年{number}月" if is_chinese(locale) else f"{_MONTHS_EN[number - 1]} {year}"


def day(value: date | datetime | str | None, locale: str) -> str:
    """A calendar day (a datetime is shown as its day and minute)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        timed = "T" in value or " " in value
        value = datetime.fromisoformat(value) if timed else date.fromisoformat(value)
    clock = f" {value:%H:%M}" if isinstance(value, datetime) else ""
    if is_chinese(locale):
        return f"{value.year}年{value.month}月{value.day}日{clock}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}{clock}"
