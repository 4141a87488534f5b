"""The statutory retirement month of many persons, computed once per distinct cohort.

A population has millions of persons but only a few thousand distinct (birth month, category)
pairs, so the retirement rule runs on the distinct pairs and the answer is spread back.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safetynet.policy.parameters import ParameterSet
from safetynet.policy.rules.retirement import CATEGORIES, statutory_retirement

EARLIEST_RULE_COHORT = 1948 * 12
"""Born from 1948-01, even the original age 50 is reached after 1998-01, where the retirement
rule's parameters begin; earlier cohorts were never delayed."""


def statutory_months(
    p: ParameterSet, birth_month: npt.NDArray[np.int64], category: npt.NDArray[np.integer]
) -> npt.NDArray[np.int64]:
    """Statutory retirement month per person (``category`` as codes of :data:`CATEGORIES`).

    Cohorts born before :data:`EARLIEST_RULE_COHORT` are evaluated as that cohort and shifted
    back by the same number of months (their age is the original one)."""
    if len(birth_month) == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.asarray(birth_month, dtype=np.int64) * len(CATEGORIES) + category
    distinct, inverse = np.unique(key, return_inverse=True)
    months = distinct // len(CATEGORIES)
    clipped = np.maximum(months, EARLIEST_RULE_COHORT)
    labels = np.asarray(CATEGORIES)[distinct % len(CATEGORIES)]
    statutory = statutory_retirement(p, clipped, labels)["retirement_month"] - (clipped - months)
    return np.asarray(statutory[inverse], dtype=np.int64)
