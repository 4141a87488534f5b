"""docs/rules.md stays true to the code: every calculation has a section, and every
uncertain (C) or unknown (null) parameter is listed."""

from __future__ import annotations

from pathlib import Path

import safetynet
from safetynet.policy.parameters import default_parameters

RULES = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")


def test_every_calculation_has_a_section() -> None:
    headings = [line for line in RULES.splitlines() if line.startswith("## ")]
    for name in safetynet.catalogue():
        assert any(name in heading for heading in headings), name


def test_every_uncertain_or_unknown_parameter_is_listed() -> None:
    uncertain = RULES[RULES.index("## Uncertain values (grade C)") :]
    params = default_parameters()
    for name in params:
        entries = [e for s in params[name].series.values() for e in s.entries]
        if any(e.confidence == "C" or e.value is None for e in entries):
            assert f"`{name}`" in uncertain, name


def test_every_carried_forward_parameter_is_named_under_provisional_values() -> None:
    section = RULES[RULES.index("## Provisional values") : RULES.index("## id_check")]
    params = default_parameters()
    for name in params:
        if params[name].carry_forward:
            assert f"`{name}`" in section, name
