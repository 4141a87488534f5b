"""Cells that are safe to open in a spreadsheet.

A CSV or Excel cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by spreadsheet programs as a formula (CSV/formula injection, OWASP). Every file the system
writes passes its text cells through :func:`neutralise`, which prefixes such text with an
apostrophe so that it shows as the text it is. Plain signed numbers (``-12.50``) stay as they are,
so amounts written as text keep their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(value: object) -> object:
    """The value, or, for text a spreadsheet would run as a formula, that text behind a ``'``."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def neutralise_row(row: Iterable[object]) -> list[object]:
    """:func:`neutralise` applied to every cell of a row."""
    return [neutralise(cell) for cell in row]
