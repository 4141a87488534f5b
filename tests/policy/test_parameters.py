"""The parameter tree: validation of files, vectorised lookups, regional fallback, overrides."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from safetynet.policy.errors import ParameterFileError, ParameterLookupError
from safetynet.policy.parameters import default_parameters, load_parameters
from safetynet.policy.trace import Recorder

REFS = "SRC:\n  title: A test source\n"


def _tree(tmp_path: Path, body: str, refs: str = REFS) -> Path:
    (tmp_path / "references.yaml").write_text(refs, encoding="utf-8")
    (tmp_path / "scheme").mkdir()
    (tmp_path / "scheme" / "rates.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD = """
rate:
  description: A rate.
  unit: ratio
  values:
    national:
      - {from: 2020-01-01, value: 0.1, source: SRC, confidence: A}
      - {from: 2022-01-01, value: 0.2, source: SRC, confidence: B}
      - {from: 2024-01-01, value: null, source: SRC, confidence: C, note: not yet known}
    "440000":
      - {from: 2021-01-01, value: 0.3, source: SRC, confidence: B}
    "440100":
      - {from: 2021-06-01, value: 0.4, source: SRC, confidence: B}
"""


def test_every_bundled_value_has_a_known_source_and_grade() -> None:
    params = default_parameters()
    assert len(params) >= 30
    for name in params:
        for series in params[name].series.values():
            for entry in series.entries:
                assert entry.source in params.references, name
                assert entry.confidence in {"A", "B", "C"}


def test_lookup_is_vectorised_with_fallback_up_the_hierarchy(tmp_path: Path) -> None:
    params = load_parameters(_tree(tmp_path, GOOD))
    dates = np.array(
        ["2021-07-01", "2021-07-01", "2021-07-01", "2020-06-01", "2023-01-01"],
        dtype="datetime64[D]",
    )
    regions = np.array([440106, 440300, 110000, 440106, 110000])
    values = params.at("scheme.rates.rate", dates, regions)
    # Guangzhou district -> Guangzhou; Shenzhen -> Guangdong; Beijing -> national;
    # before Guangzhou's and Guangdong's first value -> national
    np.testing.assert_allclose(values, [0.4, 0.3, 0.1, 0.1, 0.2])


def test_unknown_value_raises_naming_parameter_and_date(tmp_path: Path) -> None:
    params = load_parameters(_tree(tmp_path, GOOD))
    with pytest.raises(ParameterLookupError, match=r"scheme\.rates\.rate: value unknown from 2024"):
        params.at("scheme.rates.rate", np.array(["2024-05-01"], dtype="datetime64[D]"), [0])
    lenient = params.at(
        "scheme.rates.rate", np.array(["2024-05-01"], dtype="datetime64[D]"), [0], strict=False
    )
    assert np.isnan(lenient[0])


def test_date_before_validity_raises(tmp_path: Path) -> None:
    params = load_parameters(_tree(tmp_path, GOOD))
    with pytest.raises(ParameterLookupError, match="no value before 2020-01-01"):
        params.at("scheme.rates.rate", np.array(["2019-05-01"], dtype="datetime64[D]"), [0])


def test_trace_records_value_date_region_and_reference(tmp_path: Path) -> None:
    params = load_parameters(_tree(tmp_path, GOOD))
    recorder = Recorder()
    params.at(
        "scheme.rates.rate",
        np.array(["2021-07-01"], dtype="datetime64[D]"),
        [440106],
        trace=recorder,
    )
    recorder.step("use", "the rate", 0.4)
    used = recorder.steps[0].parameters[0]
    assert (used.value, used.region, used.effective_from, used.reference, used.confidence) == (
        0.4,
        "440100",
        "2021-06-01",
        "A test source",
        "B",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rate: [1, 2", "not valid YAML"),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    national:\n"
            "      - {from: 2020-01-01, value: 0.1, source: NOPE, confidence: A}\n",
            "rate.values.national.0.source: unknown source 'NOPE'",
        ),
        ("rate:\n  description: A rate.\n  unit: furlongs\n  values: {}\n", "rate.unit"),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    national:\n"
            "      - {from: 2020-01-01, value: 0.1, source: SRC, confidence: D}\n",
            "rate.values.national.0.confidence",
        ),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    '999999':\n"
            "      - {from: 2020-01-01, value: 0.1, source: SRC, confidence: A}\n",
            "unknown GB/T 2260 region 999999",
        ),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    beijing:\n"
            "      - {from: 2020-01-01, value: 0.1, source: SRC, confidence: A}\n",
            "region must be 'national' or a 6-digit",
        ),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    national:\n"
            "      - {from: 2020-01-01, value: 0.1, source: SRC, confidence: A}\n"
            "      - {from: 2020-01-01, value: 0.2, source: SRC, confidence: A}\n",
            "two values share an effective date",
        ),
        (
            "rate:\n  description: A rate.\n  unit: ratio\n  values:\n    national:\n"
            "      - {from: 2020-13-01, value: 0.1, source: SRC, confidence: A}\n",
            "month must be in 1..12",
        ),
        ("rate:\n  unit: ratio\n  values: {}\n", "rate.description"),
    ],
)
def test_bad_file_is_refused_naming_file_key_and_problem(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(ParameterFileError) as caught:
        load_parameters(_tree(tmp_path, body))
    assert str(caught.value).startswith("scheme/rates.yaml: ") or "YAML" in str(caught.value)
    assert message in str(caught.value)


def test_bundled_tree_copied_and_broken_is_refused(tmp_path: Path) -> None:
    assert default_parameters()["pension.employee.accrual_rate"].file == "pension/employee.yaml"
    source = Path(str(resources.files("safetynet.policy").joinpath("parameters")))
    target = tmp_path / "parameters"
    shutil.copytree(source, target)
    broken = target / "pension" / "employee.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("unit: ratio", "unit: percent", 1),
        encoding="utf-8",
    )
    with pytest.raises(ParameterFileError, match=r"pension/employee\.yaml: accrual_rate\.unit"):
        load_parameters(target)


def test_overrides_replace_values_from_their_date(tmp_path: Path) -> None:
    params = load_parameters(_tree(tmp_path, GOOD))
    reform = params.with_overrides(
        {
            "scheme.rates.rate": {
                "national": [
                    {"from": "2023-01-01", "value": 0.5, "source": "SRC", "confidence": "C"}
                ]
            }
        }
    )
    dates = np.array(["2022-06-01", "2025-01-01"], dtype="datetime64[D]")
    np.testing.assert_allclose(reform.at("scheme.rates.rate", dates, [0, 0]), [0.2, 0.5])
    np.testing.assert_allclose(params.at("scheme.rates.rate", dates[:1], [0]), [0.2])


def test_table_lookup_by_key(tmp_path: Path) -> None:
    params = default_parameters()
    values = params["pension.employee.account_divisor"].table_at(
        np.array(["2025-01-01"] * 3, dtype="datetime64[D]"), 0, np.array([40, 60, 70])
    )
    np.testing.assert_allclose(values, [233, 139, 56])
