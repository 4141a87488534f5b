"""Golden cases: worked examples a policy officer can extend, one YAML file per scheme.

Each file under ``golden/`` is a list of cases::

    - name: O-6 Beijing 2025 retiree
      source: REFERENCE §11 O-6 (derived)
      calculation: employee_pension
      inputs: {region: "110000", ...}
      expected: {basic: 4217.15, total: 5300.97}

Money is compared exactly (as decimals); other values by equality. A case may instead give
``error: <text>`` to require that the calculation refuses the inputs with that message part.
``provisional_parameters`` maps each parameter expected to be provisional (exactly those) to a
part of its reason.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import safetynet
from safetynet.policy.errors import PolicyError

GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(map(_same, actual, expected))
    if isinstance(actual, Decimal):
        return actual == Decimal(str(expected))
    if isinstance(actual, float) and isinstance(expected, int | float):
        return abs(actual - expected) < 1e-9
    return bool(actual == expected)


@pytest.mark.parametrize("case", _cases())
def test_golden_case(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(PolicyError, match=case["error"]):
            safetynet.calc(case["calculation"], case["inputs"])
        return
    result = safetynet.calc(case["calculation"], case["inputs"])
    for key, expected in case["expected"].items():
        assert key in result.values, f"{case['name']}: no output {key}"
        if key == "provisional_parameters":
            reasons = {u["parameter"]: u["reason"] for u in result.provisional_parameters}
            assert sorted(reasons) == sorted(expected), f"{case['name']}: {sorted(reasons)}"
            for name, part in expected.items():
                assert part in reasons[name], f"{case['name']}: {name}: {reasons[name]}"
            continue
        assert _same(result.values[key], expected), (
            f"{case['name']}: {key} = {result.values[key]!r}, expected {expected!r}"
        )


def test_golden_cases_exist() -> None:
    assert len(_cases()) >= 10
