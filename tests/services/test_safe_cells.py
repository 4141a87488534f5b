"""Cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetynet.services.safe_cells import FORMULA_TRIGGERS, neutralise, neutralise_row


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_text_is_prefixed(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-12.50", "+3", "1200.00", "张三", "", 42, None])
def test_plain_values_are_kept(cell: object) -> None:
    assert neutralise(cell) == cell


def test_row() -> None:
    assert neutralise_row(["=1", "a", 2]) == ["'=1", "a", 2]


@given(st.text())
def test_no_neutralised_text_starts_with_a_trigger(text: str) -> None:
    out = neutralise(text)
    assert isinstance(out, str)
    assert not out.startswith(FORMULA_TRIGGERS) or out.lstrip("+-").replace(".", "").isdigit()
