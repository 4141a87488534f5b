"""Portal benchmark: the analyst's comparison and a citizen's pension outlook.

Targets (issue 12): a comparison run (< 1 s) for the page; side by side: one built-in scenario,
two (baseline and no_reform), and two plus the custom variant with every override; and the
pension outlook of one person (the what-if form's round trip, without HTTP), which runs the
rules kernels once per projected year.
Run: ``.venv/bin/python -m benchmarks portal [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from safetynet.domain.access import SYSTEM, Principal, Role
from safetynet.policy.parameters import ParameterSet, default_parameters
from safetynet.services import analysis, my_pension, users
from safetynet.services.demo import seed_demo
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory, upgrade

ANALYST = Principal("bench", Role.ANALYST)
EVERY_OVERRIDE = analysis.Overrides(
    delay_step_months={"male": 2, "female_55": 2, "female_50": 1},
    employer_rate=0.14,
    indexation_rule="cpi",
    fertility_variant="low",
    contribution_density_scale=0.9,
)


def filled_law() -> ParameterSet:
    """Today's law with the 2026+ values carried forward (as the law layer will)."""
    entry = {"source": "MOHRSS-RATES", "confidence": "C"}
    return default_parameters().with_overrides(
        {
            "pension.account.interest_rate": {
                "national": [{"from": "2026-01-01", "value": 0.015, **entry}]
            },
            "pension.employee.calculation_base": {
                "110000": [{"from": "2026-01-01", "value": 12049, **entry, "source": "BJ2025-13"}]
            },
        }
    )


def timings(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float], first: float | None = None) -> None:
    cold = f"; first {first:.3f} s" if first is not None else ""
    print(f"{label}: best {min(times):.3f} s, median {statistics.median(times):.3f} s{cold}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    analysis.compare(ANALYST, ["baseline"])
    first = time.perf_counter() - start
    one = timings(lambda: analysis.compare(ANALYST, ["baseline"]), args.repeat)
    two = timings(lambda: analysis.compare(ANALYST, ["baseline", "no_reform"]), args.repeat)
    three = timings(
        lambda: analysis.compare(ANALYST, ["baseline", "no_reform"], EVERY_OVERRIDE), args.repeat
    )
    report("comparison, baseline to 2070", one, first)
    report("comparison, baseline + no_reform", two)
    report("comparison, baseline + no_reform + custom (every override)", three)
    print(
        f"  ratio two/one {statistics.median(two) / statistics.median(one):.2f}, "
        f"three/one {statistics.median(three) / statistics.median(one):.2f} (target < 1 s)"
    )
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        uow = UnitOfWork(session_factory(engine))
        seed_demo(uow)
        citizen = users.principal_of(users.get_user(uow, "citizen"))
        assert citizen.person_id is not None
        person = citizen.person_id
        outlook = timings(lambda: my_pension.outlook(uow, citizen, person), args.repeat)
        report("pension outlook of the demo citizen (stops at an unpublished 2026 value)", outlook)
        law = filled_law()
        full = timings(lambda: my_pension.outlook(uow, SYSTEM, 3, parameters=law), args.repeat)
        report("pension outlook to 2053 (27 years credited), unpublished values filled", full)
        engine.dispose()


if __name__ == "__main__":
    main()
