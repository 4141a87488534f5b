"""The GB/T 2260 table: current and historical codes kept apart, separately planned cities."""

from __future__ import annotations

import numpy as np

import safetynet
from safetynet.policy.regions import (
    current_region_array,
    is_current_region,
    is_known_region,
    known_regions,
    separately_planned_city,
)
from safetynet.policy.rules.identity import make_resident_ids

CURRENT_CODES = 3514
"""Codes in force in the bundled table (34 provinces, 343 prefecture-level codes including
municipal-district placeholders, 3,137 county-level codes of which 2,849 are not 市辖区)."""


def test_current_codes_are_counted_and_kept_apart_from_historical_ones() -> None:
    regions = known_regions()
    current = current_region_array()
    assert current.size == CURRENT_CODES
    provinces = current[current % 10000 == 0]
    assert provinces.size == 34
    counties = [c for c in current if c % 100 and regions[int(c)].name != "市辖区"]
    assert len(counties) == 2849
    historical = [c for c, info in regions.items() if info.historical]
    assert len(historical) + CURRENT_CODES == len(regions)
    assert not set(historical) & set(current.tolist())


def test_known_current_and_historical_examples() -> None:
    regions = known_regions()
    assert regions[510104].name == "锦江区" and not regions[510104].historical
    assert regions[110105].name == "朝阳区" and not regions[110105].historical
    assert regions[110103].name == "崇文区" and regions[110103].historical  # merged in 2010
    np.testing.assert_array_equal(is_current_region([510104, 110103]), [True, False])
    # a historical code stays valid as the address code of an identity number
    np.testing.assert_array_equal(is_known_region([110103, 990000]), [True, False])
    [number] = make_resident_ids([110103], np.array(["1980-01-01"], "datetime64[D]"), [1])
    assert safetynet.calc("id_check", {"id": str(number)})["valid"] is True


def test_separately_planned_cities_are_flagged_with_their_districts() -> None:
    planned = {c for c, info in known_regions().items() if info.separately_planned}
    assert planned == {210200, 330200, 350200, 370200, 440300}
    np.testing.assert_array_equal(
        separately_planned_city([440304, 440300, 440106, 330203, 110105]),
        [440300, 440300, 0, 330200, 0],
    )
